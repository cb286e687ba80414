"""An SMTP server that stalls, and one that is busy with other senders.

A server that accepts the connection and then hangs used to cost a minute per
message (three messages took three minutes) and held the worker process. Now
the wait is EMAIL_TIMEOUT, once: a server that stops answering counts as
unavailable for the rest of the batch, whose messages wait for their next try.
And Mend opens at most EMAIL_MAX_CONNECTIONS connections to one server.
"""

import contextlib
import socket
import threading

import psycopg2
import pytest
from django.db import connection

from cases.choices import NotificationKind, OutboxStatus
from cases.models import OutboxMessage
from cases.notifications.deliver import send_due
from cases.notifications.record import outbox_add
from cases.notifications.smtp import server_key
from tests.factories import make_case
from tests.notifications.conftest import use_smtp_at
from tests.test_settings import run_manage

pytestmark = pytest.mark.faults


class HangingServer:
    """A TCP server on a free port that greets like SMTP (or not at all), and
    then never answers again. Counts the connections it accepted."""

    def __init__(self, *, greets: bool):
        self.greets = greets
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stopped.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self.open.append(client)
            if self.greets:
                client.sendall(b"220 stalls.example ESMTP\r\n")
                threading.Thread(
                    target=self._answer_ehlo_then_hang, args=(client,), daemon=True
                ).start()

    def _answer_ehlo_then_hang(self, client) -> None:
        with contextlib.suppress(OSError):
            line = client.recv(1024)
            if line.upper().startswith((b"EHLO", b"HELO")):
                client.sendall(b"250 stalls.example\r\n")
            # MAIL FROM and anything after it: no answer, ever.

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(5)
        for client in self.open:
            client.close()
        self.listener.close()


@pytest.fixture
def hanging_server(request, settings):
    server = HangingServer(greets=request.param == "after the greeting")
    use_smtp_at(settings, server.port)
    settings.EMAIL_CONNECT_TIMEOUT = 0.5
    settings.EMAIL_TIMEOUT = 0.5
    try:
        yield server
    finally:
        server.stop()


def drops(owner, count: int) -> list[OutboxMessage]:
    case = make_case(owner)
    for n in range(count):
        outbox_add(
            case=case,
            kind=NotificationKind.SECOND_DROP,
            recipients=[owner],
            key=f"p{n}",
        )
    return list(OutboxMessage.objects.filter(kind=NotificationKind.SECOND_DROP))


@pytest.mark.parametrize(
    "hanging_server", ["before the greeting", "after the greeting"], indirect=True
)
def test_a_server_that_hangs_is_waited_for_once_then_left_for_the_next_try(
    hanging_server, enqueued, account_manager, clock
):
    messages = drops(account_manager, 3)

    assert send_due() == 0

    # One conversation, cut short by the timeout; the other two messages did
    # not each wait for the same silence.
    assert hanging_server.connections == 1
    for message in messages:
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == 1
        assert message.due_at > message.created_at  # waits for its next try
    errors = {message.last_error for message in messages}
    if hanging_server.greets:
        [error] = errors
        assert error.startswith("The server stopped answering: ")
        assert "timed out" in error
    else:
        [error] = errors
        assert error.startswith("Could not connect: ")
        assert "timed out" in error


def test_the_smtp_timeouts_and_the_task_time_limits_are_settings_with_short_defaults():
    shown = (
        "from django.conf import settings as s; print("
        + ", ".join(
            f"s.{name}"
            for name in (
                "EMAIL_CONNECT_TIMEOUT",
                "EMAIL_TIMEOUT",
                "EMAIL_MAX_CONNECTIONS",
                "CELERY_TASK_SOFT_TIME_LIMIT",
                "CELERY_TASK_TIME_LIMIT",
            )
        )
        + ")"
    )
    result = run_manage("shell", "-c", shown)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["5.0", "10.0", "3", "240", "270"]

    result = run_manage(
        "shell", "-c", shown, EMAIL_TIMEOUT="2.5", EMAIL_MAX_CONNECTIONS="1"
    )
    assert result.stdout.splitlines()[-1].split()[1:3] == ["2.5", "1"]

    for name, value in (("EMAIL_TIMEOUT", "0"), ("CELERY_TASK_TIME_LIMIT", "100")):
        result = run_manage("check", **{name: value})
        assert result.returncode != 0
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("Mend cannot start:") and name in line


@pytest.mark.django_db(transaction=True)
def test_no_more_than_the_allowed_connections_to_one_server_at_once(
    smtp_sink, enqueued, account_manager, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("The connection cap lives in PostgreSQL (as in CI).")
    settings.EMAIL_MAX_CONNECTIONS = 3
    messages = drops(account_manager, 4)
    db = connection.settings_dict
    # Three other senders hold the server's three slots (their own sessions).
    others = [
        psycopg2.connect(
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
        )
        for _ in range(3)
    ]
    try:
        for slot, other in enumerate(others):
            other.autocommit = True
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [server_key(), slot])

        assert send_due() == 0
        assert smtp_sink.connections == 0
        assert {m.status for m in OutboxMessage.objects.all()} == {OutboxStatus.PENDING}

        # One of them is done: it lets go of its slot.
        done = others.pop()
        with done.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [server_key(), 2])
        done.close()
        assert send_due() == len(OutboxMessage.objects.all())
    finally:
        for other in others:
            other.close()
    assert smtp_sink.connections == 1
    assert {m.pk for m in messages} <= set(
        OutboxMessage.objects.filter(status=OutboxStatus.SENT).values_list(
            "pk", flat=True
        )
    )
