"""The written confirmation as the client gets it: sent by the real outbox
delivery to the SMTP sink, one email per person, from the company, with the
case's Reply-To and the Message-ID Mend stored, the owner's words and the
promises with their dates."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.casework.services.confirmations import PromiseLine, confirmation_send
from cases.choices import OutboxStatus, Step
from cases.notifications.client import reply_address
from cases.notifications.deliver import send_due
from tests.factories import ContactFactory, case_in_step, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailed(settings):
    settings.MEND_REPLY_ADDRESS = "replies@mend.example.com"
    settings.MEND_CLIENT_FROM_EMAIL = "Acme Sales <sales@acme.example.com>"
    settings.MEND_COMPANY_NAME = "Acme"


def test_each_person_gets_the_owners_words_and_the_promises(
    mailed, smtp_sink, account_manager, sales_manager
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    case.contacts.add(
        ContactFactory(
            client=case.client, name="Lee <Park>", email="lee@client.example.com"
        )
    )
    due = timezone.localdate() + dt.timedelta(days=6)
    confirmation = confirmation_send(
        case_id=case.pk,
        by=account_manager,
        version=version_of(case),
        subject="Our call today: O'Brien & Sons",
        body="Thank you for your time.\n\nHere is what we agreed <today>.",
        contacts=list(case.contacts.all()),
        promises=[PromiseLine(due, "A trainer on site, all day")],
    )
    send_due()

    rows = list(confirmation.messages.all())
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    # (The sink also has the manager's alert of the case being logged.)
    ids = {row.message_id for row in rows}
    by_id = {e["Message-ID"]: e for e in smtp_sink.messages if e["Message-ID"] in ids}
    assert len(rows) == len(by_id) == 2
    when = f"{due:%A} {due.day} {due:%B %Y}"
    for row in rows:
        email = by_id[row.message_id]
        assert row.contact.email in email["To"]
        assert email["From"] == "Acme Sales <sales@acme.example.com>"
        assert email["Reply-To"] == reply_address(case)
        assert email["Subject"] == "Our call today: O'Brien & Sons"
        text = email.get_body(preferencelist=("plain",)).get_content()
        assert "Here is what we agreed <today>." in text
        assert "What we will do, and by when:" in text
        assert f"- A trainer on site, all day, by {when}" in text
        assert f"{account_manager.get_full_name()}, Acme" in text
        page = email.get_body(preferencelist=("html",)).get_content()
        assert "we agreed &lt;today&gt;." in page
        assert f"<li>A trainer on site, all day, by {when}</li>" in page
