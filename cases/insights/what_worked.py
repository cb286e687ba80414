"""What worked (issue 23, item 3): the figures behind the breakdowns of the
cases closed in the period by how their recovery went.

Two queries, whatever the number of cases: one aggregate over the closed
cases (every group of every breakdown a filtered count in one row), and one
of the compensation each got, grouped by what the verdict needs, since the
verdict is the guideline's own (cases.guideline.judge) and is worked out in
Python. Both read the cases in scope (Scope.cases: by the team id on the
row); the apologies, parts, offers and check-ins are joined to those cases
only.

Each group counts the cases closed in it, recovered (the client bought
again), retained, lost or parted; and of the cases a client answered a
check-in for, those where they said they would buy again (check_ins: one of
their people said yes and none said no).
"""

from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from cases.choices import OurPart, Outcome
from cases.insights.check_ins import SAYS_YES, client_says
from cases.insights.period import Period
from cases.insights.reads import Scope
from cases.models import Apology, CasePart, Compensation

# The three checks of a full apology, as Apology names its ticks (the case
# page's order: casework.timing.CHECKS, a package Insights does not import).
CHECKS = ("named_impact", "owned_our_part", "fix_presented")

# Bands of business hours (the team's calendar, from detection). Mend asks
# for a first word to every affected person within one business day (an
# 8-hour day): within half of it is "at once"; within it is on time; the next
# business day is late but close; beyond that the client has waited days.
CONTACT_BANDS = (
    ("contact_4", "Within 4 business hours", Q(acknowledged_hours__lte=4)),
    (
        "contact_8",
        "4 to 8 business hours",
        Q(acknowledged_hours__gt=4, acknowledged_hours__lte=8),
    ),
    (
        "contact_16",
        "8 to 16 (the next business day)",
        Q(acknowledged_hours__gt=8, acknowledged_hours__lte=16),
    ),
    ("contact_late", "More than 16 business hours", Q(acknowledged_hours__gt=16)),
    ("contact_none", "No word recorded", Q(acknowledged_hours__isnull=True)),
)
# The full apology comes once the fix is presented (DOMAIN.md), so later than
# the first word: within the business day, within three (the usual time to
# find and show a fix), within a working week, or later than that.
APOLOGY_BANDS = (
    ("apology_8", "Within 8 business hours", Q(apology_hours__lte=8)),
    (
        "apology_24",
        "8 to 24 (within 3 business days)",
        Q(apology_hours__gt=8, apology_hours__lte=24),
    ),
    (
        "apology_40",
        "24 to 40 (within a working week)",
        Q(apology_hours__gt=24, apology_hours__lte=40),
    ),
    ("apology_late", "More than 40 business hours", Q(apology_hours__gt=40)),
    ("apology_none", "No full apology recorded", Q(apology_hours__isnull=True)),
)
SECOND = (
    ("first", "First failure for the client", Q(second_failure=False)),
    ("second", "Second failure", Q(second_failure=True)),
)


def check_groups() -> list[tuple[str, str, Q]]:
    """Per check of the full apology, the cases whose every apology had it
    and those with one that lacked it (cases without an apology: neither)."""
    return [
        group
        for name in CHECKS
        for group in (
            (f"{name}_yes", "yes", Q(apologised=True) & ~Q(**{f"lacks_{name}": True})),
            (f"{name}_no", "no", Q(**{f"lacks_{name}": True})),
        )
    ]


def part_groups() -> list[tuple[str, str, Q]]:
    return [
        (f"part_{p.value}", p.label, Q(**{f"part_{p.value}": True})) for p in OurPart
    ]


# What each group counts, beside the cases closed in it.
MEASURES = {
    "recovered": Q(outcome=Outcome.RECOVERED),
    "retained": Q(outcome=Outcome.RETAINED),
    "lost": Q(outcome__in=(Outcome.LOST, Outcome.PARTED)),
    "answered": Q(answered=True),
    "yes": SAYS_YES,
}


def _closed(scope: Scope, period: Period):
    return client_says(scope.cases.filter(period.moments("closed_at")))


def outcome_figures(scope: Scope, period: Period) -> dict:
    """Every group's counts in one row: `<group>_closed` and `<group>_<measure>`."""
    apologies = Apology.objects.using(scope.using).filter(case=OuterRef("pk"))
    parts = CasePart.objects.using(scope.using).filter(case=OuterRef("pk"))
    cases = _closed(scope, period).annotate(
        apologised=Exists(apologies),
        **{
            f"lacks_{name}": Exists(apologies.filter(**{name: False}))
            for name in CHECKS
        },
        **{f"part_{p.value}": Exists(parts.filter(part=p)) for p in OurPart},
    )
    aggregates = {}
    groups = SECOND + CONTACT_BANDS + APOLOGY_BANDS
    for key, _, where in (*groups, *check_groups(), *part_groups()):
        aggregates[f"{key}_closed"] = Count("pk", filter=where)
        for measure, condition in MEASURES.items():
            aggregates[f"{key}_{measure}"] = Count("pk", filter=where & condition)
    return cases.aggregate(**aggregates)


def compensation_figures(scope: Scope, period: Period) -> list[dict]:
    """The closed cases by what they were given: the value of the offers
    delivered to the client, the highest acquisition floor among them (each
    offer keeps the guideline of its day) and the client's loss, each with
    the counts of MEASURES; cases given nothing have a total of 0 and no floor.
    Cases alike in all of these share a row."""
    delivered = Compensation.objects.using(scope.using).filter(
        case=OuterRef("pk"), delivered_on__isnull=False
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    total = delivered.values("case").annotate(v=Sum("value_to_client")).values("v")
    floor = delivered.values("case").annotate(g=Max("guideline")).values("g")
    rows = (
        _closed(scope, period)
        .annotate(
            given=Coalesce(Subquery(total, output_field=money), Value(Decimal(0))),
            floor=Subquery(floor, output_field=money),
        )
        .values("given", "floor", "client_loss")
        .annotate(
            closed=Count("pk"),
            **{m: Count("pk", filter=c) for m, c in MEASURES.items()},
        )
        .order_by()
    )
    return list(rows)
