"""Celery's own faults, with real processes: a worker that lives through a
Redis restart, and two `celery beat` processes at once.

The beat and worker processes talk through a throwaway Redis; the worker uses
the test database (PostgreSQL, as in CI: a worker process cannot see SQLite's
in-memory test database).
"""

import pytest
import time_machine
from django.db import connection

from cases.choices import NotificationKind, OutboxStatus
from cases.models import OutboxMessage
from cases.notifications.ids import message_id_for
from cases.notifications.record import outbox_add
from tests.factories import make_case
from tests.notifications.test_worker import (
    MONDAY_TEN,
    REMINDER_MOMENT,
    HeldAnswer,
    _postgres_url,
    case_with_a_follow_up,
    own_app,
    wait_for,
)

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def database_url():
    if connection.vendor != "postgresql":
        pytest.skip("A worker process needs the test database on PostgreSQL.")
    return _postgres_url(connection.settings_dict)


def sent_ids() -> set[str]:
    return {
        message_id_for(key)
        for key in OutboxMessage.objects.filter(status=OutboxStatus.SENT).values_list(
            "dedupe_key", flat=True
        )
    }


# The worker runs as deployed (remote control on): with it off, a worker
# whose acknowledgement failed while Redis was down (kombu 5.7.0 keeps that
# delivery counted against the prefetch limit) never polls the broker again,
# and so never notices it is back; remote control's own channel does.
@pytest.mark.parametrize("when", ["between tasks", "mid-task", "acknowledging"])
def test_a_worker_lives_through_a_redis_restart(
    when, smtp_sink, account_manager, throwaway_redis, celery_processes, database_url
):
    case = make_case(account_manager)
    OutboxMessage.objects.all().delete()  # the case's own alerts
    held = HeldAnswer(smtp_sink) if when != "between tasks" else None
    with own_app(broker_url=throwaway_redis.url) as app:
        worker = celery_processes(
            "worker",
            app.conf.task_default_queue,
            "survivor",
            env={
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": throwaway_redis.url,
                "MEND_TEST_AS_DEPLOYED": "1",
            },
        )
        worker.wait_for_log(" ready.", "the worker to be ready")

        def drop(key: str) -> str:
            # Recorded and committed: the on-commit nudge asks the worker to send.
            outbox_add(
                case=case,
                kind=NotificationKind.SECOND_DROP,
                recipients=[account_manager],
                key=key,
            )
            row = OutboxMessage.objects.get(dedupe_key__contains=f":second_drop:{key}:")
            return message_id_for(row.dedupe_key)

        before = drop("before")
        if held:
            # The worker is in the middle of its send: the server has the
            # message and has not answered yet.
            assert held.reached.wait(20), worker.describe()
        else:
            # The send is done and acknowledged: nothing is in flight.
            wait_for(lambda: before in smtp_sink.message_ids(), "the first send")
            wait_for(
                lambda: throwaway_redis.client.hlen("unacked") == 0,
                "the worker to acknowledge the send",
            )

        # Redis restarts, empty; the worker stays up and connects again.
        throwaway_redis.kill()
        if when == "acknowledging":
            # The send finishes while Redis is down: its acknowledgement fails.
            held.released.set()
            worker.wait_for_log("Couldn't ack", "the acknowledgement to fail")
        throwaway_redis.start()
        if held:
            held.released.set()
        wait_for(
            lambda: worker.log().count("Connected to redis://") >= 2,
            "the worker to connect to the restarted Redis",
            timeout=30,
            details=worker.describe,
        )

        after = drop("after")
        wait_for(
            lambda: after in smtp_sink.message_ids(),
            "the worker to send what was asked after the restart",
            details=worker.describe,
        )
        worker.stop()

    assert sorted(smtp_sink.message_ids()) == sorted([before, after])
    assert sent_ids() == {before, after}


def test_two_beat_processes_at_once_record_and_send_each_reminder_once(
    smtp_sink,
    account_manager,
    throwaway_redis,
    celery_processes,
    database_url,
    tmp_path,
):
    with time_machine.travel(MONDAY_TEN, tick=False):
        case = case_with_a_follow_up(account_manager)
    OutboxMessage.objects.all().delete()
    broker = {"CELERY_BROKER_URL": throwaway_redis.url}
    with own_app(broker_url=throwaway_redis.url) as app:
        queue = app.conf.task_default_queue
        worker = celery_processes(
            "worker",
            queue,
            "w",
            env={
                **broker,
                "DATABASE_URL": database_url,
                "MEND_TEST_MOMENT": REMINDER_MOMENT.isoformat(),
            },
        )
        worker.wait_for_log(" ready.", "the worker to be ready")
        # Mend's whole beat schedule, each entry every half second, twice.
        beats = [
            celery_processes(
                "beat",
                queue,
                tmp_path / f"schedule-{n}",
                0.5,
                env=broker,
                name=f"beat{n}",
            )
            for n in range(2)
        ]

        def ticks(beat) -> int:
            return beat.log().count("Sending due task sweep-due")

        def describe() -> str:
            return "\n".join(p.describe() for p in [worker, *beats])

        # Each beat has sent several sweeps and sends; the worker ran them.
        wait_for(
            lambda: all(ticks(beat) >= 4 for beat in beats),
            "both beats to tick",
            timeout=30,
            details=describe,
        )

        def sweeps_run() -> int:
            return sum(
                "cases.tasks.sweep_due[" in line and "succeeded" in line
                for line in worker.log().splitlines()
            )

        wait_for(
            lambda: sweeps_run() >= 8,
            "the worker to run both beats' sweeps",
            details=describe,
        )
        wait_for(lambda: sent_ids(), "the reminder to be sent", details=describe)
        for beat in beats:
            beat.stop()
        worker.stop()

    [reminder] = OutboxMessage.objects.filter(
        case=case, kind=NotificationKind.FOLLOW_UP_REMINDER
    )
    assert reminder.status == OutboxStatus.SENT
    assert reminder.attempts == 1
    assert smtp_sink.message_ids() == [message_id_for(reminder.dedupe_key)]
