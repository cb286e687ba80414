"""The figures of the insights page, each one aggregate query over a period.

Every query covers the chosen period and the one before it at once (figures
filtered per period inside the aggregate), so the count of queries is fixed
whatever the number of cases. They read what the services keep on the rows
(a case's first contact, a visit's business hours and whether it ran over)
and pick a case's records by the team id each one stores, through an index
on (team, date): never a list of every case in view. Which event places a
record in a period:
cases by when they were logged or closed, step visits by when they began,
follow-ups and promises by their due date, compensation by its delivery date
(check-ins: check_ins.py).
"""

import datetime as dt

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)
from django.db.models.functions import TruncMonth, TruncWeek

from cases.aggregates import Median
from cases.choices import Answer, FollowUpStatus, Outcome, PromiseStatus, Step
from cases.insights.period import Period
from cases.insights.reads import Scope
from cases.models import (
    CasePart,
    Compensation,
    FollowUp,
    Promise,
    RootCauseAnswer,
    StepPeriod,
)

WINDOWS = ("cur", "prev")
KEPT_OUTCOMES = (Outcome.RECOVERED, Outcome.RETAINED)


def _windows(period: Period) -> dict[str, Period]:
    return {"cur": period, "prev": period.previous}


def _since(start: dt.datetime, field: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(field) - F(start), output_field=DurationField())


def case_figures(scope: Scope, period: Period) -> dict:
    """Logged, closed, outcomes and the median times from detection."""
    aggregates = {}
    for name, window in _windows(period).items():
        opened = window.moments("opened_at")
        closed = window.moments("closed_at")
        aggregates |= {
            f"opened_{name}": Count("pk", filter=opened),
            f"closed_{name}": Count("pk", filter=closed),
            f"to_alert_{name}": Median(
                _since("detected_at", "opened_at"), filter=opened
            ),
            f"to_contact_{name}": Median(
                _since("detected_at", "first_contact_at"), filter=opened
            ),
            f"to_close_{name}": Median(
                _since("detected_at", "closed_at"), filter=closed
            ),
        }
        for outcome in Outcome:
            aggregates[f"{outcome.value}_{name}"] = Count(
                "pk", filter=closed & Q(outcome=outcome)
            )
    span = period.span
    return scope.cases.filter(
        span.moments("opened_at") | span.moments("closed_at")
    ).aggregate(**aggregates)


def step_figures(scope: Scope, period: Period, now: dt.datetime) -> dict:
    """Per step: visits begun in each period, their median length, how many ran over."""
    # Finished after its target, or still running past it.
    over = Q(ran_over=True) | Q(completed_at__isnull=True, due_at__lt=now)
    aggregates = {}
    for name, window in _windows(period).items():
        began = window.moments("entered_at")
        aggregates |= {
            f"visits_{name}": Count("pk", filter=began),
            f"over_{name}": Count("pk", filter=began & over),
            f"median_{name}": Median(
                _since("entered_at", "completed_at"),
                filter=began & Q(completed_at__isnull=False),
            ),
            # Business hours of the visits over, and the hours paused in them.
            f"worked_{name}": Sum(
                "business_hours", filter=began & Q(completed_at__isnull=False)
            ),
            f"paused_{name}": Sum(
                "paused_hours", filter=began & Q(completed_at__isnull=False)
            ),
        }
    rows = (
        scope.records(StepPeriod)
        .filter(period.span.moments("entered_at"))
        .exclude(step=Step.CLOSED)
        .values("step")
        .annotate(**aggregates)
        .order_by()
    )
    return {row["step"]: row for row in rows}


def follow_through(scope: Scope, period: Period) -> dict:
    """Follow-ups and promises falling due in each period, and what became of
    them: on time (on the day, or before it without being marked early),
    early (settled before the day, with a reason), late or missed."""
    by_the_day = Q(settled_at__date__lte=F("due_on"))
    early = Q(settled_early=True)
    on_time = by_the_day & ~early
    follow_ups, promises = {}, {}
    for name, window in _windows(period).items():
        due = window.dates("due_on")
        done = due & Q(status=FollowUpStatus.DONE)
        kept = due & Q(status=PromiseStatus.KEPT)
        follow_ups |= {
            f"due_{name}": Count("pk", filter=due),
            f"on_time_{name}": Count("pk", filter=done & on_time),
            f"early_{name}": Count("pk", filter=done & early),
            f"late_{name}": Count("pk", filter=done & ~by_the_day),
            f"missed_{name}": Count("pk", filter=due & Q(status=FollowUpStatus.MISSED)),
        }
        promises |= {
            f"due_{name}": Count("pk", filter=due),
            f"on_time_{name}": Count("pk", filter=kept & on_time),
            f"early_{name}": Count("pk", filter=kept & early),
            f"late_{name}": Count("pk", filter=kept & ~by_the_day),
            f"missed_{name}": Count("pk", filter=due & Q(status=PromiseStatus.MISSED)),
        }
    span = period.span.dates("due_on")
    return {
        "follow_ups": scope.records(FollowUp).filter(span).aggregate(**follow_ups),
        "promises": scope.records(Promise).filter(span).aggregate(**promises),
    }


def compensation_figures(scope: Scope, period: Period) -> dict:
    """Compensation delivered in each period against the guideline."""
    aggregates = {}
    for name, window in _windows(period).items():
        given = window.dates("delivered_on")
        aggregates |= {
            f"count_{name}": Count("pk", filter=given),
            f"value_{name}": Sum("value_to_client", filter=given),
            f"cost_{name}": Sum("cost_to_us", filter=given),
            f"guideline_{name}": Sum("guideline", filter=given),
            f"under_{name}": Count(
                "pk", filter=given & Q(value_to_client__lt=F("guideline"))
            ),
        }
    return (
        scope.records(Compensation)
        .filter(period.span.dates("delivered_on"))
        .aggregate(**aggregates)
    )


def _logged_in(period: Period, prefix: str = "case__") -> dict[str, Q]:
    return {
        name: window.moments(f"{prefix}opened_at")
        for name, window in _windows(period).items()
    }


def cause_figures(scope: Scope, period: Period) -> dict:
    """ "Our part" and the root-cause questions answered No, ranked, for cases
    logged in each period; and the same for this period by team and by owner.
    (These records carry no date of their own: the cases logged in the
    period pick them, through the case's (team, opened_at) index.)"""
    logged = _logged_in(period)
    cases = scope.cases
    in_span = {"case__in": cases.filter(period.span.moments("opened_at")).values("pk")}
    in_period = {"case__in": cases.filter(period.moments("opened_at")).values("pk")}
    parts = CasePart.objects.using(scope.using)
    gaps = RootCauseAnswer.objects.using(scope.using).filter(answer=Answer.NO)
    return {
        "parts": list(
            parts.filter(**in_span)
            .values("part")
            .annotate(**{n: Count("pk", filter=q) for n, q in logged.items()})
            .order_by()
        ),
        "gaps": list(
            gaps.filter(**in_span)
            .values("question")
            .annotate(**{n: Count("pk", filter=q) for n, q in logged.items()})
            .order_by()
        ),
        "parts_by_owner": list(
            parts.filter(**in_period)
            .values("case__team", "case__owner", "part")
            .annotate(n=Count("pk"))
            .order_by()
        ),
        "gaps_by_owner": list(
            gaps.filter(**in_period)
            .values("case__team", "case__owner", "question")
            .annotate(n=Count("pk"))
            .order_by()
        ),
    }


def people_figures(scope: Scope, period: Period) -> list[dict]:
    """Cases logged and closed in the period per team and owner, with outcomes."""
    logged, closed = period.moments("opened_at"), period.moments("closed_at")
    return list(
        scope.cases.filter(logged | closed)
        .values(
            "team",
            "team__name",
            "owner",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
        )
        .annotate(
            logged=Count("pk", filter=logged),
            closed=Count("pk", filter=closed),
            kept=Count("pk", filter=closed & Q(outcome__in=KEPT_OUTCOMES)),
        )
        .order_by()
    )


def step_time_figures(scope: Scope, period: Period) -> list[dict]:
    """Per team and owner: business hours of the step visits begun in the
    period and over, and how many of them the clock stood paused."""
    return list(
        scope.records(StepPeriod)
        .filter(period.moments("entered_at"), completed_at__isnull=False)
        .exclude(step=Step.CLOSED)
        .values("case__team", "case__owner")
        .annotate(worked=Sum("business_hours"), paused=Sum("paused_hours"))
        .order_by()
    )


def repeat_clients(scope: Scope, period: Period, limit: int = 15) -> list[dict]:
    """Clients with more than one case logged in the period, with every
    client-fit verdict recorded for them (from any period)."""
    cases = scope.cases
    clients = list(
        cases.filter(period.moments("opened_at"))
        .values("client", "client__name", "team__name")
        .annotate(
            n=Count("pk"),
            still_open=Count("pk", filter=~Q(step=Step.CLOSED)),
        )
        .filter(n__gte=2)
        .order_by("-n", "client__name")[:limit]
    )
    verdicts = (
        cases.filter(client__in=[c["client"] for c in clients], step=Step.CLOSED)
        .values("client", "client_fit")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_client: dict[int, dict] = {}
    for row in verdicts:
        by_client.setdefault(row["client"], {})[row["client_fit"]] = row["n"]
    for client in clients:
        client["verdicts"] = by_client.get(client["client"], {})
    return clients


def trend(scope: Scope, period: Period) -> dict:
    """Cases logged, closed and kept per week (per month for long periods)."""
    cases = scope.cases
    monthly = period.days > 120
    trunc = TruncMonth if monthly else TruncWeek
    logged = dict(
        cases.filter(period.moments("opened_at"))
        .annotate(bucket=trunc("opened_at"))
        .values_list("bucket")
        .annotate(n=Count("pk"))
        .order_by()
    )
    closed = {
        bucket: (n, kept)
        for bucket, n, kept in cases.filter(period.moments("closed_at"))
        .annotate(bucket=trunc("closed_at"))
        .values_list("bucket")
        .annotate(n=Count("pk"), kept=Count("pk", filter=Q(outcome__in=KEPT_OUTCOMES)))
        .order_by()
    }
    return {"monthly": monthly, "logged": logged, "closed": closed}
