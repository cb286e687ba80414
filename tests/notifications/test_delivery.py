"""How a batch is delivered: each outcome recorded as it happens, who may
see what checked once per batch, claims renewed before they grow old, and
the email and its calendar entry written as the standards say."""

import datetime as dt
from email import message_from_bytes, policy

import icalendar
import pytest
from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.choices import OutboxStatus
from cases.models import Membership, OutboxMessage
from cases.notifications.deliver import LEASE_SECONDS, RENEW_AFTER_SECONDS, send_due
from cases.notifications.ids import message_id_for
from cases.notifications.record import outbox_add
from cases.notifications.render import render
from cases.notifications.requeue import release_stuck
from tests.factories import UserFactory, make_case
from tests.notifications.conftest import database_clock


@pytest.fixture
def quiet_case(clock, account_manager):
    """Alice's case, with nobody to alert: it records no message of its own."""
    return make_case(account_manager)


def drops(case, recipients, count: int = 1) -> list[OutboxMessage]:
    """`count` second-drop alerts about `case` to each recipient, due now."""
    for n in range(count):
        outbox_add(case=case, kind="second_drop", recipients=recipients, key=f"p{n}")
    return list(
        OutboxMessage.objects.filter(case=case, kind="second_drop").order_by("pk")
    )


def statuses(messages) -> list[str]:
    return [OutboxMessage.objects.get(pk=m.pk).status for m in messages]


class Killed(BaseException):
    """The sender's process dying: nothing after the point it is raised at
    runs, as after SIGKILL (only the socket gets closed)."""


# Each outcome recorded right after its message.


def test_a_sender_killed_mid_batch_sends_again_only_the_message_in_flight(
    smtp_sink, quiet_case, account_manager, clock, monkeypatch
):
    messages = drops(quiet_case, [account_manager], count=7)
    ids = [message_id_for(m.dedupe_key) for m in messages]
    send = EmailBackend.send_messages
    calls = []

    def die_after_the_fifth(backend, emails):
        calls.append(True)
        sent = send(backend, emails)
        if len(calls) == 5:
            raise Killed  # the server accepted it; nothing was recorded
        return sent

    monkeypatch.setattr(EmailBackend, "send_messages", die_after_the_fifth)

    with pytest.raises(Killed):
        send_due()

    # The four before it were recorded as they went; the fifth was in flight.
    assert statuses(messages) == ["sent"] * 4 + ["sending"] * 3
    assert smtp_sink.message_ids() == ids[:5]

    monkeypatch.setattr(EmailBackend, "send_messages", send)
    lease_later = database_clock(dt.timedelta(seconds=LEASE_SECONDS + 1))
    assert release_stuck(now=lease_later) == 3
    assert send_due() == 3

    assert statuses(messages) == ["sent"] * 7
    # Only the message in flight went out again, with the same Message-ID.
    assert smtp_sink.message_ids() == ids[:5] + ids[4:]
    attempts = [OutboxMessage.objects.get(pk=m.pk).attempts for m in messages]
    assert attempts == [1] * 4 + [2] * 3


def test_each_outcome_is_recorded_before_the_next_message_goes(
    smtp_sink, quiet_case, account_manager, teammate, clock, monkeypatch
):
    teammate.is_active = False
    teammate.save()
    messages = drops(quiet_case, [account_manager, teammate], count=5)
    send = EmailBackend.send_messages
    recorded_before = []

    def send_and_look(backend, emails):
        done = OutboxMessage.objects.exclude(status=OutboxStatus.SENDING)
        recorded_before.append(done.count())
        return send(backend, emails)

    monkeypatch.setattr(EmailBackend, "send_messages", send_and_look)

    assert send_due() == 5

    sent = [m for m in messages if m.recipient == account_manager]
    assert statuses(sent) == ["sent"] * 5
    assert len(smtp_sink.messages) == 5
    # Alice's and Bob's alternate: when each of Alice's goes, every message
    # before it (sent or skipped) is recorded already.
    assert recorded_before == [0, 2, 4, 6, 8]


def test_an_address_the_backend_rejects_fails_that_message_only(
    smtp_sink, quiet_case, account_manager, team, clock
):
    broken = UserFactory(username="dora", email="dora@@example.com", teams=[team])
    messages = drops(quiet_case, [broken, account_manager])

    assert send_due() == 1

    failed = OutboxMessage.objects.get(recipient=broken)
    assert failed.status == OutboxStatus.FAILED
    assert "Could not send" in failed.last_error
    assert "Invalid address" in failed.last_error
    assert statuses([m for m in messages if m.recipient == account_manager]) == ["sent"]
    assert [m["To"] for m in smtp_sink.messages] == [account_manager.email]


# Who may see what: one query per batch, still through for_user.


def test_visibility_is_checked_once_per_batch_for_every_recipient(
    monkeypatch,
    smtp_sink,
    quiet_case,
    account_manager,
    sales_manager,
    teammate,
    outsider,
    administrator,
    other_team,
    clock,
):
    leaver = UserFactory(username="lea", role="sales_manager", teams=[quiet_case.team])
    Membership.objects.filter(user=leaver).delete()
    teammate.is_active = False
    teammate.save()
    here = drops(
        quiet_case,
        [account_manager, sales_manager, teammate, outsider, administrator, leaver],
    )
    # The outsider's own team's case, in the same batch.
    theirs = drops(make_case(outsider, team=other_team), [outsider])
    OutboxMessage.objects.exclude(kind="second_drop").delete()  # alerts

    with CaptureQueriesContext(connection) as queries:
        send_due()

    status = {m.recipient.username: OutboxMessage.objects.get(pk=m.pk) for m in here}
    assert status["alice"].status == OutboxStatus.SENT
    assert status["sam"].status == OutboxStatus.SENT
    assert status["root"].status == OutboxStatus.SENT
    assert status["bob"].status == OutboxStatus.SKIPPED
    assert "deactivated" in status["bob"].last_error
    for name in ("charlie", "lea"):
        assert status[name].status == OutboxStatus.SKIPPED
        assert "can no longer see" in status[name].last_error
    assert statuses(theirs) == ["sent"]
    assert sorted(m["To"] for m in smtp_sink.messages) == sorted(
        [
            account_manager.email,
            sales_manager.email,
            administrator.email,
            outsider.email,
        ]
    )
    seen = [q["sql"] for q in queries if 'FROM "cases_case"' in q["sql"]]
    assert len(seen) == 1
    if connection.vendor == "postgresql":
        assert "UNION ALL" in seen[0]


# Claims renewed before they grow old.


def test_a_slow_server_never_lets_the_lease_take_back_a_live_claim(
    smtp_sink, quiet_case, account_manager, clock, monkeypatch
):
    messages = drops(quiet_case, [account_manager], count=10)
    send = EmailBackend.send_messages
    ages = []
    # When this test first saw each claim, on the (moved) worker clock.
    first_seen: dict[dt.datetime, dt.datetime] = {}

    def slow_send(backend, emails):
        [email] = emails
        [row] = [
            m
            for m in OutboxMessage.objects.filter(status=OutboxStatus.SENDING)
            if message_id_for(m.dedupe_key) == email.extra_headers["Message-ID"]
        ]
        now = dt.datetime.now(dt.UTC)
        ages.append((now - first_seen.setdefault(row.claimed_at, now)).seconds)
        # Each conversation takes 40 seconds; beat's release-stuck runs meanwhile.
        clock.shift(dt.timedelta(seconds=40))
        assert release_stuck() == 0
        return send(backend, emails)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_send)

    assert send_due() == 10  # 400 seconds, longer than the lease

    assert max(ages) <= RENEW_AFTER_SECONDS
    assert ages[:3] == [0, 40, 0]  # the third waited for a fresh claim
    assert len(first_seen) == 5  # renewed every second message
    assert statuses(messages) == ["sent"] * 10
    assert len(smtp_sink.messages) == 10


def test_a_slow_batch_checks_who_may_see_what_again_when_it_renews(
    smtp_sink, quiet_case, account_manager, sales_manager, clock, monkeypatch
):
    messages = drops(quiet_case, [sales_manager], count=3)
    send = EmailBackend.send_messages

    def slow_send(backend, emails):
        # Sam leaves the team during the first, 40-second conversation.
        Membership.objects.filter(user=sales_manager).delete()
        clock.shift(dt.timedelta(seconds=40))
        return send(backend, emails)

    monkeypatch.setattr(EmailBackend, "send_messages", slow_send)

    send_due()

    # The second went out under the batch's check, at most a minute old; the
    # third waited for a fresh claim, and a fresh check.
    assert statuses(messages) == ["sent", "sent", "skipped"]
    assert len(smtp_sink.messages) == 2


# The email.


@pytest.mark.parametrize(
    "client_name",
    [
        "Harbour Logistics",
        "Société Générale — café à 9 h",
        "Harbour\nLogistics\r\nLtd",
        "A client name long enough to be folded over two lines, because it goes "
        "on and on",
    ],
)
def test_the_email_reads_back_with_its_parts_and_a_one_line_subject(
    client_name, quiet_case, account_manager, clock
):
    quiet_case.client.name = client_name
    quiet_case.client.save()
    outbox_add(
        case=quiet_case,
        kind="promise_reminder",
        recipients=[account_manager],
        key="2026-12-03",
        context={"due_on": "2026-12-03", "title": "Send the quote"},
    )
    message = OutboxMessage.objects.get(kind="promise_reminder")

    raw = render(message).message().as_bytes(linesep="\r\n")

    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Message-ID"] == message_id_for(message.dedupe_key)
    assert parsed["To"] == account_manager.email
    one_line = " ".join(client_name.split())
    assert one_line in parsed["Subject"]
    assert "\n" not in parsed["Subject"]
    assert one_line in " ".join(parsed.get_body(("plain",)).get_content().split())
    assert parsed.get_body(("html",)).get_content().startswith("<!doctype html>")
    kinds = [part.get_content_type() for part in parsed.iter_attachments()]
    assert kinds == ["text/calendar"]


# The calendar entry.


def test_the_calendar_entry_is_valid_ics_whatever_the_title(
    quiet_case, account_manager, clock
):
    title = "Call Dana; re: the quote, v2 \\ «final» — " + "é" * 40
    outbox_add(
        case=quiet_case,
        kind="promise_reminder",
        recipients=[account_manager],
        key="2026-12-03",
        context={"due_on": "2026-12-03", "title": title, "uid": "promise-7@mend"},
    )
    message = OutboxMessage.objects.get(kind="promise_reminder")
    email = render(message)
    [part] = [
        p for p in email.message().walk() if p.get_content_type() == "text/calendar"
    ]
    raw = part.get_payload(decode=True)

    text = raw.decode("utf-8")  # folding never splits a character
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    calendar = icalendar.Calendar.from_ical(raw)
    assert (str(calendar["VERSION"]), str(calendar["METHOD"])) == ("2.0", "PUBLISH")
    [event] = calendar.walk("VEVENT")
    link = f"{settings.SITE_URL}{quiet_case.get_absolute_url()}"
    assert str(event["UID"]) == "promise-7@mend"
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]) == f"{title}\n{link}"
    assert str(event["URL"]) == link
    assert event.decoded("DTSTART") == dt.date(2026, 12, 3)
    assert event.decoded("DTEND") == dt.date(2026, 12, 4)
    assert event.decoded("DTSTAMP") == message.created_at.replace(microsecond=0)
