"""What has fallen due: reminders, step warnings, escalations and the digest.

Beat calls `sweep_due` every minute. It reads what is due from the database and
records outbox rows through `outbox_record`, one batch per part; the sender
delivers them.

When a row is recorded: once its moment has arrived. Each message has a moment
(08:00 local on a follow-up's date, a step's warning point...), moved by
`next_sensible_time` to working hours in the recipient's time zone; the sweep
records the row when that moment is not in the future, with `due_at` set to it.
Nothing is recorded ahead of time, so a follow-up settled, a case closed or
handed to someone else, a user deactivated or a kind muted before the moment
simply means no row: there are no future rows to find and cancel. The content
is read when the message is due, and the sender sends it within a minute.

No message is recorded twice: each key names the due moment (the date of the
follow-up, the start of the progress period, the stored step deadline, the ISO
week of the digest) and `Owed.dedupe_key` adds the recipient, so a second
sweep, or two beats at once, hit the unique `dedupe_key` and record nothing.
Each part also locks the rows it reads (SKIP LOCKED), so two sweeps split the
work instead of both doing it. A new owner has a different key from the old
one, so after a reassignment the new owner gets the next reminder and the old
owner none.

A moment more than CATCH_UP in the past is not recorded: a sweep that was down
for days does not send a flood of stale reminders (the case lists and the
digest show what is late).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import dateformat, timezone, translation

from cases.calendar import REMINDER_START, WorkCalendar, user_zone
from cases.choices import (
    Approval,
    FollowUpStatus,
    NotificationKind,
    PromiseStatus,
    Role,
    Step,
)
from cases.models import (
    Case,
    Client,
    Compensation,
    FollowUp,
    Membership,
    OutboxMessage,
    Promise,
    StepPeriod,
    User,
)
from cases.notifications.ids import message_domain
from cases.notifications.record import Owed, managers_of, outbox_record

logger = logging.getLogger(__name__)

Kind = NotificationKind

# A moment more than this late is no longer worth sending.
CATCH_UP = dt.timedelta(days=1)
# The furthest a moment moves to a sensible time: Friday 18:00 to Monday 08:00
# is 62 hours, plus an hour for a clock change.
MAX_SHIFT = dt.timedelta(hours=63)
# How far back the queries look for moments whose sensible time may just have
# come: shifted by at most MAX_SHIFT, then recorded within CATCH_UP.
LOOKBACK = MAX_SHIFT + CATCH_UP
# A lead time beyond a month is not a reminder any more; it also bounds the
# window of dates the reminder query reads.
MAX_LEAD_DAYS = 30

# Progress reports run once the client has heard from us (past Communicate).
PROGRESS_STEPS = (Step.APOLOGISE, Step.COMPENSATE, Step.FOLLOW_UP)

# The digest: a client with this many cases in the window is a repeat.
REPEAT_CASES = 3
REPEAT_WINDOW = dt.timedelta(days=365)
# Lists in the digest show this many items; the counts are complete.
DIGEST_LIMIT = 25


# Sensible local times: the reminder calendar of cases.calendar.


def sensible_time(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """`moment`, or the next weekday 08:00 in `zone` if it falls outside
    08:00-18:00 or on a weekend. Returned in UTC."""
    return WorkCalendar.for_reminders(zone).next_open(moment)


def next_sensible_time(user: User, moment: dt.datetime, team=None) -> dt.datetime:
    """When a message about `moment` should reach `user`: the moment itself in
    working hours of the user's time zone, else the next weekday 08:00 local.

    Urgent messages (escalations, second drops) follow the same rule: a case
    overdue at 3 a.m. is worth an email at 8, not at 3.
    """
    return sensible_time(moment, user_zone(user, team))


def local_morning(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """08:00 on `day` in `zone`, in UTC."""
    return WorkCalendar.for_reminders(zone).opening(day)


def _arrived(at: dt.datetime, now: dt.datetime) -> bool:
    """The moment has come, and is not so old that the message is stale."""
    return at <= now < at + CATCH_UP


def _wants(user: User, kind: str) -> bool:
    muted = user.muted_kinds if isinstance(user.muted_kinds, list) else []
    return user.is_active and kind not in muted


def _when(moment: dt.datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{dateformat.format(local, 'D j M H:i')} ({zone.key})"


@lru_cache(maxsize=64)
def _day_text(day: dt.date, language: str | None) -> str:
    return dateformat.format(day, "l j F")


def _day(day: dt.date) -> str:
    # A sweep writes the same few dates thousands of times.
    return _day_text(day, translation.get_language())


# The sweep.


def _claim(rows):
    """Lock the rows a part reads (SELECT ... FOR NO KEY UPDATE SKIP LOCKED).

    Two sweeps at once then split the rows instead of both doing the work,
    and a row someone is editing is left for the next sweep, a minute later.
    NO KEY: inserting outbox rows that point at a locked case does not wait.
    SQLite has no row locks; there one writer at a time does the same.
    """
    return rows.select_for_update(skip_locked=True, no_key=True, of=("self",))


def sweep_due(now: dt.datetime | None = None) -> int:
    """Record every notification whose moment has arrived; return how many.

    Safe to run at any time, twice, or from two beats at once. Each part runs
    in its own transaction, so what it records becomes visible at once and a
    worker is asked to send once per part, not once per message. Each part
    runs even if an earlier one failed; the first error is raised at the end,
    so the task still shows as failed.
    """
    now = now or timezone.now()
    created = 0
    error = None
    for part in (
        follow_up_reminders,
        promise_reminders,
        progress_reminders,
        step_warnings,
        step_escalations,
        weekly_digests,
    ):
        try:
            with transaction.atomic():
                created += part(now)
        except Exception as exc:  # the other parts still run
            logger.exception("sweep_due: %s failed", part.__name__)
            error = error or exc
    if error is not None:
        raise error
    return created


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
    *, now: dt.datetime, case: Case, kind: str, key: str, due_on: dt.date, context
) -> list[Owed]:
    """The lead and on-the-day reminders about `due_on`, to the case's owner.

    On the day: 08:00 local on the due date. Lead: 08:00 local
    `reminder_lead_days` before. Both are moved to a sensible time (a Saturday
    date is reminded on Monday); the lead one is dropped when it would come
    with or after the one on the day, or once that one has come.
    """
    owner = case.owner
    if not _wants(owner, kind):
        return []
    zone = user_zone(owner, case.team)
    day_at = sensible_time(local_morning(due_on, zone), zone)
    owed = []
    lead = min(owner.reminder_lead_days, MAX_LEAD_DAYS)
    if lead > 0:
        lead_at = sensible_time(
            local_morning(due_on - dt.timedelta(days=lead), zone), zone
        )
        if lead_at < day_at and lead_at <= now < min(day_at, lead_at + CATCH_UP):
            owed.append(
                _reminder(
                    case, kind, f"{key}:{due_on}:lead", lead_at, due_on, zone, context
                )
            )
    if _arrived(day_at, now):
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
    rows = _claim(
        rows.filter(due_on__range=(start, end), case__owner__is_active=True)
        .exclude(case__step=Step.CLOSED)
        .select_related("case__owner", "case__team", "case__client")
        .order_by("due_on", "pk")
    )
    owed = []
    for row in rows:
        owed += remind(
            now=now,
            case=row.case,
            kind=kind,
            key=key(row),
            due_on=row.due_on,
            context=context(row),
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
    Apologise), in the owner's time zone; a reminder is due at 08:00 local on
    the first day of each period after the first. Only the latest period is
    reminded of. One query per distinct cadence (usually one: weekly); a case
    whose owner was reminded less than the cadence ago, with three days' slack
    for a moment moved over a weekend, is not even read.
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
    owed = []
    for cadence in cadences:
        due = cases.filter(progress_cadence_days=cadence).annotate(
            anchor=Coalesce(Subquery(first_left_communicate), F("step_entered_at"))
        )
        # The first reminder comes a whole period after the anchor (a local
        # date, so up to a day earlier in UTC).
        due = due.filter(anchor__lte=now - dt.timedelta(days=cadence - 1))
        if cadence > 3:
            recent = OutboxMessage.objects.filter(
                case=OuterRef("pk"),
                recipient=OuterRef("owner_id"),
                kind=Kind.PROGRESS_REPORT,
                due_at__gt=now - dt.timedelta(days=cadence - 3),
            )
            due = due.filter(~Exists(recent))
        due = _claim(due.select_related("owner", "team", "client").order_by("pk"))
        for case in due:
            owed += _progress_reminder(case, cadence, now)
    return outbox_record(owed)


def _progress_reminder(case: Case, cadence: int, now: dt.datetime) -> list[Owed]:
    owner = case.owner
    if not _wants(owner, Kind.PROGRESS_REPORT):
        return []
    zone = user_zone(owner, case.team)
    anchor = case.anchor.astimezone(zone).date()
    days = (now.astimezone(zone).date() - anchor).days
    if days < cadence:
        return []
    period_start = anchor + dt.timedelta(days=days - days % cadence)
    at = sensible_time(local_morning(period_start, zone), zone)
    if not _arrived(at, now):
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


def step_warnings(now: dt.datetime) -> int:
    """To the owner, when the current step reaches its warning point."""
    cases = _claim(
        Case.objects.exclude(step=Step.CLOSED)
        .filter(
            step_warn_at__lte=now,
            step_warn_at__gt=now - LOOKBACK,
            owner__is_active=True,
        )
        .select_related("owner", "team", "client")
        .order_by("step_warn_at", "pk")
    )
    owed = [
        _step_message(case, Kind.STEP_WARNING, case.owner, "warn", now)
        for case in cases
        if _wants(case.owner, Kind.STEP_WARNING)
    ]
    return outbox_record(message for message in owed if message)


def step_escalations(now: dt.datetime) -> int:
    """To the team's sales managers, when a case passes its step's target."""
    cases = _claim(
        Case.objects.exclude(step=Step.CLOSED)
        .filter(step_due_at__lte=now, step_due_at__gt=now - LOOKBACK)
        .select_related("owner", "team", "client")
        .order_by("step_due_at", "pk")
    )
    managers: dict[int, list[User]] = {}
    owed = []
    for case in cases:
        if case.team_id not in managers:
            managers[case.team_id] = managers_of(case)
        owed += [
            _step_message(case, Kind.STEP_ESCALATION, manager, "escalate", now)
            for manager in managers[case.team_id]
            if _wants(manager, Kind.STEP_ESCALATION)
        ]
    return outbox_record(message for message in owed if message)


def _step_message(case, kind, recipient, key, now) -> Owed | None:
    """The warning (at step_warn_at) or the escalation (at step_due_at) about
    the case's current step, once its sensible time for `recipient` has come."""
    moment = case.step_warn_at if kind == Kind.STEP_WARNING else case.step_due_at
    zone = user_zone(recipient, case.team)
    at = sensible_time(moment, zone)
    if not _arrived(at, now):
        return None
    return Owed(
        case=case,
        kind=kind,
        recipient=recipient,
        key=f"{key}:{case.step}:{moment.isoformat()}",
        due_at=at,
        context={
            "step": case.step_label,
            "owner": str(case.owner),
            "step_due_at": case.step_due_at.isoformat(),
            "step_due_text": _when(case.step_due_at, zone),
            # True when the message arrives after the target (moved past it
            # to a sensible time); always so for an escalation.
            "late": at >= case.step_due_at,
        },
    )


# The weekly digest.


def _digest_dedupe_key(key: str, user: User) -> str:
    # Only used to skip building digests already recorded; the unique key
    # still guards duplicates.
    return Owed(case=None, kind=Kind.WEEKLY_DIGEST, recipient=user, key=key).dedupe_key


def weekly_digests(now: dt.datetime) -> int:
    """To each active sales manager, once a week, on their digest day.

    Recorded from 08:00 local on the digest day until that day ends (the day
    the manager chose, even a weekend one); keyed by the ISO week there.
    """
    weekday = now.astimezone(dt.UTC).weekday()
    # Any time zone is within a day of UTC.
    days = {(weekday + shift) % 7 for shift in (-1, 0, 1)}
    managers = _claim(
        User.objects.filter(
            role=Role.SALES_MANAGER, is_active=True, digest_day__in=days
        )
    ).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("team").order_by(
                "joined_at", "pk"
            ),
        )
    )
    due = []
    for manager in managers:
        if not _wants(manager, Kind.WEEKLY_DIGEST) or not manager.memberships.all():
            continue
        zone = user_zone(manager)
        local = now.astimezone(zone)
        if local.weekday() != manager.digest_day or local.time() < REMINDER_START:
            continue
        year, week, _ = local.isocalendar()
        key = f"digest:{year}-W{week:02d}"
        due.append((manager, zone, key, local_morning(local.date(), zone)))
    if not due:
        return 0
    recorded = set(
        OutboxMessage.objects.filter(
            dedupe_key__in=[_digest_dedupe_key(key, m) for m, _, key, _ in due]
        ).values_list("dedupe_key", flat=True)
    )
    due = [row for row in due if _digest_dedupe_key(row[2], row[0]) not in recorded]
    if not due:
        return 0
    team_ids = {m.team_id for manager, *_ in due for m in manager.memberships.all()}
    figures = team_figures(team_ids, now)
    owed = []
    for manager, zone, key, at in due:
        teams = [m.team for m in manager.memberships.all()]
        owed.append(
            Owed(
                case=None,
                kind=Kind.WEEKLY_DIGEST,
                recipient=manager,
                key=key,
                due_at=at,
                context=digest_context(
                    teams, figures, zone, week=key[len("digest:") :]
                ),
            )
        )
    return outbox_record(owed)


def team_figures(team_ids, now: dt.datetime) -> dict[int, dict]:
    """Per team: open cases, and the overdue, awaiting approval, second-drop
    cases and repeat clients. Five queries for all the teams together."""
    figures = {
        team_id: {
            "open": 0,
            "overdue": [],
            "awaiting_approval": [],
            "second_drops": [],
            "repeat_clients": [],
        }
        for team_id in team_ids
    }
    open_cases = Case.objects.filter(team__in=team_ids).exclude(step=Step.CLOSED)
    for team_id, count in (
        open_cases.order_by().values_list("team").annotate(n=Count("id"))
    ):
        figures[team_id]["open"] = count
    listed = open_cases.select_related("client", "owner")
    for case in listed.filter(step_due_at__lt=now).order_by("step_due_at", "pk"):
        figures[case.team_id]["overdue"].append(case)
    pending = Compensation.objects.filter(
        case=OuterRef("pk"), approval=Approval.PENDING
    )
    for case in listed.filter(Exists(pending)).order_by("opened_at", "pk"):
        figures[case.team_id]["awaiting_approval"].append(case)
    missed = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.MISSED)
    second_drops = (
        listed.filter(Exists(missed))
        .annotate(
            missed=Count("promises", filter=Q(promises__status=PromiseStatus.MISSED))
        )
        .order_by("-missed", "opened_at", "pk")
    )
    for case in second_drops:
        figures[case.team_id]["second_drops"].append(case)
    repeat = (
        Client.objects.filter(team__in=team_ids)
        .annotate(
            recent=Count("cases", filter=Q(cases__opened_at__gte=now - REPEAT_WINDOW))
        )
        .filter(recent__gte=REPEAT_CASES)
        .order_by("-recent", "name", "pk")
    )
    for client in repeat:
        figures[client.team_id]["repeat_clients"].append(client)
    return figures


def _case_item(case: Case, zone: ZoneInfo) -> dict:
    item = {
        "id": case.pk,
        "url": f"{settings.SITE_URL}{case.get_absolute_url()}",
        "client": str(case.client),
        "commitment": case.commitment,
        "owner": str(case.owner),
        "step": case.step_label,
    }
    if case.step_due_at is not None:
        # The digest names the time zone once, above the lists.
        local = case.step_due_at.astimezone(zone)
        item["due_text"] = dateformat.format(local, "D j M H:i")
    if hasattr(case, "missed"):
        item["missed"] = case.missed
    return item


def digest_context(teams, figures: dict, zone: ZoneInfo, *, week: str) -> dict:
    """The digest's figures for one manager's teams, ready for JSON."""
    merged = defaultdict(list)
    open_count = 0
    for team in teams:
        team_figures = figures[team.pk]
        open_count += team_figures["open"]
        for name in ("overdue", "awaiting_approval", "second_drops"):
            merged[name].extend(team_figures[name])
        merged["repeat_clients"].extend(team_figures["repeat_clients"])
    context = {
        "week": week,
        "teams": [team.name for team in teams],
        "time_zone": zone.key,
        "open_count": open_count,
    }
    orders = {
        "overdue": lambda c: (c.step_due_at, c.pk),
        "awaiting_approval": lambda c: (c.opened_at, c.pk),
        "second_drops": lambda c: (-c.missed, c.opened_at, c.pk),
    }
    for name, order in orders.items():
        cases = sorted(merged[name], key=order)
        context[f"{name}_count"] = len(cases)
        context[name] = [_case_item(case, zone) for case in cases[:DIGEST_LIMIT]]
    clients = sorted(merged["repeat_clients"], key=lambda c: (-c.recent, c.name))
    context["repeat_clients_count"] = len(clients)
    context["repeat_clients"] = [
        {"id": client.pk, "name": client.name, "cases": client.recent}
        for client in clients[:DIGEST_LIMIT]
    ]
    return context
