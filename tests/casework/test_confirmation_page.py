"""The written confirmation on the case page: the card, what a bad post
keeps, a double click, a stale page, who may send, and the query count."""

import datetime as dt
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.casework.services.cases import case_send_back
from cases.choices import NotificationKind, Step
from cases.models import Confirmation, OutboxMessage, Promise
from tests.casework.test_case_queries import count_queries
from tests.factories import ContactFactory, case_in_step, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account_manager, sales_manager):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    case.contacts.add(ContactFactory(client=case.client, name="Lee Park"))
    return case


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def form_data(case, rows=(), **fields):
    values = {
        "submission_key": str(uuid.uuid4()),
        "version": version_of(case),
        "step": case.step,
        "contacts": [str(c.pk) for c in case.contacts.all()],
        "subject": "Our call today",
        "body": "Thank you for taking my call, Dana.",
        "promises-TOTAL_FORMS": str(max(3, len(rows))),
        "promises-INITIAL_FORMS": "0",
        "promises-MIN_NUM_FORMS": "0",
        "promises-MAX_NUM_FORMS": "10",
    }
    for index, (due_on, what) in enumerate(rows):
        values[f"promises-{index}-due_on"] = due_on
        values[f"promises-{index}-description"] = what
    values.update(fields)
    return {f"confirmation-{k}": v for k, v in values.items()}


def post(client, case, data, **headers):
    url = reverse("case_action", args=[case.pk, "confirmation"])
    return client.post(url, data, **headers)


def test_the_card_offers_the_affected_people_ticked_and_a_subject(
    client, case, account_manager
):
    silent = ContactFactory(client=case.client, name="No Mail", email="")
    case.contacts.add(silent)
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    card = html.split('data-testid="confirmation-card"')[1].split("</section>")[0]
    assert "Write the confirmation" in card
    assert "hold us to every word" in card
    dana, lee = case.contacts.exclude(pk=silent.pk).order_by("name")
    for person in (dana, lee):
        assert f'value="{person.pk}"' in card
        assert f"{person.name} &lt;{person.email}&gt;" in card
    assert "No Mail (no email address on file)" in card
    assert len(re.findall(r"\schecked>", card)) == 2
    assert f"Following our call: {case.commitment}" in card
    # Three blank promise rows, and the button that adds more (with JS).
    assert card.count('name="confirmation-promises-') >= 6
    assert "Add another promise" in card


def test_no_card_before_communicate(client, account_manager, sales_manager):
    early = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(account_manager)
    html = client.get(early.get_absolute_url()).content.decode()
    assert 'data-testid="confirmation-card"' not in html


def test_a_teammate_reading_the_case_sees_no_card_and_is_refused(
    client, case, teammate, outsider
):
    client.force_login(teammate)
    html = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="confirmation-card"' not in html
    assert post(client, case, form_data(case)).status_code == 403
    client.force_login(outsider)
    assert post(client, case, form_data(case)).status_code == 404
    assert not Confirmation.objects.exists()


def test_sending_from_the_page_puts_it_on_the_ledger_outbox_and_timeline(
    client, case, account_manager
):
    client.force_login(account_manager)
    data = form_data(case, rows=[(in_days(4), "The new trainer on site")])
    response = post(client, case, data)
    assert response.status_code == 302
    assert response["Location"].endswith("#form-confirmation")
    confirmation = Confirmation.objects.get()
    assert confirmation.subject == "Our call today"
    [promise] = Promise.objects.filter(case=case)
    assert promise.description == "The new trainer on site"
    assert (
        OutboxMessage.objects.filter(
            kind=NotificationKind.CLIENT_CONFIRMATION, case=case
        ).count()
        == 2
    )
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Confirmation sent to Dana Client and Lee Park" in html
    timeline = html.split('data-testid="timeline"')[1]
    assert "Sent the written confirmation “Our call today”" in timeline
    assert "Thank you for taking my call, Dana." in timeline
    ledger = html.split('data-testid="ledger"')[1].split("</section>")[0]
    assert "The new trainer on site" in ledger


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rows": [("2026-02-31", "Nonsense date")]}, "Enter a real date"),
        ({"rows": [(in_days(-2), "Too late")]}, "cannot be due in the past"),
        ({"rows": [("", "No date given")]}, "Give the date we promise it by"),
        ({"contacts": []}, "Tick at least one person"),
        ({"body": ""}, "Write the email"),
    ],
)
def test_bad_input_keeps_everything_typed_and_sends_nothing(
    client, case, account_manager, change, message
):
    client.force_login(account_manager)
    rows = change.pop("rows", [(in_days(3), "Kept as typed")])
    fields = {"body": "My words, kept.", "subject": "Kept subject", **change}
    data = form_data(case, rows=rows, **fields)
    response = post(client, case, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="Kept subject"' in html
    for _due, what in rows:
        assert what in html
    if "body" not in change:
        assert "My words, kept." in html
    assert not Confirmation.objects.exists()
    assert not Promise.objects.filter(case=case).exists()
    assert not OutboxMessage.objects.filter(contact__isnull=False).exists()


def test_a_person_without_email_ticked_is_named(client, case, account_manager):
    silent = ContactFactory(client=case.client, name="No Mail", email="")
    case.contacts.add(silent)
    client.force_login(account_manager)
    response = post(client, case, form_data(case, body="Still here."))
    html = response.content.decode()
    assert "No Mail has no email address on file" in html
    assert "Still here." in html
    assert not Confirmation.objects.exists()


def test_a_double_click_sends_once(client, case, account_manager):
    client.force_login(account_manager)
    data = form_data(case, rows=[(in_days(4), "Once only")])
    assert post(client, case, data).status_code == 302
    assert post(client, case, data).status_code == 302
    assert Confirmation.objects.count() == 1
    assert Promise.objects.filter(case=case).count() == 1
    assert OutboxMessage.objects.filter(contact__isnull=False).count() == 2


def test_a_case_changed_meanwhile_is_refused_with_the_email_kept(
    client, case, account_manager, sales_manager
):
    client.force_login(account_manager)
    data = form_data(case, body="Typed before the change.")
    data["confirmation-version"] = str(version_of(case) - 1)
    response = post(client, case, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "nothing was sent" in html
    assert "Typed before the change." in html
    assert not Confirmation.objects.exists()


def test_a_case_sent_back_meanwhile_still_shows_the_email_as_typed(
    client, case, account_manager, sales_manager
):
    data = form_data(case, body="Written while the manager moved it.")
    case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="Options first",
        version=version_of(case),
    )
    client.force_login(account_manager)
    html = post(client, case, data).content.decode()
    assert "moved back to Options" in html
    assert "Written while the manager moved it." in html
    assert not Confirmation.objects.exists()


def test_the_case_page_runs_the_same_queries_with_confirmations(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    once = case_in_step(Step.COMMUNICATE, owner=account_manager)
    busy = case_in_step(Step.COMMUNICATE, owner=account_manager)
    busy.contacts.add(ContactFactory(client=busy.client))
    assert post(client, once, form_data(once)).status_code == 302
    for _ in range(3):
        response = post(
            client, busy, form_data(busy, rows=[(in_days(2), "A"), (in_days(3), "B")])
        )
        assert response.status_code == 302
    assert Confirmation.objects.filter(case=busy).count() == 3
    assert count_queries(client, busy.get_absolute_url()) == count_queries(
        client, once.get_absolute_url()
    )
