"""Reminders to a case's owner: follow-ups and promises before and on their
day, and the progress report due to the client every few days."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.db.models import Exists, F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import dateformat, translation

from cases.choices import FollowUpStatus, NotificationKind, PromiseStatus, Step
from cases.models import Case, FollowUp, OutboxMessage, Promise, StepPeriod, User
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
from cases.notifications.record import Owed, outbox_record

Kind = NotificationKind

# A lead time beyond a month is not a reminder any more; it also bounds the
# window of dates the reminder query reads.
MAX_LEAD_DAYS = 30

# Progress reports run once the client has heard from us (past Communicate).
PROGRESS_STEPS = (Step.APOLOGISE, Step.COMPENSATE, Step.FOLLOW_UP)


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

    Periods count from the day the case first left Communicate (entered
    Apologise), in the owner's time zone; a reminder is due at the owner's
    opening time on the first day of each period after the first (on a day
    off: the next working day's). Only the latest period is reminded of. One
    query per distinct cadence (usually one: weekly); a case whose owner was
    already reminded of a period that started within the cadence (so the
    current one) is not even read.
    """
    first_left_communicate = (
        StepPeriod.objects.filter(case=OuterRef("pk"), step=Step.APOLOGISE)
        .order_by("entered_at")
        .values("entered_at")[:1]
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
        due = cases.filter(progress_cadence_days=cadence).annotate(
            anchor=Coalesce(Subquery(first_left_communicate), F("step_entered_at"))
        )
        # The first reminder comes a whole period after the anchor (a local
        # date, so up to a day earlier in UTC).
        due = due.filter(anchor__lte=now - dt.timedelta(days=cadence - 1))
        if cadence > 3:
            # By the period each reminder is about, not its due_at: a holiday
            # may move the last period's reminder well into this period. The
            # current period started at most cadence - 1 local days ago, and
            # a local date is within a day of UTC's, so one that started after
            # `since` is the current one.
            since = (now.astimezone(dt.UTC) - dt.timedelta(days=cadence - 2)).date()
            recent = OutboxMessage.objects.filter(
                case=OuterRef("pk"),
                recipient=OuterRef("owner_id"),
                kind=Kind.PROGRESS_REPORT,
                context__period_start__gt=since.isoformat(),
            )
            due = due.filter(~Exists(recent))
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
    anchor = case.anchor.astimezone(zone).date()
    days = (now.astimezone(zone).date() - anchor).days
    if days < cadence:
        return []
    period_start = anchor + dt.timedelta(days=days - days % cadence)
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
