"""The written confirmation (issue 22, item 1): the owner's email confirming
a call, sent to the affected people through the outbox, its promises on the
ledger, all in one transaction."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from cases.casework.services.confirmations import PromiseLine, confirmation_send
from cases.casework.services.contacts import contact_erase
from cases.choices import NotificationKind, PromiseStatus, Step, TimelineKind
from cases.exceptions import AlreadySubmitted, CaseMoved, NotAllowed, WrongStep
from cases.models import Case, Confirmation, OutboxMessage, Promise, TimelineEntry
from cases.notifications.client import reply_address
from tests.factories import ContactFactory, case_in_step, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account_manager, sales_manager, settings):
    settings.MEND_REPLY_ADDRESS = "replies@mend.example.com"
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    case.contacts.add(ContactFactory(client=case.client, name="Lee Park"))
    return case


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def send(case, by, **fields):
    values = {
        "version": version_of(case),
        "subject": "Our call today",
        "body": "Thank you for taking my call.\nHere is what we agreed.",
        "contacts": list(case.contacts.all()),
        "promises": [
            PromiseLine(in_days(5), "The new trainer on site"),
            PromiseLine(in_days(2), "The schedule by email"),
        ],
    }
    values.update(fields)
    return confirmation_send(case_id=case.pk, by=by, **values)


def test_sending_puts_each_promise_on_the_ledger_made_in_the_current_step(
    case, account_manager
):
    confirmation = send(case, account_manager)
    ledger = list(Promise.objects.filter(case=case).order_by("due_on"))
    assert [(p.description, p.due_on) for p in ledger] == [
        ("The schedule by email", in_days(2)),
        ("The new trainer on site", in_days(5)),
    ]
    assert {p.made_in_step for p in ledger} == {Step.COMMUNICATE}
    assert {p.made_by for p in ledger} == {account_manager}
    assert {p.status for p in ledger} == {PromiseStatus.OPEN}
    assert set(confirmation.promises.all()) == set(ledger)
    assert confirmation.step == Step.COMMUNICATE
    assert confirmation.sent_by == account_manager


def test_each_contact_gets_an_outbox_row_with_its_own_message_id(case, account_manager):
    confirmation = send(case, account_manager)
    rows = list(OutboxMessage.objects.filter(kind=NotificationKind.CLIENT_CONFIRMATION))
    assert {row.contact for row in rows} == set(case.contacts.all())
    assert all(row.recipient is None for row in rows)
    ids = [row.message_id for row in rows]
    assert all(ids) and len(set(ids)) == len(ids)
    assert set(confirmation.messages.all()) == set(rows)
    assert set(confirmation.contacts.all()) == set(case.contacts.all())
    context = rows[0].context
    assert context["subject"] == "Our call today"
    assert [p["description"] for p in context["promises"]] == [
        "The schedule by email",
        "The new trainer on site",
    ]
    # The case's own Reply-To leads an answer back here.
    assert reply_address(case).startswith("replies+c")


def test_the_timeline_lists_recipients_promises_and_the_text(case, account_manager):
    send(case, account_manager)
    entry = TimelineEntry.objects.get(case=case, kind=TimelineKind.CONFIRMATION_SENT)
    assert entry.actor == account_manager
    assert "“Our call today”" in entry.summary
    assert "Dana Client and Lee Park" in entry.summary
    assert "2 promises" in entry.summary
    assert "“The schedule by email” by" in entry.summary
    assert entry.body.startswith("Thank you for taking my call.")
    assert "What we will do, and by when:" in entry.body
    assert "- The new trainer on site, by" in entry.body
    # Newest first: the confirmation above the ledger's own entries.
    assert case.timeline.first().kind == TimelineKind.CONFIRMATION_SENT
    assert case.timeline.filter(kind=TimelineKind.PROMISE).count() == 2


def test_a_double_submit_sends_once(case, account_manager):
    key = uuid.uuid4()
    version = version_of(case)
    send(case, account_manager, submission_key=key, version=version)
    with pytest.raises(AlreadySubmitted):
        send(case, account_manager, submission_key=key, version=version)
    assert Confirmation.objects.count() == 1
    assert Promise.objects.filter(case=case).count() == 2
    assert OutboxMessage.objects.filter(contact__isnull=False).count() == 2


def test_a_case_changed_meanwhile_is_refused_and_nothing_is_sent(case, account_manager):
    stale = version_of(case) - 1
    with pytest.raises(CaseMoved, match="nothing was sent"):
        send(case, account_manager, version=stale, step=Step.OPTIONS)
    assert not Confirmation.objects.exists()
    assert not Promise.objects.filter(case=case).exists()
    assert not OutboxMessage.objects.filter(contact__isnull=False).exists()


def test_the_message_says_how_the_case_moved(case, account_manager):
    with pytest.raises(CaseMoved, match="moved on to Communicate"):
        send(case, account_manager, version=0, step=Step.OPTIONS)


@pytest.mark.parametrize("step", [Step.ACKNOWLEDGE, Step.ROOT_CAUSE, Step.OPTIONS])
def test_refused_before_communicate(account_manager, sales_manager, step):
    early = case_in_step(step, owner=account_manager)
    with pytest.raises(WrongStep, match="Communicate"):
        send(early, account_manager)
    assert not Confirmation.objects.exists()


@pytest.mark.parametrize("step", [Step.APOLOGISE, Step.COMPENSATE, Step.FOLLOW_UP])
def test_sent_in_later_steps_too(account_manager, sales_manager, step):
    later = case_in_step(step, owner=account_manager)
    confirmation = send(later, account_manager)
    assert {p.made_in_step for p in confirmation.promises.all()} == {step}


def test_a_closed_case_sends_nothing(account_manager, sales_manager):
    closed = case_in_step(Step.CLOSED, owner=account_manager)
    with pytest.raises(NotAllowed, match="closed"):
        send(closed, account_manager)


def test_a_teammate_who_only_reads_cannot_send(case, teammate, outsider):
    with pytest.raises(Case.DoesNotExist):
        send(case, teammate)
    with pytest.raises(Case.DoesNotExist):
        send(case, outsider)
    assert not Confirmation.objects.exists()


def test_a_sales_manager_of_the_team_may_send(case, sales_manager):
    assert send(case, sales_manager).sent_by == sales_manager


def test_people_without_email_or_not_affected_are_refused_whole(case, account_manager):
    silent = ContactFactory(client=case.client, name="No Mail", email="")
    case.contacts.add(silent)
    with pytest.raises(NotAllowed, match="No Mail has no email address"):
        send(case, account_manager)
    stranger = ContactFactory(client=case.client, name="Not Affected")
    with pytest.raises(NotAllowed, match="not named as affected"):
        send(case, account_manager, contacts=[stranger])
    with pytest.raises(NotAllowed, match="at least one person"):
        send(case, account_manager, contacts=[])
    assert not Confirmation.objects.exists()
    assert not Promise.objects.filter(case=case).exists()


def test_a_past_promise_or_an_empty_email_is_refused_whole(case, account_manager):
    with pytest.raises(NotAllowed, match="in the past"):
        send(
            case,
            account_manager,
            promises=[
                PromiseLine(in_days(3), "Fine"),
                PromiseLine(in_days(-1), "Yesterday"),
            ],
        )
    with pytest.raises(NotAllowed, match="Write a subject"):
        send(case, account_manager, body="   ")
    assert not Promise.objects.filter(case=case).exists()
    assert not OutboxMessage.objects.filter(contact__isnull=False).exists()


def test_a_confirmation_without_promises_is_sent(case, account_manager):
    confirmation = send(case, account_manager, promises=[])
    assert not confirmation.promises.exists()
    entry = TimelineEntry.objects.get(case=case, kind=TimelineKind.CONFIRMATION_SENT)
    assert "no dated promise" in entry.summary
    assert "What we will do" not in entry.body


def test_sending_bumps_the_version(case, account_manager):
    before = version_of(case)
    send(case, account_manager)
    assert version_of(case) > before


def test_erasing_a_contact_scrubs_the_confirmation_sent_to_them(
    case, account_manager, administrator
):
    lee = case.contacts.get(name="Lee Park")
    confirmation = send(case, account_manager, body="Lee Park, thank you for the call.")
    contact_erase(contact_id=lee.pk, by=administrator)
    confirmation.refresh_from_db()
    assert "Lee Park" not in confirmation.body
    entry = TimelineEntry.objects.get(case=case, kind=TimelineKind.CONFIRMATION_SENT)
    assert "Lee Park" not in entry.summary + entry.body
    assert all("Lee Park" not in str(m.context) for m in confirmation.messages.all())
