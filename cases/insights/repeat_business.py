"""Repeat business after a recovery (issue 23, item 4), in the manner of
figures.py: one aggregate query over the period and the one before it.

A case counts in the period it closed. Of the cases closed as recovered:
those with a new order recorded (Case.repeat_order_on and _value, in the
team's currency), its total and median value; those that rest on a client's
check-in answer instead; and those closed before Mend asked for evidence.
"""

from decimal import Decimal

from django.db.models import Count, Q, Sum

from cases.aggregates import Median
from cases.choices import Outcome
from cases.insights.figures import WINDOWS
from cases.insights.period import Period
from cases.insights.reads import Scope
from cases.insights.text import money_text

RECOVERED = Q(outcome=Outcome.RECOVERED)
WITH_ORDER = RECOVERED & Q(repeat_order_on__isnull=False)
ON_CHECK_IN = RECOVERED & Q(repeat_order_on__isnull=True, repeat_check_in__isnull=False)


def repeat_business_figures(scope: Scope, period: Period) -> dict:
    """Counts and values for each window ("cur", "prev"), by closing date."""
    aggregates = {}
    for name, window in zip(WINDOWS, (period, period.previous), strict=True):
        closed = window.moments("closed_at")
        aggregates |= {
            f"recovered_{name}": Count("pk", filter=closed & RECOVERED),
            f"orders_{name}": Count("pk", filter=closed & WITH_ORDER),
            f"total_{name}": Sum("repeat_order_value", filter=closed & WITH_ORDER),
            f"median_{name}": Median("repeat_order_value", filter=closed & WITH_ORDER),
            f"check_in_{name}": Count("pk", filter=closed & ON_CHECK_IN),
        }
    return scope.cases.filter(period.span.moments("closed_at")).aggregate(**aggregates)


def repeat_business_section(scope: Scope, period: Period, currency: str) -> dict:
    """What the page's "Repeat business after a recovery" section shows."""
    found = repeat_business_figures(scope, period)
    out = {}
    for name in WINDOWS:
        recovered = found[f"recovered_{name}"]
        orders = found[f"orders_{name}"]
        check_in = found[f"check_in_{name}"]
        median = found[f"median_{name}"]
        out[name] = {
            "recovered": recovered,
            "orders": orders,
            "total": money_text(found[f"total_{name}"] or Decimal(0), currency),
            "median": money_text(Decimal(str(median)), currency) if orders else "—",
            "check_in": check_in,
            "no_evidence": recovered - orders - check_in,
        }
    return out
