"""Step deadlines: the warning to the owner when the current step reaches its
warning point, and the escalation to the team's sales managers once it passes
its target.

Each is keyed by the step and the moment the case entered it (one visit of a
step), not by the deadline: a change of the team's targets or calendar moves
the deadline, and must not bring a second warning about the same visit. A
step entered again (after a send-back) is a new visit with its own warning.
When the deadlines move, `step_messages_refresh` brings the messages not yet
sent in line, so they name the new deadline.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import dateformat

from cases.calendar import user_zone
from cases.choices import NotificationKind, OutboxStatus, Step
from cases.models import Case, OutboxMessage
from cases.notifications.hours import CASE_TEAM_CLOSURES, MailCalendars
from cases.notifications.moments import (
    LOOKBACK,
    arrived,
    claim_rows,
    sensible_time,
    wants,
)
from cases.notifications.record import Owed, managers_by_team, outbox_record
from cases.notifications.skip import WARNING_REPLACED

Kind = NotificationKind


def _when(moment: dt.datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{dateformat.format(local, 'D j M H:i')} ({zone.key})"


def step_warnings(now: dt.datetime) -> int:
    """To the owner, when the current step reaches its warning point."""
    cases = claim_rows(
        Case.objects.exclude(step=Step.CLOSED)
        .filter(
            step_warn_at__lte=now,
            step_warn_at__gt=now - LOOKBACK,
            owner__is_active=True,
        )
        .select_related("owner", "team", "client")
        .prefetch_related(CASE_TEAM_CLOSURES)
        .order_by("step_warn_at", "pk")
    )
    calendars = MailCalendars()
    owed = [
        _step_message(case, Kind.STEP_WARNING, case.owner, "warn", now, calendars)
        for case in cases
        if wants(case.owner, Kind.STEP_WARNING)
    ]
    return outbox_record(message for message in owed if message)


def step_escalations(now: dt.datetime) -> int:
    """To the team's sales managers, when a case passes its step's target.

    A warning about the same visit still waiting to go out is skipped first:
    the escalation replaces it, the owner never gets "due soon" with
    "overdue".
    """
    warnings_replaced(now)
    cases = claim_rows(
        Case.objects.exclude(step=Step.CLOSED)
        .filter(step_due_at__lte=now, step_due_at__gt=now - LOOKBACK)
        .select_related("owner", "team", "client")
        .prefetch_related(CASE_TEAM_CLOSURES)
        .order_by("step_due_at", "pk")
    )
    cases = list(cases)
    calendars = MailCalendars()
    managers = managers_by_team(case.team_id for case in cases)
    owed = []
    for case in cases:
        owed += [
            _step_message(
                case, Kind.STEP_ESCALATION, manager, "escalate", now, calendars
            )
            for manager in managers[case.team_id]
            if wants(manager, Kind.STEP_ESCALATION)
        ]
    return outbox_record(message for message in owed if message)


def _step_message(case, kind, recipient, key, now, calendars) -> Owed | None:
    """The warning (at step_warn_at) or the escalation (at step_due_at) about
    the case's current step, once its sensible time for `recipient` has come."""
    if kind == Kind.STEP_WARNING and now >= case.step_due_at:
        # "Due soon" after the target is untrue: the escalation replaces it.
        return None
    moment = case.step_warn_at if kind == Kind.STEP_WARNING else case.step_due_at
    calendar = calendars(recipient, case.team)
    zone = calendar.zone
    at = sensible_time(moment, calendar)
    if not arrived(at, now, calendar):
        return None
    return Owed(
        case=case,
        kind=kind,
        recipient=recipient,
        key=f"{key}:{case.step}:{case.step_entered_at.isoformat()}",
        due_at=at,
        context={
            "step": case.step_label,
            "owner": str(case.owner),
            **_deadline_context(case, zone, at),
        },
    )


def warnings_replaced(now: dt.datetime) -> int:
    """Skip the warnings not sent yet about cases whose current step has
    passed its target; how many. Warnings about an earlier step visit are
    left to the sender, which skips them by the deadline they name."""
    pending = OutboxMessage.objects.filter(
        kind=Kind.STEP_WARNING,
        status=OutboxStatus.PENDING,
        case__step_due_at__lte=now,
    ).select_related("case")
    late = [
        message.pk
        for message in pending
        if f":{message.case.step}:{message.case.step_entered_at.isoformat()}:"
        in message.dedupe_key
    ]
    if not late:
        return 0
    return OutboxMessage.objects.filter(
        pk__in=late, status=OutboxStatus.PENDING
    ).update(status=OutboxStatus.SKIPPED, last_error=WARNING_REPLACED)


def _deadline_context(case, zone: ZoneInfo, at: dt.datetime) -> dict:
    return {
        "step_due_at": case.step_due_at.isoformat(),
        "step_due_text": _when(case.step_due_at, zone),
        # True for an escalation. A warning is never recorded at or after
        # the target (the escalation replaces it), so False for a new one.
        "late": at >= case.step_due_at,
    }


def step_messages_refresh(case_ids: list[int]) -> int:
    """After these cases' deadlines moved: the warnings and escalations about
    their current step not yet sent name the new deadline. Returns how many
    changed."""
    pending = list(
        OutboxMessage.objects.filter(
            case_id__in=case_ids,
            kind__in=[Kind.STEP_WARNING, Kind.STEP_ESCALATION],
            status=OutboxStatus.PENDING,
        ).select_related("case__team", "recipient")
    )
    changed = []
    for message in pending:
        case = message.case
        visit = f":{case.step}:{case.step_entered_at.isoformat()}:"
        if visit not in message.dedupe_key or case.step_due_at is None:
            continue  # about an earlier step: left as it is
        zone = user_zone(message.recipient, case.team)
        message.context = {
            **message.context,
            **_deadline_context(case, zone, message.due_at),
        }
        changed.append(message)
    OutboxMessage.objects.bulk_update(changed, ["context"], batch_size=500)
    return len(changed)
