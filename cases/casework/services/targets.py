"""Keeping stored step deadlines in line with a team's targets and calendar."""

from django.db import transaction
from django.db.models import OuterRef, Subquery

from cases.calendar import WorkCalendar, deadlines, targets_for
from cases.choices import Step
from cases.models import Case, StepPeriod, Team
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
        .only("pk", "team_id", "step", "step_entered_at", "step_warn_at", "step_due_at")
        .order_by("pk")
    )
    changed = []
    for case in cases:
        warn_at, due_at = deadlines(
            team, case.step, case.step_entered_at, targets=targets, calendar=calendar
        )
        if (warn_at, due_at) != (case.step_warn_at, case.step_due_at):
            case.step_warn_at, case.step_due_at = warn_at, due_at
            changed.append(case)
    Case.objects.bulk_update(changed, ["step_warn_at", "step_due_at"], batch_size=500)
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
