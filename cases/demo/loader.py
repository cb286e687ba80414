"""Load data.yaml: the demo a newcomer first sees. Idempotent: keyed on names.

Teams and people first, then clients and their contacts (people.py), then the
recovery cases, each built through the services and dated (builder.py). A case
that already exists (same client and commitment) is left alone.
"""

import datetime as dt
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from cases.calendar import (
    WorkCalendar,
    deadlines,
    second_escalation_at,
    targets_for,
)
from cases.casework.services.pauses import clock_pause
from cases.casework.services.targets import team_deadlines_refresh
from cases.choices import Step, TimelineKind
from cases.demo.attachments import seed_attachments
from cases.demo.builder import CaseBuilder
from cases.demo.check_ins import seed_check_ins
from cases.demo.confirmations import seed_confirmation
from cases.demo.people import (
    DemoLogin,
    seed_clients,
    seed_people,
    seed_team_calendars,
    seed_teams,
)
from cases.demo.promisepage import seed_promise_page
from cases.demo.replies import seed_replies
from cases.demo.worked import expand
from cases.models import Case, StepPause

DATA_FILE = Path(__file__).with_name("data.yaml")


def demo_data() -> dict:
    """The demo's data file, parsed."""
    with DATA_FILE.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def case_specs(data: dict) -> list[dict]:
    """Every demo case's spec: the stories, then the shorter closed cases
    (demo.worked) written out in full."""
    return [*data["cases"], *(expand(row) for row in data.get("worked_cases", []))]


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create or refresh the demo teams, people, clients and cases.

    Return the people's logins.
    """
    data = demo_data()
    teams = seed_teams(data["teams"])
    seed_team_calendars(data["teams"], teams)
    users, logins = seed_people(data["people"], teams, data["password"])
    managers = {row["name"]: users[row["manager"]] for row in data["teams"]}
    clients = seed_clients(data["clients"], teams)
    started = timezone.now()
    for index, spec in enumerate(case_specs(data)):
        client = clients[spec["team"], spec["client"]]
        if not Case.objects.filter(
            client=client, commitment=spec["commitment"]
        ).exists():
            CaseBuilder(
                spec,
                index,
                team=teams[spec["team"]],
                owner=users[spec["owner"]],
                manager=managers[spec["team"]],
                client=client,
                started=started,
            ).build()
    # The builder back-dates when each case entered its step; count the step
    # deadlines from those dates, so the dashboard shows what is overdue.
    for team in teams.values():
        team_deadlines_refresh(team=team)
    for row in data["due_soon"]:
        cases = Case.objects.filter(
            client__name=row["client"], commitment=row["commitment"]
        ).exclude(step=Step.CLOSED)
        for case in cases:
            _make_due_soon(case)
    for row in data["paused"]:
        _pause(row)
    seed_promise_page()
    seed_replies()
    seed_attachments()
    seed_confirmation()
    seed_check_ins(since=started)
    return logins


def _pause(row: dict) -> None:
    """Pause the clock of the case named, as its owner did `hours_ago`
    (once: a case whose clock was ever paused is left alone)."""
    case = (
        Case.objects.filter(client__name=row["client"], commitment=row["commitment"])
        .exclude(step=Step.CLOSED)
        .select_related("owner", "team")
        .first()
    )
    if case is None or StepPause.objects.filter(case=case).exists():
        return
    now = timezone.now()
    pause = clock_pause(
        case_id=case.pk,
        by=case.owner,
        version=case.version,
        reason=row["reason"],
        note=row["note"],
        until=timezone.localdate(now) + dt.timedelta(days=row["until_days"]),
    )
    # Before the step's target, whatever the weekday the demo is seeded on,
    # so the clock shows as paused rather than late.
    since = min(
        now - dt.timedelta(hours=row["hours_ago"]),
        case.step_due_at - dt.timedelta(hours=2),
    )
    since = max(since, case.step_entered_at)
    StepPause.objects.filter(pk=pause.pk).update(started_at=since)
    Case.objects.filter(pk=case.pk).update(step_paused_at=since)
    case.timeline.filter(kind=TimelineKind.PAUSED).update(at=since)
    # Count the clock from the back-dated pause.
    team_deadlines_refresh(team=case.team)


def _make_due_soon(case: Case) -> None:
    """Move the step's start back until now falls between warning and target."""
    now = timezone.now()
    # The team's targets and calendar once, not a query or two per hour tried.
    targets, calendar = targets_for(case.team), WorkCalendar.for_team(case.team)
    for hours_back in range(1, 24 * 90):
        entered = now - dt.timedelta(hours=hours_back)
        warn_at, due_at = deadlines(
            case.team,
            case.step,
            entered,
            targets=targets,
            calendar=calendar,
            factor=case.target_factor,
        )
        if warn_at <= now < due_at:
            Case.objects.filter(pk=case.pk).update(
                step_entered_at=entered,
                step_warn_at=warn_at,
                step_due_at=due_at,
                step_late_at=second_escalation_at(case.team, due_at, calendar=calendar),
            )
            case.periods.filter(completed_at__isnull=True).update(
                entered_at=entered, due_at=due_at
            )
            return
