"""The sales manager's dashboard: every figure is one aggregate query."""

import datetime as dt
from collections import Counter

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncWeek
from django.utils import timezone

from cases.choices import (
    Approval,
    FollowUpStatus,
    OurPart,
    PauseReason,
    PromiseStatus,
    Severity,
    Step,
)
from cases.models import (
    Case,
    CasePart,
    Compensation,
    FollowUp,
    Notice,
    Promise,
    StepPause,
    User,
)
from cases.workflow import WORKING_STEPS

WEEKS = 12


def _bars(rows: list[tuple[str, int]]) -> dict:
    """Rows of (label, value) with their share of the largest, for a bar chart."""
    top = max((value for _, value in rows), default=0) or 1
    return {
        "rows": [
            {"label": label, "value": value, "width": round(100 * value / top, 1)}
            for label, value in rows
        ],
        "total": sum(value for _, value in rows),
    }


def dashboard(user: User, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_end = today + dt.timedelta(days=7)
    visible = Case.objects.for_user(user, "view")
    open_cases = visible.exclude(step=Step.CLOSED)
    missed = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.MISSED)

    # Counts by step, by severity and by clock in one pass over the open cases,
    # grouped by (step, severity) and added up here.
    by_step, by_severity = Counter(), Counter()
    clocks = Counter()
    for step, severity, n, overdue, due_soon, paused in (
        open_cases.values_list("step", "severity")
        .annotate(
            n=Count("id"),
            overdue=Count("id", filter=Q(step_due_at__lt=now)),
            due_soon=Count("id", filter=Q(step_warn_at__lte=now, step_due_at__gte=now)),
            paused=Count("id", filter=Q(step_paused_at__isnull=False)),
        )
        .order_by()
    ):
        by_step[step] += n
        by_severity[severity] += n
        clocks.update(overdue=overdue, due_soon=due_soon, paused=paused)
    urgent = list(
        # A paused clock whose target is not reached yet has no due moment:
        # it is listed with the paused ones below instead.
        open_cases.filter(step_warn_at__lte=now, step_due_at__isnull=False)
        .select_related("client", "owner")
        .order_by("step_due_at")[:10]
    )
    # Clocks standing still, longest first, with why and until when (one
    # query: the running pause's fields come as subqueries).
    running = StepPause.objects.filter(case=OuterRef("pk"), ended_at__isnull=True)
    paused = list(
        open_cases.filter(step_paused_at__isnull=False)
        .annotate(
            pause_reason=Subquery(running.values("reason")[:1]),
            pause_note=Subquery(running.values("note")[:1]),
            pause_until=Subquery(running.values("until")[:1]),
        )
        .select_related("client", "owner")
        .order_by("step_paused_at", "pk")[:10]
    )
    for case in paused:
        case.pause_reason_label = PauseReason(case.pause_reason).label
    # Offers waiting on the cases the user manages: those they may decide,
    # and (four eyes) those someone else must, such as their own.
    pending = (
        Compensation.objects.filter(
            case__in=Case.objects.for_user(user, "manage").open(),
            approval=Approval.PENDING,
        )
        .with_may_decide(user)
        .order_by("case__opened_at", "created_at")
    )
    awaiting = list(
        open_cases.filter(Exists(pending.filter(case=OuterRef("pk"), may_decide=True)))
        .select_related("client", "owner")
        .order_by("opened_at")[:10]
    )
    awaiting_others = list(
        pending.filter(may_decide=False).select_related("case__client", "offered_by")[
            :10
        ]
    )
    # Ranked on narrow rows first, then only the ten shown are read in full
    # with their client and owner; the count is a subquery per case.
    missed_count = Subquery(
        missed.order_by().values("case").annotate(n=Count("id")).values("n")
    )
    ranked = (
        open_cases.filter(Exists(missed))
        .annotate(missed=missed_count)
        .order_by("-missed", "opened_at")
        .values("pk")[:10]
    )
    second_drops = list(
        Case.objects.filter(pk__in=ranked)
        .select_related("client", "owner")
        .annotate(missed=missed_count)
        .order_by("-missed", "opened_at")
    )
    follow_ups = list(
        FollowUp.objects.filter(
            case__in=open_cases,
            status=FollowUpStatus.SCHEDULED,
            due_on__lte=week_end,
        )
        .select_related("case__client", "case__owner")
        .order_by("due_on")[:15]
    )
    promises = list(
        Promise.objects.filter(
            case__in=open_cases, status=PromiseStatus.OPEN, due_on__lte=week_end
        )
        .select_related("case__client", "case__owner")
        .order_by("due_on")[:15]
    )

    since = today - dt.timedelta(weeks=WEEKS)
    # The first moment of the day after `since`, in the current time zone: a
    # plain range on the column can use its index, where `__date__gt` cannot.
    start = timezone.make_aware(
        dt.datetime.combine(since + dt.timedelta(days=1), dt.time.min)
    )
    opened = dict(
        visible.filter(opened_at__gte=start)
        .annotate(week=TruncWeek("opened_at"))
        .values_list("week")
        .annotate(n=Count("id"))
        .order_by()
    )
    closed = dict(
        visible.filter(closed_at__gte=start)
        .annotate(week=TruncWeek("closed_at"))
        .values_list("week")
        .annotate(n=Count("id"))
        .order_by()
    )
    parts = dict(parts_of(open_cases))
    return {
        "now": now,
        "today": today,
        "open_total": sum(by_step.values()),
        "overdue": clocks["overdue"],
        "due_soon": clocks["due_soon"],
        "paused_total": clocks["paused"],
        "paused": paused,
        "by_step": _bars([(s.label, by_step.get(s.value, 0)) for s in WORKING_STEPS]),
        "by_severity": _bars(
            [(s.value.capitalize(), by_severity.get(s.value, 0)) for s in Severity]
        ),
        "by_part": _bars(
            sorted(
                ((OurPart(p).label, n) for p, n in parts.items()),
                key=lambda row: -row[1],
            )
        ),
        "weeks": _weekly(opened, closed, today),
        "urgent": urgent,
        "awaiting": awaiting,
        "awaiting_others": awaiting_others,
        "second_drops": second_drops,
        "follow_ups": follow_ups,
        "promises": promises,
        "new_to_you": Notice.objects.new_to_you(user),
    }


def parts_of(open_cases):
    """(part, number of open cases) for "our part in it". Read through the
    open parts' partial index (casepart_open), not every part ever ticked;
    the join to `open_cases` keeps the figures right whatever the flag says."""
    return (
        CasePart.objects.filter(of_open_case=True, case__in=open_cases)
        .values_list("part")
        # Counting case ids (never empty), not row ids: both are in the
        # index, so PostgreSQL reads it alone, not the table.
        .annotate(n=Count("case"))
        .order_by()
    )


def _week_key(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _weekly(opened: dict, closed: dict, today: dt.date) -> dict:
    """Opened and closed per week for the last WEEKS weeks, oldest first."""
    opened = {_week_key(k): v for k, v in opened.items()}
    closed = {_week_key(k): v for k, v in closed.items()}
    monday = today - dt.timedelta(days=today.weekday())
    weeks = [monday - dt.timedelta(weeks=i) for i in reversed(range(WEEKS))]
    rows = [
        {"week": w, "opened": opened.get(w, 0), "closed": closed.get(w, 0)}
        for w in weeks
    ]
    top = max([r["opened"] for r in rows] + [r["closed"] for r in rows] + [1])
    for index, row in enumerate(rows):
        row["x"] = 40 + index * 45
        row["opened_h"] = round(120 * row["opened"] / top)
        row["closed_h"] = round(120 * row["closed"] / top)
        row["opened_y"] = 140 - row["opened_h"]
        row["closed_y"] = 140 - row["closed_h"]
    return {"rows": rows, "top": top}
