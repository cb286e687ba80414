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
