"""My cases: the open ones by default, the closed ones on their tab
(issue 17, item 11)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import Outcome, Step
from cases.models import Case
from tests.factories import case_in_step, make_case

pytestmark = pytest.mark.django_db

OPEN = reverse("my_cases")
CLOSED = OPEN + "?show=closed"


def page(http, url=OPEN) -> str:
    response = http.get(url)
    assert response.status_code == 200
    return response.content.decode()


def tab(html: str, name: str) -> str:
    return re.search(rf'<a [^>]*data-testid="tab-{name}"[^>]*>', html).group(0)


@pytest.fixture
def mine(account_manager, teammate, sales_manager, team):
    open_case = make_case(account_manager, commitment="Ship the open order")
    closed = case_in_step(Step.CLOSED, owner=account_manager, team=team)
    Case.objects.filter(pk=closed.pk).update(
        commitment="Train the closed desk",
        outcome=Outcome.LOST,
        lessons="Never promise a trainer we have not booked.",
    )
    theirs = case_in_step(Step.CLOSED, owner=teammate, team=team)
    Case.objects.filter(pk=theirs.pk).update(commitment="Someone else's closed case")
    return {"open": open_case, "closed": closed}


def test_the_open_tab_is_the_default(client, account_manager, mine):
    client.force_login(account_manager)
    html = page(client)
    assert "Ship the open order" in html
    assert "Train the closed desk" not in html
    assert 'data-testid="tab-open"><span class="visually-hidden">Showing: ' in html
    assert 'data-testid="tab-closed"><span' not in html
    assert "aria-current" not in tab(html, "closed")


def test_the_closed_tab_lists_only_my_closed_cases_with_outcome_and_lessons(
    client, account_manager, mine
):
    client.force_login(account_manager)
    html = page(client, CLOSED)
    assert "Train the closed desk" in html
    assert Outcome.LOST.label in html
    assert "Never promise a trainer we have not booked." in html
    assert "Ship the open order" not in html
    assert "Someone else&#x27;s closed case" not in html
    assert 'data-testid="tab-closed"><span class="visually-hidden">Showing: ' in html
    assert 'data-testid="tab-open"><span' not in html
    assert "aria-current" not in tab(html, "open")
    # Each tab is a plain link: reached and followed by keyboard.
    assert 'href="/cases/mine/?show=closed"' in tab(html, "closed")
    # Counts on the tabs.
    assert re.search(r"Open <span[^>]*>1</span>", html)
    assert re.search(r"Closed <span[^>]*>1</span>", html)


def test_an_unknown_show_value_shows_the_open_cases(client, account_manager, mine):
    client.force_login(account_manager)
    html = page(client, OPEN + "?show=everything")
    assert "Ship the open order" in html and "Train the closed desk" not in html


def test_no_closed_cases_says_how_a_case_closes(client, teammate, sales_manager):
    client.force_login(teammate)
    assert "No closed cases yet" in page(client, CLOSED)


def test_the_closed_tab_runs_the_same_queries_for_few_and_many_cases(
    client, account_manager, sales_manager, team
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client, CLOSED)
        return len(captured)

    client.force_login(account_manager)
    case_in_step(Step.CLOSED, owner=account_manager, team=team)
    few = count()
    for _ in range(6):
        case_in_step(Step.CLOSED, owner=account_manager, team=team)
    assert count() == few
