"""Early settlements are counted apart from on-time ones, worked out by hand.

June 2026 is the period, May the one before, as in test_insights_figures.
"""

import datetime as dt

import pytest

from cases.choices import Role, Step
from cases.insights import insights
from cases.insights.export import figure_rows
from cases.models import FollowUp, Promise
from tests.factories import ClientFactory, TeamFactory, UserFactory
from tests.insights.test_insights_figures import JUNE, NOW, at, case, stat

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    team = TeamFactory(name="North")
    ann = UserFactory(username="ann", teams=[team])
    manager = UserFactory(username="meg", role=Role.SALES_MANAGER, teams=[team])
    c = case(ann, ClientFactory(team=team), detected=at(5, 2), opened=at(5, 2, 10))

    def follow_up(due, settled, early=False, status="done"):
        FollowUp.objects.create(
            case=c,
            due_on=due,
            purpose="Check in",
            status=status,
            settled_at=settled,
            settled_early=early,
            early_reason="They asked to meet sooner." if early else "",
        )

    def promise(due, settled, early=False, status="kept"):
        Promise.objects.create(
            case=c,
            description="Call back",
            due_on=due,
            made_by=ann,
            made_in_step=Step.COMMUNICATE,
            status=status,
            settled_at=settled,
            settled_early=early,
            early_reason="Sent ahead of the date." if early else "",
        )

    # Follow-ups due in June: on the day; the day before, not marked early
    # (settled before this rule); three days early, with a reason; two days late.
    follow_up(dt.date(2026, 6, 10), at(6, 10, 15))
    follow_up(dt.date(2026, 6, 12), at(6, 11, 15))
    follow_up(dt.date(2026, 6, 20), at(6, 17, 9), early=True)
    follow_up(dt.date(2026, 6, 22), at(6, 24, 9))
    # Due in May, done early: the previous period's only one.
    follow_up(dt.date(2026, 5, 20), at(5, 18, 9), early=True)
    # Promises due in June: kept on the day, kept early, missed.
    promise(dt.date(2026, 6, 5), at(6, 5, 16))
    promise(dt.date(2026, 6, 15), at(6, 8, 16), early=True)
    promise(dt.date(2026, 6, 25), at(6, 26, 10), status="missed")
    return manager


def test_early_settlements_are_counted_apart_from_on_time_ones(manager):
    figures = insights(manager, JUNE, now=NOW)
    through = {(r["label"], r["window"]): r for r in figures["follow_through"]}
    keys = ("due", "on_time", "early", "late", "missed", "open")

    # 4 due = 2 on time + 1 early + 1 late.
    assert {k: through["Follow-ups", "this period"][k] for k in keys} == {
        "due": 4,
        "on_time": 2,
        "early": 1,
        "late": 1,
        "missed": 0,
        "open": 0,
    }
    assert through["Follow-ups", "this period"]["on_time_share"] == "50%"
    assert {k: through["Follow-ups", "previous period"][k] for k in keys} == {
        "due": 1,
        "on_time": 0,
        "early": 1,
        "late": 0,
        "missed": 0,
        "open": 0,
    }
    # 3 due = 1 on time + 1 early + 1 missed.
    assert {k: through["Promises", "this period"][k] for k in keys} == {
        "due": 3,
        "on_time": 1,
        "early": 1,
        "late": 0,
        "missed": 1,
        "open": 0,
    }
    # The headline rates count on time only: 2 of 4, 1 of 3.
    assert stat(figures, "follow_ups_on_time").shown == "50%"
    assert stat(figures, "promises_on_time").shown == "33%"


def test_the_export_shows_the_early_count(manager):
    figures = insights(manager, JUNE, now=NOW)
    lines = [row for row in figure_rows(figures) if row[0] == "Promises (this period)"]
    assert lines == [
        [
            "Promises (this period)",
            "due / on time / early / late / missed / not settled",
            "3 / 1 / 1 / 0 / 1 / 0",
            "",
        ]
    ]
