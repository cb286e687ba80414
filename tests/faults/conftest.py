"""Throwaway servers for fault tests, each on a free port of its own: a
PostgreSQL cluster (initdb + pg_ctl, so a test can stop it mid-send), a Redis
(from tests/notifications/test_worker.py), the SMTP sink, and real `celery
worker` and `celery beat` processes pointed at them.

A PostgreSQL cluster is owned by the user who runs it: as root, the cluster
runs as the postgres user. Nothing waits a fixed time: each wait polls a
condition, with a deadline.
"""

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from tests.notifications.conftest import (  # noqa: F401 (fixtures used here)
    clock,
    enqueued,
    fallback_templates,
    free_port,
    smtp_sink,
)
from tests.notifications.test_worker import ThrowawayRedis, _postgres_url, wait_for

BASE_DIR = Path(settings.BASE_DIR)
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def as_postgres_owner(command: list[str]) -> list[str]:
    """Run a PostgreSQL server binary as a user it accepts (never root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class ThrowawayPostgres:
    """A PostgreSQL cluster of the test's own on a free port, trusting local
    connections, that keeps nothing once the test is over."""

    def __init__(self):
        if not (PG_BIN / "initdb").exists():
            pytest.fail(f"This test needs PostgreSQL's server binaries in {PG_BIN}.")
        self.folder = Path(tempfile.mkdtemp(prefix="mend-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/mend"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        )
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += f" -k {self.folder}"
        self.options = options

    def _run(self, command: list[str]) -> None:
        done = subprocess.run(
            as_postgres_owner(command), capture_output=True, text=True, timeout=60
        )
        if done.returncode:
            pytest.fail(f"{command[0]} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> None:
        self._run(
            [
                str(PG_BIN / "pg_ctl"),
                "start",
                "-w",
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                self.options,
            ]
        )

    def stop(self) -> None:
        """Stopped at once, as a crash would: clients lose their connections."""
        self._run(
            [
                str(PG_BIN / "pg_ctl"),
                "stop",
                "-w",
                "-m",
                "immediate",
                "-D",
                str(self.data),
            ]
        )

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def connect(self, dbname: str = "mend"):
        db = psycopg2.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=dbname
        )
        db.autocommit = True
        return db

    def query(self, sql: str, params=()) -> list[tuple]:
        with contextlib.closing(self.connect()) as db, db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def copy_of_test_database(self) -> None:
        """Create database `mend` holding what the test database holds now
        (schema and committed rows)."""
        with contextlib.closing(self.connect("postgres")) as admin:
            admin.cursor().execute("CREATE DATABASE mend")
        source = connection.settings_dict
        dump = subprocess.run(
            [
                str(PG_BIN / "pg_dump"),
                "--no-owner",
                "--no-privileges",
                _postgres_url(source).replace("postgres://", "postgresql://", 1),
            ],
            capture_output=True,
            timeout=60,
            env={**os.environ, "PGPASSWORD": str(source["PASSWORD"] or "")},
        )
        if dump.returncode:
            pytest.fail(f"pg_dump failed: {dump.stderr.decode()}")
        load = subprocess.run(
            [
                str(PG_BIN / "psql"),
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "mend",
            ],
            input=dump.stdout,
            capture_output=True,
            timeout=60,
        )
        if load.returncode:
            pytest.fail(f"Loading the dump failed: {load.stderr.decode()}")

    def remove(self) -> None:
        if self.running():
            with contextlib.suppress(Exception):
                self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def throwaway_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("Needs PostgreSQL as the test database (as in CI).")
    server = ThrowawayPostgres()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def throwaway_redis(tmp_path):
    server = ThrowawayRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.kill()


# Real Celery processes.

# `celery worker` (argv: queue, name) or `celery beat` (argv: queue, schedule
# file, seconds between ticks) for Mend's app, on a queue of the test's own;
# its clock moved by time-machine to MEND_TEST_MOMENT when set, its pool
# MEND_TEST_POOL (default solo; time limits need prefork), and with
# MEND_TEST_AS_DEPLOYED=1 remote control, gossip and heartbeat on, as
# `celery -A recovery worker` runs.
RUNNER = """
import datetime, os, sys
role, queue = sys.argv[1:3]
if os.environ.get("MEND_TEST_MOMENT"):
    import time_machine
    moment = datetime.datetime.fromisoformat(os.environ["MEND_TEST_MOMENT"])
    time_machine.travel(moment, tick=True).start()
from recovery.celery import app
app.conf.task_default_queue = queue
# As deployed (remote control, gossip, heartbeat on), or pared down.
as_deployed = os.environ.get("MEND_TEST_AS_DEPLOYED") == "1"
app.conf.worker_enable_remote_control = as_deployed
if role == "worker":
    extra = [] if as_deployed else [
        "--without-heartbeat", "--without-mingle", "--without-gossip",
    ]
    app.worker_main([
        "worker", "--pool=" + os.environ.get("MEND_TEST_POOL", "solo"),
        "--concurrency=1", "--loglevel=INFO", *extra,
        "-Q", queue, "-n", sys.argv[3] + "@%h",
    ])
else:
    schedule, every = sys.argv[3], float(sys.argv[4])
    # Mend's own schedule, every entry ticking faster so the test is short.
    app.conf.beat_schedule = {
        name: {**entry, "schedule": every}
        for name, entry in app.conf.beat_schedule.items()
    }
    app.start(["beat", "--loglevel=INFO", "-s", schedule, "--max-interval=1"])
"""


class CeleryProcess:
    """A real `celery worker` or `celery beat` in a process of its own."""

    def __init__(self, role, *args, folder: Path, env: dict, name: str):
        self.name = f"{name}-{uuid.uuid4().hex[:6]}"
        self.log_path = folder / f"{self.name}.log"
        environment = {
            **os.environ,
            "EMAIL_URL": f"smtp://{settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
            "SITE_URL": settings.SITE_URL,
            "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
            "TIME_ZONE": settings.TIME_ZONE,
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "true",
            "PYTHONUNBUFFERED": "1",
            **env,
        }
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", RUNNER, role, *map(str, args)],
                cwd=BASE_DIR,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def describe(self) -> str:
        return f"--- {self.name} (exit {self.process.poll()}) ---\n{self.log()}"

    def wait_for_log(self, text: str, what: str, timeout: float = 20) -> None:
        def logged():
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} exited early.\n{self.describe()}")
            return text in self.log()

        wait_for(logged, what, timeout=timeout, details=self.describe)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture
def celery_processes(tmp_path):
    """Start Celery processes; whatever is still running at the end is stopped."""
    started: list[CeleryProcess] = []

    def start(role, *args, env, name=None) -> CeleryProcess:
        process = CeleryProcess(
            role, *args, folder=tmp_path, env=env, name=name or role
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.process.poll() is None:
            process.process.kill()
            process.process.wait(10)
