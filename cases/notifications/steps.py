"""Step deadlines: the warning to the owner when the current step reaches its
warning point, and the escalation to the team's sales managers once it passes
its target."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import dateformat

from cases.calendar import user_zone
from cases.choices import NotificationKind, Step
from cases.models import Case, User
from cases.notifications.moments import (
    LOOKBACK,
    arrived,
    claim_rows,
    sensible_time,
    wants,
)
from cases.notifications.record import Owed, managers_of, outbox_record

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
        .order_by("step_warn_at", "pk")
    )
    owed = [
        _step_message(case, Kind.STEP_WARNING, case.owner, "warn", now)
        for case in cases
        if wants(case.owner, Kind.STEP_WARNING)
    ]
    return outbox_record(message for message in owed if message)


def step_escalations(now: dt.datetime) -> int:
    """To the team's sales managers, when a case passes its step's target."""
    cases = claim_rows(
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
            if wants(manager, Kind.STEP_ESCALATION)
        ]
    return outbox_record(message for message in owed if message)


def _step_message(case, kind, recipient, key, now) -> Owed | None:
    """The warning (at step_warn_at) or the escalation (at step_due_at) about
    the case's current step, once its sensible time for `recipient` has come."""
    moment = case.step_warn_at if kind == Kind.STEP_WARNING else case.step_due_at
    zone = user_zone(recipient, case.team)
    at = sensible_time(moment, zone)
    if not arrived(at, now):
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
