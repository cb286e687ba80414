"""Delivering the outbox: claim due rows, send them over SMTP, record the outcome.

The database is the source of truth for what is due. A sender claims its rows
(status `sending`, `claimed_at`) and commits before it talks to SMTP, so two
workers never send the same row; the outcome is recorded only if the row is
still held by that same claim, so a claim taken back by `release_stuck` and
sent by another worker is never recorded twice. Delivery is at least once:
a sender that dies after SMTP accepted a message but before it recorded that
makes the message go out again, with the same Message-ID, so mail clients and
servers can tell it is the same message.
"""

import hashlib
import logging
import smtplib
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..models import Case, NotificationKind, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
# Bounds one task run; beat sends the rest 30 seconds later.
MAX_BATCHES = 10
# A claim older than this is taken back. Each message renews its row's claim
# just before its SMTP conversation, so the lease covers one send (bounded by
# SMTP_TIMEOUT), not a whole batch.
LEASE_SECONDS = 300
SMTP_TIMEOUT = 60
# Temporary failures wait 1, 2, 4 ... minutes, at most an hour; the tenth
# attempt is the last (about four hours after the first), then the row fails
# and shows in the admin, which can retry it.
MAX_ATTEMPTS = 10
MAX_BACKOFF_MINUTES = 60

# Addressed to the case owner: once someone else owns the case, or it closed,
# they are moot; the new owner's reminder is recorded under its own key.
OWNER_KINDS = frozenset(
    {
        NotificationKind.FOLLOW_UP_REMINDER,
        NotificationKind.PROMISE_REMINDER,
        NotificationKind.PROGRESS_REPORT,
        NotificationKind.STEP_WARNING,
    }
)


def message_id_for(key: str) -> str:
    """A Message-ID derived from the dedupe key: one notification, one id."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{message_domain()}>"


def message_domain() -> str:
    """The site's host name, for Message-IDs and calendar UIDs."""
    return urlsplit(settings.SITE_URL).hostname or "mend.local"


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


def send_due(*, limit: int = BATCH_SIZE) -> int:
    """Send every message that is due, a batch per SMTP connection; return how
    many were sent."""
    sent = 0
    for _ in range(MAX_BATCHES):
        claimed_at = timezone.now()
        ids = claim_batch(limit=limit, now=claimed_at)
        if not ids:
            break
        sent += deliver(ids, claimed_at=claimed_at)
        if len(ids) < limit:
            break
    return sent


def deliver(ids: list[int], *, claimed_at: datetime) -> int:
    """Send the rows this sender claimed at `claimed_at` over one connection.

    Each row's outcome is recorded right after its own send, so a crash
    mid-batch loses at most one message's outcome.
    """
    from .render import render  # render imports this module

    messages = (
        OutboxMessage.objects.filter(pk__in=ids)
        .select_related("recipient", "case__client", "case__owner", "case__team")
        .order_by("due_at", "pk")
    )
    connection = None
    unreachable = ""  # why the server could not be reached, once it could not
    sent = 0
    try:
        for message in messages:
            claim = _renew_claim(message, claimed_at)
            if claim is None:
                continue
            reason = skip_reason(message)
            if reason:
                _record(message, claim, status=OutboxStatus.SKIPPED, last_error=reason)
                continue
            try:
                email = render(message)
            except Exception as exc:
                # A template error will not fix itself: fail where admins see it.
                logger.exception("Could not render outbox message %s", message.pk)
                _record(
                    message,
                    claim,
                    status=OutboxStatus.FAILED,
                    last_error=_short(f"Could not render: {exc!r}"),
                )
                continue
            if not unreachable:
                if connection is None:
                    connection = get_connection(timeout=SMTP_TIMEOUT)
                try:
                    # Opened here, so send_messages() reuses the connection
                    # instead of opening and closing one per message.
                    connection.open()
                except OSError as exc:
                    _close(connection)
                    unreachable = _short(f"Could not connect: {describe(exc)}")
            if unreachable:
                # Do not wait for a dead server once per message: the rest of
                # the batch waits for its next try.
                _retry_later(message, claim, unreachable)
                continue
            try:
                connection.send_messages([email])
            except OSError as exc:  # smtplib.SMTPException is an OSError
                permanent, error = classify(exc)
                if permanent:
                    _record(
                        message, claim, status=OutboxStatus.FAILED, last_error=error
                    )
                else:
                    _retry_later(message, claim, error)
                if not isinstance(exc, ANSWERS):
                    # The conversation broke off: reconnect for the next one.
                    _close(connection)
                continue
            if _record(
                message, claim, status=OutboxStatus.SENT, sent_at=timezone.now()
            ):
                sent += 1
    finally:
        if connection is not None:
            _close(connection)
    return sent


def skip_reason(message: OutboxMessage) -> str:
    """Why this message should no longer go out; empty when it should."""
    recipient = message.recipient
    if not recipient.is_active:
        return "Not sent: the recipient's account is deactivated."
    if not recipient.email:
        return "Not sent: the recipient has no email address."
    muted = recipient.muted_kinds if isinstance(recipient.muted_kinds, list) else []
    if message.kind in muted:
        return "Not sent: the recipient turned this kind of notification off."
    case = message.case
    if message.kind in OWNER_KINDS:
        if case is None or case.owner_id != recipient.pk:
            return "Not sent: the recipient no longer owns the case."
        if case.is_closed:
            return "Not sent: the case is closed."
    if case is not None and not (
        Case.objects.for_user(recipient).filter(pk=case.pk).exists()
    ):
        return "Not sent: the recipient can no longer see the case."
    return ""


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


def release_stuck(
    *, lease_seconds: int = LEASE_SECONDS, now: datetime | None = None
) -> int:
    """Take back claims older than the lease (their sender died mid-send).

    A row that has already used up its attempts fails instead of going round
    again: a message that kills its sender every time must stop somewhere.
    """
    now = now or timezone.now()
    stuck = OutboxMessage.objects.filter(
        status=OutboxStatus.SENDING,
        claimed_at__lt=now - timedelta(seconds=lease_seconds),
    )
    failed = stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=OutboxStatus.FAILED,
        last_error=f"Gave up: the sender stopped mid-send {MAX_ATTEMPTS} times.",
    )
    released = stuck.update(status=OutboxStatus.PENDING, claimed_at=None)
    if released or failed:
        logger.warning(
            "Outbox: released %s stuck message(s), failed %s", released, failed
        )
    return released


def retry_failed(ids) -> int:
    """Put failed messages back in the queue, due now (from the admin).

    Attempts are kept: a message that already used them all gets one more try.
    """
    updated = OutboxMessage.objects.filter(
        pk__in=list(ids), status=OutboxStatus.FAILED
    ).update(status=OutboxStatus.PENDING, due_at=timezone.now(), claimed_at=None)
    if updated:
        enqueue_send_after_commit()
    return updated


def enqueue_send_after_commit() -> None:
    """Ask a worker to send once the current transaction commits.

    Only a nudge: if the broker is down, beat's send-outbox run picks the
    messages up from the database within a minute. Asked once per transaction,
    however many messages it records.
    """
    connection = transaction.get_connection()
    waiting = getattr(connection, "run_on_commit", None) or []
    if any(len(entry) > 1 and entry[1] is _enqueue_send for entry in waiting):
        return
    transaction.on_commit(_enqueue_send)


def _enqueue_send() -> None:
    from ..tasks import send_outbox

    try:
        send_outbox.delay()
    except Exception:
        logger.warning("Could not enqueue send_outbox; beat will send", exc_info=True)


def _renew_claim(message: OutboxMessage, claimed_at: datetime) -> datetime | None:
    """Renew this sender's claim on one row just before sending it; None if the
    claim was taken back meanwhile (another sender owns the row now)."""
    now = timezone.now()
    renewed = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.SENDING, claimed_at=claimed_at
    ).update(claimed_at=now)
    if not renewed:
        logger.info("Outbox message %s was taken back before sending", message.pk)
        return None
    return now


def _record(message: OutboxMessage, claim: datetime, **fields) -> bool:
    """Record an outcome, only if this sender still holds the row's claim."""
    recorded = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.SENDING, claimed_at=claim
    ).update(**fields)
    if not recorded:
        logger.warning(
            "Outbox message %s: claim lost; %s not recorded",
            message.pk,
            fields.get("status"),
        )
    return bool(recorded)


def _retry_later(message: OutboxMessage, claim: datetime, error: str) -> None:
    if message.attempts >= MAX_ATTEMPTS:
        _record(
            message,
            claim,
            status=OutboxStatus.FAILED,
            last_error=_short(f"Gave up after {message.attempts} attempts: {error}"),
        )
        return
    _record(
        message,
        claim,
        status=OutboxStatus.PENDING,
        due_at=timezone.now() + retry_delay(message.attempts),
        claimed_at=None,
        last_error=error,
    )


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
