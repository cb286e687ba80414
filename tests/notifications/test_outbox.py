"""Delivering the outbox over real SMTP: once, on one connection, retried when
the server is busy, failed when it refuses, and never to someone it no longer
concerns."""

import datetime as dt
import io
import re
import threading

import icalendar
import pytest
from celery import current_app
from django.core.mail.backends.smtp import EmailBackend
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from cases.casework.services.review import case_reassign
from cases.choices import OutboxStatus, Step
from cases.models import Membership, OutboxMessage
from cases.notifications import deliver as outbox
from cases.notifications.deliver import MAX_ATTEMPTS, claim_batch, deliver, send_due
from cases.notifications.ids import message_id_for
from cases.notifications.record import Owed, outbox_add, outbox_record
from cases.notifications.render import render
from cases.notifications.requeue import release_stuck, retry_failed
from tests.factories import make_case, version_of, walk_to
from tests.notifications.conftest import START, database_clock
from tests.threads import in_threads


@pytest.fixture
def case(clock, account_manager, sales_manager):
    """Alice's case; logging it records the alert to Sam, the sales manager."""
    return make_case(account_manager)


@pytest.fixture
def quiet_case(account_manager):
    """A case with nobody to alert: it records no message of its own."""
    return make_case(account_manager)


def alert(case) -> OutboxMessage:
    return OutboxMessage.objects.get(case=case, kind="case_logged")


def reminder(case, *, kind="follow_up_reminder", key="2026-12-01", **context):
    outbox_add(case=case, kind=kind, recipients=[case.owner], key=key, context=context)
    return OutboxMessage.objects.get(
        case=case, kind=kind, recipient=case.owner, dedupe_key__contains=key
    )


def refreshed(message: OutboxMessage) -> OutboxMessage:
    message.refresh_from_db()
    return message


# Delivery.


def test_a_logged_case_reaches_the_manager_as_one_email_with_a_stable_id(
    smtp_sink, case, sales_manager
):
    message = alert(case)

    assert send_due() == 1
    assert send_due() == 0

    [email] = smtp_sink.messages
    assert email["To"] == sales_manager.email
    assert email["Message-ID"] == message_id_for(message.dedupe_key)
    assert re.fullmatch(r"<[0-9a-f]{32}@[^>]+>", email["Message-ID"])
    body = email.get_body(("plain",)).get_content()
    assert case.commitment in body
    assert case.what_happened in body
    assert case.get_severity_display() in body
    assert str(case.owner) in body
    assert f"/cases/{case.pk}/" in body
    message = refreshed(message)
    assert message.status == OutboxStatus.SENT
    assert message.sent_at == START
    assert message.attempts == 1


def test_the_same_notification_always_has_the_same_message_id(case):
    message = alert(case)
    first = render(message).message()["Message-ID"]
    again = render(OutboxMessage.objects.get(pk=message.pk)).message()["Message-ID"]
    assert first == again == message_id_for(message.dedupe_key)
    assert message_id_for("case:1:x:a:2") != message_id_for("case:1:x:b:2")


def test_recording_the_same_notification_twice_keeps_one_row_and_sends_once(
    smtp_sink, case, sales_manager
):
    before = OutboxMessage.objects.count()
    for _ in range(2):
        outbox_add(
            case=case, kind="second_drop", recipients=[sales_manager], key="promise-9"
        )
    assert OutboxMessage.objects.count() == before + 1

    send_due()
    send_due()
    drops = [m for m in smtp_sink.messages if "missed" in m["Subject"]]
    assert len(drops) == 1


def test_a_batch_goes_out_over_one_smtp_connection(smtp_sink, fallback_templates, case):
    for day in range(1, 6):
        reminder(case, key=f"2026-12-0{day}", due_on=f"2026-12-0{day}")
    # One of the six meets a busy server: the batch keeps the same connection.
    smtp_sink.temporary_failures = 1

    assert send_due() == 5
    assert smtp_sink.connections == 1
    assert len(smtp_sink.messages) == 5
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == 1


def test_a_busy_server_is_retried_with_growing_waits_then_delivered_once(
    smtp_sink, case, clock
):
    message = alert(case)
    smtp_sink.temporary_failures = 3

    waits = []
    for _ in range(3):
        assert send_due() == 0
        message = refreshed(message)
        assert message.status == OutboxStatus.PENDING
        assert message.last_error.startswith("451")
        wait = message.due_at - dt.datetime.now(dt.UTC)
        waits.append(wait)
        # Not before its time: another run now sends nothing.
        assert send_due() == 0
        clock.shift(wait)

    assert waits == [dt.timedelta(minutes=m) for m in (1, 2, 4)]
    assert send_due() == 1
    message = refreshed(message)
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 4
    assert len(smtp_sink.messages) == 1


def test_a_server_busy_for_hours_fails_the_message_after_the_last_attempt(
    smtp_sink, case, clock
):
    message = alert(case)
    smtp_sink.temporary_failures = 1000

    for _ in range(MAX_ATTEMPTS):
        send_due()
        clock.shift(dt.timedelta(hours=1))

    message = refreshed(message)
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert "Gave up after" in message.last_error
    assert "451" in message.last_error
    assert smtp_sink.messages == []


def test_an_unreachable_server_puts_the_batch_back_to_wait(settings, case):
    message = alert(case)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # nothing listens on discard
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

    assert send_due() == 0

    message = refreshed(message)
    assert message.status == OutboxStatus.PENDING
    assert message.due_at == START + dt.timedelta(minutes=1)
    assert message.last_error.startswith("Could not connect")


def test_a_refused_recipient_fails_with_the_error_and_is_only_resent_on_retry(
    smtp_sink, case, sales_manager, clock
):
    message = alert(case)
    smtp_sink.refused = {sales_manager.email}

    assert send_due() == 0
    message = refreshed(message)
    assert message.status == OutboxStatus.FAILED
    assert "550" in message.last_error
    assert sales_manager.email in message.last_error

    clock.shift(dt.timedelta(days=1))
    assert send_due() == 0
    assert refreshed(message).status == OutboxStatus.FAILED

    smtp_sink.refused = set()
    assert retry_failed([message.pk]) == 1
    message = refreshed(message)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert send_due() == 1
    assert len(smtp_sink.messages) == 1
    assert refreshed(message).status == OutboxStatus.SENT


def test_retry_leaves_messages_that_have_not_failed_alone(case):
    message = alert(case)
    assert retry_failed([message.pk]) == 0
    assert refreshed(message).status == OutboxStatus.PENDING


# Claims and leases.


def make_pending(owner, count: int) -> set[int]:
    case = make_case(owner)
    for n in range(count):
        outbox_add(
            case=case,
            kind="follow_up_reminder",
            recipients=[owner],
            key=f"n{n}",
            due_at=START - dt.timedelta(minutes=1),
        )
    return set(
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING).values_list(
            "pk", flat=True
        )
    )


def test_two_senders_claiming_at_once_never_get_the_same_message(
    transactional_db, account_manager, enqueued
):
    due = make_pending(account_manager, 60)

    if connection.vendor == "postgresql":
        first, second = in_threads(
            lambda: claim_batch(limit=40, now=START),
            lambda: claim_batch(limit=40, now=START),
        )
    else:
        # SQLite has no row locks and lets one writer in at a time: the
        # claims can only take turns, so take them in turn.
        first = claim_batch(limit=40, now=START)
        second = claim_batch(limit=40, now=START)

    assert not set(first) & set(second)
    assert set(first) | set(second) == due
    assert OutboxMessage.objects.filter(
        status=OutboxStatus.SENDING, attempts=1
    ).count() == len(due)


def test_a_claim_in_progress_is_skipped_not_waited_for(
    transactional_db, account_manager, enqueued
):
    due = sorted(make_pending(account_manager, 6))
    held = due[:3]

    if connection.vendor == "postgresql":
        locked = threading.Event()
        done = threading.Event()

        def another_sender():
            # Mid-claim: the rows are locked, the claim not yet committed.
            try:
                with transaction.atomic():
                    list(OutboxMessage.objects.select_for_update().filter(pk__in=held))
                    locked.set()
                    done.wait(30)
            finally:
                connections.close_all()

        thread = threading.Thread(target=another_sender)
        thread.start()
        assert locked.wait(10)
        try:
            claimed = claim_batch(limit=10, now=START)
        finally:
            done.set()
            thread.join(30)
    else:
        # No row locks on SQLite: a committed claim is what keeps others off.
        assert claim_batch(limit=3, now=START) == held
        claimed = claim_batch(limit=10, now=START)

    assert sorted(claimed) == due[3:]


def test_release_stuck_takes_back_only_claims_past_their_lease(case):
    message = alert(case)
    assert claim_batch(now=START) == [message.pk]

    assert release_stuck(lease_seconds=300, now=START + dt.timedelta(seconds=299)) == 0
    assert refreshed(message).status == OutboxStatus.SENDING

    assert release_stuck(lease_seconds=300, now=START + dt.timedelta(seconds=301)) == 1
    message = refreshed(message)
    assert message.status == OutboxStatus.PENDING
    assert message.claimed_at is None
    assert message.attempts == 1


def test_a_message_that_keeps_killing_its_sender_fails_in_the_end(case):
    message = alert(case)
    now = START
    for _ in range(MAX_ATTEMPTS):
        assert claim_batch(now=now) == [message.pk]
        now += dt.timedelta(minutes=10)
        release_stuck(now=now)

    message = refreshed(message)
    assert message.status == OutboxStatus.FAILED
    assert "mid-send" in message.last_error


def test_a_sender_that_outlived_its_lease_does_not_record_over_the_next_one(
    smtp_sink, case, clock, monkeypatch
):
    message = alert(case)
    send = EmailBackend.send_messages
    stalled = []

    def stall_the_first_send(backend, messages):
        if not stalled:
            stalled.append(True)
            # This sender hangs past its lease; meanwhile the claim is taken
            # back and another sender delivers the message.
            clock.shift(dt.timedelta(minutes=10))
            later = database_clock(dt.timedelta(minutes=10))
            assert release_stuck(now=later) == 1
            assert send_due() == 1
        return send(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", stall_the_first_send)

    assert send_due() == 0  # the late sender's "sent" is not recorded

    message = refreshed(message)
    assert message.status == OutboxStatus.SENT
    assert message.sent_at == START + dt.timedelta(minutes=10)
    assert message.attempts == 2
    # Delivery is at least once: the late send still reached the server, with
    # the same Message-ID, so the duplicate can be recognised.
    assert smtp_sink.message_ids() == [message_id_for(message.dedupe_key)] * 2


def test_rows_taken_back_before_their_turn_are_left_to_the_new_sender(smtp_sink, case):
    message = alert(case)
    [claimed] = claim_batch(now=START)
    release_stuck(now=START + dt.timedelta(minutes=10))
    claim_batch(now=START + dt.timedelta(minutes=10))

    assert deliver([claimed], claimed_at=START) == 0
    assert smtp_sink.messages == []
    assert refreshed(message).status == OutboxStatus.SENDING


# Who still gets it.


def test_a_deactivated_recipient_gets_nothing(smtp_sink, case, sales_manager):
    sales_manager.is_active = False
    sales_manager.save()

    assert send_due() == 0

    message = refreshed(alert(case))
    assert message.status == OutboxStatus.SKIPPED
    assert "deactivated" in message.last_error
    assert smtp_sink.messages == []


def test_a_muted_kind_is_not_sent(smtp_sink, case, sales_manager):
    sales_manager.muted_kinds = ["case_logged"]
    sales_manager.save()

    assert send_due() == 0

    assert refreshed(alert(case)).status == OutboxStatus.SKIPPED
    assert smtp_sink.messages == []


def test_a_manager_who_left_the_team_gets_nothing_about_its_cases(
    smtp_sink, case, sales_manager
):
    Membership.objects.filter(user=sales_manager).delete()

    assert send_due() == 0

    message = refreshed(alert(case))
    assert message.status == OutboxStatus.SKIPPED
    assert "can no longer see" in message.last_error


def test_a_reminder_for_a_case_handed_to_someone_else_is_not_sent_to_the_old_owner(
    smtp_sink, fallback_templates, case, sales_manager, teammate
):
    old = reminder(case)
    case_reassign(
        case_id=case.pk, by=sales_manager, to=teammate, version=version_of(case)
    )
    case.refresh_from_db()
    new = reminder(case)  # the sweep records the new owner's under their key

    send_due()

    old, new = refreshed(old), refreshed(new)
    assert old.status == OutboxStatus.SKIPPED
    assert "no longer owns" in old.last_error
    assert new.status == OutboxStatus.SENT
    recipients = [m["To"] for m in smtp_sink.messages]
    assert teammate.email in recipients
    assert old.recipient.email not in recipients


def test_a_reminder_for_a_closed_case_is_not_sent(
    smtp_sink, fallback_templates, case, account_manager
):
    message = reminder(case)
    walk_to(case, Step.CLOSED, account_manager)

    send_due()

    message = refreshed(message)
    assert message.status == OutboxStatus.SKIPPED
    assert "closed" in message.last_error


# Calendar entries.


def calendar_of(email) -> icalendar.Calendar:
    [part] = [
        p for p in email.message().walk() if p.get_content_type() == "text/calendar"
    ]
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename() == "reminder.ics"
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_a_promise_reminder_carries_an_all_day_event_with_its_uid(
    fallback_templates, case
):
    message = reminder(
        case,
        kind="promise_reminder",
        title="Send the revised quote",
        due_on="2026-12-03",
        uid="promise-7@mend.example",
    )

    calendar = calendar_of(render(message))

    assert calendar["METHOD"] == "PUBLISH"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == "promise-7@mend.example"
    assert event.decoded("DTSTART") == dt.date(2026, 12, 3)
    assert event.decoded("DTEND") == dt.date(2026, 12, 4)
    assert str(event["SUMMARY"]) == "Send the revised quote"


def test_the_same_reminder_always_carries_the_same_event(fallback_templates, case):
    message = reminder(case, title="Call Dana", due_on="2026-12-01")

    first = calendar_of(render(message))
    again = calendar_of(render(OutboxMessage.objects.get(pk=message.pk)))

    assert first.to_ical() == again.to_ical()
    [event] = first.walk("VEVENT")
    assert str(event["UID"])


def test_only_date_reminders_carry_an_event(case):
    email = render(alert(case))
    assert not [
        p for p in email.message().walk() if p.get_content_type() == "text/calendar"
    ]


def test_an_email_without_a_case_links_to_mend_itself(sales_manager):
    html = render_to_string(
        "emails/_base/body.html",
        {"recipient": sales_manager, "link": "https://mend.example/", "case": None},
    )
    assert "Open Mend" in html
    assert "https://mend.example/" in html


# Enqueueing.


def test_nothing_is_enqueued_for_a_case_whose_logging_rolls_back(
    account_manager, sales_manager, enqueued, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_case(account_manager)  # records the alert to the manager
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert enqueued == []
    assert not OutboxMessage.objects.exists()


def test_a_committed_message_is_enqueued_once_per_transaction(
    account_manager, sales_manager, enqueued, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        case = make_case(account_manager)  # records the alert to the manager
        outbox_add(
            case=case,
            kind="second_drop",
            recipients=[account_manager, sales_manager],
            key="p1",
        )

    assert OutboxMessage.objects.count() == 3
    assert len(callbacks) == 1
    assert enqueued == [True]


@pytest.mark.parametrize(
    ("messages", "senders", "slots", "asked"),
    [(1, 4, 4, 1), (250, 4, 4, 2), (450, 2, 4, 2), (1000, 4, 4, 4), (1000, 4, 3, 3)],
)
def test_due_messages_recorded_together_ask_for_a_sender_per_batch(
    settings,
    quiet_case,
    account_manager,
    enqueued,
    django_capture_on_commit_callbacks,
    messages,
    senders,
    slots,
    asked,
):
    settings.OUTBOX_SENDERS = senders
    settings.EMAIL_MAX_CONNECTIONS = slots
    owed = [
        Owed(quiet_case, "follow_up_reminder", account_manager, f"n{n}")
        for n in range(messages)
    ]
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        # Two records in one transaction: one nudge counts both.
        outbox_record(owed[: messages // 2])
        outbox_record(owed[messages // 2 :])

    assert OutboxMessage.objects.count() == messages
    assert len(callbacks) == 1
    # One send task per batch of BATCH_SIZE (200), at most OUTBOX_SENDERS
    # and at most the SMTP server's connections.
    assert enqueued == [True] * asked


def test_a_send_run_that_fills_every_batch_hands_over_to_a_new_task(
    smtp_sink, clock, account_manager, enqueued, monkeypatch
):
    monkeypatch.setattr(outbox, "MAX_BATCHES", 2)
    make_pending(account_manager, 7)

    assert send_due(limit=3) == 6
    # Both batches were full, so more may be due: a new task is asked for.
    assert enqueued == [True]
    assert send_due(limit=3) == 1
    # This run ran out of messages: it asks for nothing more.
    assert enqueued == [True]
    assert len(smtp_sink.messages) == 7


def test_a_transaction_that_rolled_back_leaves_the_next_one_its_own_nudge(
    quiet_case, account_manager, enqueued, django_capture_on_commit_callbacks
):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_add(
            case=quiet_case, kind="second_drop", recipients=[account_manager], key="a"
        )
        raise RuntimeError("the change failed")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outbox_add(
            case=quiet_case, kind="second_drop", recipients=[account_manager], key="b"
        )

    assert len(callbacks) == 1
    assert enqueued == [True]


def test_a_message_due_later_is_not_enqueued(
    quiet_case, account_manager, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outbox_add(
            case=quiet_case,
            kind="follow_up_reminder",
            recipients=[account_manager],
            key="2026-12-01",
            due_at=timezone.now() + dt.timedelta(hours=2),
        )

    assert OutboxMessage.objects.count() == 1
    assert callbacks == []
    assert enqueued == []


def test_a_broker_outage_while_enqueueing_is_logged_not_raised(
    quiet_case, account_manager, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(name, *args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(current_app, "send_task", broker_down)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outbox_add(
            case=quiet_case, kind="second_drop", recipients=[account_manager], key="p"
        )

    assert len(callbacks) == 1
    assert "beat will send" in caplog.text


# Seeing and retrying: the admin and the management command.


@pytest.fixture
def failed(smtp_sink, case, sales_manager):
    """The alert to Sam, refused by the server for good."""
    smtp_sink.refused = {sales_manager.email}
    send_due()
    smtp_sink.refused = set()
    message = refreshed(alert(case))
    assert message.status == OutboxStatus.FAILED
    return message


def test_the_admin_lists_failed_messages_and_retries_them(
    client, administrator, failed
):
    client.force_login(administrator)
    url = reverse("admin:cases_outboxmessage_changelist")

    page = client.get(url, {"status__exact": "failed"})
    assert page.status_code == 200
    assert b"550" in page.content

    response = client.post(
        url, {"action": "retry", "_selected_action": [failed.pk]}, follow=True
    )
    assert response.status_code == 200
    assert b"1 failed notification(s) queued again." in response.content
    failed = refreshed(failed)
    assert failed.status == OutboxStatus.PENDING
    assert failed.due_at <= timezone.now()


def test_only_staff_reach_the_outbox_in_the_admin(client, account_manager, failed):
    client.force_login(account_manager)
    response = client.get(reverse("admin:cases_outboxmessage_changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_notifications_command_counts_and_lists_failed_messages(failed):
    out = io.StringIO()
    call_command("notifications", "--status", "failed", "--limit", "5", stdout=out)
    text = out.getvalue()

    header, _, *rows = text.splitlines()
    assert header.split() == [
        "kind",
        "pending",
        "sending",
        "sent",
        "failed",
        "skipped",
        "total",
    ]
    assert rows[0].split() == ["case_logged", "0", "0", "0", "1", "0", "1"]
    assert "Failed notifications (1 shown):" in text
    assert failed.recipient.email in text
    assert "550" in text


def test_the_notifications_command_says_when_there_is_nothing_to_list(db):
    out = io.StringIO()
    call_command("notifications", "--status", "pending", stdout=out)
    assert "No pending notifications." in out.getvalue()
