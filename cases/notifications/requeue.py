"""Putting outbox messages back in the queue: claims whose sender died
mid-send (beat's release-stuck run) and failed messages retried from the
admin."""

import logging
from datetime import datetime, timedelta

from django.utils import timezone

from cases.choices import OutboxStatus
from cases.models import OutboxMessage
from cases.notifications.deliver import LEASE_SECONDS, MAX_ATTEMPTS, database_now
from cases.notifications.nudge import enqueue_send_after_commit

logger = logging.getLogger(__name__)


def release_stuck(
    *, lease_seconds: int = LEASE_SECONDS, now: datetime | None = None
) -> int:
    """Take back claims older than the lease (their sender died mid-send),
    by the database's clock unless `now` is given.

    A row that has already used up its attempts fails instead of going round
    again: a message that kills its sender every time must stop somewhere.
    """
    # The database's clock, which stamped the claims: a worker whose own
    # clock runs fast must not take back live claims.
    now = now or database_now()
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
        enqueue_send_after_commit(updated)
    return updated
