"""Keeping stored step deadlines in line with a team's targets and calendar."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cases.calendar import (
    WorkCalendar,
    deadlines,
    second_escalation_at,
    targets_for,
)
from cases.choices import Step
from cases.models import Case, ClosureDay, StepPause, StepPeriod, Team
from cases.models.accounts import (
    holiday_region_problem,
    holiday_regions,
    second_escalation_problem,
)
from cases.notifications.steps import step_messages_refresh


@transaction.atomic
def team_deadlines_refresh(*, team: Team) -> int:
    """Recompute due-soon and overdue moments of the team's open cases.

    Call after the team's step targets or working calendar change. Each case
    keeps the moment it entered its step; only the deadlines move, and the
    step messages not yet sent with them. Returns how many cases changed.
    """
    targets = targets_for(team)
    calendar = WorkCalendar.for_team(team)
    # Locked, so a case moving on meanwhile is not given its old step's deadlines.
    cases = list(
        Case.objects.filter(team=team)
        .exclude(step=Step.CLOSED)
        .select_for_update()
        .only(
            "pk",
            "team_id",
            "step",
            "step_entered_at",
            "step_warn_at",
            "step_due_at",
            "step_late_at",
            "target_factor",
        )
        .order_by("pk")
    )
    # The pauses of each case's current visit: they stay out of its count.
    pauses: dict[int, list] = {}
    for pause in StepPause.objects.filter(
        case__in=[case.pk for case in cases], period__completed_at__isnull=True
    ).only("case_id", "started_at", "ended_at"):
        pauses.setdefault(pause.case_id, []).append(pause.interval)
    changed = []
    for case in cases:
        warn_at, due_at = deadlines(
            team,
            case.step,
            case.step_entered_at,
            targets=targets,
            calendar=calendar,
            pauses=pauses.get(case.pk, ()),
            factor=case.target_factor,
        )
        late_at = second_escalation_at(team, due_at, calendar=calendar)
        stored = (case.step_warn_at, case.step_due_at, case.step_late_at)
        if (warn_at, due_at, late_at) != stored:
            case.step_warn_at, case.step_due_at, case.step_late_at = (
                warn_at,
                due_at,
                late_at,
            )
            changed.append(case)
    Case.objects.bulk_update(
        changed, ["step_warn_at", "step_due_at", "step_late_at"], batch_size=500
    )
    # Warnings already recorded keep their key (the step's visit), so the new
    # deadline brings no second one; those not sent yet name the new deadline.
    step_messages_refresh([case.pk for case in changed])
    StepPeriod.objects.filter(
        case__in=[case.pk for case in changed], completed_at__isnull=True
    ).update(
        due_at=Subquery(
            Case.objects.filter(pk=OuterRef("case_id")).values("step_due_at")
        )
    )
    return len(changed)


ALREADY_CLOSED = (
    "The team is already closed on that day; pick another date or remove "
    "that closure first."
)


CLOSURE_IN_THE_PAST = (
    "That day is past: a closure day can be today or later. Closing a day "
    "already worked would change which cases were late."
)


class CalendarRefused(Exception):
    """A holiday setting or closure day we cannot take; the message says why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


@transaction.atomic
def team_holidays_set(*, team: Team, country: str, subdivision: str = "") -> int:
    """Give the team's calendar the public holidays of a country (and region).

    Blank country: none. Returns how many open cases' deadlines moved.
    """
    country, subdivision = country.strip().upper(), subdivision.strip()
    # Region codes are upper case, bar a few named ones (e.g. DE "Augsburg").
    supported = holiday_regions().get(country, [])
    by_upper = {region.upper(): region for region in supported}
    subdivision = by_upper.get(subdivision.upper(), subdivision)
    problem = holiday_region_problem(country, subdivision)
    if problem:
        raise CalendarRefused(problem)
    team.holiday_country, team.holiday_subdivision = country, subdivision
    team.save(update_fields=["holiday_country", "holiday_subdivision"])
    return team_deadlines_refresh(team=team)


@transaction.atomic
def team_ladder_set(*, team: Team, hours, person_id: int | None) -> int:
    """Set when and to whom a case still past its step's target goes up a
    second time (hours empty: never). Returns how many open cases moved."""
    team.second_escalation_hours, team.second_escalation_to_id = hours, person_id
    problem = second_escalation_problem(team)
    if problem:
        team.refresh_from_db(fields=["second_escalation_hours", "second_escalation_to"])
        raise CalendarRefused(problem)
    team.save(update_fields=["second_escalation_hours", "second_escalation_to"])
    return team_deadlines_refresh(team=team)


@transaction.atomic
def team_second_failure_set(*, team: Team, days: int, factor) -> None:
    """When a dropped ball is a second failure for its client (an earlier
    case closed within `days`) and the share of the usual step targets such
    a case gets. Cases already flagged keep the factor they were given."""
    team.second_failure_days, team.second_failure_factor = days, factor
    try:
        team.full_clean(
            exclude=[
                f.name
                for f in Team._meta.fields
                if f.name not in {"second_failure_days", "second_failure_factor"}
            ]
        )
    except ValidationError as error:
        team.refresh_from_db(fields=["second_failure_days", "second_failure_factor"])
        raise CalendarRefused(
            {
                field: " ".join(messages)
                for field, messages in error.message_dict.items()
            }
        ) from None
    team.save(update_fields=["second_failure_days", "second_failure_factor"])


@transaction.atomic
def closure_day_add(*, team: Team, date: dt.date, name: str) -> ClosureDay:
    """Close the team for a whole day; open cases' deadlines move past it.

    Only today or later: a day already worked closed afterwards would rewrite
    which steps ran late (and lateness is never hidden after the fact)."""
    closure = ClosureDay(team=team, date=date, name=name.strip())
    try:
        closure.full_clean()
    except ValidationError as error:
        raise CalendarRefused(
            {
                field: " ".join(messages)
                for field, messages in error.message_dict.items()
            }
        ) from None
    today = timezone.now().astimezone(WorkCalendar.for_team(team).zone).date()
    if closure.date < today:
        raise CalendarRefused({"date": CLOSURE_IN_THE_PAST})
    try:
        with transaction.atomic():
            closure.save()
    except IntegrityError:  # the same day, added at the same moment elsewhere
        raise CalendarRefused({"date": ALREADY_CLOSED}) from None
    team_deadlines_refresh(team=team)
    return closure


@transaction.atomic
def closure_day_remove(*, team: Team, closure_id: int) -> None:
    """Open the team again on a closure day (only one of this team's)."""
    ClosureDay.objects.filter(team=team, pk=closure_id).delete()
    team_deadlines_refresh(team=team)
