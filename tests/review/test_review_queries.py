"""Review pages run the same number of queries at 10 cases as at 1,000."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CasePart, FollowUp, Promise, StepPeriod
from cases.models.search import search_text_refresh
from cases.workflow import WORKING_STEPS
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def add_cases(n: int, *, team, owner, clients):
    """Rows straight into the tables: fast, and enough for counting queries."""
    now = timezone.now()
    rng = random.Random(n)
    cases = Case.objects.bulk_create(
        Case(
            team=team,
            owner=owner,
            client=rng.choice(clients),
            commitment=f"Commitment {i}",
            what_happened="It slipped.",
            severity=rng.choice(["low", "medium", "high", "critical"]),
            failure_source="process",
            step=rng.choice(WORKING_STEPS),
            step_entered_at=now - dt.timedelta(hours=rng.randint(1, 500)),
            step_due_at=now + dt.timedelta(hours=rng.randint(-100, 100)),
            step_warn_at=now + dt.timedelta(hours=rng.randint(-120, 80)),
            opened_at=now - dt.timedelta(days=rng.randint(0, 80)),
        )
        for i in range(n)
    )
    # As the services keep it: the search below then finds these cases.
    search_text_refresh(Case.objects.filter(pk__in=[case.pk for case in cases]))
    today = timezone.localdate()
    Promise.objects.bulk_create(
        Promise(
            case=case,
            description="Call back",
            due_on=today + dt.timedelta(days=rng.randint(-3, 6)),
            made_by=owner,
            made_in_step=case.step,
            status=rng.choice(["open", "kept", "missed"]),
        )
        for case in cases
    )
    FollowUp.objects.bulk_create(
        FollowUp(
            case=case,
            due_on=today + dt.timedelta(days=rng.randint(0, 6)),
            purpose="Check",
        )
        for case in cases
    )
    CasePart.objects.bulk_create(
        CasePart(case=case, part="no_buffer") for case in cases
    )
    StepPeriod.objects.bulk_create(
        StepPeriod(case=case, step=case.step, entered_at=case.step_entered_at)
        for case in cases
    )
    return cases


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(captured)


URLS = [
    reverse("home"),  # the sales manager's dashboard
    reverse("case_list"),
    reverse("case_list") + "?status=overdue&sort=-severity",
    reverse("case_list") + "?q=Commitment&severity=high&sort=client",
    reverse("case_export"),
    reverse("case_export") + "?status=open&step=options",
]


def test_review_pages_run_the_same_queries_at_10_and_1000_cases(
    client, sales_manager, account_manager, team
):
    clients = [ClientFactory(team=team, name=f"Client {i}") for i in range(5)]
    add_cases(10, team=team, owner=account_manager, clients=clients)
    client.force_login(sales_manager)
    at_10 = {url: queries(client, url) for url in URLS}
    add_cases(990, team=team, owner=account_manager, clients=clients)
    at_1000 = {url: queries(client, url) for url in URLS}
    assert at_1000 == at_10


def test_the_case_page_runs_the_same_queries_at_10_and_1000_cases(
    client, sales_manager, account_manager, team
):
    clients = [ClientFactory(team=team, name=f"Client {i}") for i in range(5)]
    first = add_cases(10, team=team, owner=account_manager, clients=clients)[0]
    client.force_login(sales_manager)
    at_10 = queries(client, first.get_absolute_url())
    add_cases(990, team=team, owner=account_manager, clients=clients)
    assert queries(client, first.get_absolute_url()) == at_10
