"""Delivery end to end: real Celery workers, a real broker, a real SMTP server.

A due follow-up becomes exactly one email, and stays exactly one through the
faults a deployment meets: a worker killed mid-send and restarted, a Redis
restart that loses the queued send, two beats (and two workers) at once, a
server that answers 451 for a while, and one that answers 550.

The workers consume the configured broker (kombu's filesystem transport on a
developer's machine, Redis in CI), each test on a queue of its own, so nothing
another test or a developer's worker consumes is touched. Some workers are
threads of this process (they share its clock, so time-machine moves theirs
too); the ones a test must kill are real `celery worker` processes, started
with their clock moved by time-machine (`WorkerProcess`). A worker process
cannot see SQLite's in-memory test database, so on SQLite it gets a file copy
of it (`WorkerDatabase`); on PostgreSQL it uses the test database itself.

Nothing waits a fixed time: each wait polls a condition, with a deadline.
"""

import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from io import StringIO
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from celery import Celery, _state, signals
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import F

from cases import tasks
from cases.casework.services import steps
from cases.choices import NotificationKind, OutboxStatus
from cases.models import OutboxMessage
from cases.notifications import deliver as outbox
from cases.notifications.deliver import LEASE_SECONDS
from cases.notifications.due import sweep_due
from cases.notifications.ids import message_id_for
from cases.notifications.record import Owed, outbox_record
from tests.factories import make_case
from tests.notifications.conftest import free_port

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

LONDON = ZoneInfo("Europe/London")
# The case is opened on Monday; its follow-up is due on Thursday, so the
# reminder on the day is due at 09:00 London time on Thursday (the team opens
# then).
MONDAY_TEN = dt.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
THURSDAY = dt.date(2026, 11, 26)
REMINDER_MOMENT = dt.datetime(2026, 11, 26, 9, 0, tzinfo=LONDON)

WAIT_SECONDS = 20
BASE_DIR = Path(settings.BASE_DIR)
OUTBOX_FIELDS = ("id", "dedupe_key", "kind", "status", "attempts", "last_error")


# Waiting.


def wait_for(condition, what: str, *, timeout: float = WAIT_SECONDS, details=None):
    """Poll `condition` until it returns something true; fail after `timeout`.

    `details` (a callable) adds what the failure message should show, such as
    a worker's log.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n{details()}" if details else ""
            pytest.fail(f"Gave up after {timeout}s waiting for {what}.{extra}")
        time.sleep(0.05)


# The data: a case whose follow-up falls due.


def case_with_a_follow_up(owner):
    """Alice's case (nobody else to alert), with a follow-up due on Thursday."""
    case = make_case(owner)
    steps.follow_up_schedule(
        case_id=case.pk,
        by=owner,
        due_on=THURSDAY,
        purpose="Check the new trainer worked out",
    )
    return case


def reminder_key(case, owner) -> str:
    return OutboxMessage.objects.get(
        case=case, kind=NotificationKind.FOLLOW_UP_REMINDER, recipient=owner
    ).dedupe_key


def outbox_rows() -> list[dict]:
    return list(OutboxMessage.objects.order_by("pk").values(*OUTBOX_FIELDS))


def row(rows: list[dict], kind: str) -> dict:
    [found] = [r for r in rows if r["kind"] == kind]
    return found


def all_sent(rows: list[dict]) -> bool:
    return bool(rows) and all(r["status"] == OutboxStatus.SENT for r in rows)


def assert_each_delivered_exactly_once(sink, rows: list[dict]) -> None:
    """Every notification was sent, and the server accepted one message for
    each: none missing, none twice."""
    assert rows
    assert {r["status"] for r in rows} == {OutboxStatus.SENT}, rows
    expected = sorted(message_id_for(r["dedupe_key"]) for r in rows)
    assert sorted(sink.message_ids()) == expected


# Celery apps and workers.


@contextlib.contextmanager
def own_app(broker_url: str | None = None, *, sweeps_apart: bool = False):
    """A Celery app configured like Mend's, sending to and consuming from a
    queue of its own; it is the current and the default app meanwhile, so
    every task sent in this process (the sweep's nudges too) goes there.

    With `sweeps_apart`, sweeps go to a second queue, `sweeps_queue(app)`.
    """
    queue = f"mend-test-{uuid.uuid4().hex[:12]}"
    app = Celery("recovery", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.task_default_queue = queue
    app.conf.worker_enable_remote_control = False
    if broker_url:
        # The read and write URLs, since CELERY_BROKER_URL in the environment
        # (as in CI) wins over broker_url.
        app.conf.broker_read_url = app.conf.broker_write_url = broker_url
        app.conf.broker_transport_options = {}
    else:
        # The filesystem transport polls: poll often, so tests do not wait.
        app.conf.broker_transport_options = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "polling_interval": 0.1,
        }
    queues = [queue]
    if sweeps_apart:
        queues.append(sweeps_queue(app))
        app.conf.task_routes = {"cases.tasks.sweep_due": {"queue": queues[1]}}
    saved = (_state._tls.current_app, _state.default_app)
    app.set_current()
    app.set_default()
    try:
        yield app
    finally:
        _state._set_current_app(saved[0])
        _state.set_default_app(saved[1])
        _forget_queues(app, queues)
        app.close()


def sweeps_queue(app) -> str:
    return f"{app.conf.task_default_queue}-sweeps"


def _forget_queues(app, queues) -> None:
    """Delete the test's queues, bindings and unacknowledged messages from the
    broker (best effort: the broker may be gone, and its data with it)."""
    url = app.conf.broker_write_url or app.conf.broker_url
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1)
            for name in queues:
                conn.default_channel.queue_delete(name)
                conn.default_channel.exchange_delete(name)
        if url.startswith("redis://"):
            _forget_redis_keys(redis.Redis.from_url(url), queues)
    except Exception:
        return
    control = (app.conf.broker_transport_options or {}).get("control_folder")
    if url.startswith("filesystem://") and control:
        for name in queues:
            Path(control, f"{name}.exchange").unlink(missing_ok=True)


def _forget_redis_keys(client, queues) -> None:
    """kombu's Redis keys for these queues, and the messages a killed worker
    left unacknowledged (kombu would put them back in an hour)."""
    with contextlib.closing(client):
        for name in queues:
            for prefix in ("", "_kombu.binding.", "_kombu.binding_permanent."):
                for key in client.scan_iter(match=f"{prefix}{name}*"):
                    client.delete(key)
        for tag, payload in client.hgetall("unacked").items():
            if json.loads(payload)[-1] in queues:  # [message, exchange, key]
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


class TaskLog:
    """What the worker threads of this process have run, from Celery's
    task_postrun signal. Also closes each worker thread's database connection
    after each task, so none is left open when the test database goes."""

    def __init__(self):
        self.finished: dict[str, str] = {}
        self.names: list[str] = []

    def __call__(self, sender=None, task_id=None, state=None, **kwargs):
        self.finished[task_id] = state
        self.names.append(sender.name)
        if threading.current_thread() is not threading.main_thread():
            connections.close_all()

    def wait(self, *results) -> None:
        ids = [result.id for result in results]
        wait_for(
            lambda: all(i in self.finished for i in ids),
            f"the worker to run tasks {ids}",
        )
        assert [self.finished[i] for i in ids] == ["SUCCESS"] * len(ids)


@pytest.fixture
def task_log():
    log = TaskLog()
    signals.task_postrun.connect(log, weak=False)
    try:
        yield log
    finally:
        signals.task_postrun.disconnect(log)


@contextlib.contextmanager
def worker_thread(app, queues=None):
    """A real worker, as a thread of this process (it shares the clock),
    consuming the app's own queue unless told which."""
    with start_worker(
        app,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
        queues=queues or [app.conf.task_default_queue],
    ) as worker:
        yield worker


@pytest.fixture
def reading_beside_workers():
    """On SQLite, this thread reads without table locks while a worker thread
    writes: the in-memory test database shares one cache between connections,
    where a reader would otherwise make the writer fail ("table is locked")."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA read_uncommitted = 1")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA read_uncommitted = 0")


# Worker processes.

# Runs `celery worker` for Mend's app, its clock moved by time-machine, on one
# queue (also its default queue, so the tasks it sends stay on that queue).
RUNNER = """
import datetime, sys
moment, queue, name = sys.argv[1:4]
if moment:
    import time_machine
    time_machine.travel(datetime.datetime.fromisoformat(moment), tick=True).start()
from recovery.celery import app
app.conf.task_default_queue = queue
app.conf.worker_enable_remote_control = False
# The filesystem transport polls: poll often, so tests do not wait.
app.conf.broker_transport_options["polling_interval"] = 0.1
app.worker_main([
    "worker", "--pool=solo", "--concurrency=1", "--loglevel=INFO",
    "--without-heartbeat", "--without-mingle", "--without-gossip",
    "-Q", queue, "-n", name + "@%h",
])
"""


class WorkerDatabase:
    """The test database, where a worker process can reach it.

    PostgreSQL: the test database itself. SQLite: the test database lives in
    this process's memory, so the worker gets a file copy of it, taken after
    the test made its data; `rows()` reads whichever the worker writes to.
    """

    def __init__(self, folder: Path):
        self.file = None
        if connection.vendor == "postgresql":
            self.url = _postgres_url(connection.settings_dict)
        elif connection.vendor == "sqlite":
            self.file = folder / "worker.sqlite3"
            self.url = f"sqlite:///{self.file}"
        else:
            pytest.fail(f"No worker process set-up for {connection.vendor}.")

    def hand_over(self) -> None:
        """Give the worker what the test made so far (SQLite: copy it)."""
        if self.file is None:
            return
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(self.file)) as target:
            connection.connection.backup(target)

    def rows(self) -> list[dict]:
        if self.file is None:
            return outbox_rows()
        with contextlib.closing(sqlite3.connect(self.file, timeout=20)) as db:
            db.row_factory = sqlite3.Row
            cursor = db.execute(
                "SELECT id, dedupe_key, kind, status, attempts, last_error"
                " FROM cases_outboxmessage ORDER BY id"
            )
            return [dict(r) for r in cursor.fetchall()]


def _postgres_url(db: dict) -> str:
    user = quote(db["USER"] or "", safe="")
    password = quote(str(db["PASSWORD"] or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{auth}{db['HOST'] or ''}{port}/{quote(db['NAME'], safe='')}"


class WorkerProcess:
    """`celery worker` in a process of its own, which a test can SIGKILL."""

    def __init__(self, *, queue, database, folder, now=None, name="worker"):
        self.name = f"{name}-{uuid.uuid4().hex[:6]}"
        self.log_path = folder / f"{self.name}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database.url,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "EMAIL_URL": f"smtp://{settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
            "SITE_URL": settings.SITE_URL,
            "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
            "TIME_ZONE": settings.TIME_ZONE,
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "true",
            "PYTHONUNBUFFERED": "1",
        }
        moment = now.isoformat() if now else ""
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", RUNNER, moment, queue, self.name],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def describe(self) -> str:
        return f"--- {self.name} (exit {self.process.poll()}) ---\n{self.log()}"

    def wait_ready(self) -> None:
        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited early.\n{self.describe()}")
            return " ready." in self.log()

        wait_for(ready, f"{self.name} to be ready", details=self.describe)

    def ran(self, *results) -> bool:
        """Whether this worker logged each task as succeeded; fails at once on
        one that raised."""
        text = self.log()
        for result in results:
            if f"[{result.id}] raised" in text:
                pytest.fail(f"Task {result.id} raised.\n{self.describe()}")
        return all(f"[{result.id}] succeeded" in text for result in results)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, like a machine pulled out."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM: the worker finishes the task in hand, then exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_processes(tmp_path):
    """Start worker processes; whatever is still running at the end is killed."""
    started: list[WorkerProcess] = []

    def start(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(folder=tmp_path, **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()


# The SMTP server, holding its answer.


class HeldAnswer:
    """Makes the sink sit on its answer to the first message it receives (the
    whole message is in; the client waits for "250") until released. Records
    whether the client went away meanwhile, in which case the message is never
    accepted: aiosmtpd cancels the handler of a dropped connection."""

    def __init__(self, sink):
        self.reached = threading.Event()
        self.released = threading.Event()
        self.abandoned = threading.Event()
        accept = sink.handle_DATA

        async def handle_DATA(server, session, envelope):
            if not self.reached.is_set():
                self.reached.set()
                try:
                    while not self.released.is_set():
                        await asyncio.sleep(0.02)
                except asyncio.CancelledError:
                    self.abandoned.set()
                    raise
            return await accept(server, session, envelope)

        # aiosmtpd looks its hooks up once per connection: the next one sees it.
        sink.handle_DATA = handle_DATA


@pytest.fixture
def held_answer(smtp_sink):
    held = HeldAnswer(smtp_sink)
    try:
        yield held
    finally:
        held.released.set()


# A Redis server of the test's own.

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class ThrowawayRedis:
    """A redis-server on a free port that keeps nothing on disk, so a restart
    empties it, as the shared one does."""

    def __init__(self, folder: Path):
        if not Path(REDIS_SERVER).exists():
            pytest.fail("This test needs redis-server (apt-get install redis-server).")
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None
        self.client = redis.Redis(host="127.0.0.1", port=self.port)

    def start(self) -> None:
        with open(self.folder / "redis.log", "ab") as log:
            self.process = subprocess.Popen(
                [
                    REDIS_SERVER,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                    str(self.folder),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(self._answers, f"redis-server on port {self.port}")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(
                f"redis-server exited: {(self.folder / 'redis.log').read_text()}"
            )
        try:
            return self.client.ping()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.client.connection_pool.disconnect()

    def queued(self, queue: str) -> int:
        """Messages waiting in a kombu queue (a list per priority)."""
        return sum(
            self.client.llen(key)
            for key in self.client.scan_iter(match=f"{queue}*")
            if self.client.type(key) == b"list"
        )


@pytest.fixture
def throwaway_redis(tmp_path):
    server = ThrowawayRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


# The happy path.


def test_a_due_follow_up_becomes_exactly_one_email_through_a_real_worker(
    smtp_sink, account_manager, task_log, reading_beside_workers
):
    with time_machine.travel(MONDAY_TEN, tick=True) as clock, own_app() as app:
        case = case_with_a_follow_up(account_manager)
        assert not OutboxMessage.objects.exists()
        clock.move_to(REMINDER_MOMENT)

        with worker_thread(app):
            # What beat sends every minute and every 30 seconds.
            sweep, send = tasks.sweep_due.delay(), tasks.send_outbox.delay()
            task_log.wait(sweep, send)
            wait_for(lambda: all_sent(outbox_rows()), "every notification to be sent")

    # One notification fell due; the server accepted one message, once.
    [reminder] = outbox_rows()
    assert reminder["kind"] == NotificationKind.FOLLOW_UP_REMINDER
    assert (reminder["status"], reminder["attempts"]) == (OutboxStatus.SENT, 1)
    [email] = smtp_sink.messages
    assert email["Message-ID"] == message_id_for(reminder_key(case, account_manager))
    assert email["To"] == account_manager.email
    assert case.client.name in email["Subject"] + email.get_body().get_content()


def test_a_backlog_larger_than_one_send_run_goes_out_without_beat(
    smtp_sink, account_manager, task_log, reading_beside_workers, settings, monkeypatch
):
    # Runs of two batches of two messages, one sender: nine messages need
    # three runs, which only the runs' own hand-overs can start (no beat here).
    monkeypatch.setattr(outbox, "BATCH_SIZE", 2)
    monkeypatch.setattr(outbox, "MAX_BATCHES", 2)
    settings.OUTBOX_SENDERS = 1
    with own_app() as app, worker_thread(app):
        case = make_case(account_manager)
        # One transaction, one nudge: a single send task.
        outbox_record(
            Owed(case, NotificationKind.SECOND_DROP, account_manager, f"p{n}")
            for n in range(9)
        )
        wait_for(lambda: all_sent(outbox_rows()), "every notification to be sent")
        wait_for(lambda: len(task_log.names) >= 3, "the last run to finish")

    assert_each_delivered_exactly_once(smtp_sink, outbox_rows())
    assert len(outbox_rows()) == 9
    assert task_log.names.count("cases.tasks.send_outbox") == 3


# Faults.


def test_a_worker_killed_mid_send_and_restarted_delivers_once(
    smtp_sink, held_answer, account_manager, worker_processes, tmp_path
):
    database = WorkerDatabase(tmp_path)
    with own_app() as app:
        queue = app.conf.task_default_queue
        with time_machine.travel(MONDAY_TEN, tick=False) as clock:
            case = case_with_a_follow_up(account_manager)
            clock.move_to(REMINDER_MOMENT)
            # Beat's sweep records the reminder and asks a worker to send it.
            assert sweep_due() >= 1
        key = reminder_key(case, account_manager)
        database.hand_over()

        first = worker_processes(
            queue=queue, database=database, now=REMINDER_MOMENT, name="first"
        )
        first.wait_ready()
        # The worker has claimed the reminder and sent the whole message; the
        # server has not answered yet. Now the worker dies.
        assert held_answer.reached.wait(WAIT_SECONDS), first.describe()
        first.kill()
        assert held_answer.abandoned.wait(WAIT_SECONDS)
        stuck = row(database.rows(), NotificationKind.FOLLOW_UP_REMINDER)
        assert (stuck["status"], stuck["attempts"]) == (OutboxStatus.SENDING, 1)
        assert smtp_sink.messages == []

        # Restarted once the claim's lease has run out; beat's release-stuck
        # and send-outbox runs come through the broker. Leases are measured
        # by the database's clock (on SQLite, the worker's): the claim is
        # made that much older there.
        later = REMINDER_MOMENT + dt.timedelta(seconds=LEASE_SECONDS + 60)
        if connection.vendor == "postgresql":
            OutboxMessage.objects.filter(status=OutboxStatus.SENDING).update(
                claimed_at=F("claimed_at") - dt.timedelta(seconds=LEASE_SECONDS + 60)
            )
        second = worker_processes(
            queue=queue, database=database, now=later, name="restarted"
        )
        second.wait_ready()
        # One after the other, as beat's ticks would come: the filesystem
        # broker does not keep the order of two messages sent together.
        release = tasks.release_stuck.delay()
        wait_for(
            lambda: second.ran(release),
            "the restarted worker to release the stuck claim",
            details=second.describe,
        )
        send = tasks.send_outbox.delay()
        wait_for(
            lambda: second.ran(send),
            "the restarted worker to send",
            details=second.describe,
        )
        second.stop()

    rows = database.rows()
    reminder = row(rows, NotificationKind.FOLLOW_UP_REMINDER)
    assert reminder["attempts"] == 2
    assert_each_delivered_exactly_once(smtp_sink, rows)
    assert message_id_for(key) in smtp_sink.message_ids()


def test_a_send_lost_in_a_redis_restart_is_delivered_by_the_next_beat(
    smtp_sink, account_manager, throwaway_redis, task_log, reading_beside_workers
):
    with (
        time_machine.travel(MONDAY_TEN, tick=True) as clock,
        own_app(broker_url=throwaway_redis.url, sweeps_apart=True) as app,
    ):
        queue = app.conf.task_default_queue
        case = case_with_a_follow_up(account_manager)
        clock.move_to(REMINDER_MOMENT)

        # A worker that only sweeps: the send the sweep asks for stays queued.
        with worker_thread(app, queues=[sweeps_queue(app)]):
            task_log.wait(tasks.sweep_due.delay())
        rows = outbox_rows()
        assert {r["status"] for r in rows} == {OutboxStatus.PENDING}
        assert throwaway_redis.queued(queue) >= 1

        # Redis restarts: it kept nothing on disk, so the queued send is gone.
        throwaway_redis.kill()
        throwaway_redis.start()
        assert throwaway_redis.queued(queue) == 0

        with worker_thread(app):
            task_log.wait(tasks.send_outbox.delay())  # beat's next send-outbox

    rows = outbox_rows()
    assert_each_delivered_exactly_once(smtp_sink, rows)
    assert message_id_for(reminder_key(case, account_manager)) in (
        smtp_sink.message_ids()
    )


def test_two_beats_at_once_still_send_each_notification_once(
    smtp_sink, account_manager, worker_processes, tmp_path
):
    database = WorkerDatabase(tmp_path)
    with own_app() as app:
        queue = app.conf.task_default_queue
        with time_machine.travel(MONDAY_TEN, tick=False):
            case = case_with_a_follow_up(account_manager)
        database.hand_over()

        # Two workers race over the same rows on PostgreSQL; SQLite lets one
        # writer in at a time, so there one worker runs both beats' tasks.
        count = 2 if connection.vendor == "postgresql" else 1
        workers = [
            worker_processes(
                queue=queue, database=database, now=REMINDER_MOMENT, name=f"w{n}"
            )
            for n in range(count)
        ]
        for worker in workers:
            worker.wait_ready()

        # Both beats fire at the same tick: each sends a sweep and a send.
        start = threading.Barrier(2)
        sent: list = []

        def beat():
            start.wait(10)
            sent.extend([tasks.sweep_due.delay(), tasks.send_outbox.delay()])

        beats = [threading.Thread(target=beat) for _ in range(2)]
        for thread in beats:
            thread.start()
        for thread in beats:
            thread.join(30)
        assert len(sent) == 4

        def describe():
            return "\n".join(worker.describe() for worker in workers)

        def all_ran():
            return all(any(w.ran(result) for w in workers) for result in sent)

        wait_for(all_ran, "both beats' tasks to run", details=describe)
        wait_for(
            lambda: all_sent(database.rows()),
            "every notification to be sent",
            details=describe,
        )
        for worker in workers:
            worker.stop()  # and with them anything still in hand

    rows = database.rows()
    reminder = row(rows, NotificationKind.FOLLOW_UP_REMINDER)
    assert reminder["dedupe_key"].startswith(f"case:{case.pk}:follow_up_reminder:")
    assert reminder["attempts"] == 1
    assert_each_delivered_exactly_once(smtp_sink, rows)
    assert message_id_for(reminder["dedupe_key"]) in smtp_sink.message_ids()


def test_a_server_busy_for_a_while_gets_the_reminder_once_when_it_accepts(
    smtp_sink, account_manager, task_log, reading_beside_workers
):
    # "451 try again later" to the first two messages, then it accepts.
    smtp_sink.temporary_failures = 2
    with time_machine.travel(MONDAY_TEN, tick=True) as clock, own_app() as app:
        case = case_with_a_follow_up(account_manager)
        clock.move_to(REMINDER_MOMENT)
        with worker_thread(app):
            # The sweep's own nudge to send makes the first attempt.
            task_log.wait(tasks.sweep_due.delay())
            key = reminder_key(case, account_manager)

            def waiting_after(attempts):
                reminder = OutboxMessage.objects.get(dedupe_key=key)
                done = reminder.attempts == attempts
                return done and reminder.status == OutboxStatus.PENDING and reminder

            for attempts, wait in ((1, 1), (2, 2)):
                busy = wait_for(
                    lambda a=attempts: waiting_after(a), f"451 number {attempts}"
                )
                assert busy.last_error.startswith("451")
                # Tried again after a wait that grows: one minute, then two.
                left = busy.due_at - dt.datetime.now(dt.UTC)
                assert dt.timedelta(minutes=wait, seconds=-10) < left
                assert left <= dt.timedelta(minutes=wait)
                # Not due again yet: beat's next send-outbox leaves it waiting.
                task_log.wait(tasks.send_outbox.delay())
                assert OutboxMessage.objects.get(dedupe_key=key).attempts == attempts
                clock.shift(dt.timedelta(minutes=wait, seconds=1))
                task_log.wait(tasks.send_outbox.delay())  # beat, once it is due

            # Accepted on the third attempt; another beat sends nothing more.
            task_log.wait(tasks.send_outbox.delay())

    rows = outbox_rows()
    assert row(rows, NotificationKind.FOLLOW_UP_REMINDER)["attempts"] == 3
    assert_each_delivered_exactly_once(smtp_sink, rows)
    assert message_id_for(key) in smtp_sink.message_ids()


def test_a_refused_reminder_ends_failed_and_visible_and_is_not_resent(
    smtp_sink, account_manager, task_log, reading_beside_workers
):
    # "550 no such user" for the reminder's recipient.
    smtp_sink.refused = {account_manager.email}
    with time_machine.travel(MONDAY_TEN, tick=True) as clock, own_app() as app:
        case = case_with_a_follow_up(account_manager)
        clock.move_to(REMINDER_MOMENT)
        with worker_thread(app):
            task_log.wait(tasks.sweep_due.delay())
            key = reminder_key(case, account_manager)
            wait_for(
                lambda: OutboxMessage.objects.filter(
                    dedupe_key=key, status=OutboxStatus.FAILED
                ).exists(),
                "the 550 to fail the reminder",
            )
            # A day of beats later: nothing is recorded again, or resent.
            clock.shift(dt.timedelta(days=1))
            task_log.wait(
                tasks.release_stuck.delay(),
                tasks.sweep_due.delay(),
                tasks.send_outbox.delay(),
            )

    [reminder] = OutboxMessage.objects.filter(kind=NotificationKind.FOLLOW_UP_REMINDER)
    assert reminder.status == OutboxStatus.FAILED
    assert reminder.attempts == 1
    assert "550" in reminder.last_error
    assert account_manager.email in reminder.last_error
    assert smtp_sink.messages == []

    # Visible: the notifications command (like the admin) lists it as failed.
    out = StringIO()
    call_command("notifications", "--status", "failed", stdout=out)
    assert account_manager.email in out.getvalue()
    assert "550" in out.getvalue()
