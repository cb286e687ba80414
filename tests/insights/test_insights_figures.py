"""The insights figures against values worked out by hand for a small data set.

June 2026 (30 days) is the period; 2 to 31 May is the one before. The rows are
written straight to the tables with exact times, so every figure below can be
checked with pencil and paper (the comments show the sums).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.casework.services.steps import first_contact_refresh
from cases.choices import Answer, ClientFit, Outcome, Role, Step
from cases.insights import Period, insights
from cases.models import (
    Case,
    CasePart,
    ClientContact,
    Compensation,
    FollowUp,
    Promise,
    RootCauseAnswer,
    StepPeriod,
)
from tests.factories import ClientFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
NOW = timezone.make_aware(dt.datetime(2026, 7, 1, 9, 0))


def at(month: int, day: int, hour: float = 9) -> dt.datetime:
    minutes = round((hour % 1) * 60)
    return timezone.make_aware(dt.datetime(2026, month, day, int(hour), minutes))


def case(
    owner, client, *, detected, opened, closed=None, outcome="", fit="", step=None
):
    return Case.objects.create(
        team=client.team,
        owner=owner,
        client=client,
        commitment="A delivery",
        what_happened="It slipped.",
        severity="high",
        detected_at=detected,
        opened_at=opened,
        step_entered_at=opened,
        closed_at=closed,
        step=Step.CLOSED if closed else (step or Step.COMMUNICATE),
        outcome=outcome,
        client_fit=fit,
        lessons="Learned." if closed else "",
    )


def parts(c, *names):
    CasePart.objects.bulk_create(CasePart(case=c, part=p) for p in names)


def answers(c, **given):
    RootCauseAnswer.objects.bulk_create(
        RootCauseAnswer(case=c, question=q, answer=a) for q, a in given.items()
    )


def contact(c, when):
    ClientContact.objects.create(
        case=c, happened_at=when, channel="call", summary="Talked.", logged_by=c.owner
    )
    # What client_contact_log keeps on the case beside the row it writes.
    first_contact_refresh(case_ids=[c.pk])


def visit(c, step, entered, completed, due):
    StepPeriod.objects.create(
        case=c, step=step, entered_at=entered, completed_at=completed, due_at=due
    )


def follow_up(c, due, status="scheduled", settled=None):
    FollowUp.objects.create(
        case=c, due_on=due, purpose="Check in", status=status, settled_at=settled
    )


def promise(c, due, status="open", settled=None):
    Promise.objects.create(
        case=c,
        description="Call back",
        due_on=due,
        made_by=c.owner,
        made_in_step=Step.COMMUNICATE,
        status=status,
        settled_at=settled,
    )


def compensation(c, value, cost, guideline, delivered=None, approval="not_needed"):
    Compensation.objects.create(
        case=c,
        offered_by=c.owner,
        kind="credit",
        description="Credit",
        value_to_client=Decimal(value),
        cost_to_us=Decimal(cost),
        guideline=Decimal(guideline),
        delivered_on=delivered,
        approval=approval,
    )


@pytest.fixture
def data():
    team, elsewhere = TeamFactory(name="North"), TeamFactory(name="South")
    ann = UserFactory(username="ann", first_name="Ann", last_name="Lee", teams=[team])
    ben = UserFactory(username="ben", first_name="Ben", last_name="Ode", teams=[team])
    manager = UserFactory(username="meg", role=Role.SALES_MANAGER, teams=[team])
    stranger = UserFactory(username="sol", teams=[elsewhere])
    x, y, z = (ClientFactory(team=team, name=n) for n in ("Xeno", "Yarrow", "Zest"))

    # This period.
    c1 = case(ann, x, detected=at(6, 3, 9), opened=at(6, 3, 11), closed=at(6, 13, 9),
              outcome=Outcome.RECOVERED, fit=ClientFit.GOOD)  # fmt: skip
    c2 = case(ann, x, detected=at(6, 10, 8), opened=at(6, 10, 12),
              closed=at(6, 30, 8), outcome=Outcome.LOST,
              fit=ClientFit.WITH_CHANGES)  # fmt: skip
    c3 = case(ben, y, detected=at(6, 20, 9), opened=at(6, 20, 15))
    # Logged in May, closed in June.
    c4 = case(ben, z, detected=at(5, 10, 9), opened=at(5, 10, 10), closed=at(6, 5, 10),
              outcome=Outcome.RETAINED, fit=ClientFit.GOOD)  # fmt: skip
    # The previous period.
    c5 = case(ann, y, detected=at(5, 20, 9), opened=at(5, 20, 9.5),
              closed=at(5, 30, 9), outcome=Outcome.PARTED,
              fit=ClientFit.NOT_A_FIT)  # fmt: skip
    # Another team's case: never counted for this team's people.
    theirs = case(stranger, ClientFactory(team=elsewhere), detected=at(6, 15, 9),
                  opened=at(6, 15, 10), closed=at(6, 16, 10),
                  outcome=Outcome.RECOVERED, fit=ClientFit.GOOD)  # fmt: skip
    parts(theirs, "no_buffer")

    contact(c1, at(6, 3, 15))
    contact(c1, at(6, 5, 10))
    contact(c2, at(6, 11, 8))
    contact(c4, at(5, 11, 9))

    parts(c1, "no_buffer", "misunderstood")
    parts(c2, "no_buffer")
    parts(c3, "no_backup")
    parts(c4, "misunderstood")
    parts(c5, "eager_yes")
    answers(c1, buffer=Answer.NO, backup_plan=Answer.NO, manager_knew=Answer.YES)
    answers(c2, buffer=Answer.NO, backup_plan=Answer.PARTLY)
    answers(c3, buffer=Answer.NO)

    ack, root, comm = Step.ACKNOWLEDGE, Step.ROOT_CAUSE, Step.COMMUNICATE
    visit(c1, ack, at(6, 3, 11), at(6, 3, 13), at(6, 3, 12))  # 2 h, over
    visit(c1, root, at(6, 3, 13), at(6, 4, 13), at(6, 4, 17))  # 24 h, in time
    visit(c2, ack, at(6, 10, 12), at(6, 10, 16), at(6, 10, 14))  # 4 h, over
    visit(c3, comm, at(6, 21, 9), None, at(6, 22, 9))  # still there, past due
    visit(c5, ack, at(5, 20, 9.5), at(5, 20, 10.5), at(5, 20, 11.5))  # in time
    visit(c5, root, at(5, 20, 10.5), at(5, 21, 10.5), at(5, 21, 9))  # over

    follow_up(c1, dt.date(2026, 6, 10), "done", at(6, 10, 15))  # on time
    follow_up(c1, dt.date(2026, 6, 15), "done", at(6, 17, 10))  # late
    follow_up(c2, dt.date(2026, 6, 25), "missed", at(6, 26, 10))
    follow_up(c2, dt.date(2026, 6, 28))  # not settled
    follow_up(c5, dt.date(2026, 5, 25), "done", at(5, 24, 10))  # early

    promise(c1, dt.date(2026, 6, 8), "kept", at(6, 8, 16))
    promise(c1, dt.date(2026, 6, 12), "missed", at(6, 13, 10))
    promise(c3, dt.date(2026, 6, 25))
    promise(c4, dt.date(2026, 5, 15), "kept", at(5, 16, 10))  # kept late

    compensation(c1, 1000, 200, 800, dt.date(2026, 6, 12))
    compensation(c2, 300, 150, 800, dt.date(2026, 6, 20))  # under the guideline
    compensation(c4, 900, 600, 500, None, "pending")  # not given
    compensation(c5, 500, 100, 400, dt.date(2026, 5, 28))
    return {"manager": manager, "ann": ann, "ben": ben}


def stat(figures, key):
    return next(s for s in figures["stats"] if s.key == key)


def hours(value: float) -> dt.timedelta:
    return dt.timedelta(hours=value)


def test_the_manager_sees_the_teams_figures_against_the_month_before(data):
    figures = insights(data["manager"], JUNE, now=NOW)

    assert (stat(figures, "logged").value, stat(figures, "logged").previous) == (3, 2)
    assert (stat(figures, "closed").value, stat(figures, "closed").previous) == (3, 1)
    # Kept: recovered c1 and retained c4 of three closed; parted c5 before.
    assert stat(figures, "recovery_rate").shown == "67%"
    assert stat(figures, "recovery_rate").shown_previous == "0%"
    assert stat(figures, "recovery_rate").change == "+67 points"
    assert stat(figures, "repeat_business").shown == "33%"
    # Detection to logging: 2, 4 and 6 hours; before 1 and 0.5.
    assert stat(figures, "to_alert").value == hours(4)
    assert stat(figures, "to_alert").previous == hours(0.75)
    # First contacts: 6 h (c1) and 24 h (c2); c3 has none yet. Before: c4, 24 h.
    assert stat(figures, "to_contact").value == hours(15)
    assert stat(figures, "to_contact").previous == hours(24)
    assert stat(figures, "to_contact").change == "9.0 h faster"
    # Closed: c1 in 240 h, c2 in 480 h, c4 in 625 h; before c5 in 240 h.
    assert stat(figures, "to_close").value == hours(480)
    assert stat(figures, "to_close").shown == "20.0 days"
    assert stat(figures, "to_close").previous == hours(240)
    assert stat(figures, "to_close").good is False
    # Follow-ups due in June: one on time of four; in May one of one.
    assert stat(figures, "follow_ups_on_time").shown == "25%"
    assert stat(figures, "follow_ups_on_time").shown_previous == "100%"
    # Promises due in June: one kept on time of three; May's was kept late.
    assert stat(figures, "promises_on_time").shown == "33%"
    assert stat(figures, "promises_on_time").shown_previous == "0%"
    assert (
        stat(figures, "second_drops").value,
        stat(figures, "second_drops").good,
    ) == (
        1,
        False,
    )
    assert stat(figures, "value_given").value == Decimal("1300")
    assert stat(figures, "cost").value == Decimal("350")
    assert stat(figures, "cost").previous == Decimal("100")


def test_outcomes_steps_and_follow_through(data):
    figures = insights(data["manager"], JUNE, now=NOW)

    outcomes = {
        r["label"]: (r["value"], r["previous"]) for r in figures["outcomes"]["rows"]
    }
    assert outcomes == {
        Outcome.RECOVERED.label: (1, 0),
        Outcome.RETAINED.label: (1, 0),
        Outcome.LOST.label: (1, 0),
        Outcome.PARTED.label: (0, 1),
    }

    steps = {r["label"]: r for r in figures["steps"]["rows"]}
    assert (steps["Acknowledge"]["visits"], steps["Acknowledge"]["over"]) == (2, 2)
    assert steps["Acknowledge"]["median"] == "3.0 h"
    assert steps["Acknowledge"]["over_share"] == "100%"
    assert steps["Acknowledge"]["over_share_previous"] == "0%"
    assert (steps["Root cause"]["visits"], steps["Root cause"]["over"]) == (1, 0)
    assert steps["Root cause"]["median"] == "24.0 h"
    # Still in Communicate past its target: over, with no length yet.
    assert (steps["Communicate"]["over"], steps["Communicate"]["median"]) == (1, "—")
    # Ranked by this period, with the previous period's count beside it: a
    # step over target only before still shows.
    assert [
        (r["label"], r["value"], r["previous"])
        for r in figures["steps"]["most_overdue"]["rows"]
    ] == [("Acknowledge", 2, 0), ("Communicate", 1, 0), ("Root cause", 0, 1)]
    assert steps["Root cause"]["over_share_previous"] == "100%"

    june = {
        r["label"]: r for r in figures["follow_through"] if r["window"] == "this period"
    }
    assert {
        k: june["Follow-ups"][k] for k in ("due", "on_time", "late", "missed", "open")
    } == {
        "due": 4,
        "on_time": 1,
        "late": 1,
        "missed": 1,
        "open": 1,
    }
    assert {
        k: june["Promises"][k] for k in ("due", "on_time", "late", "missed", "open")
    } == {
        "due": 3,
        "on_time": 1,
        "late": 0,
        "missed": 1,
        "open": 1,
    }


def test_compensation_against_the_guideline(data):
    money = insights(data["manager"], JUNE, now=NOW)["compensation"]

    # Delivered in June: 1,000 + 300 of value for 200 + 150, guidelines 800 + 800.
    assert money["cur"] == {
        "count": 2,
        "value": "EUR 1,300",
        "cost": "EUR 350",
        "guideline": "EUR 1,600",
        "against_guideline": "81%",
        "cost_share": "27%",
        "under": 1,
    }
    assert money["prev"]["against_guideline"] == "125%"


def test_causes_ranked_by_team_and_owner_and_the_watchlist(data):
    figures = insights(data["manager"], JUNE, now=NOW)

    assert [
        (r["label"], r["value"], r["previous"]) for r in figures["parts"]["rows"]
    ] == [
        ("No buffer in the promise", 2, 0),
        ("Misunderstood what was asked", 1, 1),
        ("No backup plan for an outside event", 1, 0),
        ("Said yes out of eagerness when the answer was no", 0, 1),
    ]
    gaps = [(r["value"], r["previous"]) for r in figures["gaps"]["rows"]]
    assert gaps == [(3, 0), (1, 0)]
    assert figures["gaps"]["rows"][0]["label"].startswith("Did the promise leave room")

    owners = {r["name"]: r for r in figures["by_owner"]}
    assert (owners["Ann Lee"]["logged"], owners["Ann Lee"]["closed"]) == (2, 2)
    assert owners["Ann Lee"]["kept_share"] == "50%"
    assert owners["Ann Lee"]["top_parts"][0] == {
        "label": "No buffer in the promise",
        "n": 2,
    }
    assert (owners["Ben Ode"]["logged"], owners["Ben Ode"]["closed"]) == (1, 1)
    assert owners["Ben Ode"]["kept_share"] == "100%"
    [north] = figures["by_team"]
    assert (north["name"], north["logged"], north["closed"], north["kept_share"]) == (
        "North",
        3,
        3,
        "67%",
    )

    [repeat] = figures["repeat_clients"]
    assert (repeat["client__name"], repeat["n"], repeat["still_open"]) == ("Xeno", 2, 0)
    assert sorted((v["fit"], v["n"]) for v in repeat["verdicts"]) == [
        ("good", 1),
        ("with_changes", 1),
    ]
    [ann] = figures["repeating_owners"]
    assert ann["name"] == "Ann Lee"
    assert ann["causes"][0] == "No buffer in the promise \u00d72"
    assert "answered No \u00d72" in ann["causes"][1]


def test_trend_by_week(data):
    rows = insights(data["manager"], JUNE, now=NOW)["trend"]["rows"]

    assert [(r["bucket"].day, r["logged"], r["closed"], r["kept"]) for r in rows] == [
        (1, 1, 1, 1),  # c1 logged; c4 closed, retained
        (8, 1, 1, 1),  # c2 logged; c1 closed, recovered
        (15, 1, 0, 0),  # c3 logged
        (22, 0, 0, 0),
        (29, 0, 1, 0),  # c2 closed, lost
    ]


def test_an_account_manager_sees_only_their_own_cases(data):
    figures = insights(data["ann"], JUNE, now=NOW)

    assert stat(figures, "logged").value == 2
    assert stat(figures, "closed").value == 2
    assert [r["name"] for r in figures["by_owner"]] == ["Ann Lee"]


def test_an_administrator_sees_every_team(data, administrator):
    figures = insights(administrator, JUNE, now=NOW)

    assert stat(figures, "logged").value == 4
    assert {r["name"] for r in figures["by_team"]} == {"North", "South"}


def test_a_period_with_nothing_in_it_shows_dashes_not_errors(data):
    empty = insights(data["manager"], Period(dt.date(2025, 1, 1), dt.date(2025, 1, 31)))

    assert stat(empty, "recovery_rate").shown == "—"
    assert stat(empty, "to_close").shown == "—"
    assert empty["repeat_clients"] == []
    assert empty["compensation"]["cur"]["against_guideline"] == "—"
