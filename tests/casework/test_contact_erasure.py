"""Erasing a client contact's personal details on request, history kept."""

from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from cases.casework.services import contacts as erasure
from cases.casework.services.compensation import compensation_offer
from cases.casework.services.review import case_comment
from cases.casework.services.steps import person_add
from cases.choices import Step
from cases.exceptions import NotAllowed
from cases.models import Case, Contact, TimelineEntry
from tests.factories import ClientFactory, ContactFactory, make_case, walk_to

NAME, EMAIL, PHONE = "Dana Client", "dana.client@client.example.com", "+44 20 7946 0018"


@pytest.fixture
def case(account_manager, sales_manager, team):
    """Dana named everywhere a case can name someone, through the services."""
    case = make_case(account_manager, client=ClientFactory(team=team, name="Acme"))
    Contact.objects.filter(name=NAME).update(phone=PHONE)
    case = walk_to(case, Step.COMPENSATE, account_manager)
    case_comment(
        case_id=case.pk,
        by=sales_manager,
        text=f"Dana Client asked to be called on {PHONE} or mailed at {EMAIL}.",
    )
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def dana(case):
    return case.contacts.get(name=NAME)


def shows(html: str) -> list[str]:
    return [detail for detail in (NAME, EMAIL, PHONE) if detail in html]


def test_the_case_page_shows_the_contact_before_erasure(client, case, account_manager):
    client.force_login(account_manager)
    assert shows(client.get(case.get_absolute_url()).content.decode()) == [
        NAME,
        EMAIL,
        PHONE,
    ]


def test_erasure_replaces_the_details_and_keeps_the_history(
    client, case, dana, administrator, account_manager
):
    entries = set(case.timeline.values_list("pk", flat=True))
    version = case.version

    concerned = erasure.contact_erase(contact_id=dana.pk, by=administrator)

    assert concerned == [case.pk]
    dana.refresh_from_db()
    assert (dana.name, dana.email, dana.phone, dana.erased) == (
        "erased contact",
        "",
        "",
        True,
    )
    # Every entry is still there, naming "erased contact" where it named Dana.
    assert entries <= set(case.timeline.values_list("pk", flat=True))
    assert case.timeline.filter(summary__contains="erased contact").exists()
    entry = case.timeline.get(kind="contact_erased")
    assert entry.actor == administrator
    assert NAME not in entry.summary
    assert Case.objects.get(pk=case.pk).version == version + 1
    for row in TimelineEntry.objects.filter(case=case):
        assert shows(f"{row.summary} {row.body} {row.changes}") == [], row.summary

    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert shows(html) == []
    assert "erased contact" in html


def test_erasure_leaves_other_people_and_clients_alone(
    case, dana, administrator, account_manager, team
):
    # People are added while acknowledging: a second case of the same client.
    second = make_case(account_manager, client=case.client)
    person_add(
        case_id=second.pk,
        by=account_manager,
        name="Sam Buyer",
        role="Buyer",
        email="sam@acme.example.com",
        phone="",
    )
    elsewhere = make_case(account_manager, client=ClientFactory(team=team))
    erasure.contact_erase(contact_id=dana.pk, by=administrator)
    assert Contact.objects.get(name="Sam Buyer").email == "sam@acme.example.com"
    assert second.timeline.filter(summary__contains="Sam Buyer").exists()
    # Another client's Dana (same factory name) is a different person.
    other = elsewhere.contacts.get()
    assert other.name == NAME
    assert not elsewhere.timeline.filter(kind="contact_erased").exists()


def test_erasing_twice_or_by_a_non_administrator_is_refused(
    case, dana, administrator, sales_manager
):
    with pytest.raises(NotAllowed, match="Only an administrator"):
        erasure.contact_erase(contact_id=dana.pk, by=sales_manager)
    assert Contact.objects.get(pk=dana.pk).name == NAME
    erasure.contact_erase(contact_id=dana.pk, by=administrator)
    with pytest.raises(NotAllowed, match="erased already"):
        erasure.contact_erase(contact_id=dana.pk, by=administrator)


def test_the_admin_asks_for_confirmation_then_erases(client, case, dana, administrator):
    client.force_login(administrator)
    url = reverse("admin:cases_contact_changelist")
    action = {"action": "erase", ACTION_CHECKBOX_NAME: [dana.pk]}
    confirm = client.post(url, action)
    assert confirm.status_code == 200
    assert "Yes, erase their details" in confirm.content.decode()
    assert Contact.objects.get(pk=dana.pk).name == NAME  # nothing yet

    done = client.post(url, {**action, "confirm": "yes"}, follow=True)
    assert "Erased the personal details of 1 contact; the timeline of 1 case" in (
        done.content.decode()
    )
    assert Contact.objects.get(pk=dana.pk).erased
    assert case.timeline.filter(kind="contact_erased").count() == 1


def test_a_contact_cannot_be_deleted_in_the_admin(client, dana, administrator):
    client.force_login(administrator)
    url = reverse("admin:cases_contact_delete", args=[dana.pk])
    refused = client.post(url, {"post": "yes"}, follow=True)
    assert "Contacts are never deleted: on the person&#x27;s request, erase" in (
        refused.content.decode()
    )
    assert Contact.objects.filter(pk=dana.pk).exists()


def test_the_offer_text_is_erased_too(case, dana, administrator, account_manager):
    offer = compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="refund",
        description="A refund for Dana Client",
        value_to_client=Decimal("10"),
        cost_to_us=Decimal("10"),
    )
    erasure.contact_erase(contact_id=dana.pk, by=administrator)
    offer.refresh_from_db()
    assert offer.description == "A refund for erased contact"


def test_a_first_name_on_its_own_is_erased_from_free_text(
    case, dana, administrator, sales_manager
):
    # Trying it: "Colin is angry and feels misled" kept the erased Colin's name.
    case_comment(case_id=case.pk, by=sales_manager, text="Dana is angry; call Dana.")
    erasure.contact_erase(contact_id=dana.pk, by=administrator)
    comment = case.timeline.filter(kind="comment").latest("pk")
    assert comment.summary == "erased contact is angry; call erased contact."


def test_a_first_name_another_contact_shares_is_left(
    case, dana, administrator, sales_manager
):
    ContactFactory(client=case.client, name="Dana Other")
    case_comment(case_id=case.pk, by=sales_manager, text="Dana called back.")
    erasure.contact_erase(contact_id=dana.pk, by=administrator)
    comment = case.timeline.filter(kind="comment").latest("pk")
    assert comment.summary == "Dana called back."
