"""The insights page and its exports: who sees what, bad choices, query counts."""

import csv
import datetime as dt
import io
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.choices import OurPart, Step
from cases.models import (
    Case,
    Compensation,
    RootCauseAnswer,
    StepPeriod,
)
from tests.factories import ClientFactory, UserFactory, case_in_step, make_case
from tests.review.test_review_queries import add_cases, queries

pytestmark = pytest.mark.django_db


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def stat(response, key):
    return next(s for s in response.context["stats"] if s.key == key)


def test_a_sales_manager_sees_the_teams_figures(client, sales_manager, account_manager):
    make_case(account_manager)
    case_in_step(Step.CLOSED, owner=account_manager)
    client.force_login(sales_manager)

    response = client.get(reverse("insights"))

    assert response.status_code == 200
    assert stat(response, "logged").value == 2
    assert stat(response, "closed").value == 1
    assert stat(response, "recovery_rate").shown == "100%"
    page = response.content.decode()
    assert "compared with the 90 days before" in page
    assert 'href="/insights/"' in page  # in the navigation


def test_an_account_manager_studies_only_their_own_cases(
    client, account_manager, teammate
):
    make_case(account_manager)
    make_case(teammate)
    make_case(teammate)
    client.force_login(account_manager)

    response = client.get(reverse("insights"))

    assert stat(response, "logged").value == 1
    form = response.context["form"]
    assert "team" not in form.fields and "owner" not in form.fields
    rows = list(
        csv.reader(io.StringIO(body(client.get(reverse("insights_cases_export")))))
    )
    assert len(rows) == 2  # the header and their one case


def test_another_teams_manager_can_neither_count_nor_choose_the_team(
    client, account_manager, team, other_team
):
    make_case(account_manager)
    olga = UserFactory(username="olga", role="sales_manager", teams=[other_team])
    client.force_login(olga)

    response = client.get(reverse("insights"))
    assert stat(response, "logged").value == 0
    assert team not in response.context["form"].fields["team"].queryset

    response = client.get(reverse("insights"), {"team": team.pk})
    assert response.context["form"].errors["team"]
    assert stat(response, "logged").value == 0
    export = client.get(reverse("insights_cases_export"), {"team": team.pk})
    assert export.status_code == 400


def test_a_manager_narrows_to_one_account_manager(
    client, sales_manager, account_manager, teammate
):
    make_case(account_manager)
    make_case(teammate)
    client.force_login(sales_manager)

    response = client.get(reverse("insights"), {"owner": teammate.pk})

    assert stat(response, "logged").value == 1
    assert [row["name"] for row in response.context["by_owner"]] == [str(teammate)]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"period": "custom", "start": "2026-03-01", "end": "2026-02-01"},
            "start",
            "must come before",
        ),
        ({"period": "custom", "start": "2026-03-01"}, "end", "last day"),
        (
            {"period": "custom", "start": "1 March", "end": "2026-02-01"},
            "start",
            "valid date",
        ),
        (
            {"period": "custom", "start": "2020-01-01", "end": "2026-01-01"},
            "start",
            "at most three years",
        ),
        ({"period": "week"}, "period", "valid choice"),
    ],
)
def test_a_bad_choice_is_explained_and_the_default_period_shown(
    client, sales_manager, params, field, message
):
    client.force_login(sales_manager)

    response = client.get(reverse("insights"), params)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert response.context["period"].days == 90
    page = response.content.decode()
    assert message in page
    assert "until the choice above is corrected" in page
    # What was typed stays in the form.
    if params.get("start"):
        assert f'value="{params["start"]}"' in page or params["start"] == "1 March"

    export = client.get(reverse("insights_figures_export"), params)
    assert export.status_code == 400
    assert "Nothing exported" in export.content.decode()


def test_a_period_ending_after_today_is_refused(client, sales_manager):
    client.force_login(sales_manager)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = client.get(
        reverse("insights"),
        {"period": "custom", "start": "2026-01-01", "end": tomorrow.isoformat()},
    )

    assert "cannot end after today" in response.context["form"].errors["end"][0]


def test_dates_without_a_preset_mean_those_dates(client, sales_manager):
    client.force_login(sales_manager)
    today = timezone.localdate()
    start = today - dt.timedelta(days=9)

    response = client.get(
        reverse("insights"), {"start": start.isoformat(), "end": today.isoformat()}
    )

    assert response.context["period"].days == 10
    assert response.context["previous"].end == start - dt.timedelta(days=1)


def test_exports_neutralise_formulas(client, sales_manager, account_manager, team):
    evil = ClientFactory(team=team, name='=HYPERLINK("http://x")')
    make_case(account_manager, client=evil)
    make_case(account_manager, client=evil)
    client.force_login(sales_manager)

    cases = body(client.get(reverse("insights_cases_export")))
    figures = body(client.get(reverse("insights_figures_export")))

    rows = list(csv.reader(io.StringIO(cases)))
    assert rows[0][:3] == ["Case", "Client", "Team"]
    assert {row[1] for row in rows[1:]} == {'\'=HYPERLINK("http://x")'}
    assert "'=HYPERLINK" in figures  # the repeat-client row
    assert "\n=HYPERLINK" not in figures and ",=HYPERLINK" not in figures


def test_the_cases_export_has_step_hours_and_outcome(
    client, sales_manager, account_manager
):
    case = case_in_step(Step.CLOSED, owner=account_manager)
    client.force_login(sales_manager)

    rows = list(
        csv.DictReader(io.StringIO(body(client.get(reverse("insights_cases_export")))))
    )

    [row] = rows
    assert row["Case"] == str(case.pk)
    assert row["Outcome"] == "Retained"
    assert row["Hours in Acknowledge"] == "0.0"
    assert row["Hours to close"] != ""
    assert row["Our part"] == OurPart.NO_BUFFER.label


def add_history(cases, owner):
    """Closed cases with step visits, answers and compensation, for the counts."""
    now = timezone.now()
    rng = random.Random(len(cases))
    for case in cases[::2]:
        case.step, case.outcome, case.client_fit = "closed", "recovered", "good"
        case.closed_at = now - dt.timedelta(days=rng.randint(0, 30))
        case.lessons = "Keep a buffer."
    Case.objects.bulk_update(
        cases[::2], ["step", "outcome", "client_fit", "closed_at", "lessons"]
    )
    StepPeriod.objects.filter(case__in=cases).update(
        completed_at=now, due_at=now - dt.timedelta(hours=1)
    )
    RootCauseAnswer.objects.bulk_create(
        RootCauseAnswer(case=c, question="buffer", answer="no") for c in cases
    )
    Compensation.objects.bulk_create(
        Compensation(
            case=c,
            offered_by=c.owner,
            kind="credit",
            description="Credit",
            value_to_client=100,
            cost_to_us=20,
            guideline=80,
            delivered_on=timezone.localdate(),
        )
        for c in cases
    )


@pytest.mark.parametrize(
    "url",
    [
        reverse("insights"),
        reverse("insights") + "?period=365",
        reverse("insights_cases_export") + "?period=365",
        reverse("insights_figures_export"),
    ],
)
def test_queries_do_not_grow_with_the_number_of_cases(
    client, sales_manager, account_manager, teammate, team, url
):
    clients = [ClientFactory(team=team) for _ in range(5)]
    client.force_login(sales_manager)
    add_history(
        add_cases(10, team=team, owner=account_manager, clients=clients),
        account_manager,
    )
    few = queries(client, url)
    more = add_cases(495, team=team, owner=account_manager, clients=clients)
    more += add_cases(495, team=team, owner=teammate, clients=clients)
    add_history(more, account_manager)

    assert queries(client, url) == few
