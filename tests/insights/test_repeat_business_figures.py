"""Insights, "Repeat business after a recovery", against figures worked out
by hand. June 2026 is the period, 2 to 31 May the one before; the team counts
in GBP.

    case  outcome    closed   evidence
    r1    recovered  3 Jun    order 5 Jun, 1,000.00
    r2    recovered  9 Jun    order 12 Jun, 2,500.00
    r3    recovered  20 Jun   order 21 Jun, 400.00
    r4    recovered  25 Jun   Ann's check-in: would buy again (no order)
    r5    recovered  28 Jun   none (closed before Mend asked)
    k1    retained   10 Jun   -
    p1    recovered  15 May   order 20 May, 700.00
    x1    recovered  10 Jun   another team's order of 9,999.00: never counted

This period: 5 recovered; 3 with an order, total 1,000 + 2,500 + 400 =
3,900, median of (400, 1,000, 2,500) = 1,000; 1 on a check-in; 1 without
evidence. Before: 1 recovered, 1 order of 700, median 700, none otherwise.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.choices import BuyAgain, Outcome, Role
from cases.insights import insights
from tests.factories import ClientFactory, TeamFactory, UserFactory
from tests.insights.test_client_words import JUNE, NOW, at, check_in, closed_case

pytestmark = pytest.mark.django_db


def with_order(case, on: dt.date, value: str):
    case.repeat_order_on, case.repeat_order_value = on, Decimal(value)
    case.save(update_fields=["repeat_order_on", "repeat_order_value"])
    return case


@pytest.fixture
def manager():
    team = TeamFactory(currency="GBP")
    manager = UserFactory(role=Role.SALES_MANAGER, teams=[team])
    owner = UserFactory(role=Role.ACCOUNT_MANAGER, teams=[team])
    client = ClientFactory(team=team)
    with_order(
        closed_case(owner, client, Outcome.RECOVERED, at(6, 3)),
        dt.date(2026, 6, 5),
        "1000.00",
    )
    with_order(
        closed_case(owner, client, Outcome.RECOVERED, at(6, 9)),
        dt.date(2026, 6, 12),
        "2500.00",
    )
    with_order(
        closed_case(owner, client, Outcome.RECOVERED, at(6, 20)),
        dt.date(2026, 6, 21),
        "400.00",
    )
    r4 = closed_case(owner, client, Outcome.RECOVERED, at(6, 25))
    r4.repeat_check_in = check_in(r4, "Ann", at(6, 20), 5, BuyAgain.YES)
    r4.save(update_fields=["repeat_check_in"])
    closed_case(owner, client, Outcome.RECOVERED, at(6, 28))
    closed_case(owner, client, Outcome.RETAINED, at(6, 10))
    with_order(
        closed_case(owner, client, Outcome.RECOVERED, at(5, 15)),
        dt.date(2026, 5, 20),
        "700.00",
    )
    other = TeamFactory(currency="GBP")
    other_owner = UserFactory(role=Role.ACCOUNT_MANAGER, teams=[other])
    with_order(
        closed_case(
            other_owner, ClientFactory(team=other), Outcome.RECOVERED, at(6, 10)
        ),
        dt.date(2026, 6, 11),
        "9999.00",
    )
    return manager


def test_the_figures_match_the_hand_count(manager):
    section = insights(manager, JUNE, now=NOW)["repeat_business"]
    assert section["cur"] == {
        "recovered": 5,
        "orders": 3,
        "total": "GBP 3,900",
        "median": "GBP 1,000",
        "check_in": 1,
        "no_evidence": 1,
    }
    assert section["prev"] == {
        "recovered": 1,
        "orders": 1,
        "total": "GBP 700",
        "median": "GBP 700",
        "check_in": 0,
        "no_evidence": 0,
    }


def test_the_page_shows_the_section(client, manager):
    client.force_login(manager)
    html = client.get(
        reverse("insights") + "?start=2026-06-01&end=2026-06-30"
    ).content.decode()
    assert "Repeat business after a recovery" in html
    assert 'data-testid="repeat-total">GBP 3,900<' in html
    assert 'data-testid="repeat-median">GBP 1,000<' in html
    assert 'data-testid="repeat-check-in">1<' in html


def test_no_order_shows_a_dash_for_the_median(db):
    team = TeamFactory()
    manager = UserFactory(role=Role.SALES_MANAGER, teams=[team])
    section = insights(manager, JUNE, now=NOW)["repeat_business"]
    assert section["cur"]["orders"] == 0
    assert section["cur"]["median"] == "—"
