"""Bad input gets a clear message and nothing is saved; good input is saved once."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.casework.services.cases import case_send_back
from cases.casework.services.compensation import compensation_offer
from cases.choices import Step
from cases.models import Case, Client, Option
from tests.factories import ClientFactory, case_in_step, make_case, version_of
from tests.posts import new_case

pytestmark = pytest.mark.django_db


def test_logging_needs_a_client(client, account_manager):
    client.force_login(account_manager)
    response = new_case(client, new_client_name="")
    assert response.status_code == 200
    assert (
        "Choose the client, or type the name of a new one." in response.content.decode()
    )
    assert Case.objects.count() == 0


def test_logging_refuses_a_client_and_a_new_name_together(
    client, account_manager, team
):
    existing = ClientFactory(team=team, name="Fabrikam")
    client.force_login(account_manager)
    response = new_case(client, client=existing.pk)
    assert "not both" in response.content.decode()
    assert Case.objects.count() == 0


def test_logging_refuses_a_detection_time_in_the_future_and_keeps_the_text(
    client, account_manager
):
    client.force_login(account_manager)
    later = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = new_case(client, detected_at=later)
    html = response.content.decode()
    assert "When we found out cannot be in the future." in html
    assert "The shipment went to the wrong city." in html
    assert Case.objects.count() == 0


def test_logging_requires_the_essentials_with_field_messages(client, account_manager):
    client.force_login(account_manager)
    response = new_case(client, commitment="", what_happened="", severity="")
    # Each at its field, and again in the summary at the top of the form.
    assert response.content.decode().count("This field is required.") == 6
    assert response.content.decode().count('class="invalid-feedback') == 3
    assert Client.objects.count() == 0


def test_a_double_submitted_new_case_is_saved_once(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    key = str(uuid.uuid4())
    first = new_case(client, submission_key=key)
    second = new_case(client, submission_key=key)
    assert first.status_code == second.status_code == 302
    assert Case.objects.count() == 1


def test_logging_takes_the_user_to_the_new_case(client, account_manager, sales_manager):
    client.force_login(account_manager)
    response = new_case(client)
    case = Case.objects.get()
    assert response["Location"] == case.get_absolute_url()
    assert case.owner == account_manager
    assert case.client.team == case.team


@pytest.fixture
def case_in_options(account_manager, sales_manager):
    return case_in_step(Step.OPTIONS, owner=account_manager)


def test_an_option_with_a_negative_cost_is_refused(
    client, account_manager, case_in_options
):
    client.force_login(account_manager)
    response = client.post(
        reverse("case_action", args=[case_in_options.pk, "option"]),
        {
            "option-submission_key": str(uuid.uuid4()),
            "option-description": "Courier from Lyon",
            "option-cost_to_us": "-5",
            "option-time_to_deliver": "2 days",
            "option-feasibility": "high",
        },
    )
    html = response.content.decode()
    assert "Enter an amount of zero or more." in html
    assert 'value="Courier from Lyon"' in html
    assert Option.objects.count() == 0


def test_a_double_submitted_option_is_saved_once(
    client, account_manager, case_in_options
):
    client.force_login(account_manager)
    data = {
        "option-submission_key": str(uuid.uuid4()),
        "option-description": "Courier from Lyon",
        "option-cost_to_us": "50",
        "option-time_to_deliver": "2 days",
        "option-feasibility": "high",
    }
    url = reverse("case_action", args=[case_in_options.pk, "option"])
    client.post(url, data)
    client.post(url, data)
    assert Option.objects.filter(case=case_in_options).count() == 1


def test_a_promise_due_before_the_case_opened_is_refused(
    client, account_manager, case_in_options
):
    client.force_login(account_manager)
    response = client.post(
        reverse("case_action", args=[case_in_options.pk, "promise"]),
        {
            "promise-submission_key": str(uuid.uuid4()),
            "promise-description": "Call back",
            "promise-due_on": "2001-01-01",
        },
    )
    assert "The due date is before the case was opened." in response.content.decode()
    assert case_in_options.promises.count() == 0


def test_client_history_counts_the_last_twelve_months(
    client, account_manager, sales_manager, team
):
    acme = ClientFactory(team=team, name="Acme")
    for _ in range(3):
        make_case(account_manager, client=acme)
    old = make_case(account_manager, client=acme, commitment="Ancient history")
    Case.objects.filter(pk=old.pk).update(
        opened_at=timezone.now() - dt.timedelta(days=400)
    )
    client.force_login(account_manager)
    html = client.get(reverse("client_history"), {"client": acme.pk}).content.decode()
    assert "dropped ball number 4 for Acme in twelve months" in html
    assert "Ancient history" not in html


def test_a_delivery_date_in_the_future_is_refused_with_a_message(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    offer = compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="training",
        description="Two seats",
        value_to_client=Decimal("200"),
        cost_to_us=Decimal("50"),
    )
    client.force_login(account_manager)
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("case_action", args=[case.pk, "deliver"]),
        {"record": offer.pk, "delivered_on": later},
        follow=True,
    )
    assert "The delivery date cannot be in the future." in response.content.decode()
    offer.refresh_from_db()
    assert offer.delivered_on is None


def test_client_history_ignores_a_malformed_client_id(client, account_manager):
    client.force_login(account_manager)
    response = client.get(reverse("client_history"), {"client": "abc"})
    assert response.status_code == 200
    assert "Choose a client to see their history" in response.content.decode()


def test_a_sent_back_case_shows_the_reason_in_the_current_step(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="Ask the client again",
        version=version_of(case),
    )
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    banner = html.split('data-testid="sent-back"')[1].split("</div>")[0]
    assert "Ask the client again" in banner


@pytest.mark.parametrize(
    ("url_name", "partial_mark"),
    [("client_history", "Choose a client to see"), ("similar_cases", "similar-cases")],
)
def test_a_panel_is_bare_for_htmx_and_a_page_when_opened_as_a_link(
    client, account_manager, url_name, partial_mark
):
    client.force_login(account_manager)
    url = reverse(url_name)

    swapped = client.get(url, headers={"HX-Request": "true"})
    opened = client.get(url)

    assert partial_mark in swapped.content.decode()
    assert "<html" not in swapped.content.decode()
    page = opened.content.decode()
    assert partial_mark in page
    assert "<html" in page and "</nav>" in page
    # One URL, two answers: caches must tell them apart.
    for response in (swapped, opened):
        assert "HX-Request" in response["Vary"]
