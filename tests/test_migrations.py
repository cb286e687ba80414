"""Migrations run from zero on their own frozen code, and give the same answers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.calendar import WorkCalendar

BEFORE = [("cases", "0007_bench_indexes")]
AFTER = [("cases", "0008_insights")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_insights_migration_backfills_each_visit_with_the_target_it_had():
    old = migrate(BEFORE)
    Team, User = old.get_model("cases", "Team"), old.get_model("cases", "User")
    team = Team.objects.create(
        name="Enterprise",
        time_zone="Europe/Berlin",
        work_days="0,1,2,3",
        work_start=dt.time(8, 0),
        work_end=dt.time(16, 0),
    )
    old.get_model("cases", "StepTarget").objects.create(
        team=team, step="options", target_hours=Decimal("12"), warning_hours=1
    )
    owner = User.objects.create(username="alice", role="account_manager")
    client = old.get_model("cases", "Client").objects.create(name="Acme", team=team)
    case = old.get_model("cases", "Case").objects.create(
        team=team, owner=owner, client=client, commitment="Deliver", severity="high"
    )
    # Thursday 15:00 in Berlin: the clock runs over the long weekend.
    entered = dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.UTC)
    Period = old.get_model("cases", "StepPeriod")
    options = Period.objects.create(case=case, step="options", entered_at=entered)
    apologise = Period.objects.create(case=case, step="apologise", entered_at=entered)

    new = migrate(AFTER)
    try:
        Period = new.get_model("cases", "StepPeriod")
        calendar = WorkCalendar.for_team(
            new.get_model("cases", "Team").objects.get(pk=team.pk)
        )
        assert Period.objects.get(pk=options.pk).due_at == (
            calendar.add_business_hours(entered, 12)
        )
        assert Period.objects.get(pk=apologise.pk).due_at == (
            calendar.add_business_hours(entered, 16)
        )
        # Thursday 15:00 + 12 h of 08:00-16:00 Monday-Thursday: Tuesday 11:00.
        assert Period.objects.get(pk=options.pk).due_at == dt.datetime(
            2026, 12, 1, 10, 0, tzinfo=dt.UTC
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_offer_author_migration_backfills_who_made_each_offer():
    old = migrate([("cases", "0011_timeline_kinds")])
    Team, User = old.get_model("cases", "Team"), old.get_model("cases", "User")
    team = Team.objects.create(name="Enterprise")
    owner = User.objects.create(username="alice", role="account_manager")
    manager = User.objects.create(username="sam", role="sales_manager")
    client = old.get_model("cases", "Client").objects.create(name="Acme", team=team)
    case = old.get_model("cases", "Case").objects.create(
        team=team, owner=owner, client=client, commitment="Deliver", severity="high"
    )
    Compensation = old.get_model("cases", "Compensation")
    Entry = old.get_model("cases", "TimelineEntry")
    at = dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.UTC)

    def offer(created_at):
        return Compensation.objects.create(
            case=case,
            kind="credit",
            description="Credit",
            value_to_client=100,
            cost_to_us=20,
            guideline=80,
            created_at=created_at,
        )

    by_owner = offer(at)
    Entry.objects.create(
        case=case, actor=owner, kind="compensation", summary="Offered credit.", at=at
    )
    later = at + dt.timedelta(hours=2)
    # The manager's offer, recorded on the timeline a moment after the row.
    by_manager = offer(later)
    Entry.objects.create(
        case=case,
        actor=manager,
        kind="compensation",
        summary="Offered credit.",
        at=later + dt.timedelta(milliseconds=3),
    )
    Entry.objects.create(
        case=case,
        actor=owner,
        kind="compensation",
        summary="Delivered the compensation: Credit.",
        at=later + dt.timedelta(minutes=1),
    )
    other = old.get_model("cases", "Case").objects.create(
        team=team, owner=owner, client=client, commitment="Train", severity="low"
    )
    unrecorded = Compensation.objects.create(
        case=other,
        kind="credit",
        description="Credit",
        value_to_client=100,
        cost_to_us=20,
        guideline=80,
    )

    new = migrate([("cases", "0012_offer_author_protected_history")])
    try:
        Compensation = new.get_model("cases", "Compensation")
        # Each offer's own entry when it has one, else the case's owner.
        assert Compensation.objects.get(pk=by_owner.pk).offered_by_id == owner.pk
        assert Compensation.objects.get(pk=by_manager.pk).offered_by_id == manager.pk
        assert Compensation.objects.get(pk=unrecorded.pk).offered_by_id == owner.pk
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_search_migration_fills_the_column_and_marks_closed_cases_parts():
    old = migrate([("cases", "0033_client_import")])
    Team, User = old.get_model("cases", "Team"), old.get_model("cases", "User")
    team = Team.objects.create(name="Enterprise")
    owner = User.objects.create(username="alice", role="account_manager")
    client = old.get_model("cases", "Client").objects.create(name="Müller", team=team)
    Case = old.get_model("cases", "Case")
    open_case = Case.objects.create(
        team=team,
        owner=owner,
        client=client,
        commitment="Ship the PALLETS",
        what_happened="Lost at the depot.",
        severity="high",
    )
    closed = Case.objects.create(
        team=team,
        owner=owner,
        client=client,
        commitment="Train",
        severity="low",
        step="closed",
        closed_at=dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.UTC),
        outcome="retained",
        client_fit="good",
    )
    Part = old.get_model("cases", "CasePart")
    Part.objects.create(case=open_case, part="no_buffer")
    Part.objects.create(case=closed, part="no_buffer")

    new = migrate([("cases", "0041_search_index")])
    try:
        Case = new.get_model("cases", "Case")
        text = Case.objects.get(pk=open_case.pk).search_text
        folded = "muller" if connection.vendor == "postgresql" else "müller"
        assert text == f"{folded}\nship the pallets\nlost at the depot."
        Part = new.get_model("cases", "CasePart")
        assert Part.objects.get(case=open_case.pk).of_open_case is True
        assert Part.objects.get(case=closed.pk).of_open_case is False
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_apology_migration_dates_old_apologies_and_backfills_the_case_hours():
    old = migrate([("cases", "0033_client_import")])
    Team, User = old.get_model("cases", "Team"), old.get_model("cases", "User")
    # London, 09:00-17:30, with England's holidays: Christmas and Boxing Day
    # 2025 are Thursday and Friday.
    team = Team.objects.create(
        name="London",
        time_zone="Europe/London",
        holiday_country="GB",
        holiday_subdivision="ENG",
    )
    owner = User.objects.create(username="alice", role="account_manager")
    client = old.get_model("cases", "Client").objects.create(name="Acme", team=team)
    dana = old.get_model("cases", "Contact").objects.create(client=client, name="Dana")
    case = old.get_model("cases", "Case").objects.create(
        team=team,
        owner=owner,
        client=client,
        commitment="Deliver",
        severity="high",
        detected_at=dt.datetime(2025, 12, 24, 15, 0, tzinfo=dt.UTC),
    )
    case.contacts.set([dana])
    talk = old.get_model("cases", "ClientContact").objects.create(
        case=case,
        happened_at=dt.datetime(2025, 12, 29, 10, 0, tzinfo=dt.UTC),
        channel="call",
        summary="Told them.",
        logged_by=owner,
    )
    talk.people.set([dana])
    apology = old.get_model("cases", "Apology").objects.create(
        case=case,
        contact=dana,
        method="call",
        on_behalf="company",
        apologised_on=dt.date(2025, 12, 30),
    )
    quiet = old.get_model("cases", "Case").objects.create(
        team=team, owner=owner, client=client, commitment="Train", severity="low"
    )

    new = migrate([("cases", "0038_apology_checks")])
    try:
        Apology = new.get_model("cases", "Apology")
        Case = new.get_model("cases", "Case")
        stored = Apology.objects.get(pk=apology.pk)
        # Only the day was known: the close of that working day.
        assert stored.apologised_at == dt.datetime(2025, 12, 30, 17, 30, tzinfo=dt.UTC)
        assert (stored.named_impact, stored.named_impact_note) == (False, "")
        figures = Case.objects.get(pk=case.pk)
        # Wednesday 15:00-17:30, Monday 09:00-10:00; then all Monday and
        # Tuesday to 17:30.
        assert figures.acknowledged_hours == Decimal("3.50")
        assert figures.apology_hours == Decimal("19.50")
        untouched = Case.objects.get(pk=quiet.pk)
        assert (untouched.acknowledged_hours, untouched.apology_hours) == (None, None)
        talk_now = new.get_model("cases", "ClientContact").objects.get(pk=talk.pk)
        assert talk_now.logged_in_step == "communicate"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
