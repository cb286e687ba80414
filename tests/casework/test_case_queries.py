"""Page query counts do not grow with the number of cases or records."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.casework.services.cases import case_advance
from cases.models import Case
from tests.factories import fill_step, make_case, version_of

pytestmark = pytest.mark.django_db


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def walk(case, by, steps):
    for _ in range(steps):
        fill_step(case, by)
        case_advance(case_id=case.pk, by=by, version=version_of(case))


def test_my_cases_runs_the_same_queries_for_few_and_many_cases(
    client, account_manager, teammate, sales_manager
):
    client.force_login(account_manager)
    for _ in range(2):
        make_case(account_manager)
        make_case(teammate)
    few = count_queries(client, reverse("my_cases"))
    for _ in range(12):
        walk(make_case(account_manager), account_manager, 2)
        make_case(teammate)
    assert count_queries(client, reverse("my_cases")) == few


def test_the_case_page_runs_the_same_queries_however_long_the_case(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    short = make_case(account_manager)
    walk(short, account_manager, 5)
    long = make_case(account_manager)
    walk(long, account_manager, 5)
    # More records of every kind on the long case.
    for _ in range(4):
        fill_step(Case.objects.get(pk=long.pk), account_manager)
    assert count_queries(client, long.get_absolute_url()) == count_queries(
        client, short.get_absolute_url()
    )


def test_an_action_costs_the_same_queries_however_long_the_case(
    client, account_manager, sales_manager
):
    def comment_queries(case) -> int:
        url = reverse("case_action", args=[case.pk, "comment"])
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                url,
                {"comment-text": "Checked in", "comment-submission_key": uuid.uuid4()},
            )
        assert response.status_code == 302
        return len(queries)

    client.force_login(account_manager)
    short = make_case(account_manager)
    long = make_case(account_manager)
    walk(long, account_manager, 5)
    for _ in range(4):
        fill_step(Case.objects.get(pk=long.pk), account_manager)
    assert comment_queries(long) == comment_queries(short) <= 12
