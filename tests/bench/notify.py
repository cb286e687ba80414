"""Turn 10,000 due follow-ups into emails at a local SMTP server, and time it.

`make bench-notify` runs this (`python -m tests.bench notify`) against
PostgreSQL (the bench database). It
schedules 10,000 follow-ups due on the same morning, among --history earlier
and later ones, then times two ways from due rows to delivered emails at an
SMTP server on 127.0.0.1 (aiosmtpd, accepting everything and counting
Message-IDs):

- the real path: `sweep_due()`, as beat runs it (every part, over the whole
  database), records the 10,000 reminders in the outbox; then `send_due()`
  until nothing is due, in --senders processes at once (--pool thread for
  threads), each claiming batches with SKIP LOCKED and sending a batch over
  one SMTP connection. That is how a worker delivers them: the sweep's commit
  asks for one send task per batch, up to OUTBOX_SENDERS, which the worker's
  processes (CELERY_WORKER_CONCURRENCY) run side by side, and each task that
  used all its batches asks for the next;
- a naive loop: select the due follow-ups and record each reminder with a
  get_or_create of its own; then select the due messages, render and send each
  with a connection of its own, save each row.

Before timing, it prints the plans (EXPLAIN ANALYZE) of the sweep's SELECT ...
FOR NO KEY UPDATE SKIP LOCKED over follow-ups and of the query a sender claims
a batch with, and whether each reads an index.

By default the SMTP server runs in a process of its own, as a real one would:
in a thread of this process (--sink thread) its work competes with the
senders' for the interpreter lock and is timed as theirs.

Each path runs as if the reminders had just fallen due: the clock is moved to
their due time (the owner's opening, on the latest working day) and the sweep
starts then, or --sweep-delay seconds later (beat sweeps every 60 s, so a
reminder waits up to that long for it). How late each reminder was is the
time from its due time to the moment the sink accepted it (the sink keeps
the real clock; the senders' moved clock runs at the same rate from the due
time). The target: all of them accepted within 60 s of their due time,
with at most EMAIL_MAX_CONNECTIONS connections to the SMTP server at once.

Each send run is timed end to end, with where the senders' time went:
rendering, the SMTP conversation and SQL (render and SMTP timed by wrapping
`render()` and the SMTP backend for the run, SQL by an execute wrapper), and
their CPU time.

The data is its own: a team named "NotifyBench" with one owner, its cases,
--history follow-ups (done ones over the past year, scheduled ones in the
coming months) and --history messages already sent (an outbox in use), made
once. The due follow-ups and the messages recorded about them are deleted at
the start and at the end; messages the sweep records for other data in the
database (the review benchmark's cases) are counted and deleted before the
senders start, so only the bench's reminders go out.
"""

import argparse
import datetime as dt
import os
import queue
import re
import threading
import time
from unittest import mock

import time_machine
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.test.utils import override_settings
from django.utils import timezone
from time_machine import escape_hatch

from cases.choices import (
    FollowUpStatus,
    NotificationKind,
    OutboxStatus,
    Role,
    Severity,
    Step,
)
from cases.models import Case, FollowUp, Membership, OutboxMessage, Team, User
from cases.models import Client as ClientCompany
from cases.notifications import deliver as outbox
from cases.notifications import due, moments, reminders
from cases.notifications import render as render_module
from cases.notifications.hours import mail_calendar
from cases.notifications.ids import message_id_for
from tests.bench.smtp_sink import FORK, Breakdown, SmtpServer, describe_sample
from tests.bench.stats import percentile

MARKER = "NotifyBench"
HISTORY_PREFIX = "notifybench-history:"
DUE_PURPOSE = "Check the fix held (NotifyBench)"
HISTORY_PURPOSE = "Earlier check-in (NotifyBench)"
OWNER = "notifybench-owner"
KIND = NotificationKind.FOLLOW_UP_REMINDER
CASES = 200
CHUNK = 5000
# Every reminder accepted by the SMTP server within this long of its due time.
TARGET_LATENESS = 60.0
INDEX_USED = re.compile(r"Index (?:Only )?Scan (?:using|on) (\w+)")
# How many sends a worker runs at once: the send tasks the sweep asks for,
# as many as the worker has processes for.
WORKER_SENDERS = min(settings.OUTBOX_SENDERS, settings.CELERY_WORKER_CONCURRENCY)


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
            default=WORKER_SENDERS,
            help="How many send_due() loops run at once (default: "
            f"{WORKER_SENDERS}, as the worker runs them).",
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
            "--naive",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Also time the naive loop (--no-naive: only the real path; the "
            "naive loop opens a connection per message and takes minutes).",
        )
        parser.add_argument(
            "--sweep-delay",
            type=float,
            default=0.0,
            help="Seconds after the due time the sweep starts (beat's sweep "
            "runs every 60 s: between 0 and 60; default 0).",
        )
        parser.add_argument(
            "--history",
            type=int,
            default=100_000,
            help="Messages already sent that the outbox holds (created once).",
        )

    def handle(
        self, *args, count, senders, pool, sink, history, sweep_delay, naive, **options
    ):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The notification benchmark runs only on PostgreSQL: set "
                f"DATABASE_URL=postgres://... (this database is {connection.vendor})."
            )
        if count < 1 or senders < 1 or history < 0 or not 0 <= sweep_delay <= 3600:
            raise CommandError(
                "--count and --senders need at least 1, --history at least 0, "
                "--sweep-delay between 0 and 3600."
            )
        self.stdout.write(f"Load average before: {load()}")
        team, owner, cases = self.data(history)
        self.clear(team)
        others = OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, due_at__lte=timezone.now()
        ).count()
        if others:
            raise CommandError(
                f"This database has {others:,} due outbox messages of its own; "
                "send_due() would send them too. Run it on the bench database."
            )
        due_on, due_at = bench_moment(owner, team)
        moment = due_at + dt.timedelta(seconds=sweep_delay)

        connections.close_all()  # the forked processes must not share it
        server = SmtpServer(sink)
        server.start()
        try:
            # As in production: no query log, no template debug information.
            # The sweep's nudge to a worker is dropped: the senders below send.
            with (
                override_settings(
                    DEBUG=False,
                    EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                    EMAIL_HOST="127.0.0.1",
                    EMAIL_PORT=server.port,
                    EMAIL_HOST_USER="",
                    EMAIL_HOST_PASSWORD="",
                    EMAIL_USE_TLS=False,
                    EMAIL_USE_SSL=False,
                    EMAIL_TIMEOUT=None,
                ),
                mock.patch.object(outbox, "enqueue_send", lambda tasks=1: None),
                # Reminders go out only in the recipient's working hours: the
                # clock runs from before their due time (a weekday morning),
                # so the bench sends the same at night or on a weekend. Each
                # path moves it again, to the sweep's moment; the forked
                # senders inherit the moved clock.
                time_machine.travel(due_at - dt.timedelta(minutes=5), tick=True),
            ):
                self.stdout.write(
                    f"SMTP sink on 127.0.0.1:{server.port} (in a {sink}); "
                    f"{count:,} follow-ups due {due_on} for {owner.email} over "
                    f"{len(cases)} cases; {history:,} other follow-ups and "
                    f"{history:,} sent messages; the sweep runs as of "
                    f"{moment:%a %Y-%m-%d %H:%M %Z}."
                )
                started = time.perf_counter()
                self.schedule(cases, count, due_on)
                self.stdout.write(
                    f"Scheduled {count:,} due follow-ups (bulk_create, VACUUM "
                    f"ANALYZE) in {time.perf_counter() - started:.2f} s."
                )
                plans = [self.explain_sweep(moment)]
                with time_machine.travel(moment, tick=True):
                    started = escape_hatch.time.time()
                    real_sweep = self.run_sweep(team, moment)
                    # A few milliseconds (EXPLAIN of one claim, rolled back).
                    plans.append(self.explain_claim())
                    real = self.run_real(server, senders, pool)
                    real["late"] = self.lateness(real, team, moment, started)
                self.clear(team)
                naive_sweep = naive_run = None
                if naive:
                    with time_machine.travel(moment, tick=True):
                        started = escape_hatch.time.time()
                        naive_sweep = self.run_naive_sweep(due_on, moment)
                        naive_run = self.run_naive(server, team)
                        naive_run["late"] = self.lateness(
                            naive_run, team, moment, started
                        )
        finally:
            server.stop()
            self.clear(team)
            FollowUp.objects.filter(case__team=team, purpose=DUE_PURPOSE).delete()
        self.report_sweep(real_sweep, naive_sweep)
        self.report(real, naive_run, count, senders, pool, sink)
        self.verdict(real_sweep, real, count, senders, pool, plans, sweep_delay)

    # The data ----------------------------------------------------------------

    def data(self, history: int) -> tuple[Team, User, list[Case]]:
        """The bench's team, owner, cases and history; made once."""
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
            if len(cases) < CASES:
                Case.objects.bulk_create(
                    Case(
                        team=team,
                        owner=owner,
                        client=client,
                        commitment=f"Deliver the replacement parts, batch {i + 1}",
                        what_happened="The courier lost the pallet.",
                        severity=Severity.values[0],
                        step=Step.FOLLOW_UP,
                    )
                    for i in range(len(cases), CASES)
                )
                cases = list(
                    Case.objects.filter(team=team, owner=owner).order_by("pk")[:CASES]
                )
            old = OutboxMessage.objects.filter(dedupe_key__startswith=HISTORY_PREFIX)
            earlier = FollowUp.objects.filter(case__team=team, purpose=HISTORY_PURPOSE)
            if old.count() != history or earlier.count() != history:
                started = time.perf_counter()
                old.delete()
                earlier.delete()
                OutboxMessage.objects.bulk_create(
                    self.history(owner, cases, history), batch_size=CHUNK
                )
                FollowUp.objects.bulk_create(
                    self.follow_up_history(cases, history), batch_size=CHUNK
                )
                self.stdout.write(
                    f"Recorded {history:,} follow-ups and {history:,} sent "
                    f"messages as history in {time.perf_counter() - started:.1f} s."
                )
        return team, owner, cases

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

    def follow_up_history(self, cases: list[Case], n: int):
        """Follow-ups the sweep must not have to read: four in five done over
        the past year, one in five scheduled from a week to six months out."""
        today = timezone.localdate()
        for i in range(n):
            if i % 5:
                due_on = today - dt.timedelta(days=8 + i % 358)
                status = FollowUpStatus.DONE
            else:
                due_on = today + dt.timedelta(days=7 + i % 175)
                status = FollowUpStatus.SCHEDULED
            yield FollowUp(
                case=cases[i % len(cases)],
                due_on=due_on,
                purpose=HISTORY_PURPOSE,
                status=status,
            )

    def clear(self, team: Team) -> None:
        """The messages about the bench's due follow-ups, from any run."""
        OutboxMessage.objects.filter(case__team=team).exclude(
            dedupe_key__startswith=HISTORY_PREFIX
        ).delete()

    def schedule(self, cases: list[Case], count: int, due_on: dt.date) -> None:
        """`count` scheduled follow-ups due on `due_on`, as a person would
        schedule them in the Follow up step."""
        FollowUp.objects.filter(purpose=DUE_PURPOSE).delete()
        FollowUp.objects.bulk_create(
            (
                FollowUp(case=cases[i % len(cases)], due_on=due_on, purpose=DUE_PURPOSE)
                for i in range(count)
            ),
            batch_size=CHUNK,
        )
        with connection.cursor() as cursor:
            # The deleted rows of the last run gone, statistics up to date.
            for model in (FollowUp, OutboxMessage):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")

    # The plans -----------------------------------------------------------------

    def explain_sweep(self, moment: dt.datetime) -> dict:
        """The plan of the sweep's SELECT ... SKIP LOCKED over follow-ups."""
        return self.explain(
            "The sweep's follow-up query (follow_up_reminders in sweep_due)",
            lambda: reminders.follow_up_reminders(moment),
            table=FollowUp._meta.db_table,
        )

    def explain_claim(self) -> dict:
        """The plan of the SELECT ... SKIP LOCKED a sender claims a batch with."""
        return self.explain(
            "The claim query (claim_batch in send_due)",
            outbox.claim_batch,
            table=OutboxMessage._meta.db_table,
        )

    def explain(self, title: str, run, *, table: str) -> dict:
        """EXPLAIN (ANALYZE, BUFFERS) the SKIP LOCKED query `run` makes on
        `table`; both transactions are rolled back."""
        statements = []

        def capture(execute, sql, params, many, context):
            statements.append((sql, params))
            return execute(sql, params, many, context)

        with transaction.atomic():
            with connection.execute_wrapper(capture):
                run()
            transaction.set_rollback(True)
        sql, params = next(
            (sql, params)
            for sql, params in statements
            if "SKIP LOCKED" in sql and f'FROM "{table}"' in sql
        )
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                plan = [line for (line,) in cursor.fetchall()]
                shown = connection.ops.last_executed_query(cursor, sql, params)
            transaction.set_rollback(True)
        self.stdout.write(f"\n{title}, as it runs:")
        self.stdout.write(shown)
        for line in plan:
            self.stdout.write(line)
        indexes = sorted(
            {
                name
                for line in plan
                for name in INDEX_USED.findall(line)
                if name.startswith(table.removeprefix("cases_"))
                or name.startswith("outbox")
            }
        )
        scans_table = any(f"Seq Scan on {table}" in line for line in plan)
        summary = {
            "title": title,
            "indexes": indexes,
            "seq_scan": scans_table,
            "sorts": any("Sort" in line for line in plan),
        }
        self.stdout.write(
            f"Reads {table} through: {', '.join(indexes) or 'NO INDEX'}"
            + ("; and scans the whole table" if scans_table else "")
            + f"; sorts: {'yes' if summary['sorts'] else 'no'}\n"
        )
        return summary

    # The sweeps --------------------------------------------------------------

    def run_sweep(self, team: Team, moment: dt.datetime) -> dict:
        """Time sweep_due() as beat runs it, every part, over the whole database."""
        self.stdout.write("Real sweep: sweep_due()...")
        breakdown = Breakdown()
        before = timezone.now()
        with connection.execute_wrapper(breakdown.sql):
            started = time.perf_counter()
            created = due.sweep_due(now=moment)
            seconds = time.perf_counter() - started
        return self.sweep_result(team, before, breakdown, seconds, created)

    def run_naive_sweep(self, due_on: dt.date, moment: dt.datetime) -> dict:
        """Select the due follow-ups, record each reminder with get_or_create."""
        self.stdout.write("Naive sweep: select, get_or_create each reminder...")
        team = Team.objects.get(name=MARKER)
        breakdown = Breakdown()
        before = timezone.now()
        with connection.execute_wrapper(breakdown.sql):
            started = time.perf_counter()
            created = 0
            rows = FollowUp.objects.filter(
                status=FollowUpStatus.SCHEDULED, due_on__lte=due_on
            ).select_related("case__owner", "case__team", "case__client")
            for row in rows:
                # The same messages as the sweep's, recorded one at a time.
                for owed in reminders.remind(
                    now=moment,
                    case=row.case,
                    kind=KIND,
                    key=reminders.follow_up_key(row),
                    due_on=row.due_on,
                    context=reminders.follow_up_context(row),
                ):
                    _, new = OutboxMessage.objects.get_or_create(
                        dedupe_key=owed.dedupe_key,
                        defaults={
                            "case": owed.case,
                            "kind": owed.kind,
                            "recipient": owed.recipient,
                            "due_at": owed.due_at,
                            "context": owed.context,
                        },
                    )
                    created += new
            seconds = time.perf_counter() - started
        return self.sweep_result(team, before, breakdown, seconds, created)

    def sweep_result(self, team, before, breakdown, seconds, created) -> dict:
        recorded = OutboxMessage.objects.filter(
            created_at__gte=before, case__team=team, kind=KIND
        )
        # Messages about the rest of this database (due escalations of the
        # review benchmark's cases...): timed as the sweep's, never sent.
        others = OutboxMessage.objects.filter(created_at__gte=before).exclude(
            case__team=team
        )
        other_count, _ = others.delete()
        return {
            "seconds": seconds,
            "created": created,
            "recorded": recorded.count(),
            "others": other_count,
            "queries": breakdown.calls["sql"],
            "sql": breakdown.seconds["sql"],
        }

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

    def run_naive(self, server: SmtpServer, team: Team) -> dict:
        self.stdout.write("Naive loop: select, render, send, save each row...")
        server.reset()
        breakdown = Breakdown()
        with breakdown.installed(), connection.execute_wrapper(breakdown.sql):
            cpu = time.process_time()
            started = time.perf_counter()
            now = timezone.now()
            for row in OutboxMessage.objects.filter(
                status=OutboxStatus.PENDING, due_at__lte=now, case__team=team
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
            case__team__name=MARKER, kind=KIND, status=OutboxStatus.SENT
        ).exclude(dedupe_key__startswith=HISTORY_PREFIX)
        recorded = recorded.count()
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

    def lateness(self, run: dict, team: Team, moment, started: float) -> list:
        """Seconds from each reminder's due time to its acceptance at the sink.

        The clock was moved to `moment` at real time `started`, and runs at
        the real rate from there; the sink stamped acceptances with the real
        clock. Each accepted Message-ID is matched to its outbox row (the id
        is derived from the row's dedupe key) for the row's due time.
        """
        due = {
            message_id_for(key): due_at
            for key, due_at in OutboxMessage.objects.filter(case__team=team, kind=KIND)
            .exclude(dedupe_key__startswith=HISTORY_PREFIX)
            .values_list("dedupe_key", "due_at")
        }
        late = []
        for message_id, accepted in run["accepted_at"].items():
            if message_id in due:
                at = moment + dt.timedelta(seconds=accepted - started)
                late.append((at - due[message_id]).total_seconds())
        return late

    # Reporting ---------------------------------------------------------------

    def table(self, labels: tuple[str, str], rows, left: dict, right: dict) -> None:
        width = max(len(name) for name, _ in rows)
        self.stdout.write("")
        self.stdout.write(f"{'':<{width}}  {labels[0]:>17}  {labels[1]:>17}")
        self.stdout.write("-" * (width + 38))
        for name, cell in rows:
            other = cell(right) if right is not None else "-"
            self.stdout.write(f"{name:<{width}}  {cell(left):>17}  {other:>17}")

    def report_sweep(self, real: dict, naive: dict) -> None:
        rows = [
            ("sweep seconds", lambda r: f"{r['seconds']:.2f}"),
            ("reminders recorded", lambda r: f"{r['recorded']:,}"),
            ("SQL queries", lambda r: f"{r['queries']:,}"),
            ("SQL s", lambda r: f"{r['sql']:.2f}"),
            ("other messages recorded", lambda r: f"{r['others']:,}"),
        ]
        self.table(("sweep_due()", "naive sweep"), rows, real, naive)
        self.stdout.write(
            "sweep_due(): every part of the sweep over the whole database, each "
            "part's rows locked (SKIP LOCKED) and recorded in one batch; naive: "
            "the due follow-ups, a get_or_create per reminder. Other messages: "
            "what the sweep found due in the rest of this database (deleted "
            "before sending)."
        )

    def report(self, real, naive, count, senders, pool, sink) -> None:
        def late(r, q) -> str:
            return f"{percentile(r['late'], q):.1f}" if r["late"] else "-"

        def per_message(seconds, r) -> str:
            if seconds is None or not r["accepted"]:
                return "-"
            return f"{1000 * seconds / r['accepted']:.2f}"

        rows = [
            ("send seconds", lambda r: f"{r['seconds']:.2f}"),
            ("messages/s", lambda r: f"{r['accepted'] / r['seconds']:,.0f}"),
            ("accepted at the sink", lambda r: f"{r['accepted']:,}"),
            ("distinct Message-IDs", lambda r: f"{r['unique']:,}"),
            ("duplicates", lambda r: f"{r['duplicates']:,}"),
            ("rows recorded sent", lambda r: f"{r['recorded']:,}"),
            ("SMTP connections", lambda r: f"{r['connections']:,}"),
            ("  most open at once", lambda r: f"{r['most_open']:,}"),
            ("late p50 s (due to accepted)", lambda r: late(r, 50)),
            ("late p99 s", lambda r: late(r, 99)),
            ("late max s", lambda r: late(r, 100)),
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
        self.table((f"send_due x{senders}", "naive loop"), rows, real, naive)
        self.stdout.write(
            f"Senders: {senders} {pool}(s) at once, "
            + (
                "as the worker runs them (OUTBOX_SENDERS="
                f"{settings.OUTBOX_SENDERS} send tasks, "
                f"CELERY_WORKER_CONCURRENCY={settings.CELERY_WORKER_CONCURRENCY})"
                if senders == WORKER_SENDERS and pool == "process"
                else f"not as the worker runs them ({WORKER_SENDERS} processes)"
            )
            + f"; SMTP sink: in a {sink}. "
            "render/smtp/sql: wall time summed over the senders, each exclusive "
            "of the others; other: the rest (Python in the loop, ORM, waiting "
            "for a CPU)."
            + (" Sender CPU includes the sink's." if sink == "thread" else "")
        )
        self.stdout.write(f"Sample message: {describe_sample(real['sample'])}")

    def verdict(self, sweep, real, count, senders, pool, plans, delay) -> None:
        for plan in plans:
            reads = ", ".join(plan["indexes"]) or "NO INDEX"
            self.stdout.write(f"{plan['title']} reads: {reads}")
        self.stdout.write(f"Load average after: {load()}")
        delivered = min(real["accepted"] - real["duplicates"], real["recorded"])
        late = real["late"]
        worst = max(late) if late else float("inf")
        cap = settings.EMAIL_MAX_CONNECTIONS
        met = (
            delivered == count
            and len(late) == count
            and real["duplicates"] == 0
            and worst <= TARGET_LATENESS
            and real["most_open"] <= cap
            and all(plan["indexes"] and not plan["seq_scan"] for plan in plans)
        )
        figures = (
            f"p50 {percentile(late, 50):.1f} s, p99 {percentile(late, 99):.1f} s, "
            f"max {worst:.1f} s"
            if late
            else "none accepted"
        )
        self.stdout.write(
            f"{'OK' if met else 'MISS'}: {delivered:,} of {count:,} due reminders "
            f"accepted, late by {figures} after their due time (target: all within "
            f"{TARGET_LATENESS:g} s); sweep started {delay:g} s after due and took "
            f"{sweep['seconds']:.1f} s, send {real['seconds']:.1f} s by {senders} "
            f"sender {pool}(s), at most {real['most_open']} SMTP connections open "
            f"at once (EMAIL_MAX_CONNECTIONS={cap})"
            + ("" if not real["duplicates"] else f", {real['duplicates']} duplicates")
            + "."
        )
        if not delay:
            self.stdout.write(
                "Beat sweeps every 60 s: a reminder can wait up to that long for "
                "the sweep (--sweep-delay 60 for the worst case)."
            )


def bench_moment(owner: User, team: Team) -> tuple[dt.date, dt.datetime]:
    """The latest working day whose opening (the owner's) has passed, and
    that opening: the reminders' due time. The sweep records that day's
    reminders as of then, so the bench runs the same on a weekend or before
    opening time."""
    hours = mail_calendar(owner, team)
    latest = timezone.now() - dt.timedelta(minutes=1)
    day = latest.astimezone(hours.zone).date()
    while not hours.works_on(day) or moments.local_morning(day, hours) > latest:
        day -= dt.timedelta(days=1)
    return day, moments.local_morning(day, hours)


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"
