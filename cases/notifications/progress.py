"""When the next progress report to the client is due: the one rule the case
page, the owner's home and the reminders share.

Reports may be sent from the first conversation with the client
(workflow.REPORTING_STEPS); the clock runs once the client has been reached,
from the day the case first entered Apologise. Each report sent restarts it:
the next report is due `progress_cadence_days` after the later of that day
and the last report's, counted in the owner's local dates (the zone of their
mail calendar, cases.notifications.hours). While a due report is not sent,
each further `progress_cadence_days` starts a new period to remind of.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from cases.calendar import user_zone
from cases.choices import Step
from cases.models import Case, ProgressReport, StepPeriod

# The steps whose clock runs: the client has heard from us (past Communicate).
REMINDED_STEPS = (Step.APOLOGISE, Step.COMPENSATE, Step.FOLLOW_UP)

# The cadences a case may have: a day at the shortest, a quarter at the most
# (beyond that the client is not being kept informed).
MIN_CADENCE_DAYS = 1
MAX_CADENCE_DAYS = 90


def with_report_clock(cases: QuerySet) -> QuerySet:
    """`cases` with what report_due_on needs, in the same query: the moment
    the clock first started (`report_anchor`) and the last report's
    (`last_report_at`, None before the first)."""
    first_left_communicate = (
        StepPeriod.objects.filter(case=OuterRef("pk"), step=Step.APOLOGISE)
        .order_by("entered_at")
        .values("entered_at")[:1]
    )
    last_report = (
        ProgressReport.objects.filter(case=OuterRef("pk"))
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )
    return cases.annotate(
        report_anchor=Coalesce(Subquery(first_left_communicate), F("step_entered_at")),
        last_report_at=Subquery(last_report),
    )


def report_due_on(
    *,
    step: str,
    cadence: int,
    anchor: dt.datetime | None,
    last_sent: dt.datetime | None,
    zone: ZoneInfo,
) -> dt.date | None:
    """The day the next progress report is due, in `zone`; None while the
    clock does not run (before Apologise, after closing, no cadence)."""
    if step not in REMINDED_STEPS or cadence <= 0 or anchor is None:
        return None
    start = anchor.astimezone(zone).date()
    if last_sent is not None:
        start = max(start, last_sent.astimezone(zone).date())
    return start + dt.timedelta(days=cadence)


def case_report_due_on(case: Case, zone: ZoneInfo | None = None) -> dt.date | None:
    """report_due_on for a case read through with_report_clock, in the
    owner's zone unless given (select_related owner and team: no query)."""
    if zone is None:
        zone = user_zone(case.owner, case.team)
    return report_due_on(
        step=case.step,
        cadence=case.progress_cadence_days,
        anchor=case.report_anchor,
        last_sent=case.last_report_at,
        zone=zone,
    )


def report_period(due_on: dt.date | None, cadence: int, today: dt.date):
    """The start of the period the owner is reminded of on `today`: the due
    day, then every `cadence` days after it while no report is sent; None
    before the due day."""
    if due_on is None or today < due_on:
        return None
    days = (today - due_on).days
    return due_on + dt.timedelta(days=days - days % cadence)
