"""Deliver 10,000 due reminders to a local SMTP server, and time it.

`make bench-notify` runs this against PostgreSQL (the bench database). It
queues the reminders as outbox rows, prints the plan of the query a sender
claims a batch with, then times two ways of sending them to an SMTP server on
127.0.0.1 (aiosmtpd, accepting everything and counting Message-IDs):

- the real path: `send_due()` until nothing is due, in --senders workers at
  once (processes, as `celery worker --concurrency=2` runs them; --pool thread
  for threads), each claiming batches with SKIP LOCKED and sending a batch over
  one SMTP connection;
- a naive loop: select the due rows, render and send each with a connection of
  its own, save each row.

By default the SMTP server runs in a process of its own, as a real one would:
in a thread of this process (--sink thread) its work competes with the
senders' for the interpreter lock and is timed as theirs.

Each run is timed end to end, with where the senders' time went: rendering,
the SMTP conversation and SQL (render and SMTP timed by wrapping `render()` and
the SMTP backend for the run, SQL by an execute wrapper), and their CPU time.

The data is its own: a team named "NotifyBench" with one owner and a few
cases, and --history messages already sent (an outbox that has been in use),
created once; the bench's due rows (keys starting "notifybench:") are deleted
at the start, between the two runs and at the end.
"""

import datetime as dt
import logging
import multiprocessing
import os
import queue
import re
import socket
import threading
import time
import uuid
from collections import Counter
from contextlib import ExitStack, contextmanager
from email import message_from_bytes, policy
from unittest import mock

from aiosmtpd.controller import Controller
from django.contrib.auth.hashers import make_password
from django.core.mail.backends.smtp import EmailBackend
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.test.utils import override_settings
from django.utils import dateformat, timezone

from cases.models import (
    Case,
    Membership,
    NotificationKind,
    OutboxMessage,
    OutboxStatus,
    Role,
    Severity,
    Team,
    User,
)
from cases.models import Client as ClientCompany
from cases.notifications import outbox
from cases.notifications import render as render_module
from cases.workflow import Step

MARKER = "NotifyBench"
KEY_PREFIX = "notifybench:"
HISTORY_PREFIX = "notifybench-history:"
OWNER = "notifybench-owner"
CASES = 5
CHUNK = 5000
TARGET_SECONDS = 10.0
# The partial index on pending rows that claim_batch() should read.
INDEX = "outbox_pending_due_id"
# How many sends a worker runs at once: `celery worker --concurrency=2` in
# bin/run, and Celery's default (one per CPU) on this 2-CPU machine.
WORKER_CONCURRENCY = 2
MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
# fork: the workers inherit the settings overridden for the run and the timers.
FORK = multiprocessing.get_context("fork")


# The SMTP server -------------------------------------------------------------


class Sink:
    """An aiosmtpd handler that accepts everything and counts it.

    Its hooks run in the server's thread. Only the headers are looked at (for
    the Message-ID), so the server does as little work as it can.
    """

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.connections = 0
        self.message_ids: Counter = Counter()
        self.sample: bytes | None = None

    def stats(self, cpu: float | None) -> dict:
        return {
            "accepted": sum(self.message_ids.values()),
            "unique": len(self.message_ids),
            "duplicates": sum(n - 1 for n in self.message_ids.values() if n > 1),
            "connections": self.connections,
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
        self.message_ids[found.group(1) if found else None] += 1
        if self.sample is None:
            self.sample = content
        return "250 Message accepted for delivery"


def quiet_smtp_log() -> None:
    # aiosmtpd logs every connection at INFO: the naive loop makes thousands.
    logging.getLogger("mail.log").setLevel(logging.WARNING)


def serve_sink(pipe, port: int) -> None:
    """The SMTP server's process: serve, and answer "reset" and "stats"."""
    quiet_smtp_log()
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
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
            self.controller = Controller(
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


def send_until_done(breakdown: Breakdown) -> int:
    """One sender: send_due() until nothing is left; how many it sent."""
    sent = 0
    try:
        with connection.execute_wrapper(breakdown.sql):
            while n := outbox.send_due():
                sent += n
    finally:
        connection.close()
    return sent


def sender_process(results, breakdown: Breakdown) -> None:
    started = time.process_time()
    sent, error = 0, None
    try:
        sent = send_until_done(breakdown)
    except Exception as exc:
        error = repr(exc)
    results.put(
        (
            sent,
            dict(breakdown.seconds),
            dict(breakdown.calls),
            time.process_time() - started,
            error,
        )
    )


# The command -----------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Queue 10,000 due reminders and time their delivery to a local SMTP "
        "server: send_due() against a naive loop (PostgreSQL only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--count", type=int, default=10_000, help="How many reminders to send."
        )
        parser.add_argument(
            "--senders",
            type=int,
            default=WORKER_CONCURRENCY,
            help="How many send_due() loops run at once (default: "
            f"{WORKER_CONCURRENCY}, as the worker runs them).",
        )
        parser.add_argument(
            "--pool",
            choices=["process", "thread"],
            default="process",
            help="Senders as processes, like Celery's prefork workers (default), "
            "or as threads of this process.",
        )
        parser.add_argument(
            "--sink",
            choices=["process", "thread"],
            default="process",
            help="Run the SMTP server in a process of its own (default) or in a "
            "thread of this one.",
        )
        parser.add_argument(
            "--history",
            type=int,
            default=100_000,
            help="Messages already sent that the outbox holds (created once).",
        )

    def handle(self, *args, count, senders, pool, sink, history, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_notifications runs only on PostgreSQL: set "
                f"DATABASE_URL=postgres://... (this database is {connection.vendor})."
            )
        if count < 1 or senders < 1 or history < 0:
            raise CommandError(
                "--count and --senders need at least 1, --history at least 0."
            )
        self.stdout.write(f"Load average before: {load()}")
        owner, cases = self.data(history)
        self.clear()
        others = OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, due_at__lte=timezone.now()
        ).count()
        if others:
            raise CommandError(
                f"This database has {others:,} due outbox messages of its own; "
                "send_due() would send them too. Run it on the bench database."
            )

        connections.close_all()  # the forked processes must not share it
        server = SmtpServer(sink)
        server.start()
        try:
            # As in production: no query log, no template debug information.
            with override_settings(
                DEBUG=False,
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=server.port,
                EMAIL_HOST_USER="",
                EMAIL_HOST_PASSWORD="",
                EMAIL_USE_TLS=False,
                EMAIL_USE_SSL=False,
                EMAIL_TIMEOUT=None,
            ):
                self.stdout.write(
                    f"SMTP sink on 127.0.0.1:{server.port} (in a {sink}); "
                    f"{count:,} follow-up reminders to {owner.email} over "
                    f"{len(cases)} cases; {history:,} sent messages in the outbox."
                )
                started = time.perf_counter()
                self.queue(owner, cases, count)
                self.stdout.write(
                    f"Queued {count:,} due reminders (bulk_create, VACUUM ANALYZE) "
                    f"in {time.perf_counter() - started:.2f} s."
                )
                uses_index = self.explain()
                real = self.run_real(server, senders, pool)
                self.clear()
                self.queue(owner, cases, count)
                naive = self.run_naive(server)
        finally:
            server.stop()
            self.clear()
        self.report(real, naive, count, senders, pool, sink, uses_index)

    # The data ----------------------------------------------------------------

    def data(self, history: int) -> tuple[User, list[Case]]:
        """The bench's team, owner, cases and sent history; made once."""
        with transaction.atomic():
            team, _ = Team.objects.get_or_create(name=MARKER)
            owner, _ = User.objects.get_or_create(
                username=OWNER,
                defaults={
                    "first_name": "Nora",
                    "last_name": "Bench",
                    "email": "nora.bench@example.com",
                    "role": Role.ACCOUNT_MANAGER,
                    "password": make_password(None),
                },
            )
            Membership.objects.get_or_create(user=owner, team=team)
            client, _ = ClientCompany.objects.get_or_create(
                team=team, name="Harbour Logistics (NotifyBench)"
            )
            cases = list(
                Case.objects.filter(team=team, owner=owner).order_by("pk")[:CASES]
            )
            for i in range(len(cases), CASES):
                cases.append(
                    Case.objects.create(
                        team=team,
                        owner=owner,
                        client=client,
                        commitment=f"Deliver the replacement parts, batch {i + 1}",
                        what_happened="The courier lost the pallet.",
                        severity=Severity.values[0],
                        step=Step.FOLLOW_UP,
                    )
                )
            old = OutboxMessage.objects.filter(dedupe_key__startswith=HISTORY_PREFIX)
            if old.count() != history:
                started = time.perf_counter()
                old.delete()
                OutboxMessage.objects.bulk_create(
                    self.history(owner, cases, history), batch_size=CHUNK
                )
                self.stdout.write(
                    f"Recorded {history:,} sent messages as history in "
                    f"{time.perf_counter() - started:.1f} s."
                )
        return owner, cases

    def history(self, owner: User, cases: list[Case], n: int):
        """What a year of reminders leaves behind: sent rows, a day apart in
        groups (the index on pending rows must not have to look at them)."""
        now = timezone.now()
        for i in range(n):
            at = now - dt.timedelta(days=1 + i * 365 / max(n, 1))
            yield OutboxMessage(
                case=cases[i % len(cases)],
                kind=NotificationKind.FOLLOW_UP_REMINDER,
                recipient=owner,
                dedupe_key=f"{HISTORY_PREFIX}{i}",
                due_at=at,
                status=OutboxStatus.SENT,
                context={"title": "Follow-up", "due_on": at.date().isoformat()},
                created_at=at,
                attempts=1,
                claimed_at=at,
                sent_at=at,
            )

    def clear(self) -> None:
        OutboxMessage.objects.filter(dedupe_key__startswith=KEY_PREFIX).delete()

    def queue(self, owner: User, cases: list[Case], count: int) -> None:
        """`count` follow-up reminders as the sweep records them: all due at
        the same morning moment, with the context the templates and the
        calendar entry use."""
        now = timezone.now()
        zone = timezone.get_current_timezone()
        morning = now.astimezone(zone).replace(
            hour=8, minute=0, second=0, microsecond=0
        )
        if morning > now - dt.timedelta(minutes=1):
            morning -= dt.timedelta(days=1)
        due_on = morning.date()
        run = uuid.uuid4().hex[:8]
        domain = outbox.message_domain()
        rows = []
        for i in range(count):
            case = cases[i % len(cases)]
            rows.append(
                OutboxMessage(
                    case=case,
                    kind=NotificationKind.FOLLOW_UP_REMINDER,
                    recipient=owner,
                    dedupe_key=(
                        f"{KEY_PREFIX}{run}:case:{case.pk}:follow_up_reminder:"
                        f"follow_up:{i}:{due_on}:day:{owner.pk}"
                    ),
                    due_at=morning,
                    context={
                        "title": f"Follow-up with {case.client.name}: "
                        "Check the fix held",
                        "uid": f"mend-follow-up-bench-{run}-{i}@{domain}",
                        "purpose": "Check the fix held",
                        "due_on": due_on.isoformat(),
                        "due_on_text": dateformat.format(due_on, "l j F"),
                        "days_left": 0,
                        "when": "day",
                    },
                    created_at=now,
                )
            )
        OutboxMessage.objects.bulk_create(rows, batch_size=CHUNK)
        with connection.cursor() as cursor:
            # The deleted rows of the last run gone, statistics up to date.
            cursor.execute(f"VACUUM (ANALYZE) {OutboxMessage._meta.db_table}")

    # The claim query's plan --------------------------------------------------

    def explain(self) -> bool:
        """EXPLAIN (ANALYZE, BUFFERS) the SELECT ... FOR UPDATE SKIP LOCKED that
        claim_batch() runs; both transactions are rolled back."""
        statements = []

        def capture(execute, sql, params, many, context):
            statements.append((sql, params))
            return execute(sql, params, many, context)

        with transaction.atomic():
            with connection.execute_wrapper(capture):
                outbox.claim_batch()
            transaction.set_rollback(True)
        sql, params = next(
            (sql, params) for sql, params in statements if "SKIP LOCKED" in sql
        )
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = [line for (line,) in cursor.fetchall()]
                shown = connection.ops.last_executed_query(cursor, sql, params)
            transaction.set_rollback(True)
        self.stdout.write("\nThe claim query (claim_batch), as it runs:")
        self.stdout.write(shown)
        for line in plan:
            self.stdout.write(line)
        uses_index = any(INDEX in line for line in plan)
        sorts = any("Sort" in line for line in plan)
        self.stdout.write(
            f"Uses the {INDEX} index: {'yes' if uses_index else 'NO'}; "
            f"sorts the due rows: {'YES' if sorts else 'no'}\n"
        )
        return uses_index

    # The runs ----------------------------------------------------------------

    def run_real(self, server: SmtpServer, senders: int, pool: str) -> dict:
        self.stdout.write(f"Real path: send_due() in {senders} sender {pool}(s)...")
        server.reset()
        breakdown = Breakdown()
        connections.close_all()
        with breakdown.installed():
            cpu = time.process_time()
            started = time.perf_counter()
            if pool == "thread":
                sent = self.threads(breakdown, senders)
                cpu = time.process_time() - cpu
            else:
                sent, cpu = self.processes(breakdown, senders)
            seconds = time.perf_counter() - started
        self.stdout.write(f"  sent per sender: {', '.join(f'{n:,}' for n in sent)}")
        return self.result(server, breakdown, seconds, cpu, senders)

    def threads(self, breakdown: Breakdown, senders: int) -> list[int]:
        sent = [0] * senders
        errors: list[BaseException] = []

        def sender(index: int) -> None:
            try:
                sent[index] = send_until_done(breakdown)
            except BaseException as exc:  # reported once the threads are joined
                errors.append(exc)

        threads = [
            threading.Thread(target=sender, args=(i,), name=f"sender-{i}")
            for i in range(senders)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise CommandError(f"A sender failed: {errors[0]!r}") from errors[0]
        return sent

    def processes(self, breakdown: Breakdown, senders: int) -> tuple[list, float]:
        results = FORK.Queue()
        workers = [
            FORK.Process(target=sender_process, args=(results, breakdown))
            for _ in range(senders)
        ]
        for worker in workers:
            worker.start()
        done = []
        while len(done) < senders:
            try:
                done.append(results.get(timeout=1))
            except queue.Empty:
                gone = not any(worker.is_alive() for worker in workers)
                if gone and results.empty():
                    raise CommandError("A sender died without reporting.") from None
        for worker in workers:
            worker.join()
        errors = [error for *_, error in done if error]
        if errors:
            raise CommandError(f"A sender failed: {errors[0]}")
        for _, seconds, calls, _, _ in done:
            breakdown.merge(seconds, calls)
        return [sent for sent, *_ in done], sum(cpu for _, _, _, cpu, _ in done)

    def run_naive(self, server: SmtpServer) -> dict:
        self.stdout.write("Naive loop: select, render, send, save each row...")
        server.reset()
        breakdown = Breakdown()
        with breakdown.installed(), connection.execute_wrapper(breakdown.sql):
            cpu = time.process_time()
            started = time.perf_counter()
            now = timezone.now()
            for row in OutboxMessage.objects.filter(
                status=OutboxStatus.PENDING,
                due_at__lte=now,
                dedupe_key__startswith=KEY_PREFIX,
            ):
                email = render_module.render(row)
                email.send()  # a new SMTP connection for each message
                row.status = OutboxStatus.SENT
                row.sent_at = timezone.now()
                row.save()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
        return self.result(server, breakdown, seconds, cpu, 1)

    def result(self, server, breakdown, seconds, cpu, senders) -> dict:
        recorded = OutboxMessage.objects.filter(
            dedupe_key__startswith=KEY_PREFIX, status=OutboxStatus.SENT
        ).count()
        busy = seconds * senders
        parts = {k: breakdown.seconds[k] for k in ("render", "smtp", "sql")}
        parts["other"] = max(busy - sum(parts.values()), 0.0)
        stats = server.stats()
        stats["cpu_sink"] = stats.pop("cpu")
        return {
            **stats,
            "seconds": seconds,
            "recorded": recorded,
            "queries": breakdown.calls["sql"],
            "parts": parts,
            "busy": busy,
            "cpu": cpu,
        }

    # Reporting ---------------------------------------------------------------

    def report(self, real, naive, count, senders, pool, sink, uses_index) -> None:
        def per_message(seconds, r) -> str:
            if seconds is None or not r["accepted"]:
                return "-"
            return f"{1000 * seconds / r['accepted']:.2f}"

        rows = [
            ("seconds", lambda r: f"{r['seconds']:.2f}"),
            ("messages/s", lambda r: f"{r['accepted'] / r['seconds']:,.0f}"),
            ("accepted at the sink", lambda r: f"{r['accepted']:,}"),
            ("distinct Message-IDs", lambda r: f"{r['unique']:,}"),
            ("duplicates", lambda r: f"{r['duplicates']:,}"),
            ("rows recorded sent", lambda r: f"{r['recorded']:,}"),
            ("SMTP connections", lambda r: f"{r['connections']:,}"),
            ("SQL queries", lambda r: f"{r['queries']:,}"),
            ("sender CPU ms/message", lambda r: per_message(r["cpu"], r)),
            ("sink CPU ms/message", lambda r: per_message(r["cpu_sink"], r)),
        ]
        for part in ("render", "smtp", "sql", "other"):
            rows.append(
                (
                    f"{part} s (% of sender time)",
                    lambda r, p=part: (
                        f"{r['parts'][p]:.2f} ({100 * r['parts'][p] / r['busy']:.0f}%)"
                    ),
                )
            )
        label = f"send_due x{senders}"
        width = max(len(name) for name, _ in rows)
        self.stdout.write("")
        self.stdout.write(f"{'':<{width}}  {label:>17}  {'naive loop':>17}")
        self.stdout.write("-" * (width + 38))
        for name, cell in rows:
            self.stdout.write(f"{name:<{width}}  {cell(real):>17}  {cell(naive):>17}")
        self.stdout.write(
            f"Senders: {senders} {pool}(s) at once, "
            + (
                "as the worker runs (`celery worker --concurrency=2`, Celery's "
                "default of one per CPU here)"
                if senders == WORKER_CONCURRENCY and pool == "process"
                else f"not as the worker runs ({WORKER_CONCURRENCY} processes)"
            )
            + f"; SMTP sink: in a {sink}. "
            "render/smtp/sql: wall time summed over the senders, each exclusive "
            "of the others; other: the rest (Python in the loop, ORM, waiting "
            "for a CPU)."
            + (" Sender CPU includes the sink's." if sink == "thread" else "")
        )
        self.stdout.write(f"Sample message: {describe_sample(real['sample'])}")
        self.stdout.write(f"Claim query uses {INDEX}: {'yes' if uses_index else 'NO'}")
        self.stdout.write(f"Load average after: {load()}")
        delivered = min(real["accepted"] - real["duplicates"], real["recorded"])
        met = (
            delivered == count
            and real["duplicates"] == 0
            and real["seconds"] <= TARGET_SECONDS
        )
        self.stdout.write(
            f"{'OK' if met else 'MISS'}: {delivered:,} delivered in "
            f"{real['seconds']:.1f} s by {senders} sender {pool}(s) "
            f"(target {TARGET_SECONDS:g} s"
            + ("" if delivered == count else f", {count:,} queued")
            + ("" if not real["duplicates"] else f", {real['duplicates']} duplicates")
            + ")"
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


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
