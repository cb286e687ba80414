"""Posting webhook events and chat messages: one delivery per task.

The pattern is the email outbox's (cases.notifications.deliver): a row is
claimed (status `sending`, `claimed_at` by the database's clock) and that
claim committed before anyone talks to the receiver; the outcome is recorded
only while the row is still held by that same claim; a claim older than the
lease is taken back by `release_stuck`. Unlike email, every delivery is its
own task: a receiver that hangs holds one worker process for at most its
timeouts, and the deliveries to every other receiver go on beside it.

A failed attempt waits 1, 2, 4 … minutes (at most an hour) for the next;
after MAX_ATTEMPTS the row fails and an administrator can retry it from the
log. Every attempt of a row carries its message_id as `webhook-id`, so a
receiver that got it before can tell.
"""

import json
import logging
import threading
import time
import weakref
from datetime import datetime, timedelta

import requests
from celery import current_app
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone
from standardwebhooks import Webhook

from cases.choices import DeliveryChannel, OutboxStatus
from cases.models import HttpDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # the last about two hours after the first
MAX_BACKOFF_MINUTES = 60
# A claim is held for one POST, bounded by the timeouts and READ_LIMIT_SECONDS;
# this is well past that, so only a worker that died mid-post loses its claim.
LEASE_SECONDS = 120
# Rows handed to tasks per dispatch; the rest wait for the next.
DISPATCH_BATCH = 500
# Of an answer's body, what the log keeps (a receiver's own error message).
BODY_KEPT = 300
# However slowly a receiver trickles its answer, no longer than this.
READ_LIMIT_SECONDS = 15
USER_AGENT = "Mend-Webhooks/1"

DELIVER_TASK = "cases.tasks.deliver_http"
DISPATCH_TASK = "cases.tasks.dispatch_http"


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th try failed."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def database_now():
    """The database's clock for claims (as the email outbox: a worker whose
    clock is off neither takes back live claims nor keeps dead ones)."""
    return Now() if connection.vendor == "postgresql" else timezone.now()


# Asking workers to post.


def dispatch_due(*, now: datetime | None = None) -> int:
    """Ask for one delivery task per due pending row (at most
    DISPATCH_BATCH); how many were asked for. Beat runs it as a safety net;
    a commit that recorded deliveries asks for it at once."""
    ids = list(
        HttpDelivery.objects.filter(
            status=OutboxStatus.PENDING, due_at__lte=now or timezone.now()
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:DISPATCH_BATCH]
    )
    try:
        for pk in ids:
            current_app.send_task(DELIVER_TASK, args=[pk])
    except Exception:
        logger.warning(
            "Could not enqueue deliveries; beat will ask again", exc_info=True
        )
        return 0
    return len(ids)


_waiting = threading.local()


def dispatch_after_commit() -> None:
    """Ask for a dispatch once the current transaction commits; once per
    transaction however many deliveries it records (held weakly, as the
    outbox's nudge: a rolled-back transaction's callback is let go)."""
    held = getattr(_waiting, "nudge", None)
    nudge = held() if held is not None else None
    if nudge is not None and not nudge.ran:
        return
    nudge = _Nudge()
    _waiting.nudge = weakref.ref(nudge)
    transaction.on_commit(nudge)


class _Nudge:
    def __init__(self):
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        try:
            current_app.send_task(DISPATCH_TASK)
        except Exception:
            logger.warning("Could not enqueue dispatch_http; beat will", exc_info=True)


# Posting one.


def delivery_send(delivery_id: int) -> str:
    """Claim the row if it is due and pending, post it, record the outcome;
    the status it was left in ("" when it was not this task's to send)."""
    claim = _claim(delivery_id)
    if claim is None:
        return ""
    delivery = (
        HttpDelivery.objects.select_related("endpoint", "team")
        .filter(pk=delivery_id)
        .get()
    )
    fields = _outcome(delivery)
    recorded = HttpDelivery.objects.filter(
        pk=delivery_id, status=OutboxStatus.SENDING, claimed_at=claim
    ).update(**fields)
    if not recorded:
        logger.warning("Delivery %s: claim lost; outcome not recorded", delivery_id)
        return ""
    return fields["status"]


def _claim(delivery_id: int) -> datetime | None:
    """Take the row for this task (one UPDATE: two tasks for the same row
    cannot both win); its claimed_at, or None."""
    with transaction.atomic():
        taken = HttpDelivery.objects.filter(
            pk=delivery_id, status=OutboxStatus.PENDING, due_at__lte=timezone.now()
        ).update(
            status=OutboxStatus.SENDING,
            claimed_at=database_now(),
            attempts=F("attempts") + 1,
        )
        if not taken:
            return None
        return HttpDelivery.objects.values_list("claimed_at", flat=True).get(
            pk=delivery_id
        )


def _outcome(delivery: HttpDelivery) -> dict:
    address, problem = _address(delivery)
    if problem:
        return {"status": OutboxStatus.SKIPPED, "last_error": problem}
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if delivery.channel == DeliveryChannel.WEBHOOK:
        headers.update(signed_headers(delivery, body))
    code, error = post(address, body.encode(), headers)
    if code is not None and 200 <= code < 300:
        return {
            "status": OutboxStatus.SENT,
            "sent_at": timezone.now(),
            "last_status": code,
            "last_error": "",
        }
    return {"last_status": code, **_retry_fields(delivery.attempts, error)}


def _address(delivery: HttpDelivery) -> tuple[str, str]:
    """Where to post, read now; or why the delivery no longer goes."""
    if delivery.channel == DeliveryChannel.WEBHOOK:
        endpoint = delivery.endpoint
        if not endpoint.active:
            return "", "The endpoint was switched off."
        return endpoint.url, ""
    field = (
        "slack_webhook_url"
        if delivery.channel == DeliveryChannel.SLACK
        else "teams_webhook_url"
    )
    address = getattr(delivery.team, field)
    if not address:
        return "", f"The team has no {delivery.get_channel_display()} address now."
    if delivery.event not in (delivery.team.chat_kinds or []):
        return "", "The team no longer posts this kind to chat."
    return address, ""


def signed_headers(delivery: HttpDelivery, body: str) -> dict[str, str]:
    """The Standard Webhooks headers: the same id on every attempt, this
    attempt's time, and the signature over both and the body."""
    now = timezone.now()
    signature = Webhook(delivery.endpoint.secret).sign(
        msg_id=delivery.message_id, timestamp=now, data=body
    )
    return {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


def post(address: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """POST once with short timeouts; the status code (None when there was
    no answer) and, unless 2xx, what went wrong in words that name no
    address (chat webhooks carry their secret in the path)."""
    connect = settings.MEND_WEBHOOK_CONNECT_TIMEOUT
    read = settings.MEND_WEBHOOK_READ_TIMEOUT
    try:
        with requests.post(
            address,
            data=body,
            headers=headers,
            timeout=(connect, read),
            allow_redirects=False,
            stream=True,
        ) as response:
            text = _read_some(response)
    except requests.exceptions.ConnectTimeout:
        return None, f"No connection within {connect:g} s."
    except requests.exceptions.ReadTimeout:
        return None, f"No answer within {read:g} s."
    except requests.exceptions.SSLError:
        return None, "The TLS handshake failed (certificate or protocol)."
    except requests.exceptions.ConnectionError:
        return None, "Could not connect: refused, unreachable or cut off."
    except requests.exceptions.RequestException as exc:
        return None, f"The request failed ({type(exc).__name__})."
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    if 300 <= response.status_code < 400:
        return response.status_code, (
            f"HTTP {response.status_code}: redirects are not followed; "
            "register the final address."
        )
    return response.status_code, f"HTTP {response.status_code}: {text}".strip()


def _read_some(response) -> str:
    """The start of the answer's body, read within READ_LIMIT_SECONDS."""
    deadline = time.monotonic() + READ_LIMIT_SECONDS
    kept = b""
    for chunk in response.iter_content(chunk_size=1024):
        kept += chunk
        if len(kept) >= BODY_KEPT or time.monotonic() > deadline:
            break
    return kept[:BODY_KEPT].decode("utf-8", "replace")


def _retry_fields(attempts: int, error: str) -> dict:
    if attempts >= MAX_ATTEMPTS:
        return {
            "status": OutboxStatus.FAILED,
            "claimed_at": None,
            "last_error": f"Gave up after {attempts} attempts. {error}",
        }
    return {
        "status": OutboxStatus.PENDING,
        "due_at": timezone.now() + retry_delay(attempts),
        "claimed_at": None,
        "last_error": error,
    }


# Putting back.


def release_stuck(*, lease_seconds: int = LEASE_SECONDS) -> int:
    """Take back claims older than the lease (the worker died mid-post);
    one that used up its attempts fails instead."""
    stuck = HttpDelivery.objects.filter(
        status=OutboxStatus.SENDING,
        claimed_at__lt=database_now() - timedelta(seconds=lease_seconds),
    )
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=OutboxStatus.FAILED,
        claimed_at=None,
        last_error="Gave up: the worker stopped mid-post on every attempt.",
    )
    released = stuck.update(status=OutboxStatus.PENDING, claimed_at=None)
    if released:
        logger.warning("Deliveries: released %s stuck one(s)", released)
    return released


def deliveries_retry(ids) -> int:
    """Queue failed deliveries again, due now (the log's Retry): the same row
    and webhook-id, one more attempt. Only failed rows move, in one UPDATE,
    so a second click finds nothing to retry and nothing goes twice."""
    updated = HttpDelivery.objects.filter(
        pk__in=list(ids), status=OutboxStatus.FAILED
    ).update(status=OutboxStatus.PENDING, due_at=timezone.now(), claimed_at=None)
    if updated:
        dispatch_after_commit()
    return updated
