"""The parts of `make bench-notify` that are not about Mend: an SMTP sink
that counts what it accepts, and a timer of where the senders' time goes."""

import logging
import multiprocessing
import re
import socket
import threading
import time
from collections import Counter
from contextlib import ExitStack, contextmanager
from email import message_from_bytes, policy
from unittest import mock

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from django.core.mail.backends.smtp import EmailBackend
from django.core.management.base import CommandError
from time_machine import escape_hatch

from cases.notifications import render as render_module

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
# fork: the sink and the senders inherit the settings overridden for the run.
FORK = multiprocessing.get_context("fork")


# The SMTP server -------------------------------------------------------------


class Sink:
    """An aiosmtpd handler that accepts everything and counts it.

    Its hooks run in the server's thread. Only the headers are looked at (for
    the Message-ID), so the server does as little work as it can. It keeps
    when each message was accepted (the real clock, through time_machine's
    escape hatch: a sink in a thread of a travelling process would otherwise
    read the moved clock) and how many connections were open at once.
    """

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.message_ids: Counter = Counter()
        self.accepted_at: dict = {}  # Message-ID -> first acceptance, epoch s
        self.sample: bytes | None = None

    def opened(self) -> None:
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)

    def closed(self) -> None:
        self.open_now -= 1

    def stats(self, cpu: float | None) -> dict:
        return {
            "accepted": sum(self.message_ids.values()),
            "unique": len(self.message_ids),
            "duplicates": sum(n - 1 for n in self.message_ids.values() if n > 1),
            "connections": self.connections,
            "most_open": self.most_open,
            "accepted_at": dict(self.accepted_at),
            "sample": self.sample,
            "cpu": cpu,
        }

    # smtplib greets once per connection, so greetings count connections.
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or b""
        head = content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        key = found.group(1).decode("ascii", "replace") if found else None
        self.message_ids[key] += 1
        self.accepted_at.setdefault(key, real_time())
        if self.sample is None:
            self.sample = content
        return "250 Message accepted for delivery"


def real_time() -> float:
    """The wall clock, also while the benchmark has moved the clock to the
    due moment (time-machine's escape hatch answers only while travelling;
    the sink's own process is not)."""
    return escape_hatch.time.time() if escape_hatch.is_travelling() else time.time()


class CountingSMTP(SMTP):
    """aiosmtpd's server, telling the sink when a connection opens and closes."""

    def __init__(self, handler, **kwargs):
        super().__init__(handler, **kwargs)
        self.sink = handler

    def connection_made(self, transport):
        self.sink.opened()
        super().connection_made(transport)

    def connection_lost(self, exc):
        self.sink.closed()
        super().connection_lost(exc)


class SinkController(Controller):
    def factory(self):
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


def quiet_smtp_log() -> None:
    # aiosmtpd logs every connection at INFO: the naive loop makes thousands.
    logging.getLogger("mail.log").setLevel(logging.WARNING)


def serve_sink(pipe, port: int) -> None:
    """The SMTP server's process: serve, and answer "reset" and "stats"."""
    quiet_smtp_log()
    handler = Sink()
    controller = SinkController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    started = time.process_time()
    try:
        while True:
            command = pipe.recv()
            if command == "reset":
                handler.reset()
                started = time.process_time()
                pipe.send("ok")
            elif command == "stats":
                pipe.send(handler.stats(cpu=time.process_time() - started))
            else:
                break
    finally:
        controller.stop()


class SmtpServer:
    """The sink, in a process of its own or in a thread of this one."""

    def __init__(self, mode: str):
        self.mode = mode
        self.port = free_port()

    def start(self) -> None:
        if self.mode == "thread":
            quiet_smtp_log()
            self.handler = Sink()
            self.controller = SinkController(
                self.handler, hostname="127.0.0.1", port=self.port
            )
            self.controller.start()
            return
        self.pipe, theirs = FORK.Pipe()
        self.process = FORK.Process(
            target=serve_sink, args=(theirs, self.port), daemon=True
        )
        self.process.start()
        if not self.pipe.poll(30) or self.pipe.recv() != "ready":
            raise CommandError("The SMTP sink did not start.")

    def reset(self) -> None:
        if self.mode == "thread":
            self.handler.reset()
        else:
            self.pipe.send("reset")
            self.pipe.recv()

    def stats(self) -> dict:
        if self.mode == "thread":
            return self.handler.stats(cpu=None)
        self.pipe.send("stats")
        return self.pipe.recv()

    def stop(self) -> None:
        if self.mode == "thread":
            self.controller.stop()
            return
        self.pipe.send("stop")
        self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()


# Where the time goes ---------------------------------------------------------


class Breakdown:
    """Where the senders' time went: rendering, SMTP, SQL, exclusive of each
    other (a query a template makes counts as SQL), summed over senders."""

    def __init__(self):
        self.seconds: Counter = Counter()
        self.calls: Counter = Counter()
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def timing(self, category: str):
        stack = self._local.__dict__.setdefault("stack", [])
        now = time.perf_counter()
        if stack:  # pause the enclosing category
            parent, started = stack[-1]
            self._add(parent, now - started)
        stack.append((category, now))
        try:
            yield
        finally:
            now = time.perf_counter()
            _, started = stack.pop()
            self._add(category, now - started, call=True)
            if stack:
                stack[-1] = (stack[-1][0], now)

    def _add(self, category: str, seconds: float, call: bool = False) -> None:
        with self._lock:
            self.seconds[category] += seconds
            if call:
                self.calls[category] += 1

    def merge(self, seconds: dict, calls: dict) -> None:
        self.seconds.update(seconds)
        self.calls.update(calls)

    def wrap(self, category: str, function):
        def timed(*args, **kwargs):
            with self.timing(category):
                return function(*args, **kwargs)

        return timed

    def sql(self, execute, sql, params, many, context):
        with self.timing("sql"):
            return execute(sql, params, many, context)

    @contextmanager
    def installed(self):
        """Time render() and the SMTP backend for as long as this is open."""
        with ExitStack() as stack:
            stack.enter_context(
                mock.patch.object(
                    render_module, "render", self.wrap("render", render_module.render)
                )
            )
            for name in ("open", "send_messages", "close"):
                stack.enter_context(
                    mock.patch.object(
                        EmailBackend,
                        name,
                        self.wrap("smtp", getattr(EmailBackend, name)),
                    )
                )
            yield self


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def describe_sample(content: bytes | None) -> str:
    """The parts of one accepted message, to show it is the real email."""
    if not content:
        return "none accepted"
    message = message_from_bytes(content, policy=policy.default)
    parts = [
        part.get_content_type()
        + (f" ({part.get_filename()})" if part.get_filename() else "")
        for part in message.walk()
        if not part.is_multipart()
    ]
    return f"{message['Subject']!r}: {', '.join(parts)}"
