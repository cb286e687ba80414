"""Delivering the outbox: claim due rows, send them over SMTP, record the outcome.

The database is the source of truth for what is due. A sender claims its rows
(status `sending`, `claimed_at`) and commits before it talks to SMTP, so two
workers never send the same row; the outcome is recorded only if the row is
still held by that same claim, so a claim taken back by `release_stuck` and
sent by another worker is never recorded twice. Outcomes are recorded a
small group of messages at a time (GROUP_SIZE), each group right after its
last send. Delivery is at least once: a sender that dies after SMTP accepted
a message but before it recorded its group makes the group's messages go out
again once the lease runs out, with the same Message-IDs, so mail clients and
servers can tell they are the same messages.

Beside it: skip.py decides which claimed messages should no longer go out,
nudge.py asks workers to send once a transaction commits, and requeue.py puts
stuck and failed messages back in the queue.
"""

import logging
import smtplib
from collections import defaultdict
from datetime import datetime, timedelta

from celery import current_app
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.choices import OutboxStatus
from cases.models import OutboxMessage
from cases.notifications import render as rendering
from cases.notifications.skip import skip_reason, visible_cases

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# Bounds one task run; a run that used them all hands over to a new task.
MAX_BATCHES = 10
# A claim older than this is taken back. No message starts its SMTP
# conversation under a claim older than RENEW_AFTER_SECONDS (older claims are
# renewed first), so the lease covers that and one send (bounded by
# SMTP_TIMEOUT), not a whole batch.
LEASE_SECONDS = 300
SMTP_TIMEOUT = 60
RENEW_AFTER_SECONDS = 60
# Messages whose outcomes are recorded together. A sender that dies mid-group
# loses at most this many outcomes (the lease then sends them again, with the
# same Message-IDs).
GROUP_SIZE = 25
# Temporary failures wait 1, 2, 4 ... minutes, at most an hour; the tenth
# attempt is the last (about four hours after the first), then the row fails
# and shows in the admin, which can retry it.
MAX_ATTEMPTS = 10
MAX_BACKOFF_MINUTES = 60


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th try failed for a temporary reason."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def claim_batch(*, limit: int = BATCH_SIZE, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due pending rows for this sender; return their ids.

    The rows are locked with SKIP LOCKED, so a concurrent claimer takes the
    next rows instead of waiting for these or taking them twice; the claim is
    committed before anyone talks to SMTP.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        claimed = OutboxMessage.objects.filter(
            pk__in=ids, status=OutboxStatus.PENDING
        ).update(
            status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        if claimed != len(ids):
            # Only on a database without row locks (SQLite, where writers are
            # serialised anyway): keep just the rows this update took.
            ids = list(
                OutboxMessage.objects.filter(
                    pk__in=ids, status=OutboxStatus.SENDING, claimed_at=now
                ).values_list("pk", flat=True)
            )
    return ids


def send_due(*, limit: int | None = None) -> int:
    """Send the messages that are due, a batch per SMTP connection, at most
    MAX_BATCHES batches; return how many were sent.

    When every batch was full, more may be due: a new task is asked for, so
    a large backlog keeps going out without waiting for beat, and a worker
    process is never held by one run for long.
    """
    limit = limit or BATCH_SIZE
    sent = 0
    for _ in range(MAX_BATCHES):
        claimed_at = timezone.now()
        ids = claim_batch(limit=limit, now=claimed_at)
        if not ids:
            break
        sent += deliver(ids, claimed_at=claimed_at)
        if len(ids) < limit:
            break
    else:
        enqueue_send()
    return sent


def deliver(ids: list[int], *, claimed_at: datetime) -> int:
    """Send the rows this sender claimed at `claimed_at` over one connection.

    The rows still held are loaded once, with one query for which
    recipients may still see their cases; then they go in groups of
    GROUP_SIZE: send each message, then record the group's outcomes, one
    UPDATE per outcome, only where this sender still holds the claim. A
    sender that dies mid-group loses that group's outcomes, at most: its rows
    stay `sending` until the lease runs out and then go out again, with the
    same Message-IDs.

    Once the claim is RENEW_AFTER_SECONDS old (a slow server), the rows left
    are renewed, loaded and checked again before the next message, so no
    message starts under an older claim, or is checked against older data.
    """
    smtp = _Smtp()
    sent = 0
    claim = claimed_at
    held = _load_held(ids, claim)
    visible = visible_cases(held)
    try:
        while held:
            if _stale(claim):
                claim = _renew_claims([m.pk for m in held], claim)
                held = _load_held([m.pk for m in held], claim)
                visible = visible_cases(held)
                continue
            group, held = held[:GROUP_SIZE], held[GROUP_SIZE:]
            done, left = _deliver_group(group, claim, visible, smtp)
            sent += done
            held = left + held
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
        .select_related("recipient", "case__client", "case__owner", "case__team")
        .order_by("due_at", "pk")
    )


def _deliver_group(
    messages: list[OutboxMessage],
    claim: datetime,
    visible: set[tuple[int, int]],
    smtp: "_Smtp",
) -> tuple[int, list[OutboxMessage]]:
    """Send one group held under `claim` and record its outcomes.

    Returns how many were recorded sent, and the messages left unsent
    because the claim grew RENEW_AFTER_SECONDS old meanwhile.
    """
    outcomes = _Outcomes()
    left: list[OutboxMessage] = []
    for index, message in enumerate(messages):
        if index and _stale(claim):
            left = messages[index:]
            break
        reason = skip_reason(message, visible=visible)
        if reason:
            outcomes.finish(message, status=OutboxStatus.SKIPPED, last_error=reason)
            continue
        try:
            # Looked up on the module, so the benchmark can time it.
            email = rendering.render(message)
        except Exception as exc:
            # A template error will not fix itself: fail where admins see it.
            logger.exception("Could not render outbox message %s", message.pk)
            outcomes.finish(
                message,
                status=OutboxStatus.FAILED,
                last_error=_short(f"Could not render: {exc!r}"),
            )
            continue
        smtp.send(email, message, outcomes)
    return outcomes.record(claim), left


class _Smtp:
    """The batch's SMTP connection: opened for the first message that needs
    it, reopened after a conversation broke off, given up on for the rest of
    the batch once the server cannot be reached."""

    def __init__(self):
        self.connection = None
        self.unreachable = ""  # why the server could not be reached

    def send(self, email, message: OutboxMessage, outcomes: "_Outcomes") -> None:
        if not self.unreachable:
            if self.connection is None:
                self.connection = get_connection(timeout=SMTP_TIMEOUT)
            try:
                # Opened here, so send_messages() reuses the connection
                # instead of opening and closing one per message.
                self.connection.open()
            except OSError as exc:
                self.close()
                self.unreachable = _short(f"Could not connect: {describe(exc)}")
        if self.unreachable:
            # Do not wait for a dead server once per message: the rest of
            # the batch waits for its next try.
            outcomes.retry(message, self.unreachable)
            return
        try:
            self.connection.send_messages([email])
        except OSError as exc:  # smtplib.SMTPException is an OSError
            permanent, error = classify(exc)
            if permanent:
                outcomes.finish(message, status=OutboxStatus.FAILED, last_error=error)
            else:
                outcomes.retry(message, error)
            if not isinstance(exc, ANSWERS):
                # The conversation broke off: reconnect for the next one.
                self.close()
        except Exception as exc:
            # Such as an address the backend cannot encode: trying again will
            # not help, and the rest of the batch should still go.
            logger.exception("Could not send outbox message %s", message.pk)
            outcomes.finish(
                message,
                status=OutboxStatus.FAILED,
                last_error=_short(f"Could not send: {exc!r}"),
            )
            self.close()
        else:
            outcomes.sent.append(message.pk)

    def close(self) -> None:
        if self.connection is not None:
            _close(self.connection)


class _Outcomes:
    """What became of each message of a group, recorded together once the
    group is done: one UPDATE per distinct outcome."""

    def __init__(self):
        self.sent: list[int] = []
        self.finished: dict[tuple, list[int]] = defaultdict(list)
        self.retries: dict[tuple[int, str], list[int]] = defaultdict(list)

    def finish(self, message: OutboxMessage, **fields) -> None:
        self.finished[tuple(sorted(fields.items()))].append(message.pk)

    def retry(self, message: OutboxMessage, error: str) -> None:
        if message.attempts >= MAX_ATTEMPTS:
            self.finish(
                message,
                status=OutboxStatus.FAILED,
                last_error=_short(
                    f"Gave up after {message.attempts} attempts: {error}"
                ),
            )
        else:
            self.retries[(message.attempts, error)].append(message.pk)

    def record(self, claim: datetime) -> int:
        """Record every outcome where this sender still holds the claim;
        return how many were recorded sent. Each UPDATE stands on its own
        (it checks the claim), so they need no transaction around them."""
        now = timezone.now()
        sent = 0
        if self.sent:
            sent = _record(self.sent, claim, status=OutboxStatus.SENT, sent_at=now)
        for fields, ids in self.finished.items():
            _record(ids, claim, **dict(fields))
        for (attempts, error), ids in self.retries.items():
            _record(
                ids,
                claim,
                status=OutboxStatus.PENDING,
                due_at=now + retry_delay(attempts),
                claimed_at=None,
                last_error=error,
            )
        return sent


# The server answered with a code; the connection is still usable after these.
ANSWERS = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)


def classify(exc: OSError) -> tuple[bool, str]:
    """(permanent?, a line for the admin). A 5xx answer is permanent; a 4xx
    answer and a broken connection are temporary."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return permanent, _short(describe(exc))
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600, _short(describe(exc))
    return False, _short(describe(exc))


def describe(exc: OSError) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "Recipient refused: " + "; ".join(
            f"{address}: {code} {_text(text)}"
            for address, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


# Asked for by name: cases.tasks calls this module, not the other way round.
SEND_TASK = "cases.tasks.send_outbox"


def enqueue_send(tasks: int = 1) -> None:
    """Ask for `tasks` send tasks now; if the broker is down, beat sends."""
    try:
        for _ in range(tasks):
            current_app.send_task(SEND_TASK)
    except Exception:
        logger.warning("Could not enqueue send_outbox; beat will send", exc_info=True)


def _stale(claim: datetime) -> bool:
    """Is this claim too old to start another SMTP conversation under?"""
    return timezone.now() - claim > timedelta(seconds=RENEW_AFTER_SECONDS)


def _renew_claims(ids: list[int], held_since: datetime) -> datetime:
    """Renew this sender's claims on the rows it has yet to send; rows taken
    back meanwhile (another sender owns them now) are left alone."""
    now = timezone.now()
    renewed = OutboxMessage.objects.filter(
        pk__in=ids, status=OutboxStatus.SENDING, claimed_at=held_since
    ).update(claimed_at=now)
    if renewed < len(ids):
        logger.info(
            "Outbox: %s message(s) were taken back before sending",
            len(ids) - renewed,
        )
    return now


def _record(ids: list[int], claim: datetime, **fields) -> int:
    """Record an outcome for the rows of which this sender still holds the
    claim; return how many."""
    recorded = OutboxMessage.objects.filter(
        pk__in=ids, status=OutboxStatus.SENDING, claimed_at=claim
    ).update(**fields)
    if recorded < len(ids):
        logger.warning(
            "Outbox: claim lost on %s message(s); %s not recorded",
            len(ids) - recorded,
            fields.get("status"),
        )
    return recorded


def _close(connection) -> None:
    try:
        connection.close()
    except OSError:
        logger.info("Closing the SMTP connection failed", exc_info=True)


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _short(text: str, limit: int = 1000) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
