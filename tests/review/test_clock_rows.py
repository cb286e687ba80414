"""The step clock as people read it: the case page, the list, the dashboard
and My cases say the same state in words, with due moments in the viewer's
own time zone, at a query count that does not grow with the cases."""

import datetime as dt
import html as html_text
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from tests.factories import make_case

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Tuesday 24 Nov 2026, 10:00 in London (GMT): Acknowledge is due at 12:00.
TUESDAY_TEN = dt.datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)
HOUR = dt.timedelta(hours=1)


def text_of(response) -> str:
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html_text.unescape(text).split())


@pytest.fixture
def tuesday(time_machine):
    time_machine.move_to(TUESDAY_TEN, tick=False)


def with_clocks(owner) -> dict[str, Case]:
    """Three open cases: one overdue, one due soon, one on track."""
    cases = {}
    for state, due_in in [("overdue", -3), ("due_soon", 1), ("on_track", 30)]:
        case = make_case(owner, commitment=f"Commitment {state}")
        due = TUESDAY_TEN + HOUR * due_in
        Case.objects.filter(pk=case.pk).update(
            step_due_at=due, step_warn_at=due - HOUR * 2
        )
        cases[state] = case
    return cases


def test_the_case_page_shows_the_target_in_the_viewers_zone(
    tuesday, client, account_manager, sales_manager
):
    case = make_case(account_manager)
    sales_manager.time_zone = "Asia/Dubai"
    sales_manager.save(update_fields=["time_zone"])

    client.force_login(sales_manager)
    page = text_of(client.get(case.get_absolute_url()))
    assert "On track Due by Tue 24 Nov 16:00 (Asia/Dubai)" in page
    assert "2 business hours left of 2" in page
    # The hours are the team's, and the page says whose they are.
    assert "Enterprise's working time: Mon to Fri, 09:00 to 17:30 (Europe/London)" in (
        page
    )

    # A viewer without a zone of their own reads the team's.
    client.force_login(account_manager)
    page = text_of(client.get(case.get_absolute_url()))
    assert "Due by Tue 24 Nov 12:00 (Europe/London)" in page


def test_the_case_page_clock_says_overdue_in_words_and_hours_over(
    time_machine, client, account_manager, sales_manager
):
    time_machine.move_to(TUESDAY_TEN, tick=False)
    case = make_case(account_manager)
    time_machine.move_to(TUESDAY_TEN + HOUR * 3.5, tick=False)
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert 'data-state="overdue"' in html
    assert 'data-testid="clock-state">Overdue</span>' in html
    assert "Was due by Tue 24 Nov 12:00 (Europe/London) · 1.5 business hours over" in (
        html
    )
    assert 'title="3.5 of 2 business hours used.' in html


def test_the_case_list_says_each_state_in_words_in_the_viewers_zone(
    tuesday, client, account_manager, sales_manager
):
    cases = with_clocks(account_manager)
    sales_manager.time_zone = "America/New_York"
    sales_manager.save(update_fields=["time_zone"])
    client.force_login(sales_manager)
    page = text_of(client.get(reverse("case_list")))
    assert "Step due times are in America/New_York." in page
    # 10:00 London is 05:00 in New York.
    for state, words, due in [
        ("overdue", "Overdue 24 Nov 02:00", cases["overdue"]),
        ("due_soon", "Due soon 24 Nov 06:00", cases["due_soon"]),
        ("on_track", "On track 25 Nov 11:00", cases["on_track"]),
    ]:
        assert words in page, state
        assert due.commitment in page


def test_the_dashboard_says_overdue_and_due_soon_in_the_viewers_zone(
    tuesday, client, account_manager, sales_manager
):
    with_clocks(account_manager)
    sales_manager.time_zone = "Asia/Dubai"
    sales_manager.save(update_fields=["time_zone"])
    client.force_login(sales_manager)
    html = client.get(reverse("home")).content.decode()
    urgent = " ".join(
        re.sub(
            r"<[^>]+>", " ", html.split('data-testid="urgent"')[1].split("</ol>")[0]
        ).split()
    )
    # 07:00 and 11:00 London are 11:00 and 15:00 in Dubai.
    assert "was due by Tue 24 Nov 11:00 (Asia/Dubai) Overdue" in urgent
    assert "due by Tue 24 Nov 15:00 (Asia/Dubai) Due soon" in urgent
    assert "Commitment on_track" not in urgent


def test_my_cases_shows_each_steps_state_in_words_in_the_viewers_zone(
    tuesday, client, account_manager
):
    with_clocks(account_manager)
    account_manager.time_zone = "Asia/Dubai"
    account_manager.save(update_fields=["time_zone"])
    client.force_login(account_manager)
    page = text_of(client.get(reverse("my_cases")))
    assert "Step due times are in Asia/Dubai." in page
    assert "Overdue 24 Nov 11:00" in page
    assert "Due soon 24 Nov 15:00" in page
    assert "On track 25 Nov 20:00" in page


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


PAGES = [reverse("home"), reverse("case_list"), reverse("my_cases")]


@pytest.mark.parametrize("own_zone", ["", "Asia/Dubai"])
def test_rows_with_clocks_cost_the_same_queries_for_few_and_many_cases(
    tuesday, client, account_manager, sales_manager, own_zone
):
    # Without a zone of their own, the viewer's zone is their team's.
    for viewer in (account_manager, sales_manager):
        viewer.time_zone = own_zone
        viewer.save(update_fields=["time_zone"])
    with_clocks(account_manager)
    client.force_login(sales_manager)
    few = {url: count_queries(client, url) for url in PAGES}
    for _ in range(4):
        with_clocks(account_manager)
    assert {url: count_queries(client, url) for url in PAGES} == few
    client.force_login(account_manager)
    mine = count_queries(client, reverse("my_cases"))
    with_clocks(account_manager)
    assert count_queries(client, reverse("my_cases")) == mine
