"""Talking to the SMTP server for the sender: one connection per batch, short
timeouts, and at most EMAIL_MAX_CONNECTIONS connections to one server at once
across every worker.

A server that does not answer within EMAIL_CONNECT_TIMEOUT (to connect) or
EMAIL_TIMEOUT (to each command), or drops the connection mid-conversation,
counts as unavailable for the rest of the batch: its messages wait for their
next try instead of each waiting for the same silence. The connection cap is
a set of PostgreSQL advisory locks, one per slot: a sender takes a free slot
or sends nothing, and a sender that dies loses its database session and with
it its slot.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import smtplib

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.db import connection

logger = logging.getLogger(__name__)

# The server answered with a code; the connection is still usable after these.
ANSWERS = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)


class Smtp:
    """The batch's SMTP connection: opened for the first message that needs
    it, reopened after a conversation broke off, given up on for the rest of
    the batch once the server cannot be reached or stops answering."""

    def __init__(self):
        self.connection = None
        self.unreachable = ""  # why the server is given up on

    def send(self, email) -> tuple[str, str]:
        """Send one message: ("sent", ""), ("failed", why) when trying again
        will not help, or ("retry", why) when it may."""
        if not self.unreachable:
            self._open()
        if self.unreachable:
            return "retry", self.unreachable
        try:
            self.connection.send_messages([email])
        except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
            # Connected, then silence (smtplib reports a timeout while
            # reading an answer as a disconnection) or a dropped line: the
            # next message would fare no better.
            self.close()
            self.unreachable = short(f"The server stopped answering: {describe(exc)}")
            return "retry", self.unreachable
        except OSError as exc:  # smtplib.SMTPException is an OSError
            permanent, error = classify(exc)
            if not isinstance(exc, ANSWERS):
                # The conversation broke off: reconnect for the next one.
                self.close()
            return ("failed" if permanent else "retry"), error
        except SoftTimeLimitExceeded:
            raise  # the task's time is up: deliver() puts the rest back
        except Exception as exc:
            # Such as an address the backend cannot encode: trying again will
            # not help, and the rest of the batch should still go.
            logger.exception("Could not send an outbox message")
            self.close()
            return "failed", short(f"Could not send: {exc!r}")
        return "sent", ""

    def _open(self) -> None:
        if self.connection is None:
            self.connection = get_connection(timeout=settings.EMAIL_CONNECT_TIMEOUT)
        try:
            # Opened here, so send_messages() reuses the connection instead
            # of opening and closing one per message.
            self.connection.open()
        except OSError as exc:
            self.close()
            self.unreachable = short(f"Could not connect: {describe(exc)}")
            return
        # Connected within the connect timeout; each answer from now on gets
        # the command timeout.
        client = getattr(self.connection, "connection", None)
        sock = getattr(client, "sock", None)
        if sock is not None:
            sock.settimeout(settings.EMAIL_TIMEOUT)

    def close(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.close()
        except OSError:
            logger.info("Closing the SMTP connection failed", exc_info=True)


def classify(exc: OSError) -> tuple[bool, str]:
    """(permanent?, a line for the admin). A 5xx answer is permanent; a 4xx
    answer and a broken connection are temporary."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return permanent, short(describe(exc))
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600, short(describe(exc))
    return False, short(describe(exc))


def describe(exc: OSError) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "Recipient refused: " + "; ".join(
            f"{address}: {code} {_text(text)}"
            for address, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


# The connection cap.


def server_key() -> int:
    """The advisory lock key naming the configured SMTP server (host and port),
    so senders to one server share its slots."""
    server = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}".lower()
    digest = hashlib.sha256(f"mend-smtp:{server}".encode()).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


@contextlib.contextmanager
def connection_slot():
    """Hold one of the server's EMAIL_MAX_CONNECTIONS slots meanwhile; yields
    whether one was free. Without PostgreSQL (SQLite in development, one
    writer at a time) every sender gets one."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = server_key()
    slot = None
    with connection.cursor() as cursor:
        for number in range(settings.EMAIL_MAX_CONNECTIONS):
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [key, number])
            if cursor.fetchone()[0]:
                slot = number
                break
    try:
        yield slot is not None
    finally:
        if slot is not None:
            _release(key, slot)


def _release(key: int, slot: int) -> None:
    # After a database outage the session that held the slot is gone, and
    # the slot with it: nothing to release then.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [key, slot])
    except Exception:
        logger.info("Could not release SMTP slot %s", slot, exc_info=True)


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def short(text: str, limit: int = 1000) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
