"""Step deadlines, the escalation ladder: the warning to the owner when the
current step reaches its warning point, the escalation to the team's sales
managers once it passes its target, and the second escalation (to the person
the team named, else the administrators) when the case is still in that step
the team's second_escalation_hours after the target.

Each is keyed by the step and the moment the case entered it (one visit of a
step), not by the deadline: a change of the team's targets or calendar moves
the deadline, and must not bring a second warning about the same visit. A
step entered again (after a send-back) is a new visit with its own warning.
When the deadlines move, `step_messages_refresh` brings the messages not yet
sent in line: they name the new deadline and wait for its new moment.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import dateformat

from cases import access
from cases.choices import NotificationKind, OutboxStatus, Step
from cases.models import Case, OutboxMessage, User
from cases.notifications.hours import CASE_TEAM_CLOSURES, MailCalendars
from cases.notifications.moments import (
    LOOKBACK,
    arrived,
    claim_rows,
    sensible_time,
    wants,
)
from cases.notifications.record import Owed, managers_by_team, outbox_record
from cases.notifications.skip import (
    NO_SECOND_ESCALATION,
    WARNING_REPLACED,
    visit_of,
)

Kind = NotificationKind

# What each kind is about: its moment on the case, and its key's prefix.
MOMENTS = {
    Kind.STEP_WARNING: "step_warn_at",
    Kind.STEP_ESCALATION: "step_due_at",
    Kind.STEP_SECOND_ESCALATION: "step_late_at",
}
KEYS = {
    Kind.STEP_WARNING: "warn",
    Kind.STEP_ESCALATION: "escalate",
    Kind.STEP_SECOND_ESCALATION: "late",
}


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
        _step_message(case, Kind.STEP_WARNING, case.owner, now, calendars)
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
            _step_message(case, Kind.STEP_ESCALATION, manager, now, calendars)
            for manager in managers[case.team_id]
            if wants(manager, Kind.STEP_ESCALATION)
        ]
    return outbox_record(message for message in owed if message)


def step_second_escalations(now: dt.datetime) -> int:
    """To the person the team named (else its administrators), when a case is
    still in the same step the team's second_escalation_hours after its target.

    Keyed by the step's visit like the others, so it goes once per visit; a
    case that moved on or closed by then has no step_late_at for that visit,
    and the sender skips one recorded before the move.
    """
    cases = claim_rows(
        Case.objects.exclude(step=Step.CLOSED)
        .filter(step_late_at__lte=now, step_late_at__gt=now - LOOKBACK)
        .select_related("owner", "team__second_escalation_to", "client")
        .prefetch_related(CASE_TEAM_CLOSURES)
        .order_by("step_late_at", "pk")
    )
    calendars = MailCalendars()
    administrators: list[User] | None = None
    owed = []
    for case in cases:
        person = case.team.second_escalation_to
        if person is not None and person.is_active:
            told = [person]
        else:
            if administrators is None:
                administrators = list(
                    User.objects.filter(access.administrators_q(), is_active=True)
                )
            told = administrators
        owed += [
            _step_message(case, Kind.STEP_SECOND_ESCALATION, recipient, now, calendars)
            for recipient in told
            if wants(recipient, Kind.STEP_SECOND_ESCALATION)
        ]
    return outbox_record(message for message in owed if message)


def _step_message(case, kind, recipient, now, calendars) -> Owed | None:
    """The warning (at step_warn_at), the escalation (at step_due_at) or the
    second escalation (at step_late_at) about the case's current step, once
    its sensible time for `recipient` has come."""
    if kind == Kind.STEP_WARNING and now >= case.step_due_at:
        # "Due soon" after the target is untrue: the escalation replaces it.
        return None
    moment = getattr(case, MOMENTS[kind])
    calendar = calendars(recipient, case.team)
    zone = calendar.zone
    at = sensible_time(moment, calendar)
    if not arrived(at, now, calendar):
        return None
    return Owed(
        case=case,
        kind=kind,
        recipient=recipient,
        key=f"{KEYS[kind]}:{case.step}:{case.step_entered_at.isoformat()}",
        due_at=at,
        context={
            "step": case.step_label,
            "owner": str(case.owner),
            **_deadline_context(case, kind, zone, at),
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
    late = [m.pk for m in pending if visit_of(m.case) in m.dedupe_key]
    if not late:
        return 0
    return OutboxMessage.objects.filter(
        pk__in=late, status=OutboxStatus.PENDING
    ).update(status=OutboxStatus.SKIPPED, last_error=WARNING_REPLACED)


def _deadline_context(case, kind, zone: ZoneInfo, at: dt.datetime) -> dict:
    moment = getattr(case, MOMENTS[kind])
    context = {
        "step_due_at": case.step_due_at.isoformat(),
        "step_due_text": _when(case.step_due_at, zone),
        # True for an escalation. A warning is never recorded at or after
        # the target (the escalation replaces it), so False for a new one.
        "late": at >= case.step_due_at,
        # The moment the message is about, so a recomputation can tell
        # whether it moved.
        "moment": moment.isoformat(),
    }
    if kind == Kind.STEP_SECOND_ESCALATION:
        hours = case.team.second_escalation_hours
        context["step_late_text"] = _when(moment, zone)
        context["late_hours"] = f"{hours:f}".rstrip("0").rstrip(".")
    return context


def step_messages_refresh(case_ids: list[int]) -> int:
    """After these cases' deadlines moved: the warnings and escalations about
    their current step not yet sent name the new deadline and wait for its
    sensible time, under the same key; one whose moment is gone (the team
    turned its second escalation off) is skipped. Returns how many changed.

    Rescheduled rather than withdrawn: the row and its key stay, so the sweep
    finds the key at the new moment and records nothing again, and there is
    never a moment when the visit has no message and could get two. Four
    queries however many messages.
    """
    pending = list(
        OutboxMessage.objects.filter(
            case_id__in=case_ids,
            kind__in=list(MOMENTS),
            status=OutboxStatus.PENDING,
        )
        .select_related("case__team", "recipient")
        .prefetch_related("case__team__closure_days")
    )
    calendars = MailCalendars()
    changed, gone = [], []
    for message in pending:
        case = message.case
        if visit_of(case) not in message.dedupe_key or case.step_due_at is None:
            continue  # about an earlier step: the sender skips what is moot
        moment = getattr(case, MOMENTS[message.kind])
        if moment is None:
            gone.append(message.pk)
            continue
        calendar = calendars(message.recipient, case.team)
        zone = calendar.zone
        context = message.context if isinstance(message.context, dict) else {}
        at = sensible_time(moment, calendar)
        if context.get("moment") != moment.isoformat():
            # Earlier or later, the new moment counts. Recorded before the
            # moment was kept in the context: only ever later.
            message.due_at = at if "moment" in context else max(message.due_at, at)
        message.context = {
            **context,
            **_deadline_context(case, message.kind, zone, message.due_at),
        }
        changed.append(message)
    OutboxMessage.objects.bulk_update(changed, ["context", "due_at"], batch_size=500)
    if gone:
        OutboxMessage.objects.filter(pk__in=gone, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.SKIPPED, last_error=NO_SECOND_ESCALATION
        )
    return len(changed) + len(gone)
