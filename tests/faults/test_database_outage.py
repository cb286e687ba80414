"""PostgreSQL stopped for some seconds in the middle of a send.

A real `celery worker` sends 30 messages to the SMTP sink from a throwaway
PostgreSQL cluster (a copy of the test database) through a throwaway Redis.
Once ten have reached the server the cluster is stopped, as a crash would;
once the worker has noticed, it is started again. Measured before the fix:
the messages of the group in flight went out twice, the rest waited out the
five-minute lease. Now at most the message in flight goes out again, and the
rest go as soon as the database is back, with no lease run out.
"""

import asyncio
import collections
import threading

import pytest

from cases import tasks
from cases.choices import NotificationKind, OutboxStatus
from cases.notifications.ids import message_id_for
from cases.notifications.record import outbox_add
from tests.factories import make_case
from tests.notifications.test_worker import own_app, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

MESSAGES = 30
STOP_AFTER = 10


def slow_and_counting(sink, count: int) -> threading.Event:
    """Make each message take the server a moment (so the stop falls mid-send);
    the event is set once `count` messages are in."""
    reached = threading.Event()
    accept = sink.handle_DATA

    async def handle_DATA(server, session, envelope):
        await asyncio.sleep(0.05)
        answer = await accept(server, session, envelope)
        if len(sink.messages) >= count:
            reached.set()
        return answer

    sink.handle_DATA = handle_DATA
    return reached


def test_a_database_stopped_mid_send_resends_at_most_the_message_in_flight(
    smtp_sink,
    enqueued,
    account_manager,
    throwaway_postgres,
    throwaway_redis,
    celery_processes,
):
    case = make_case(account_manager)
    for n in range(MESSAGES):
        outbox_add(
            case=case,
            kind=NotificationKind.SECOND_DROP,
            recipients=[account_manager],
            key=f"p{n}",
        )
    database = throwaway_postgres
    database.copy_of_test_database()
    keys = [
        key for (key,) in database.query("SELECT dedupe_key FROM cases_outboxmessage")
    ]
    assert len(keys) >= MESSAGES
    reached = slow_and_counting(smtp_sink, STOP_AFTER)

    with own_app(broker_url=throwaway_redis.url) as app:
        worker = celery_processes(
            "worker",
            app.conf.task_default_queue,
            "sender",
            env={
                "DATABASE_URL": database.url,
                "CELERY_BROKER_URL": throwaway_redis.url,
            },
        )
        worker.wait_for_log(" ready.", "the worker to be ready")
        tasks.send_outbox.delay()

        assert reached.wait(20), worker.describe()
        database.stop()
        # The worker has noticed: it waits for the database (or, before the
        # fix, its task failed).
        wait_for(
            lambda: any(text in worker.log() for text in ("not answering", "] raised")),
            "the worker to notice the database is down",
            details=worker.describe,
        )
        database.start()

        def statuses():
            rows = database.query("SELECT status FROM cases_outboxmessage")
            return collections.Counter(status for (status,) in rows)

        # Well within the lease: nobody took the claims back (no release-stuck ran).
        wait_for(
            lambda: statuses() == {OutboxStatus.SENT: len(keys)},
            "every message to be sent once the database is back",
            timeout=30,
            details=lambda: f"{statuses()}\n{worker.describe()}",
        )
        worker.stop()

    received = collections.Counter(smtp_sink.message_ids())
    assert set(received) == {message_id_for(key) for key in keys}
    twice = [mid for mid, times in received.items() if times > 1]
    assert len(twice) <= 1, twice
    assert max(received.values()) <= 2
