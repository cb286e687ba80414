"""Reminders to a case's owner: follow-ups and promises before and on their
day, and the progress report due to the client every few days."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.db.models import Max, OuterRef, Q, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Greatest
from django.utils import dateformat, translation

from cases.choices import FollowUpStatus, NotificationKind, PromiseStatus, Step
from cases.models import Case, FollowUp, OutboxMessage, Promise, User
from cases.notifications.hours import CASE_TEAM_CLOSURES, MailCalendars
from cases.notifications.ids import message_domain
from cases.notifications.moments import (
    LOOKBACK,
    arrived,
    claim_rows,
    local_morning,
    sensible_time,
    wants,
)
from cases.notifications.progress import (
    REMINDED_STEPS,
    case_report_due_on,
    report_period,
    with_report_clock,
)
from cases.notifications.record import Owed, outbox_record

Kind = NotificationKind

# A lead time beyond a month is not a reminder any more; it also bounds the
# window of dates the reminder query reads.
MAX_LEAD_DAYS = 30

# Progress reports run once the client has heard from us (past Communicate).
PROGRESS_STEPS = REMINDED_STEPS


@lru_cache(maxsize=64)
def _day_text(day: dt.date, language: str | None) -> str:
    return dateformat.format(day, "l j F")


def _day(day: dt.date) -> str:
    # A sweep writes the same few dates thousands of times.
    return _day_text(day, translation.get_language())


def _lead_window(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The due dates a reminder may be due for now, in any time zone."""
    longest = User.objects.filter(is_active=True).aggregate(
        longest=Max("reminder_lead_days")
    )["longest"]
    lead = dt.timedelta(days=min(longest or 0, MAX_LEAD_DAYS))
    # A day either side covers the distance from UTC to any local date.
    start = (now - LOOKBACK).astimezone(dt.UTC).date() - dt.timedelta(days=1)
    end = (now + lead).astimezone(dt.UTC).date() + dt.timedelta(days=1)
    return start, end


def remind(
    *,
    now: dt.datetime,
    case: Case,
    kind: str,
    key: str,
    due_on: dt.date,
    context,
    calendars: MailCalendars | None = None,
) -> list[Owed]:
    """The lead and on-the-day reminders about `due_on`, to the case's owner.

    On the day: the owner's opening time on the due date. Lead: their opening
    `reminder_lead_days` before. Both are moved to a sensible time (a
    Saturday or a holiday is reminded on the next working day); the lead one
    is dropped when it would come with or after the one on the day, or once
    that one has come.
    """
    owner = case.owner
    if not wants(owner, kind):
        return []
    calendar = (calendars or MailCalendars())(owner, case.team)
    zone = calendar.zone
    day_at = sensible_time(local_morning(due_on, calendar), calendar)
    owed = []
    lead = min(owner.reminder_lead_days, MAX_LEAD_DAYS)
    if lead > 0:
        lead_at = sensible_time(
            local_morning(due_on - dt.timedelta(days=lead), calendar), calendar
        )
        if lead_at < day_at and now < day_at and arrived(lead_at, now, calendar):
            owed.append(
                _reminder(
                    case, kind, f"{key}:{due_on}:lead", lead_at, due_on, zone, context
                )
            )
    if arrived(day_at, now, calendar):
        owed.append(
            _reminder(case, kind, f"{key}:{due_on}:day", day_at, due_on, zone, context)
        )
    return owed


def _reminder(case, kind, key, at, due_on, zone, context) -> Owed:
    return Owed(
        case=case,
        kind=kind,
        recipient=case.owner,
        key=key,
        due_at=at,
        context={
            **context,
            "due_on": due_on.isoformat(),
            "due_on_text": _day(due_on),
            # 0: due the day the message arrives; more: days ahead; less: late.
            "days_left": (due_on - at.astimezone(zone).date()).days,
            "when": "lead" if key.endswith(":lead") else "day",
        },
    )


def _dated_reminders(now, rows, *, kind, key, context) -> int:
    """Remind each row's case owner before and on the row's due date.

    `rows` are follow-ups or promises still open; `key` and `context` give the
    row's key prefix and the message's words.
    """
    start, end = _lead_window(now)
    rows = claim_rows(
        rows.filter(due_on__range=(start, end), case__owner__is_active=True)
        .exclude(case__step=Step.CLOSED)
        .select_related("case__owner", "case__team", "case__client")
        .prefetch_related(f"case__{CASE_TEAM_CLOSURES}")
        .order_by("due_on", "pk")
    )
    calendars = MailCalendars()
    owed = []
    for row in rows:
        owed += remind(
            now=now,
            case=row.case,
            kind=kind,
            key=key(row),
            due_on=row.due_on,
            context=context(row),
            calendars=calendars,
        )
    return outbox_record(owed)


def follow_up_reminders(now: dt.datetime) -> int:
    """Scheduled follow-ups of open cases, to the owner, before and on the day."""
    return _dated_reminders(
        now,
        FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED),
        kind=Kind.FOLLOW_UP_REMINDER,
        key=follow_up_key,
        context=follow_up_context,
    )


def follow_up_key(fu: FollowUp) -> str:
    return f"follow_up:{fu.pk}"


def follow_up_context(fu: FollowUp) -> dict:
    return {
        "title": f"Follow-up with {fu.case.client}: {fu.purpose}",
        "uid": f"mend-follow-up-{fu.pk}@{message_domain()}",
        "purpose": fu.purpose,
    }


def promise_reminders(now: dt.datetime) -> int:
    """Open promises of open cases, to the owner, before and on the day."""
    return _dated_reminders(
        now,
        Promise.objects.filter(status=PromiseStatus.OPEN),
        kind=Kind.PROMISE_REMINDER,
        key=lambda p: f"promise:{p.pk}",
        context=lambda p: {
            "title": f"Promise to {p.case.client}: {p.description}",
            "uid": f"mend-promise-{p.pk}@{message_domain()}",
            "description": p.description,
        },
    )


def progress_reminders(now: dt.datetime) -> int:
    """A progress report to the client every `progress_cadence_days`.

    When each report is due is cases.notifications.progress: a whole cadence
    after the case first entered Apologise or after the last report sent,
    whichever is later, in the owner's time zone. A reminder is due at the
    owner's opening time on the due day (on a day off: the next working
    day's), and again each cadence after it while no report is sent. Only the
    latest period is reminded of, and never twice within a cadence: a case
    whose owner was reminded of a period that started less than a cadence
    before this one (a cadence shortened after its reminder, say) waits for
    the next. One query per distinct cadence (usually one: weekly); a case
    whose owner was already reminded of the current period is not even read.
    """
    last_reminded = (
        OutboxMessage.objects.filter(
            case=OuterRef("pk"),
            recipient=OuterRef("owner_id"),
            kind=Kind.PROGRESS_REPORT,
        )
        .annotate(period=KT("context__period_start"))
        .order_by("-period")
        .values("period")[:1]
    )
    cases = Case.objects.filter(
        step__in=PROGRESS_STEPS,
        owner__is_active=True,
        progress_cadence_days__gt=0,
    )
    cadences = list(
        cases.order_by("progress_cadence_days")
        .values_list("progress_cadence_days", flat=True)
        .distinct()
    )
    calendars = MailCalendars()
    owed = []
    for cadence in cadences:
        due = with_report_clock(cases.filter(progress_cadence_days=cadence))
        due = due.annotate(
            report_base=Greatest(
                "report_anchor", Coalesce("last_report_at", "report_anchor")
            ),
            last_reminded=Subquery(last_reminded),
        )
        # The first reminder comes a whole period after the clock started (a
        # local date, so up to a day earlier in UTC).
        due = due.filter(report_base__lte=now - dt.timedelta(days=cadence - 1))
        if cadence > 3:
            # By the period each reminder is about, not its due_at: a holiday
            # may move the last period's reminder well into this period. The
            # current period started at most cadence - 1 local days ago, and
            # a local date is within a day of UTC's, so one that started after
            # `since` is the current one (or, the cadence shortened, less than
            # a cadence before it: not reminded again either).
            since = (now.astimezone(dt.UTC) - dt.timedelta(days=cadence - 2)).date()
            due = due.filter(
                Q(last_reminded__isnull=True) | Q(last_reminded__lte=since.isoformat())
            )
        due = claim_rows(
            due.select_related("owner", "team", "client")
            .prefetch_related(CASE_TEAM_CLOSURES)
            .order_by("pk")
        )
        for case in due:
            owed += _progress_reminder(case, cadence, now, calendars)
    return outbox_record(owed)


def _progress_reminder(
    case: Case, cadence: int, now: dt.datetime, calendars: MailCalendars
) -> list[Owed]:
    owner = case.owner
    if not wants(owner, Kind.PROGRESS_REPORT):
        return []
    calendar = calendars(owner, case.team)
    zone = calendar.zone
    due_on = case_report_due_on(case, zone)
    period_start = report_period(due_on, cadence, now.astimezone(zone).date())
    if period_start is None:
        return []
    reminded = case.last_reminded
    if reminded and reminded > (period_start - dt.timedelta(days=cadence)).isoformat():
        # Reminded within a cadence before this period (this one, or the
        # cadence was shortened since): one reminder per cadence.
        return []
    at = sensible_time(local_morning(period_start, calendar), calendar)
    if not arrived(at, now, calendar):
        return []
    message = Owed(
        case=case,
        kind=Kind.PROGRESS_REPORT,
        recipient=owner,
        key=f"progress:{period_start.isoformat()}",
        due_at=at,
        context={
            "period_start": period_start.isoformat(),
            "cadence_days": cadence,
            "step": case.step_label,
        },
    )
    return [message]
