"""Delivering the outbox: claim due rows, send them over SMTP, record the outcome.

The database is the source of truth for what is due. A sender claims its rows
(status `sending`, `claimed_at`) and commits before it talks to SMTP, so two
workers never send the same row; the outcome is recorded only if the row is
still held by that same claim, so a claim taken back by `release_stuck` and
sent by another worker is never recorded twice.

Each message's outcome is recorded right after its SMTP conversation, so a
sender that dies loses at most the outcome of the message in flight: that one
goes out again once the lease runs out, with the same Message-ID, so mail
clients and servers can tell it is the same message. When the database stops
answering mid-send, the sender stops sending and waits for it (up to
DATABASE_WAIT_SECONDS), records what it sent and carries on: nothing waits
for the lease.

Claims are stamped, and leases measured, with the database's clock, never a
worker's: a worker whose clock runs fast or slow neither takes back live
claims nor makes its own look old. (When a message is due is still read from
the worker's clock, as everywhere in Mend.)

Beside it: skip.py decides which claimed messages should no longer go out,
smtp.py holds the SMTP conversation and the cap on connections, nudge.py asks
workers to send once a transaction commits, and requeue.py puts stuck and
failed messages back in the queue.
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Prefetch
from django.db.models.functions import Now
from django.utils import timezone

from cases.choices import OutboxStatus
from cases.models import Membership, OutboxMessage
from cases.notifications import render as rendering
from cases.notifications.hours import (
    CASE_TEAM_CLOSURES,
    MEMBERSHIP_CLOSURES,
    MailCalendars,
    held_until,
)
from cases.notifications.skip import skip_reason, visible_cases
from cases.notifications.smtp import Smtp, connection_slot, short

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# Bounds one task run; a run that used them all hands over to a new task.
MAX_BATCHES = 10
# A claim older than this is taken back. No message starts its SMTP
# conversation under a claim older than RENEW_AFTER_SECONDS (older claims are
# renewed first), so the lease covers that and one send (bounded by
# EMAIL_TIMEOUT), not a whole batch.
LEASE_SECONDS = 300
RENEW_AFTER_SECONDS = 60
# How long a sender waits for a database that stopped answering before it
# gives up (its claims then wait for the lease).
DATABASE_WAIT_SECONDS = 120
# Temporary failures wait 1, 2, 4 ... minutes, at most an hour; the tenth
# attempt is the last (about four hours after the first), then the row fails
# and shows in the admin, which can retry it.
MAX_ATTEMPTS = 10
MAX_BACKOFF_MINUTES = 60


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th try failed for a temporary reason."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


@dataclass(frozen=True)
class Claim:
    ids: list[int]
    at: datetime | None  # claimed_at as stored; None when nothing was claimed


def claim_batch(*, limit: int = BATCH_SIZE, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due pending rows for this sender; return their ids."""
    return take_batch(limit=limit, now=now).ids


def take_batch(*, limit: int = BATCH_SIZE, now: datetime | None = None) -> Claim:
    """Claim up to `limit` pending rows due by `now` (default: the worker's
    clock), stamped with the database's clock (or with `now` when given).

    The rows are locked with SKIP LOCKED, so a concurrent claimer takes the
    next rows instead of waiting for these or taking them twice; the claim is
    committed before anyone talks to SMTP.
    """
    due_by = now or timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING, due_at__lte=due_by)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return Claim([], None)
        claimed = OutboxMessage.objects.filter(
            pk__in=ids, status=OutboxStatus.PENDING
        ).update(
            status=OutboxStatus.SENDING,
            claimed_at=now or database_now(),
            attempts=F("attempts") + 1,
        )
        at = now or _stamp_of(ids)
        if claimed != len(ids):
            # Only on a database without row locks (SQLite, where writers are
            # serialised anyway): keep just the rows this update took.
            ids = list(
                OutboxMessage.objects.filter(
                    pk__in=ids, status=OutboxStatus.SENDING, claimed_at=at
                ).values_list("pk", flat=True)
            )
    return Claim(ids, at)


def send_due(*, limit: int | None = None) -> int:
    """Send the messages that are due, a batch per SMTP connection, at most
    MAX_BATCHES batches; return how many were sent.

    Only while holding one of the SMTP server's connection slots (see
    smtp.py): when all are taken, the senders holding them carry on and this
    one sends nothing. When every batch was full, more may be due: a new task
    is asked for, so a large backlog keeps going out without waiting for
    beat, and a worker process is never held by one run for long.
    """
    limit = limit or BATCH_SIZE
    sent = 0
    with connection_slot() as free:
        if not free:
            logger.info("Outbox: every SMTP connection slot is taken; not sending")
            return 0
        for _ in range(MAX_BATCHES):
            claim = _database(take_batch, limit=limit)
            if not claim.ids:
                break
            sent += deliver(claim.ids, claimed_at=claim.at)
            if len(claim.ids) < limit:
                break
        else:
            enqueue_send()
    return sent


def deliver(ids: list[int], *, claimed_at: datetime) -> int:
    """Send the rows this sender claimed at `claimed_at` over one connection.

    The rows still held are loaded once, with one query for which
    recipients may still see their cases; then each is sent and its outcome
    recorded at once, where this sender still holds the claim.

    Once the claim is RENEW_AFTER_SECONDS old (a slow server), the rows left
    are renewed, loaded and checked again before the next message, so no
    message starts under an older claim, or is checked against older data.
    Once the server is unavailable, the rest go back to the queue together.
    At the task's soft time limit the rows not yet sent go back too.
    """
    smtp = Smtp()
    sent = 0
    claim = claimed_at
    # The worker's own clock, only to measure how long this claim is held.
    since = timezone.now()
    held = _database(_load_held, ids, claim)
    visible = _database(visible_cases, held)
    calendars = MailCalendars()
    try:
        while held and not smtp.unreachable:
            if _stale(since):
                claim = _database(_renew_claims, [m.pk for m in held], claim)
                since = timezone.now()
                held = _database(_load_held, [m.pk for m in held], claim)
                visible = _database(visible_cases, held)
                continue
            message = held.pop(0)
            fields = _outcome(message, visible, smtp, calendars)
            sent += _database(
                _record, [message.pk], claim, on_wait=smtp.close, **fields
            )
        if held:
            _database(_retry_all, held, claim, smtp.unreachable)
    except SoftTimeLimitExceeded:
        logger.warning("Outbox: time limit reached; %s message(s) put back", len(held))
        _give_back(held, claim)
        raise
    finally:
        smtp.close()
    return sent


def _load_held(ids: list[int], claim: datetime) -> list[OutboxMessage]:
    """The rows among `ids` this sender still holds under `claim`, in order,
    with what skip_reason() and the templates read."""
    return list(
        OutboxMessage.objects.filter(
            pk__in=ids, status=OutboxStatus.SENDING, claimed_at=claim
        )
        .select_related(
            "recipient", "contact", "case__client", "case__owner", "case__team"
        )
        # The recipients' mail calendars, without a query per message.
        .prefetch_related(
            f"case__{CASE_TEAM_CLOSURES}",
            Prefetch(
                "recipient__memberships",
                queryset=Membership.objects.select_related("team"),
            ),
            f"recipient__{MEMBERSHIP_CLOSURES}",
        )
        .order_by("due_at", "pk")
    )


def _outcome(
    message: OutboxMessage,
    visible: set[tuple[int, int]],
    smtp,
    calendars: MailCalendars | None = None,
) -> dict:
    """Send one message (unless it should no longer go out); the fields that
    record what became of it."""
    reason = skip_reason(message, visible=visible)
    if reason:
        return {"status": OutboxStatus.SKIPPED, "last_error": reason}
    opens = held_until(message, timezone.now(), calendars)
    if opens is not None:
        # Got to outside the recipient's working hours (workers lagging, a
        # retry): it waits for the next opening; this was not a try.
        return {
            "status": OutboxStatus.PENDING,
            "due_at": opens,
            "claimed_at": None,
            "attempts": F("attempts") - 1,
        }
    try:
        # Looked up on the module, so the benchmark can time it.
        email = _database(rendering.render, message)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        # A template error will not fix itself: fail where admins see it.
        logger.exception("Could not render outbox message %s", message.pk)
        return {
            "status": OutboxStatus.FAILED,
            "last_error": short(f"Could not render: {exc!r}"),
        }
    result, error = smtp.send(email)
    if result == "sent":
        return {"status": OutboxStatus.SENT, "sent_at": timezone.now()}
    if result == "failed":
        return {"status": OutboxStatus.FAILED, "last_error": error}
    return _retry_fields(message.attempts, error)


def _retry_fields(attempts: int, error: str) -> dict:
    if attempts >= MAX_ATTEMPTS:
        return {
            "status": OutboxStatus.FAILED,
            "last_error": short(f"Gave up after {attempts} attempts: {error}"),
        }
    return {
        "status": OutboxStatus.PENDING,
        "due_at": timezone.now() + retry_delay(attempts),
        "claimed_at": None,
        "last_error": error,
    }


def _retry_all(messages: list[OutboxMessage], claim: datetime, error: str) -> None:
    """The server is unavailable: the rest wait for their next try, without
    each trying first. One UPDATE per number of attempts so far."""
    by_attempts: dict[int, list[int]] = defaultdict(list)
    for message in messages:
        by_attempts[message.attempts].append(message.pk)
    for attempts, ids in by_attempts.items():
        _record(ids, claim, **_retry_fields(attempts, error))


def _give_back(messages: list[OutboxMessage], claim: datetime) -> None:
    """Put rows back as they were before this claim (the try did not happen)."""
    if not messages:
        return
    try:
        OutboxMessage.objects.filter(
            pk__in=[m.pk for m in messages],
            status=OutboxStatus.SENDING,
            claimed_at=claim,
        ).update(
            status=OutboxStatus.PENDING, claimed_at=None, attempts=F("attempts") - 1
        )
    except Exception:
        logger.warning("Outbox: could not put back unsent messages", exc_info=True)


# Asked for by name: cases.tasks calls this module, not the other way round.
SEND_TASK = "cases.tasks.send_outbox"


def enqueue_send(tasks: int = 1) -> None:
    """Ask for `tasks` send tasks now; if the broker is down, beat sends."""
    try:
        for _ in range(tasks):
            current_app.send_task(SEND_TASK)
    except Exception:
        logger.warning("Could not enqueue send_outbox; beat will send", exc_info=True)


def _stale(since: datetime) -> bool:
    """Has this claim been held too long to start another SMTP conversation
    under? Measured on the worker's clock from when it took the claim, so a
    clock that is merely set wrong does not matter."""
    return timezone.now() - since > timedelta(seconds=RENEW_AFTER_SECONDS)


def database_now():
    """The database's clock, for claims and leases: Now() (the statement's
    time) on PostgreSQL. SQLite runs on the worker's own machine, and compares
    datetimes as text in Django's format, so there it is the worker's clock."""
    return Now() if connection.vendor == "postgresql" else timezone.now()


def _stamp_of(ids: list[int]) -> datetime:
    """The claimed_at the database stamped on these rows just now."""
    return (
        OutboxMessage.objects.filter(pk__in=ids[:1])
        .values_list("claimed_at", flat=True)
        .get()
    )


def _renew_claims(ids: list[int], held_since: datetime) -> datetime:
    """Renew this sender's claims on the rows it has yet to send, stamped
    with the database's clock; rows taken back meanwhile (another sender owns
    them now) are left alone."""
    with transaction.atomic():
        renewed = list(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=ids, status=OutboxStatus.SENDING, claimed_at=held_since)
            .values_list("pk", flat=True)
        )
        if len(renewed) < len(ids):
            logger.info(
                "Outbox: %s message(s) were taken back before sending",
                len(ids) - len(renewed),
            )
        if not renewed:
            return held_since
        OutboxMessage.objects.filter(pk__in=renewed).update(claimed_at=database_now())
        return _stamp_of(renewed)


def _record(ids: list[int], claim: datetime, **fields) -> int:
    """Record an outcome for the rows of which this sender still holds the
    claim; return how many were recorded sent."""
    recorded = OutboxMessage.objects.filter(
        pk__in=ids, status=OutboxStatus.SENDING, claimed_at=claim
    ).update(**fields)
    if recorded < len(ids):
        logger.warning(
            "Outbox: claim lost on %s message(s); %s not recorded",
            len(ids) - recorded,
            fields.get("status"),
        )
    return recorded if fields.get("status") == OutboxStatus.SENT else 0


def _database(function, *args, on_wait=None, **kwargs):
    """Run `function`; while the database does not answer, wait for it (at
    most DATABASE_WAIT_SECONDS) and run it again.

    Only outside a transaction, where a fresh connection can simply take
    over. `on_wait` runs once before the first wait (say, to drop an SMTP
    connection that would go stale meanwhile).
    """
    deadline = time.monotonic() + DATABASE_WAIT_SECONDS
    pause = 0.5
    while True:
        try:
            return function(*args, **kwargs)
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() > deadline:
                raise
            logger.warning("Outbox: the database is not answering; waiting")
            if on_wait is not None:
                on_wait()
                on_wait = None
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 5)
