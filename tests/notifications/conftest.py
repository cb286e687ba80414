"""A real SMTP server on 127.0.0.1 for the sender to talk to, and Celery's
send_task recorded instead of reaching the broker.

`smtp_sink` records every message it accepts and how many connections it saw,
and can answer like a real server in trouble: 451 (try later) to the next few
messages, or 550 (no such user) for chosen recipients.
"""

import datetime as dt
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import time_machine
from aiosmtpd.controller import Controller
from celery import current_app
from django.db import connection
from django.utils import timezone

from cases import tasks
from cases.choices import NotificationKind
from cases.notifications.due import sweep_due
from tests.factories import make_case


class Sink:
    """An aiosmtpd handler. Its hooks run in the server's thread."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.connections = 0
        # Answer "451 try again later" to this many messages, then accept.
        self.temporary_failures = 0
        # Answer "550 no such user" to these recipients.
        self.refused: set[str] = set()

    # smtplib greets once per connection, so greetings count connections.
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_HELO(self, server, session, envelope, hostname):
        self.connections += 1
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.temporary_failures > 0:
            self.temporary_failures -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        self.messages.append(
            message_from_bytes(envelope.original_content, policy=policy.default)
        )
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_controller(handler) -> Controller:
    """An aiosmtpd server on a free port. The port is free when probed, but
    tests run in parallel (xdist) may take it before the server binds it: then
    try another."""
    for _ in range(5):
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        try:
            controller.start()
        except OSError as error:
            failure = error
            continue
        return controller
    raise failure


def use_smtp_at(settings, port: int) -> None:
    """Point Django's SMTP backend at 127.0.0.1:`port`, plain, no login."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    # Django's default is to wait forever: a conversation with a server that
    # never answers fails the test in 30 s instead of hanging it.
    settings.EMAIL_TIMEOUT = 30


@pytest.fixture
def smtp_sink(settings):
    """A running SMTP server, and Django's SMTP backend pointed at it."""
    sink = Sink()
    controller = start_controller(sink)
    use_smtp_at(settings, controller.port)
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def enqueued(monkeypatch):
    """The send tasks asked of Celery, instead of the broker: True for each
    send_outbox."""
    calls = []

    def send_task(name, *args, **kwargs):
        calls.append(name == tasks.send_outbox.name)

    monkeypatch.setattr(current_app, "send_task", send_task)
    return calls


@pytest.fixture
def fallback_templates(settings, tmp_path):
    """Plain templates for kinds whose real ones are not written (yet); the
    real templates, earlier in DIRS, win wherever they exist."""
    for kind in NotificationKind.values:
        folder = tmp_path / "emails" / kind
        folder.mkdir(parents=True)
        (folder / "subject.txt").write_text(f"{kind} about {{{{ case.client }}}}")
        (folder / "body.txt").write_text(f"{kind}: {{{{ link }}}}")
        (folder / "body.html").write_text(f"<p>{kind}: {{{{ link }}}}</p>")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], tmp_path]}]


# The moment the outbox tests start at, frozen.
START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sweep(clock):
    """Run the sweep at a moment, the clock moved there; how many recorded.
    Each module's own `clock` says where the test starts."""

    def run(moment: dt.datetime) -> int:
        clock.move_to(moment, tick=False)
        return sweep_due()

    return run


@pytest.fixture
def case(clock, account_manager, sales_manager):
    """A case logged at the module's starting moment."""
    return make_case(account_manager)


def database_clock(later: dt.timedelta = dt.timedelta()) -> dt.datetime:
    """The database's clock (which stamps claims and measures leases), plus
    `later`: what release_stuck() would see that much later. On SQLite the
    sender reads the worker's clock instead, so that one."""
    if connection.vendor != "postgresql":
        return timezone.now() + later
    with connection.cursor() as cursor:
        cursor.execute("SELECT STATEMENT_TIMESTAMP()")
        return cursor.fetchone()[0] + later
