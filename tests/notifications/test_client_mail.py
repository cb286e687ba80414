"""Email to the client's people goes through the outbox: addressed to a
contact, from the company's address, with a Message-ID stored for replies
and a Reply-To that names the case."""

import pytest

from cases.choices import NotificationKind, OutboxStatus
from cases.models import OutboxMessage
from cases.notifications.client import case_id_from_address, reply_address
from cases.notifications.deliver import send_due
from cases.notifications.record import client_email_record
from tests.factories import ContactFactory, make_case

CONFIRMATION = NotificationKind.CLIENT_CONFIRMATION


@pytest.fixture
def mailed(settings):
    settings.MEND_REPLY_ADDRESS = "replies@mend.example.com"
    settings.MEND_CLIENT_FROM_EMAIL = "Acme Sales <sales@acme.example.com>"
    settings.MEND_COMPANY_NAME = "Acme"


def confirmation(case, contact, key="c1"):
    return client_email_record(
        case=case,
        contact=contact,
        kind=CONFIRMATION,
        key=key,
        context={
            "subject": "Our call today",
            "body": "Thank you for your time, O'Brien & Sons.",
            "promises": [{"description": "New delivery", "due_on_text": "3 May"}],
        },
    )


def test_an_email_to_a_contact_is_sent_from_the_company_with_the_cases_reply_to(
    mailed, smtp_sink, account_manager
):
    case = make_case(account_manager)
    contact = ContactFactory(client=case.client, name="Dana Reyes")
    message = confirmation(case, contact)
    send_due()

    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    [email] = smtp_sink.messages
    assert email["To"] == f"Dana Reyes <{contact.email}>"
    assert email["From"] == "Acme Sales <sales@acme.example.com>"
    assert email["Reply-To"] == reply_address(case)
    assert email["Message-ID"] == message.message_id
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert "O'Brien & Sons" in body
    assert "New delivery, by 3 May" in body
    assert "Acme" in body


def test_without_a_reply_mailbox_replies_go_to_the_owner(
    settings, smtp_sink, account_manager
):
    settings.MEND_REPLY_ADDRESS = ""
    case = make_case(account_manager)
    confirmation(case, ContactFactory(client=case.client))
    send_due()
    [email] = smtp_sink.messages
    assert email["Reply-To"] == account_manager.email


def test_recording_the_same_email_twice_records_it_once(mailed, account_manager):
    case = make_case(account_manager)
    contact = ContactFactory(client=case.client)
    first = confirmation(case, contact)
    again = confirmation(case, contact)
    assert first.pk == again.pk
    assert OutboxMessage.objects.filter(contact=contact).count() == 1


def test_an_erased_contact_is_not_emailed(mailed, smtp_sink, account_manager):
    case = make_case(account_manager)
    contact = ContactFactory(client=case.client)
    message = confirmation(case, contact)
    contact.erased = True
    contact.save()
    send_due()
    message.refresh_from_db()
    assert message.status == OutboxStatus.SKIPPED
    assert "erased" in message.last_error
    assert smtp_sink.messages == []


def test_only_client_kinds_go_to_contacts(mailed, account_manager):
    case = make_case(account_manager)
    with pytest.raises(ValueError):
        client_email_record(
            case=case,
            contact=ContactFactory(client=case.client),
            kind=NotificationKind.SECOND_DROP,
            key="x",
        )


def test_a_reply_address_names_its_case_and_no_other(mailed, account_manager):
    case = make_case(account_manager)
    address = reply_address(case)
    assert address.startswith("replies+c")
    assert address.endswith("@mend.example.com")
    assert case_id_from_address(address) == case.pk
    # Mail servers may fold case; a display name around it is fine.
    assert case_id_from_address(f"Mend <{address.upper()}>") == case.pk
    forged = address.replace(f"+c{case.pk}-", f"+c{case.pk + 1}-")
    assert case_id_from_address(forged) is None
    assert case_id_from_address(address.replace("mend.example.com", "x.com")) is None
    assert case_id_from_address("replies@mend.example.com") is None
    assert case_id_from_address("someone+c1-abc@mend.example.com") is None
