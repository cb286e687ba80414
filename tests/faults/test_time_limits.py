"""Tasks have a time limit: a send that runs on (a slow SMTP server) stops at
its soft limit and puts back what it has not sent, so the worker process is
free again and the next run (beat's, within a minute) carries on. A real
prefork worker, since time limits need its pool."""

import asyncio
import collections

import pytest
from django.db import connection, transaction

from cases.choices import NotificationKind, OutboxStatus
from cases.models import OutboxMessage
from cases.notifications.record import outbox_add
from tests.factories import make_case
from tests.notifications.test_worker import _postgres_url, own_app

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

MESSAGES = 8


def slow(sink, seconds: float) -> None:
    accept = sink.handle_DATA

    async def handle_DATA(server, session, envelope):
        await asyncio.sleep(seconds)
        return await accept(server, session, envelope)

    sink.handle_DATA = handle_DATA


def test_a_send_stops_at_its_soft_time_limit_and_puts_back_the_rest(
    smtp_sink, account_manager, throwaway_redis, celery_processes
):
    if connection.vendor != "postgresql":
        pytest.skip("A worker process needs the test database on PostgreSQL.")
    case = make_case(account_manager)
    OutboxMessage.objects.all().delete()  # the case's own alerts
    slow(smtp_sink, 0.5)  # eight messages take four seconds
    with own_app(broker_url=throwaway_redis.url) as app:
        worker = celery_processes(
            "worker",
            app.conf.task_default_queue,
            "limited",
            env={
                "DATABASE_URL": _postgres_url(connection.settings_dict),
                "CELERY_BROKER_URL": throwaway_redis.url,
                "MEND_TEST_POOL": "prefork",
                "CELERY_TASK_SOFT_TIME_LIMIT": "2",
                "CELERY_TASK_TIME_LIMIT": "20",
            },
        )
        worker.wait_for_log(" ready.", "the worker to be ready")
        # Recorded in one transaction: its on-commit nudge asks for one send.
        with transaction.atomic():
            for n in range(MESSAGES):
                outbox_add(
                    case=case,
                    kind=NotificationKind.SECOND_DROP,
                    recipients=[account_manager],
                    key=f"p{n}",
                )
        worker.wait_for_log("SoftTimeLimitExceeded", "the soft time limit")
        worker.stop()

    rows = list(OutboxMessage.objects.order_by("pk"))
    counts = collections.Counter(row.status for row in rows)
    assert 0 < counts[OutboxStatus.SENT] < MESSAGES, counts
    # At most the message in flight is left claimed; the rest are back in the
    # queue as they were, due now, their attempt not counted.
    assert counts[OutboxStatus.SENDING] <= 1, counts
    waiting = [row for row in rows if row.status == OutboxStatus.PENDING]
    assert len(waiting) >= MESSAGES - counts[OutboxStatus.SENT] - 1
    assert {(row.attempts, row.claimed_at, row.last_error) for row in waiting} == {
        (0, None, "")
    }
    # The one in flight may have reached the server (it goes again later,
    # with the same Message-ID); none of those put back did.
    sent = counts[OutboxStatus.SENT]
    assert sent <= len(smtp_sink.messages) <= sent + counts[OutboxStatus.SENDING]
