"""Serve Mend with gunicorn as deployed and drive it with Locust: `make
bench-load` (`python -m tests.bench load`).

Against the review benchmark's database and data (`make bench` loads it; run
that first, with the same --cases), on 127.0.0.1 at a free port, with the
README's command (`gunicorn recovery.wsgi --workers 4`) and production
settings (DEBUG off, static files collected, served by whitenoise; behind a
TLS proxy, which Locust plays: see tests/bench/locustfile.py). Three runs,
each bounded in time (--duration, --saturation-duration) and in requests
(--max-requests), each Locust process headless, its figures read back from
its CSV:

(a) --users (50) signed-in people, each acting every 2 to 5 s: account
    managers and (one in five) sales managers over the dashboard, filtered
    lists, searches, case pages, a comment, and (managers) insights;
(b) the same mix with no wait, --saturation-users at once: the throughput;
(c) the admin's changelist with no wait, as many users: its throughput.

The measured run starts once every user has signed in (the sign-ins, a
deliberately slow password hash each, are not counted) and lasts the given
seconds. The figures are
distorted when Locust itself runs out of CPU on the same machine: the table
says how much CPU gunicorn and Locust used.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cases.choices import Role, Step
from cases.models import Case, User
from tests.bench.dataset import PREFIX, TEAMS
from tests.bench.smtp_sink import free_port
from tests.bench.stats import parse_locust_stats

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
WORKERS = 4  # as the README's Deploying section runs gunicorn
CASES_PER_USER = 100
# Seconds all users may take to sign in before the measured run begins.
SIGN_IN_ALLOWANCE = 180
# Targets (issue 19): in (a) p95 <= 300 ms for every page but insights, <=
# 1.5 s for insights; 0 errors; Mend's throughput in (b) at least twice (c).
P95_PAGE_MS = 300
P95_INSIGHTS_MS = 1500
THROUGHPUT_FACTOR = 2


class Command(BaseCommand):
    help = (
        "Serve Mend with gunicorn on 127.0.0.1 against the bench database and "
        "drive it with Locust: 50 people, saturation, and the admin's changelist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50)
        parser.add_argument("--saturation-users", type=int, default=16)
        parser.add_argument(
            "--duration", type=int, default=120, help="Seconds of run (a)."
        )
        parser.add_argument(
            "--saturation-duration",
            type=int,
            default=60,
            help="Seconds of each of runs (b) and (c).",
        )
        parser.add_argument(
            "--max-requests",
            type=int,
            default=50_000,
            help="Each run stops after this many requests.",
        )
        parser.add_argument("--workers", type=int, default=WORKERS)

    def handle(self, *args, **options):
        if connection.vendor != "postgresql" or "DATABASE_URL" not in os.environ:
            raise CommandError(
                "The load benchmark runs only on PostgreSQL: set DATABASE_URL."
            )
        cases = Case.objects.filter(team__name__in=TEAMS).count()
        if not cases:
            raise CommandError("No bench data: run `make bench` first.")
        work = Path(tempfile.mkdtemp(prefix="mend-load-"))
        try:
            config = self.accounts(work)
            port = free_port()
            env = self.server_env()
            self.collect_static(env)
            server = self.serve(env, port, options["workers"], work)
            try:
                runs = self.drive(port, config, work, options)
                cpu = self.server_cpu(server)
            finally:
                self.stop(server)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self.report(cases, runs, cpu, options)

    # Setting up ----------------------------------------------------------------

    def accounts(self, work: Path) -> Path:
        """A password for the bench's people (new each run), and the cases each
        may open: an account manager's own, the manager's team's."""
        password = secrets.token_urlsafe(16)
        people = list(User.objects.filter(username__startswith=PREFIX))
        for user in people:
            user.set_password(password)
        User.objects.bulk_update(people, ["password"])
        by_name = {u.username: u for u in people}

        def cases(queryset) -> list[int]:
            # Mostly open cases (what people work on), some closed ones.
            open_ = queryset.exclude(step=Step.CLOSED).order_by("-opened_at")
            closed = queryset.filter(step=Step.CLOSED).order_by("-opened_at")
            ids = list(open_.values_list("pk", flat=True)[: CASES_PER_USER * 4 // 5])
            ids += list(closed.values_list("pk", flat=True)[: CASES_PER_USER // 5])
            return ids

        managers = [
            u for u in people if u.role == Role.ACCOUNT_MANAGER and not u.is_staff
        ]
        config = {
            "manager": {
                "username": f"{PREFIX}manager",
                "password": password,
                "cases": cases(Case.objects.filter(team__name__in=TEAMS)),
            },
            "account_managers": [
                {
                    "username": u.username,
                    "password": password,
                    "cases": cases(Case.objects.filter(owner=u)),
                }
                for u in managers
            ],
            "admin": {"username": f"{PREFIX}admin", "password": password},
        }
        if not by_name.get(f"{PREFIX}admin") or not config["account_managers"]:
            raise CommandError("The bench data has no admin or account managers.")
        path = work / "config.json"
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        return path

    def server_env(self) -> dict:
        env = dict(os.environ)
        env.update(
            DEBUG="false",
            ALLOWED_HOSTS="127.0.0.1",
            BEHIND_TLS_PROXY="true",
            DATABASE_URL=os.environ.get("DATABASE_URL", ""),
            PYTHONUNBUFFERED="1",
        )
        if len(settings.SECRET_KEY) < 50:
            env["SECRET_KEY"] = secrets.token_urlsafe(50)
        else:
            env.setdefault("SECRET_KEY", settings.SECRET_KEY)
        return env

    def collect_static(self, env: dict) -> None:
        # As the README deploys: collectstatic, so whitenoise has its manifest.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )

    def serve(self, env: dict, port: int, workers: int, work: Path):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        log = (work / "gunicorn.log").open("w")
        server = subprocess.Popen(
            [
                str(gunicorn),
                "recovery.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(
                    "gunicorn stopped:\n" + (work / "gunicorn.log").read_text()[-3000:]
                )
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            self.stop(server)
            raise CommandError("gunicorn did not answer /healthz within 60 s.")
        self.stdout.write(
            f"gunicorn recovery.wsgi --workers {workers} on 127.0.0.1:{port} "
            f"(pid {server.pid}), DEBUG off, behind a TLS proxy (Locust's headers)."
        )
        return server

    def stop(self, server) -> None:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    def server_cpu(self, server) -> float:
        try:
            process = psutil.Process(server.pid)
            times = [process.cpu_times()] + [
                child.cpu_times() for child in process.children(recursive=True)
            ]
        except psutil.Error:
            return 0.0
        return sum(t.user + t.system for t in times)

    # Running -------------------------------------------------------------------

    def drive(self, port: int, config: Path, work: Path, options) -> dict:
        phases = [
            ("a", "MendUser", options["users"], "2,5", options["duration"]),
            (
                "b",
                "MendUser",
                options["saturation_users"],
                "0",
                options["saturation_duration"],
            ),
            (
                "c",
                "AdminUser",
                options["saturation_users"],
                "0",
                options["saturation_duration"],
            ),
        ]
        runs = {}
        for name, user_class, users, wait, seconds in phases:
            spawn_rate = max(1, min(users, 10))
            self.stdout.write(
                f"Run ({name}): {users} {user_class} at {spawn_rate}/s, wait "
                f"{'none' if wait == '0' else wait.replace(',', '-') + ' s'}, "
                f"{seconds} s (or {options['max_requests']:,} requests)..."
            )
            prefix = work / name
            env = dict(
                os.environ,
                BENCH_LOAD_CONFIG=str(config),
                BENCH_WAIT=wait,
                BENCH_MAX_REQUESTS=str(options["max_requests"]),
                BENCH_USERS=str(users),
                BENCH_DURATION=str(seconds),
            )
            children_cpu()  # from here on: this Locust's
            started = time.monotonic()
            locust = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("locust")),
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    str(spawn_rate),
                    # A bound: the run stops `seconds` after all signed in.
                    "--run-time",
                    f"{seconds + SIGN_IN_ALLOWANCE}s",
                    "--only-summary",
                    "--csv",
                    str(prefix),
                    "--loglevel",
                    "WARNING",
                    user_class,
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=(work / f"locust-{name}.log").open("w"),
            )
            code = locust.wait()
            cpu = children_cpu()
            stats_file = Path(f"{prefix}_stats.csv")
            if not stats_file.exists():
                raise CommandError(
                    f"Locust wrote no statistics (exit {code}):\n"
                    + (work / f"locust-{name}.log").read_text()[-3000:]
                )
            runs[name] = {
                "users": users,
                "wait": wait,
                "seconds": time.monotonic() - started,
                "rows": parse_locust_stats(stats_file.read_text()),
                "locust_cpu": cpu,
                "exit": code,
            }
        return runs

    # Reporting ---------------------------------------------------------------

    def report(self, cases: int, runs: dict, cpu: float, options) -> None:
        busy = options["saturation_users"]
        titles = {
            "a": f"(a) {options['users']} people, each acting every 2-5 s",
            "b": f"(b) the same mix, no wait, {busy} users",
            "c": f"(c) admin's changelist, no wait, {busy} users",
        }
        self.stdout.write(
            f"\n{cases:,} cases; gunicorn --workers {options['workers']} on "
            f"{os.cpu_count()} CPUs (load average now "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}). Milliseconds:"
        )
        for name, run in runs.items():
            self.stdout.write(f"\n{titles[name]}:")
            header = (
                f"{'page':<22} {'requests':>9} {'req/s':>7} {'p50':>6} {'p95':>6} "
                f"{'p99':>6} {'errors':>7}  target"
            )
            self.stdout.write(header)
            self.stdout.write("-" * len(header))
            for row in run["rows"]:
                if not row["requests"]:
                    continue  # signing in, before the measured run
                target = ""
                if name == "a" and row["name"] != "Aggregated":
                    limit = page_target(row["name"])
                    if limit:
                        target = f"p95 <= {limit}"
                self.stdout.write(
                    f"{row['name']:<22} {row['requests']:>9,} {row['rps']:>7.1f} "
                    f"{row['p50']:>6.0f} {row['p95']:>6.0f} {row['p99']:>6.0f} "
                    f"{row['failures']:>7,}  {target}"
                )
            self.stdout.write(
                f"Locust used {run['locust_cpu']:.0f} CPU s over "
                f"{run['seconds']:.0f} s (exit {run['exit']})."
            )
        self.stdout.write(f"\ngunicorn used {cpu:.0f} CPU s over the three runs.")
        self.verdict(runs)

    def verdict(self, runs: dict) -> None:
        lines = []
        for name, run in runs.items():
            errors = sum(
                r["failures"] for r in run["rows"] if r["name"] != "Aggregated"
            )
            lines.append((errors == 0, f"run ({name}): {errors} errors"))
        for row in runs["a"]["rows"]:
            limit = page_target(row["name"])
            if row["name"] == "Aggregated" or not limit:
                continue
            lines.append(
                (
                    row["p95"] <= limit,
                    f"(a) {row['name']}: p95 {row['p95']:.0f} ms "
                    f"{'<=' if row['p95'] <= limit else '>'} {limit} ms",
                )
            )
        mend, admin = pages_per_second(runs["b"]), pages_per_second(runs["c"])
        lines.append(
            (
                mend >= THROUGHPUT_FACTOR * admin,
                f"(b) Mend {mend:.1f} pages/s "
                f"{'>=' if mend >= THROUGHPUT_FACTOR * admin else '<'} "
                f"{THROUGHPUT_FACTOR} x (c) admin's {admin:.1f} pages/s "
                "(signing in left out)",
            )
        )
        self.stdout.write("")
        for met, text in lines:
            self.stdout.write(f"{'OK  ' if met else 'MISS'} {text}")


def page_target(name: str) -> int | None:
    """The p95 target of a page of run (a); none for signing in."""
    if name.startswith("sign in"):
        return None
    return P95_INSIGHTS_MS if name.startswith("insights") else P95_PAGE_MS


def pages_per_second(run: dict) -> float:
    """Requests per second of the pages, without signing in (each user signs
    in once, at the start, through a deliberately slow password hash)."""
    return sum(
        r["rps"]
        for r in run["rows"]
        if r["name"] != "Aggregated" and not r["name"].startswith("sign in")
    )


_seen_children_cpu = [0.0]


def children_cpu() -> float:
    """CPU seconds of the child processes waited for since the last call."""
    times = os.times()
    spent = times.children_user + times.children_system
    used = spent - _seen_children_cpu[0]
    _seen_children_cpu[0] = spent
    return used
