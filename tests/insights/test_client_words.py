"""Insights, "Recovered in the client's own words", against figures worked
out by hand. June 2026 is the period, 2 to 31 May the one before.

The cases (all of one team) and their check-ins:

    case  outcome    closed   check-ins (sent: answer)
    c1    recovered  5 Jun    Ann 5 Jun: 5, yes;  Bob 5 Jun: not answered
    c2    recovered  10 Jun   Cy 10 Jun: 2, yes   (low score)
    c3    recovered  12 Jun   Di 12 Jun: 4, no    (would not buy again)
    c4    recovered  15 Jun   Ed 15 Jun: not answered
    c5    lost       20 Jun   Fay 20 Jun: 4, yes
    c6    retained   22 Jun   Gus 22 Jun: 3, not sure
    c7    recovered  10 May   Hal 10 May: 5, yes; Hal later, 8 Jun: 1, no
    x1    recovered  6 Jun    another team's: never counted
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.choices import BuyAgain, CheckInRound, ClientFit, Outcome, Role, Step
from cases.insights import Period, insights
from cases.models import Case, CheckIn
from tests.factories import ClientFactory, ContactFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
NOW = timezone.make_aware(dt.datetime(2026, 7, 1, 9, 0))


def at(month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 10, 0))


def closed_case(owner, client, outcome, closed, **fields):
    """A case closed on `closed`, logged twenty days before; `fields` set the rest."""
    return Case.objects.create(
        team=client.team,
        owner=owner,
        client=client,
        commitment="A delivery",
        what_happened="It slipped.",
        severity="high",
        detected_at=closed - dt.timedelta(days=20),
        opened_at=closed - dt.timedelta(days=20),
        step_entered_at=closed,
        closed_at=closed,
        step=Step.CLOSED,
        outcome=outcome,
        client_fit=ClientFit.GOOD,
        lessons="Learned.",
        **fields,
    )


def check_in(case, name, sent, score=None, buy_again="", round=CheckInRound.AT_CLOSE):
    contact = ContactFactory(client=case.client, name=name)
    return CheckIn.objects.create(
        case=case,
        contact=contact,
        round=round,
        sent_at=sent,
        nonce="n",
        score=score,
        buy_again=buy_again,
        answered_at=sent + dt.timedelta(days=1) if score else None,
    )


def build_world(team, owner):
    client = ClientFactory(team=team, name="Northwind")
    c1 = closed_case(owner, client, Outcome.RECOVERED, at(6, 5))
    check_in(c1, "Ann", at(6, 5), 5, BuyAgain.YES)
    check_in(c1, "Bob", at(6, 5))
    c2 = closed_case(owner, client, Outcome.RECOVERED, at(6, 10))
    check_in(c2, "Cy", at(6, 10), 2, BuyAgain.YES)
    c3 = closed_case(owner, client, Outcome.RECOVERED, at(6, 12))
    check_in(c3, "Di", at(6, 12), 4, BuyAgain.NO)
    c4 = closed_case(owner, client, Outcome.RECOVERED, at(6, 15))
    check_in(c4, "Ed", at(6, 15))
    c5 = closed_case(owner, client, Outcome.LOST, at(6, 20))
    check_in(c5, "Fay", at(6, 20), 4, BuyAgain.YES)
    c6 = closed_case(owner, client, Outcome.RETAINED, at(6, 22))
    check_in(c6, "Gus", at(6, 22), 3, BuyAgain.NOT_SURE)
    c7 = closed_case(owner, client, Outcome.RECOVERED, at(5, 10))
    hal = check_in(c7, "Hal", at(5, 10), 5, BuyAgain.YES)
    CheckIn.objects.create(
        case=c7,
        contact=hal.contact,
        round=CheckInRound.LATER,
        sent_at=at(6, 8),
        answered_at=at(6, 9),
        nonce="n",
        score=1,
        buy_again=BuyAgain.NO,
    )
    return {"c2": c2, "c3": c3, "c5": c5}


@pytest.fixture
def data():
    team = TeamFactory(name="Enterprise")
    manager = UserFactory(role=Role.SALES_MANAGER, teams=[team])
    owner = UserFactory(role=Role.ACCOUNT_MANAGER, teams=[team])
    cases = build_world(team, owner)
    other = TeamFactory(name="Elsewhere")
    stranger = UserFactory(role=Role.ACCOUNT_MANAGER, teams=[other])
    x1 = closed_case(stranger, ClientFactory(team=other), Outcome.RECOVERED, at(6, 6))
    check_in(x1, "Xena", at(6, 6), 1, BuyAgain.NO)
    return {"manager": manager, **cases}


def bars(chart) -> dict:
    return {r["label"]: (r["value"], r["previous"]) for r in chart["rows"]}


def test_the_answers_by_score_and_by_buying_again(data):
    words = insights(data["manager"], JUNE, now=NOW)["client_words"]
    # Sent in June: c1 twice, c2 to c6 once each, and c7's later round: 8.
    # Answered: all but Bob's and Ed's: 6. May: c7's first, answered.
    assert (words["cur"]["sent"], words["cur"]["answered"]) == (8, 6)
    assert words["cur"]["answered_text"] == "6 of 8 (75%)"
    assert words["prev"]["answered_text"] == "1 of 1 (100%)"
    assert bars(words["scores"]) == {
        "5 of 5 (very happy)": (1, 1),  # Ann; before, Hal
        "4 of 5 (happy)": (2, 0),  # Di, Fay
        "3 of 5 (so-so)": (1, 0),  # Gus
        "2 of 5 (unhappy)": (1, 0),  # Cy
        "1 of 5 (very unhappy)": (1, 0),  # Hal, later
    }
    assert bars(words["buy_again"]) == {
        "Yes": (3, 1),  # Ann, Cy, Fay; before, Hal
        "No": (2, 0),  # Di, Hal later
        "Not sure": (1, 0),  # Gus
    }


def test_recovered_cases_whose_client_would_buy_again(data):
    words = insights(data["manager"], JUNE, now=NOW)["client_words"]
    # Recovered in June: c1-c4. Answered: c1, c2, c3. Yes and no no: c1, c2.
    assert words["cur"]["recovered"] == 4
    assert words["cur"]["recovered_answered"] == 3
    assert words["cur"]["recovered_yes_text"] == "2 of 3 (67%)"
    # May: c7, whose Hal said yes, then no later: not a yes.
    assert words["prev"]["recovered_yes_text"] == "0 of 1 (0%)"


def test_where_our_outcome_and_the_clients_answer_differ(data):
    words = insights(data["manager"], JUNE, now=NOW)["client_words"]
    # Kept (recovered or retained) but low: c2 (2 of 5), c3 (no); c6's 3 is
    # not low. Lost but would buy again: c5. May: c7 (Hal's later no).
    assert (words["cur"]["kept_low"], words["prev"]["kept_low"]) == (2, 1)
    assert (words["cur"]["lost_yes"], words["prev"]["lost_yes"]) == (1, 0)
    # Newest first.
    assert [row["case"] for row in words["differ"]] == [
        data["c5"].pk,
        data["c3"].pk,
        data["c2"].pk,
    ]
    c3 = words["differ"][1]
    assert c3["outcome"] == Outcome.RECOVERED.label
    assert c3["answers"] == [
        {"name": "Di", "round": "At closing", "score": 4, "buy_again": "No"}
    ]


def test_nothing_to_count_shows_none_not_a_bare_percentage(db):
    team = TeamFactory()
    manager = UserFactory(role=Role.SALES_MANAGER, teams=[team])
    words = insights(manager, JUNE, now=NOW)["client_words"]
    assert words["cur"]["answered_text"] == "none"
    assert words["cur"]["recovered_yes_text"] == "none"
    assert words["differ"] == []


def test_the_page_shows_the_section_in_a_fixed_number_of_queries(client, data):
    client.force_login(data["manager"])
    url = reverse("insights") + "?start=2026-06-01&end=2026-06-30"

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    _, text = queries()
    assert "Recovered in the client's own words" in text
    assert "2 of 3 (67%)" in text
    # More cases that differ, more check-ins: the same queries. (One more
    # world first, so the watchlist of repeat clients has rows both times.)
    team = data["manager"].teams.first()
    owner = UserFactory(role=Role.ACCOUNT_MANAGER, teams=[team])
    build_world(team, owner)
    few, _ = queries()
    for _ in range(3):
        build_world(team, owner)
    more, _ = queries()
    assert more == few
