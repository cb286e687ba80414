"""A manager's actions on a case: each lands on the timeline and emails the owner.

The request records the email in the outbox; `sent()` then runs the sender
as the worker does (Django's test backend standing in for SMTP)."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from cases.casework.services.compensation import compensation_offer
from cases.choices import Step
from cases.models import Case, OutboxMessage
from cases.notifications.deliver import send_due
from cases.notifications.ids import message_id_for
from tests.factories import UserFactory, make_case, version_of, walk_to
from tests.html import select_options

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def case(account_manager, sales_manager):
    return make_case(account_manager)


def post(client, case, name, data):
    return client.post(reverse("case_action", args=[case.pk, name]), data)


def comment(text: str) -> dict:
    return {"comment-text": text, "comment-submission_key": uuid.uuid4()}


def reassign(case, to) -> dict:
    version = Case.objects.get(pk=case.pk).version
    return {"reassign-owner": to.pk, "reassign-version": version}


def sent(kind: str) -> list:
    """The emails of `kind` the sender delivers; the request sent none itself."""
    assert mail.outbox == []
    send_due()
    keys = OutboxMessage.objects.filter(kind=kind).values_list("dedupe_key", flat=True)
    ids = {message_id_for(key) for key in keys}
    return [m for m in mail.outbox if m.extra_headers["Message-ID"] in ids]


def test_a_managers_comment_lands_on_the_timeline_and_emails_the_owner(
    client, case, sales_manager
):
    client.force_login(sales_manager)
    response = post(client, case, "comment", comment("Call them today, please."))
    assert response.status_code == 302
    entry = case.timeline.get(kind="comment")
    assert entry.body == "Call them today, please." and entry.actor == sales_manager
    [message] = sent("case_comment")
    assert message.to == ["alice@example.com"]
    assert "Call them today, please." in message.body
    assert f"/cases/{case.pk}/" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_the_owner_is_not_emailed_about_their_own_comment(
    client, case, account_manager
):
    client.force_login(account_manager)
    post(client, case, "comment", comment("Note to self"))
    assert case.timeline.filter(kind="comment").count() == 1
    assert sent("case_comment") == []


def test_an_empty_comment_is_refused(client, case, sales_manager):
    client.force_login(sales_manager)
    response = post(client, case, "comment", comment(""))
    assert "This field is required." in response.content.decode()
    assert not case.timeline.filter(kind="comment").exists()


def test_reassigning_hands_the_case_to_a_teammate_and_emails_them(
    client, case, sales_manager, teammate
):
    client.force_login(sales_manager)
    response = post(client, case, "reassign", reassign(case, teammate))
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).owner == teammate
    change = case.timeline.get(kind="reassigned").changes[0]
    assert change["field"] == "Owner" and change["new"] == str(teammate)
    assert [m.to for m in sent("case_reassigned")] == [["bob@example.com"]]


def test_the_reassign_list_offers_the_teams_other_active_account_managers(
    client, case, account_manager, sales_manager, teammate, outsider, team
):
    UserFactory(username="gone", role="account_manager", teams=[team], is_active=False)
    zed = UserFactory(username="zed", role="account_manager", teams=[team])

    def names(*users) -> list[str]:
        key = lambda u: (u.first_name, u.last_name, u.username)  # noqa: E731
        return [str(u) for u in sorted(users, key=key)]

    client.force_login(sales_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert select_options(html, "reassign-owner") == names(teammate, zed)
    # After the hand-over the list leaves out the new owner, not the old one.
    post(client, case, "reassign", reassign(case, teammate))
    html = client.get(case.get_absolute_url()).content.decode()
    assert select_options(html, "reassign-owner") == names(account_manager, zed)


def test_reassigning_to_someone_outside_the_team_is_refused(
    client, case, sales_manager, outsider
):
    client.force_login(sales_manager)
    response = post(client, case, "reassign", reassign(case, outsider))
    assert "Select a valid choice" in response.content.decode()
    assert Case.objects.get(pk=case.pk).owner.username == "alice"
    assert sent("case_reassigned") == []


def test_sending_back_emails_the_owner_with_the_reason(
    client, case, account_manager, sales_manager
):
    case = walk_to(case, Step.ROOT_CAUSE, account_manager)
    client.force_login(sales_manager)
    post(
        client,
        case,
        "send_back",
        {"send_back-version": case.version, "send_back-reason": "Name the whole team"},
    )
    assert Case.objects.get(pk=case.pk).step == Step.ACKNOWLEDGE
    [message] = sent("case_sent_back")
    assert message.to == ["alice@example.com"]
    assert "Name the whole team" in message.body
    assert "back to the Acknowledge step" in message.body


@pytest.mark.parametrize(
    "decision, word", [("approve", "approved"), ("decline", "declined")]
)
def test_deciding_a_compensation_emails_the_owner(
    client, case, account_manager, sales_manager, decision, word
):
    walk_to(case, Step.COMPENSATE, account_manager)
    offer = compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="refund",
        description="Refund the courier fee",
        value_to_client=Decimal("900"),
        cost_to_us=Decimal("900"),
    )
    client.force_login(sales_manager)
    pressed = {
        "record": offer.pk,
        "decision": decision,
        "note": "ok",
        "version": version_of(case),
    }
    post(client, case, "decide", pressed)
    [message] = sent("compensation_decided")
    assert word in message.subject
    assert "Refund the courier fee" in message.body


def test_a_change_that_rolls_back_sends_no_email(client, case, sales_manager):
    client.force_login(sales_manager)
    other = UserFactory(role="account_manager")  # in no team
    post(client, case, "reassign", reassign(case, other))
    assert not OutboxMessage.objects.filter(kind="case_reassigned").exists()
    assert sent("case_reassigned") == []
