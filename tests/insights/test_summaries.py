"""What the services keep on the rows for insights (issue 19, item 1): a
case's first client contact, the team on each dated record, whether a step
visit ran over; right after every kind of change, and after the backfill."""

import datetime as dt
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.casework.services import admin_edits, promises, steps
from cases.casework.services import cases as services
from cases.choices import BossPermission, Channel, Step
from cases.models import (
    Case,
    CheckIn,
    ClientContact,
    Compensation,
    FollowUp,
    Promise,
    StepPeriod,
)
from tests.factories import (
    ClientFactory,
    ContactFactory,
    UserFactory,
    make_case,
    version_of,
    walk_to,
)

pytestmark = pytest.mark.django_db

RECORDS = [StepPeriod, FollowUp, Promise, Compensation, CheckIn]


def log_contact(case, by, happened_at):
    return steps.client_contact_log(
        case_id=case.pk,
        by=by,
        happened_at=happened_at,
        channel=Channel.CALL,
        people=[],
        summary="Called.",
        reaction="",
        manager_joined=False,
        boss_permission=BossPermission.NOT_ASKED,
    )


def first_contact(case) -> dt.datetime | None:
    return Case.objects.get(pk=case.pk).first_contact_at


def test_the_first_contact_is_kept_on_the_case_as_contacts_are_logged(
    account_manager, sales_manager
):
    case = walk_to(make_case(account_manager), Step.COMMUNICATE, account_manager)
    assert first_contact(case) is None
    now = timezone.now().replace(microsecond=0)

    log_contact(case, account_manager, now - dt.timedelta(hours=2))
    assert first_contact(case) == now - dt.timedelta(hours=2)
    # A later call leaves it; one logged late but held earlier moves it back.
    log_contact(case, account_manager, now - dt.timedelta(hours=1))
    assert first_contact(case) == now - dt.timedelta(hours=2)
    log_contact(case, account_manager, now - dt.timedelta(hours=5))
    assert first_contact(case) == now - dt.timedelta(hours=5)


def test_refreshing_the_first_contact_agrees_with_the_contacts(
    account_manager, sales_manager
):
    """The set-based refresh (data loads, fixtures) gives what the service
    keeps, and empties it for a case whose contacts are gone."""
    case = walk_to(make_case(account_manager), Step.COMMUNICATE, account_manager)
    now = timezone.now().replace(microsecond=0)
    log_contact(case, account_manager, now - dt.timedelta(hours=3))
    kept = first_contact(case)
    Case.objects.filter(pk=case.pk).update(first_contact_at=None)

    assert steps.first_contact_refresh(case_ids=[case.pk]) == 1
    assert first_contact(case) == kept
    ClientContact.objects.filter(case=case).delete()
    steps.first_contact_refresh(case_ids=[case.pk])
    assert first_contact(case) is None


def test_every_record_a_case_gathers_on_its_way_carries_its_team(
    account_manager, sales_manager, team
):
    client = ClientFactory(team=team)
    dana = ContactFactory(client=client, name="Dana", email="dana@client.example")
    case = make_case(account_manager, client=client, contacts=[dana])
    promises.promise_make(
        case_id=case.pk,
        by=account_manager,
        description="Call back on Friday",
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    case = walk_to(case, Step.CLOSED, account_manager)

    counts = {m.__name__: m.objects.filter(case=case).count() for m in RECORDS}
    assert counts["StepPeriod"] == 8 and counts["Promise"] == 1
    assert counts["FollowUp"] and counts["Compensation"] and counts["CheckIn"]
    for model in RECORDS:
        teams = set(model.objects.filter(case=case).values_list("team_id", flat=True))
        assert teams <= {team.pk}, model.__name__
    earliest = ClientContact.objects.filter(case=case).order_by("happened_at")[0]
    assert first_contact(case) == earliest.happened_at


def test_a_visit_ran_over_when_it_ended_after_its_target(
    account_manager, sales_manager
):
    case = make_case(account_manager)
    visit = StepPeriod.objects.get(case=case, step=Step.ACKNOWLEDGE)
    assert visit.team_id == case.team_id
    assert not StepPeriod.objects.get(pk=visit.pk).ran_over  # still running

    # Ended before its target: not over.
    services.case_advance(case_id=case.pk, by=account_manager, version=version_of(case))
    assert not StepPeriod.objects.get(pk=visit.pk).ran_over
    # Sent back: the visit to Root cause ends, a new Acknowledge begins; a
    # target that had passed makes the ended visit count as over.
    root = StepPeriod.objects.get(case=case, step=Step.ROOT_CAUSE)
    StepPeriod.objects.filter(pk=root.pk).update(
        due_at=root.entered_at - dt.timedelta(minutes=1)
    )
    services.case_send_back(
        case_id=case.pk, by=sales_manager, reason="Redo it.", version=version_of(case)
    )
    root.refresh_from_db()
    assert root.completed_at is not None and root.ran_over
    again = StepPeriod.objects.filter(case=case, step=Step.ACKNOWLEDGE).latest("pk")
    assert again.pk != visit.pk and again.team_id == case.team_id
    assert not again.ran_over
    # Edited afterwards (a target moved): the database recomputes the flag.
    StepPeriod.objects.filter(pk=root.pk).update(due_at=root.completed_at)
    assert not StepPeriod.objects.get(pk=root.pk).ran_over


def test_rows_written_in_bulk_take_their_cases_team(account_manager, other_team):
    mine = make_case(account_manager)
    theirs_owner = UserFactory(role="account_manager", teams=[other_team])
    theirs = make_case(theirs_owner, client=ClientFactory(team=other_team))
    today = timezone.localdate()
    FollowUp.objects.bulk_create(
        [
            FollowUp(case_id=mine.pk, due_on=today, purpose="Call"),
            FollowUp(case=theirs, due_on=today, purpose="Call"),
        ]
    )
    assert dict(FollowUp.objects.values_list("case_id", "team_id")) == {
        mine.pk: mine.team_id,
        theirs.pk: other_team.pk,
    }


def test_records_move_with_a_case_an_administrator_moves_to_another_team(
    account_manager, administrator, other_team, outsider
):
    case = make_case(account_manager, acknowledged=False)
    FollowUp.objects.create(case=case, due_on=timezone.localdate(), purpose="Call")
    elsewhere = make_case(outsider, client=ClientFactory(team=other_team))
    admin_edits.case_admin_edit(
        case_id=case.pk,
        by=administrator,
        owner=outsider,
        team=other_team,
        client=ClientFactory(team=other_team),
        version=version_of(case),
    )
    for model in (StepPeriod, FollowUp):
        assert set(model.objects.filter(case=case).values_list("team", flat=True)) == {
            other_team.pk
        }
    # Only that case's: the other team's own records are as they were.
    assert StepPeriod.objects.get(case=elsewhere).team_id == other_team.pk
    assert StepPeriod.objects.filter(team=account_manager.teams.first()).count() == 0


# The backfill --------------------------------------------------------------

SUMMARIES = "0040_insight_summaries"


def _before() -> list[tuple[str, str]]:
    """The migration this one follows (as chained at merge, whatever it is)."""
    module = import_module(f"cases.migrations.{SUMMARIES}")
    return list(module.Migration.dependencies)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_summaries_from_the_rows_already_there():
    try:
        _backfill_is_right()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _backfill_is_right():
    old = _migrate(_before())
    model = old.get_model
    teams = [model("cases", "Team").objects.create(name=n) for n in ("A", "B")]
    owner = model("cases", "User").objects.create(username="al", role="account_manager")
    at = timezone.make_aware(dt.datetime(2026, 5, 4, 9, 0))
    made = []
    for n, team in enumerate(teams):
        client = model("cases", "Client").objects.create(name=f"C{n}", team=team)
        case = model("cases", "Case").objects.create(
            team=team, owner=owner, client=client, commitment="Ship", severity="high"
        )
        model("cases", "StepPeriod").objects.create(
            case=case,
            step="acknowledge",
            entered_at=at,
            completed_at=at + dt.timedelta(hours=3),
            due_at=at + dt.timedelta(hours=2 + 2 * n),
        )
        model("cases", "FollowUp").objects.create(
            case=case, due_on=at.date(), purpose="Call"
        )
        model("cases", "Promise").objects.create(
            case=case,
            description="Call back",
            due_on=at.date(),
            made_by=owner,
            made_in_step="acknowledge",
        )
        for hours in (5, 2 + n, 7):
            model("cases", "ClientContact").objects.create(
                case=case,
                happened_at=at + dt.timedelta(hours=hours),
                channel="call",
                summary="Called.",
                logged_by=owner,
            )
        made.append(case.pk)
    model("cases", "Case").objects.create(
        team=teams[0], owner=owner, client=client, commitment="None", severity="low"
    )

    # The models as of this migration: later ones add columns it has not.
    new = _migrate([("cases", SUMMARIES)]).get_model
    Case, StepPeriod = new("cases", "Case"), new("cases", "StepPeriod")
    FollowUp, Promise = new("cases", "FollowUp"), new("cases", "Promise")
    cases = {c.pk: c for c in Case.objects.all()}
    first, second = (cases[pk] for pk in made)
    assert first.first_contact_at == at + dt.timedelta(hours=2)
    assert second.first_contact_at == at + dt.timedelta(hours=3)
    assert [c.first_contact_at for pk, c in cases.items() if pk not in made] == [None]
    for model_class in (StepPeriod, FollowUp, Promise):
        assert dict(model_class.objects.values_list("case_id", "team_id")) == {
            first.pk: first.team_id,
            second.pk: second.team_id,
        }
    # Three hours against targets of two and four.
    assert dict(StepPeriod.objects.values_list("case_id", "ran_over")) == {
        first.pk: True,
        second.pk: False,
    }
