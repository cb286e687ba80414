"""The check-in email: sent through the outbox to the contact, from the
company, with a link made as it is written that opens that one check-in."""

import re

import pytest
from django.urls import resolve

from cases import links
from cases.casework.services.check_ins import link_age
from cases.choices import NotificationKind, OutboxStatus, Step
from cases.models import CheckIn, OutboxMessage
from cases.notifications.deliver import send_due
from tests.factories import (
    ClientFactory,
    ContactFactory,
    case_in_step,
    close_case,
)

pytestmark = pytest.mark.django_db


def test_closing_emails_each_contact_a_link_to_their_own_check_in(
    settings, smtp_sink, account_manager, sales_manager
):
    settings.MEND_COMPANY_NAME = "Acme"
    settings.MEND_CLIENT_FROM_EMAIL = "Acme Sales <sales@acme.example.com>"
    settings.MEND_CHECK_IN_LINK_DAYS = 21
    client = ClientFactory(team=account_manager.teams.first())
    dana = ContactFactory(client=client, name="Dana Reyes", email="dana@c.example")
    case = case_in_step(
        Step.FOLLOW_UP,
        owner=account_manager,
        client=client,
        contacts=[dana],
        complete=True,
    )
    close_case(case, account_manager)
    send_due()

    message = OutboxMessage.objects.get(kind=NotificationKind.CLIENT_CHECK_IN)
    assert message.status == OutboxStatus.SENT
    [email] = [m for m in smtp_sink.messages if m["To"].startswith("Dana")]
    assert email["From"] == "Acme Sales <sales@acme.example.com>"
    assert email["Subject"] == "How are things with Acme now?"
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert "for 21 days" in body
    [token] = re.findall(r"/check-in/([^/\s]+)/", body)
    assert resolve(f"/check-in/{token}/").url_name == "check_in"
    check_in = CheckIn.objects.get(case=case)
    assert links.read_token("check-in", token, max_age=link_age()) == (
        check_in.pk,
        check_in.nonce,
    )
