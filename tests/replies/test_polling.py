"""The reply mailbox polled, against a real IMAP server (dovecot, see
conftest): each reply lands on its case once, or waits for review, and a
mailbox or database that is down costs a poll, never a message."""

import imaplib
import logging

import pytest
from django.db import connection

from cases import tasks
from cases.casework.services.pauses import clock_pause
from cases.choices import (
    InboundStatus,
    NotificationKind,
    PauseEnd,
    PauseReason,
    Step,
    TimelineKind,
)
from cases.models import InboundMail, Notice, OutboxMessage, StepPause
from cases.notifications.client import reply_address
from cases.notifications.deliver import send_due
from cases.notifications.record import client_email_record
from cases.replies import imap
from cases.replies.services import mailbox_poll
from recovery.celery import app
from tests.factories import ClientFactory, ContactFactory, case_in_step, make_case
from tests.notifications.conftest import free_port
from tests.replies.conftest import Mailbox, email
from tests.threads import in_threads

pytestmark = pytest.mark.django_db

QUOTED = """Thank you, the new date works for us.

Dana

On Mon, 30 Nov 2026 at 10:00, Acme Sales <sales@acme.example.com> wrote:
> Dear Dana,
> we confirm the training on 5 December.
"""


def replies_on(case):
    return list(case.timeline.filter(kind=TimelineKind.CLIENT_REPLIED))


@pytest.fixture
def case(account_manager, sales_manager):
    return make_case(account_manager)


def test_a_reply_to_the_cases_address_lands_on_its_timeline_and_is_marked_read(
    mailbox, case
):
    uid = mailbox.deliver(email(to=reply_address(case), text=QUOTED))

    polled = mailbox_poll()

    assert (polled.taken, polled.failed) == (1, "")
    [entry] = replies_on(case)
    assert entry.actor is None
    assert "Dana Client <dana.client@client.example.com>" in entry.summary
    assert entry.body.startswith("Thank you, the new date works for us.")
    mail = InboundMail.objects.get()
    assert mail.status == InboundStatus.ATTACHED
    assert (mail.case, mail.entry) == (case, entry)
    assert mail.contact == case.contacts.get()
    assert (mail.mailbox.endswith("/INBOX"), mail.uid) == (True, uid)
    assert mail.uidvalidity > 0
    assert mailbox.unread() == []


def test_the_quoted_earlier_email_is_taken_off_the_reply(mailbox, case):
    mailbox.deliver(email(to=reply_address(case), text=QUOTED))
    mailbox_poll()

    mail = InboundMail.objects.get()
    assert "we confirm the training" in mail.text
    assert "we confirm the training" not in mail.reply_text
    assert "wrote:" not in mail.entry.body
    assert mail.reply_text == "Thank you, the new date works for us.\n\nDana"


def test_a_reply_to_mends_email_finds_its_case_by_in_reply_to(mailbox, case, settings):
    contact = case.contacts.get()
    sent = client_email_record(
        case=case,
        contact=contact,
        kind=NotificationKind.CLIENT_CONFIRMATION,
        key="c1",
        context={"subject": "Our call", "body": "As agreed."},
    )
    # Sent to the owner's own address (no reply address in its To), as
    # when MEND_REPLY_ADDRESS was not set when Mend wrote.
    mailbox.deliver(
        email(to=case.owner.email, in_reply_to=sent.message_id, text="Agreed.")
    )

    mailbox_poll()

    [entry] = replies_on(case)
    assert entry.body == "Agreed."


def test_the_senders_address_matches_its_contact_whatever_its_capitals(mailbox, case):
    mailbox.deliver(
        email(sender="DANA.Client@Client.Example.com", to=reply_address(case))
    )
    mailbox_poll()
    assert InboundMail.objects.get().status == InboundStatus.ATTACHED


def test_a_reply_from_someone_not_a_contact_of_the_client_waits_for_review(
    mailbox, case
):
    ContactFactory(name="Elsewhere", email="eve@elsewhere.example")  # other client
    mailbox.deliver(email(sender="eve@elsewhere.example", to=reply_address(case)))

    polled = mailbox_poll()

    assert polled.taken == 1
    mail = InboundMail.objects.get()
    assert mail.status == InboundStatus.REVIEW
    assert mail.case == case  # the guess shown on the review page
    assert "eve@elsewhere.example is not a contact of" in mail.reason
    assert replies_on(case) == []
    assert not Notice.objects.filter(kind=NotificationKind.CLIENT_REPLY).exists()
    assert mailbox.unread() == []


def test_a_reply_that_names_no_case_waits_for_review(mailbox, case):
    mailbox.deliver(email(to="sales@acme.example.com", subject="Hello"))
    mailbox.deliver(
        email(to="replies+c999-000000000000@mend.example.com", subject="Forged tag")
    )

    mailbox_poll()

    mails = InboundMail.objects.order_by("id")
    assert [m.status for m in mails] == [InboundStatus.REVIEW] * 2
    # The sender is a contact of the case's client: that case is the guess.
    assert [m.case for m in mails] == [case, case]
    assert all("names no case" in m.reason for m in mails)
    assert replies_on(case) == []


def test_an_out_of_office_answer_waits_for_review(mailbox, case):
    mailbox.deliver(
        email(
            to=reply_address(case),
            subject="Out of office",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    mailbox_poll()
    mail = InboundMail.objects.get()
    assert (mail.status, mail.case) == (InboundStatus.REVIEW, case)
    assert replies_on(case) == []


def test_polling_twice_takes_each_message_once(mailbox, case):
    mailbox.deliver(email(to=reply_address(case)))
    assert mailbox_poll().taken == 1
    # The same message filed again (a second copy, or marked unread by hand).
    mailbox.deliver(
        email(to=reply_address(case), message_id=InboundMail.objects.get().message_id)
    )

    polled = mailbox_poll()

    assert (polled.taken, polled.known) == (0, 1)
    assert InboundMail.objects.count() == 1
    assert len(replies_on(case)) == 1
    assert OutboxMessage.objects.filter(kind=NotificationKind.CLIENT_REPLY).count() == 1
    assert mailbox.unread() == []
    assert mailbox_poll().taken == 0


def test_a_poll_stopped_between_recording_and_marking_read_takes_it_once(
    mailbox, case, monkeypatch
):
    mailbox.deliver(email(to=reply_address(case)))

    def crash(self, uids):
        if uids:
            raise RuntimeError("worker killed")

    with monkeypatch.context() as patched:
        patched.setattr(imap.Folder, "mark_read", crash)
        with pytest.raises(RuntimeError):
            mailbox_poll()
    assert InboundMail.objects.count() == 1
    assert mailbox.unread() != []  # recorded, not marked

    polled = mailbox_poll()

    assert (polled.taken, polled.known) == (0, 1)
    assert len(replies_on(case)) == 1
    assert mailbox.unread() == []


def test_a_connection_lost_before_marking_read_is_logged_and_taken_once(
    mailbox, case, monkeypatch, caplog
):
    mailbox.deliver(email(to=reply_address(case)))

    def lost(self, uids):
        if uids:
            raise imaplib.IMAP4.abort("socket error: EOF")

    with monkeypatch.context() as patched:
        patched.setattr(imap.Folder, "mark_read", lost)
        assert mailbox_poll().failed.startswith("mailbox")
    assert "not polled" in caplog.text

    assert mailbox_poll().known == 1
    assert len(replies_on(case)) == 1


def test_a_new_uidvalidity_neither_skips_new_messages_nor_retakes_old_ones(
    dovecot, settings, case
):
    box = Mailbox(dovecot, folder="Replies")
    box.point_settings_here(settings)
    settings.MEND_REPLY_ADDRESS = "replies@mend.example.com"
    box.create("Replies")
    first = email(to=reply_address(case), text="First.")
    assert box.deliver(first) == 1
    mailbox_poll()
    old = InboundMail.objects.get()
    before = old.uidvalidity
    # The folder made anew: UIDs start at 1 again under another UIDVALIDITY.
    box.delete("Replies")
    box.create("Replies")
    assert box.deliver(first) == 1
    assert box.deliver(email(to=reply_address(case), text="Second.")) == 2

    polled = mailbox_poll()

    assert (polled.taken, polled.known) == (1, 1)
    assert [e.body for e in replies_on(case)] == ["Second.", "First."]
    old.refresh_from_db()
    new = InboundMail.objects.latest("id")
    assert (old.uid, new.uid) == (1, 2)
    assert old.uidvalidity == new.uidvalidity != before
    assert box.unread() == []


def test_a_mailbox_that_refuses_connections_is_logged_and_left(settings, case, caplog):
    settings.MEND_IMAP_HOST = "127.0.0.1"
    settings.MEND_IMAP_PORT = free_port()  # nothing listens there
    settings.MEND_IMAP_USER, settings.MEND_IMAP_PASSWORD = "replies", "secret"
    settings.MEND_IMAP_SSL = "false"
    with caplog.at_level(logging.WARNING, logger="cases.replies.services"):
        polled = mailbox_poll()
    assert polled.failed.startswith("mailbox")
    assert "not polled" in caplog.text
    assert InboundMail.objects.count() == 0


def test_a_wrong_password_is_logged_and_left(mailbox, settings, case, caplog):
    mailbox.deliver(email(to=reply_address(case)))
    settings.MEND_IMAP_PASSWORD = "not-the-password"
    with caplog.at_level(logging.WARNING, logger="cases.replies.services"):
        polled = mailbox_poll()
    assert polled.failed.startswith("mailbox")
    assert "not polled" in caplog.text
    assert mailbox.unread() != []
    settings.MEND_IMAP_PASSWORD = mailbox.password
    assert mailbox_poll().taken == 1


def test_without_a_mailbox_the_beat_task_does_nothing(settings, db):
    settings.MEND_IMAP_HOST = ""
    assert tasks.poll_mailbox() == 0
    assert mailbox_poll().failed == ""


def test_the_beat_task_polls_the_mailbox(mailbox, case):
    mailbox.deliver(email(to=reply_address(case)))
    assert tasks.poll_mailbox.apply().get() == 1


@pytest.mark.django_db(transaction=True)
def test_a_database_that_is_down_marks_nothing_and_the_next_poll_takes_it(
    mailbox, account_manager, caplog
):
    case = make_case(account_manager)
    mailbox.deliver(email(to=reply_address(case)))
    # PostgreSQL (or SQLite's file) out of reach for this poll: a real
    # connection that fails, not a stand-in.
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict["PORT"] = free_port()
    else:
        connection.settings_dict["NAME"] = "/nonexistent/folder/db.sqlite3"
    try:
        with caplog.at_level(logging.WARNING, logger="cases.replies.services"):
            polled = mailbox_poll()
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert polled.failed.startswith("database")
    assert "database unavailable" in caplog.text
    assert mailbox.unread() != []

    assert mailbox_poll().taken == 1
    assert len(replies_on(case)) == 1
    assert mailbox.unread() == []


def test_the_owner_is_told_in_the_app_and_by_email(mailbox, case, smtp_sink):
    mailbox.deliver(email(to=reply_address(case), text=QUOTED))
    mailbox_poll()

    [notice] = Notice.objects.filter(recipient=case.owner)
    assert notice.kind == NotificationKind.CLIENT_REPLY
    assert "Dana Client" in notice.summary
    send_due()
    [sent] = [m for m in smtp_sink.messages if m["To"] == case.owner.email]
    assert sent["Subject"].startswith("Dana Client")
    body = sent.get_body(preferencelist=("plain",)).get_content()
    assert "the new date works for us" in body
    assert "we confirm the training" not in body


def test_an_owner_who_muted_replies_gets_the_notice_but_no_email(
    mailbox, case, smtp_sink
):
    case.owner.muted_kinds = [NotificationKind.CLIENT_REPLY]
    case.owner.save()
    mailbox.deliver(email(to=reply_address(case)))
    mailbox_poll()
    send_due()
    assert Notice.objects.filter(recipient=case.owner).exists()
    assert [m for m in smtp_sink.messages if m["To"] == case.owner.email] == []


def test_the_files_of_a_reply_land_with_it_and_a_refused_one_is_named(mailbox, case):
    mailbox.deliver(
        email(
            to=reply_address(case),
            text="The signed receipt is attached.",
            files=[
                ("receipt.pdf", b"%PDF-1.4\n% the receipt\n", "application/pdf"),
                ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "application/octet-stream"),
            ],
        )
    )
    mailbox_poll()

    [entry] = replies_on(case)
    assert [a.name for a in entry.attachments.all()] == ["receipt.pdf"]
    assert "Not kept: “setup.exe”" in entry.body
    # Taken again (a second copy): the file is not added twice.
    mailbox_poll()
    assert case.attachments.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_polls_at_once_take_each_message_once(mailbox, account_manager):
    case = make_case(account_manager)
    for n in range(3):
        mailbox.deliver(email(to=reply_address(case), text=f"Reply {n}."))

    results = in_threads(mailbox_poll, mailbox_poll)

    assert sum(polled.taken for polled in results) == 3
    assert all(polled.failed == "" for polled in results)
    assert sorted(e.body for e in replies_on(case)) == [f"Reply {n}." for n in range(3)]
    assert OutboxMessage.objects.filter(kind=NotificationKind.CLIENT_REPLY).count() == 3
    assert mailbox.unread() == []


def test_beat_polls_the_mailbox_at_the_configured_interval(settings):
    entry = app.conf.beat_schedule["poll-mailbox"]
    assert entry["task"] == tasks.poll_mailbox.name
    assert entry["schedule"] == float(settings.MEND_IMAP_POLL_SECONDS)


def test_a_reply_starts_a_clock_paused_waiting_on_the_client(
    mailbox, account_manager, sales_manager, team
):
    dana = ContactFactory(name="Dana Client", client=ClientFactory(team=team))
    case = case_in_step(
        Step.COMMUNICATE, owner=account_manager, client=dana.client, contacts=[dana]
    )
    clock_pause(
        case_id=case.pk,
        by=case.owner,
        version=case.version,
        reason=PauseReason.CLIENT_ANSWER,
    )
    mailbox.deliver(email(to=reply_address(case)))
    mailbox_poll()

    case.refresh_from_db()
    assert case.step_paused_at is None
    pause = StepPause.objects.get(case=case)
    assert pause.end_reason == PauseEnd.CLIENT_CONTACT
    assert case.timeline.filter(kind=TimelineKind.RESUMED).exists()
