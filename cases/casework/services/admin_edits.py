"""An administrator's corrections to a case from the Django admin: its owner,
team or client, recorded on the timeline like any other change."""

from django.db import transaction

from cases import access
from cases.calendar import deadlines, second_escalation_at
from cases.casework.selectors import reassign_choices
from cases.casework.services.review import case_reassign
from cases.casework.services.rows import case_lock, case_touch, check_version
from cases.casework.services.timeline import timeline_record
from cases.choices import NotificationKind, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import Case, Client, StepPause, StepPeriod, Team, User
from cases.models.records import CaseRecord
from cases.models.search import search_text_refresh
from cases.notifications.record import outbox_notify
from cases.notifications.steps import step_messages_refresh


def admin_edit_problem(case: Case, *, owner: User, team: Team, client: Client):
    """Why this owner, team and client do not fit together; None if they do."""
    if not owner.is_active:
        return f"{owner} is deactivated: choose someone who still works here."
    if not owner.memberships.filter(team=team).exists():
        return (
            f"{owner} is not in the team {team}. Add them to it first, or choose "
            "someone who is."
        )
    if client.team_id != team.pk:
        return f"{client} is a client of {client.team}, not of {team}."
    if client.pk != case.client_id and _records_people(case):
        return (
            f"This case already records people at {case.client} (affected people, "
            "conversations or apologies), so it cannot move to another client. "
            "Log a new case for the right client and close this one."
        )
    return None


def _records_people(case: Case) -> bool:
    return (
        case.contacts.exists()
        or case.client_contacts.exists()
        or case.apologies.exists()
    )


@transaction.atomic
def case_admin_edit(
    *,
    case_id: int,
    by: User,
    owner: User,
    team: Team,
    client: Client,
    version: int,
) -> Case:
    """Change a case's owner, team or client: one timeline entry, the version
    bumped, the new owner emailed. A plain hand-over within the team is the
    managers' reassign, word for word."""
    if not access.may_use_admin(by):
        raise NotAllowed("Only an administrator can change this in the admin.")
    case = case_lock(case_id=case_id, by=by, action="manage")
    check_version(case, version)
    before = {"Owner": case.owner, "Team": case.team, "Client": case.client}
    after = {"Owner": owner, "Team": team, "Client": client}
    if all(before[name].pk == after[name].pk for name in before):
        return case
    same_place = team.pk == case.team_id and client.pk == case.client_id
    if same_place and reassign_choices(case).filter(pk=owner.pk).exists():
        # The version the admin page was read at was checked above, under
        # the same row lock, so the locked case's version is that one.
        return case_reassign(case_id=case.pk, by=by, to=owner, version=case.version)
    problem = admin_edit_problem(case, owner=owner, team=team, client=client)
    if problem:
        raise NotAllowed(problem)
    case.owner, case.team, case.client = owner, team, client
    fields = ["owner", "team", "client"]
    if team.pk != before["Team"].pk and not case.is_closed:
        # The new team's targets and calendar set the current step's clock.
        pauses = StepPause.objects.filter(case=case, period__completed_at__isnull=True)
        case.step_warn_at, case.step_due_at = deadlines(
            team,
            case.step,
            case.step_entered_at,
            pauses=[pause.interval for pause in pauses],
            factor=case.target_factor,
        )
        case.step_late_at = second_escalation_at(team, case.step_due_at)
        fields += ["step_warn_at", "step_due_at", "step_late_at"]
        StepPeriod.objects.filter(case=case, completed_at__isnull=True).update(
            due_at=case.step_due_at
        )
    if team.pk != before["Team"].pk:
        # Reports pick a case's records by the team each keeps: they move too.
        for record in CaseRecord.__subclasses__():
            record.objects.filter(case=case).update(team=team)
    case_touch(case, by, *fields)
    if client.pk != before["Client"].pk:
        search_text_refresh(Case.objects.filter(pk=case.pk))
    if "step_due_at" in fields:
        # Step messages about this visit not sent yet wait for the new moments.
        step_messages_refresh([case.pk])
    changes = [
        {"field": name, "old": str(before[name]), "new": str(after[name])}
        for name in before
        if before[name].pk != after[name].pk
    ]
    entry = timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.ADMIN_EDITED,
        summary="Changed in the administration: "
        + ", ".join(change["field"].lower() for change in changes)
        + ".",
        changes=changes,
    )
    if owner.pk != before["Owner"].pk:
        outbox_notify(
            case=case,
            to=owner,
            kind=NotificationKind.CASE_REASSIGNED,
            by=by,
            key=f"entry-{entry.pk}",
            context={"previous": str(before["Owner"])},
        )
    return case
