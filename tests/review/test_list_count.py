"""The All cases list and the API count the matching cases only so far: exact
below MEND_LIST_COUNT_LIMIT, "more than" beyond, every page still reachable."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.api.paging import CappedPagination
from cases.review import listing
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(account_manager):
    return [make_case(account_manager, commitment=f"Promise {i}") for i in range(5)]


@pytest.fixture
def two_per_page(monkeypatch, settings):
    """Pages of two, counted exactly up to three cases."""
    monkeypatch.setattr(listing, "PER_PAGE", 2)
    monkeypatch.setattr(CappedPagination, "page_size", 2)
    settings.MEND_LIST_COUNT_LIMIT = 3


def listed(client, **params) -> str:
    response = client.get(reverse("case_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_below_the_limit_the_count_is_exact(client, sales_manager, five, settings):
    settings.MEND_LIST_COUNT_LIMIT = 5
    client.force_login(sales_manager)
    html = listed(client)
    assert "5 cases." in html
    assert "More than" not in html and "or more" not in html


def test_beyond_the_limit_the_list_says_more_than(
    client, sales_manager, five, two_per_page
):
    client.force_login(sales_manager)
    html = listed(client)
    assert "More than 3 cases." in html
    assert "Narrow the filters for an exact count." in html
    assert "Page 1 of 2 or more" in html
    assert "page=2" in html  # Next
    html = listed(client, q="promise")
    assert "More than 3 cases match these filters." in html


def test_every_page_past_the_limit_stays_reachable(
    client, sales_manager, five, two_per_page
):
    client.force_login(sales_manager)
    # Page 2 counts one row past itself: there is a third page.
    html = listed(client, page=2)
    assert "More than 4 cases." in html and "Page 2 of 3 or more" in html
    assert "page=3" in html
    # The last page counts them all: exact again, and no Next.
    html = listed(client, page=3)
    assert "5 cases." in html and "Page 3 of 3<" in html
    assert "page=4" not in html
    assert html.count("Promise ") == 1


def test_the_count_reads_no_more_than_the_limit_and_one(
    client, sales_manager, five, two_per_page
):
    client.force_login(sales_manager)
    with CaptureQueriesContext(connection) as captured:
        listed(client)
    # The list's count (the menu's unread notices are counted too).
    counts = [
        q["sql"]
        for q in captured
        if q["sql"].startswith('SELECT COUNT(*) FROM (SELECT "cases_case"."id"')
    ]
    assert len(counts) == 1, [q["sql"] for q in captured]
    assert counts[0].endswith("LIMIT 4) subquery")
    assert "ORDER BY" not in counts[0]  # nothing sorted to be counted


def test_a_page_number_that_is_not_a_number_is_the_first_page(
    client, sales_manager, five, two_per_page
):
    client.force_login(sales_manager)
    assert "Page 1 of 2 or more" in listed(client, page="x")


def api_cases(client, **params) -> dict:
    response = client.get("/api/v1/cases/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_api_says_when_its_count_is_not_exact(
    client, sales_manager, five, two_per_page
):
    client.force_login(sales_manager)
    first = api_cases(client)
    assert (first["count"], first["count_exact"]) == (3, False)
    assert len(first["results"]) == 2 and "page=2" in first["next"]
    last = api_cases(client, page=3)
    assert (last["count"], last["count_exact"]) == (5, True)
    assert len(last["results"]) == 1 and last["next"] is None


def test_the_api_count_is_exact_below_the_limit(client, sales_manager, five):
    client.force_login(sales_manager)
    answer = api_cases(client)
    assert (answer["count"], answer["count_exact"]) == (5, True)


def test_the_schema_documents_count_exact(client, sales_manager):
    client.force_login(sales_manager)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paginated = schema["components"]["schemas"]["PaginatedCaseList"]
    assert "count_exact" in paginated["properties"]
    assert "more than" in paginated["properties"]["count"]["description"]


def test_a_capped_count_costs_no_extra_query(
    client, sales_manager, five, settings, monkeypatch
):
    client.force_login(sales_manager)
    with CaptureQueriesContext(connection) as exact:
        assert "5 cases." in listed(client)
    settings.MEND_LIST_COUNT_LIMIT = 3
    monkeypatch.setattr(listing, "PER_PAGE", 2)
    with CaptureQueriesContext(connection) as capped:
        assert "More than 3 cases." in listed(client)
    assert len(capped) == len(exact)
