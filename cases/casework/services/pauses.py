"""Pausing a step's clock while the next move is the client's, and starting it
again: by hand, when we hear from the client, or on the day it was paused
until. The only code that sets case.step_paused_at.

A pause moves the step's deadlines, never its start: the time paused is left
out of the count, and a deadline the clock had already passed stays passed,
so pausing cannot make a late step look on time. Each visit's paused
business hours are kept beside its length for Insights.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import dateformat, timezone

from cases import workflow
from cases.calendar import WorkCalendar, deadlines, second_escalation_at
from cases.casework.services.rows import case_lock, case_touch, ensure_open
from cases.casework.services.timeline import timeline_record
from cases.choices import NotificationKind, PauseEnd, PauseReason, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import Case, StepPause, StepPeriod, User
from cases.notifications.record import outbox_add

ALREADY_PAUSED = "The clock is already paused; resume it before pausing it again."
NOT_PAUSED = "The clock is running already."
SAY_WHAT = "Say what we are waiting for."
UNTIL_TOO_SOON = "Pick a day after today, or leave it empty to resume it yourself."


def _hours(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _day_text(day: dt.date) -> str:
    return dateformat.format(day, "D j M Y")


def restart_text(pause: StepPause, team) -> str:
    """When a pause with a date ends, in the team's time, e.g. "on Monday 7
    December at 09:00" (a day off moves it to the next working day)."""
    local = pause.resume_at.astimezone(WorkCalendar.for_team(team).zone)
    return f"on {dateformat.format(local, 'l j F')} at {local:%H:%M}"


def visit_deadlines(case: Case, period: StepPeriod, calendar: WorkCalendar) -> tuple:
    """(warn_at, due_at) of the case's current visit, its pauses counted."""
    pauses = [pause.interval for pause in period.pauses.all()]
    return deadlines(
        case.team,
        case.step,
        case.step_entered_at,
        calendar=calendar,
        pauses=pauses,
        factor=case.target_factor,
    )


def _current_period(case: Case) -> StepPeriod:
    period = (
        StepPeriod.objects.filter(case=case, completed_at__isnull=True)
        .order_by("-entered_at")
        .first()
    )
    if period is None:  # a case recorded before visits were kept
        period = StepPeriod.objects.create(
            case=case,
            step=case.step,
            entered_at=case.step_entered_at,
            due_at=case.step_due_at,
        )
    return period


def _set_deadlines(case: Case, period: StepPeriod, calendar: WorkCalendar) -> None:
    case.step_warn_at, case.step_due_at = visit_deadlines(case, period, calendar)
    # The second escalation counts from the target: while a target waits, so
    # does it; a step paused after its target keeps climbing the ladder.
    case.step_late_at = second_escalation_at(
        case.team, case.step_due_at, calendar=calendar
    )
    period.due_at = case.step_due_at
    period.save(update_fields=["due_at", "paused_hours"])


@transaction.atomic
def clock_pause(
    *,
    case_id: int,
    by: User,
    version: int,
    reason: str,
    note: str = "",
    until: dt.date | None = None,
) -> StepPause:
    """Stop the current step's clock while we wait on the client."""
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "pause")
    workflow.ensure_unchanged(case, version=version)
    if case.step_paused_at is not None:
        raise NotAllowed(ALREADY_PAUSED)
    note = note.strip()
    if reason == PauseReason.OTHER and not note:
        raise NotAllowed(SAY_WHAT)
    now = timezone.now()
    calendar = WorkCalendar.for_team(case.team)
    resume_at = None
    if until is not None:
        if until <= now.astimezone(calendar.zone).date():
            raise NotAllowed(UNTIL_TOO_SOON)
        resume_at = calendar.next_open(calendar.opening(until))
    period = _current_period(case)
    pause = StepPause.objects.create(
        case=case,
        period=period,
        reason=reason,
        note=note,
        started_at=now,
        started_by=by,
        until=until,
        resume_at=resume_at,
    )
    case.step_paused_at = now
    _set_deadlines(case, period, calendar)
    # Warnings and escalations are recorded only once their moment has come,
    # and a moment already reached stays reached: none waiting is now early.
    case_touch(
        case, by, "step_paused_at", "step_warn_at", "step_due_at", "step_late_at"
    )
    summary = f"Paused the clock of {case.step_label}: {pause.get_reason_display()}"
    if note:
        summary += f" ({note})"
    if until is not None:
        summary += f", until {_day_text(until)}"
    timeline_record(case=case, by=by, kind=TimelineKind.PAUSED, summary=summary + ".")
    return pause


def pause_end(
    case: Case,
    *,
    by: User | None,
    why: str,
    at: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> list[str]:
    """End the case's running pause, if any, inside the caller's transaction
    and row lock. Returns the case fields it changed (to save with
    case_touch); none when the clock was running."""
    pause = (
        StepPause.objects.filter(case=case, ended_at__isnull=True)
        .select_related("period")
        .first()
    )
    if pause is None:
        return []
    at = max(at or timezone.now(), pause.started_at)
    calendar = calendar or WorkCalendar.for_team(case.team)
    pause.ended_at, pause.ended_by, pause.end_reason = at, by, why
    pause.paused_hours = _hours(
        calendar.business_hours_between(pause.started_at, pause.ended_at)
    )
    pause.save(update_fields=["ended_at", "ended_by", "end_reason", "paused_hours"])
    period = pause.period
    period.paused_hours += pause.paused_hours
    case.step_paused_at = None
    _set_deadlines(case, period, calendar)
    step = pause.period.get_step_display()
    paused = f"{pause.paused_hours.normalize():f} business hours"
    if why == PauseEnd.STEP_MOVED:
        summary = f"The pause of {step} ended with the step, after {paused}."
    else:
        summary = (
            f"The clock of {step} runs again: {PauseEnd(why).label.lower()}. "
            f"It stood paused {paused}."
        )
    timeline_record(case=case, by=by, kind=TimelineKind.RESUMED, summary=summary)
    return ["step_paused_at", "step_warn_at", "step_due_at", "step_late_at"]


@transaction.atomic
def clock_resume(*, case_id: int, by: User, version: int) -> Case:
    """Start the paused clock again by hand."""
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "resume")
    workflow.ensure_unchanged(case, version=version)
    fields = pause_end(case, by=by, why=PauseEnd.RESUMED)
    if not fields:
        raise NotAllowed(NOT_PAUSED)
    case_touch(case, by, *fields)
    return case


def clocks_resume_due(now: dt.datetime | None = None) -> int:
    """Start again the clocks paused until a day that has come, and tell each
    owner; how many. Each case in its own transaction, under its row lock, so
    a pause ended meanwhile by hand is left alone and two runs resume once."""
    now = now or timezone.now()
    due = list(
        StepPause.objects.filter(ended_at__isnull=True, resume_at__lte=now)
        .order_by("resume_at", "pk")
        .values_list("case_id", flat=True)[:500]
    )
    resumed = 0
    for case_id in due:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("team", "owner", "client")
                .get(pk=case_id)
            )
            pause = StepPause.objects.filter(
                case=case, ended_at__isnull=True, resume_at__lte=now
            ).first()
            if pause is None:
                continue
            fields = pause_end(
                case, by=None, why=PauseEnd.DATE_REACHED, at=pause.resume_at
            )
            case_touch(case, None, *fields)
            outbox_add(
                case=case,
                kind=NotificationKind.CLOCK_RESUMED,
                recipients=[case.owner],
                key=f"resumed:{pause.pk}",
                due_at=pause.resume_at,
                context={
                    "step": case.step_label,
                    "reason": pause.get_reason_display(),
                    "note": pause.note,
                    "until": _day_text(pause.until),
                },
            )
            resumed += 1
    return resumed
