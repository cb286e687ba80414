"""Time the review and insights pages against the admin, at 100,000 cases or
at a million.

`make bench` runs this (`python -m tests.bench review`) against its own
database. The data set (tests/bench/dataset.py, set-based SQL) is loaded once
(keyed on the team named "Bench") and reused; --reload drops and loads it
again. Each page is sampled several ways (six case pages, list pages 1, 5
and 40, three filters, five searches) and compared with the admin's page for
the same thing: its changelist with the same filter, search or page number,
and a case's admin page for the case page. Pages are requested in-process
with the test client, round-robin so that a slow moment of the machine hits
every page alike; each row of the table gives the median and the p10-p90 of
all its samples' requests.

The figures of each size are kept in var/bench/review-<size>.json, and the
table of every size measured so far is printed at the end, side by side.
"""

import json
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client as TestClient
from django.test.utils import override_settings
from django.utils import timezone

from cases.choices import Step
from cases.models import Case, Team, User
from cases.models import Client as ClientCompany
from tests.bench.dataset import MARKER, PREFIX, TEAMS, Loader
from tests.bench.stats import parse_count, size_label, spread

# The list filters sampled, each beside the admin's changelist with the same
# filter: (step, severity).
STEP_SEVERITY = [
    ("options", "high"),
    ("follow_up", "medium"),
    ("acknowledge", "critical"),
]
# Search words: a client name's word, a trade, words of what happened and of
# a commitment; each matches a different share of the cases.
SEARCHES = ["Harbour", "Freight", "courier", "invoice", "pallet racking"]
LIST_PAGES = [5, 40]
CASE_PAGES = 6
RESULTS = Path(settings.BASE_DIR) / "var" / "bench"


@dataclass(frozen=True)
class Page:
    """One row of the table: a page sampled at one or more URLs."""

    name: str
    urls: tuple[str, ...]
    as_admin: bool
    baseline: str  # the admin row it is compared with


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)


class SqlTimer:
    """Sums the time spent executing queries (connection.execute_wrapper).

    With PostgreSQL's ordinary cursors that includes receiving the rows; rows
    read through .iterator() (a server-side cursor) come later, uncounted.

    With explain=True, each SELECT is run again right after, as EXPLAIN
    (ANALYZE, BUFFERS, SETTINGS) on the same connection, inside the page's
    own transaction: with the settings the page set (a SET LOCAL
    statement_timeout, say), not those of a fresh session.
    """

    def __init__(self, explain: bool = False):
        self.seconds = 0.0
        self.count = 0
        self.explain = explain
        self.statements: list[tuple[float, str, object, list[str]]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            result = execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - start
            self.seconds += spent
            self.count += 1
        if self.explain and not many and sql.lstrip().upper().startswith("SELECT"):
            self.statements.append(
                (spent, sql, params, self.plan(context, sql, params))
            )
        return result

    @staticmethod
    def plan(context, sql, params) -> list[str]:
        """The query's plan, or why there is none. In a transaction the EXPLAIN
        runs in a savepoint, so one cancelled by the page's own statement
        timeout does not abort the page."""
        connection = context["connection"]
        # The raw connection's cursor: not wrapped, so not timed or explained.
        with connection.connection.cursor() as cursor:
            savepoint = connection.in_atomic_block
            if savepoint:
                cursor.execute("SAVEPOINT bench_explain")
            try:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, SETTINGS) {sql}", params)
                lines = [line for (line,) in cursor.fetchall()]
            except Exception as exc:  # shown in place of the plan
                if savepoint:
                    cursor.execute("ROLLBACK TO SAVEPOINT bench_explain")
                return [f"(no plan: {type(exc).__name__}: {exc})"]
            if savepoint:
                cursor.execute("RELEASE SAVEPOINT bench_explain")
            return lines


class Command(BaseCommand):
    help = (
        "Load 100,000 cases (or --cases N) into PostgreSQL once and time the "
        "dashboard, lists, searches, case pages and insights against the "
        "admin's pages for the same filters."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=parse_count, default=100_000)
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--warmups", type=int, default=1)
        parser.add_argument(
            "--reload", action="store_true", help="Drop the bench data and load it."
        )
        parser.add_argument(
            "--load-only", action="store_true", help="Load the data; measure nothing."
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="Print EXPLAIN ANALYZE of each page's slowest queries, run "
            "inside the page's request.",
        )

    def handle(
        self, *args, cases, runs, warmups, reload, load_only, explain, **options
    ):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The review benchmark runs only on PostgreSQL: set "
                "DATABASE_URL=postgres://... "
                f"(this database is {connection.vendor})."
            )
        if cases < 100 or runs < 1:
            raise CommandError("--cases needs at least 100 and --runs at least 1.")
        self.load(cases, reload)
        if load_only:
            return
        pages = self.pages()
        # WhiteNoise warns once that STATIC_ROOT was never collected: not our concern.
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        with override_settings(
            DEBUG=False,
            ALLOWED_HOSTS=["testserver"],
            STORAGES={
                "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {
                    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
                },
            },
        ):
            results = self.measure(pages, runs, warmups)
            if explain:
                self.explain(pages)
        rows = self.report(pages, results, runs, cases)
        self.keep(cases, rows)
        self.sizes()

    # The data set ------------------------------------------------------------

    def load(self, n: int, reload: bool) -> None:
        existing = Case.objects.filter(team__name__in=TEAMS).count()
        if Team.objects.filter(name=MARKER).exists():
            if existing == n and not reload:
                self.stdout.write(f"Using the {n:,} bench cases already loaded.")
                return
            if existing != n and not reload:
                self.stdout.write(
                    f"Found {existing:,} bench cases, not {n:,}: loading again."
                )
            started = time.perf_counter()
            self.drop()
            self.stdout.write(f"Dropped the bench data in {self.since(started)}.")
        self.stdout.write(f"Loading {n:,} cases with set-based SQL:")
        started = time.perf_counter()
        loader = Loader(n, self.stdout.write, timezone.now())
        with transaction.atomic():
            loader.fill()
        self.stdout.write(f"Loaded {n:,} cases in {self.since(started)}.")
        started = time.perf_counter()
        tables = ", ".join(
            connection.ops.quote_name(model._meta.db_table)
            for model in apps.get_app_config("cases").get_models(
                include_auto_created=True
            )
        )
        with connection.cursor() as cursor:
            if existing:
                # Pack the tables as a first load leaves them, so that every
                # run measures the same layout; FULL clears the visibility map.
                cursor.execute(f"VACUUM (FULL) {tables}")
            # As autovacuum would have by now: statistics and visibility map.
            cursor.execute(f"VACUUM (ANALYZE) {tables}")
        self.stdout.write(f"VACUUM took {self.since(started)}.")
        agree, compared = loader.check_clock()
        self.stdout.write(
            f"Deadlines and business hours agree with WorkCalendar's on "
            f"{agree} of {compared} sampled step periods and open cases."
        )
        if agree != compared:
            raise CommandError("The loaded clock disagrees with the app's calendar.")

    def drop(self) -> None:
        """Delete the bench rows only: the database may hold other data."""
        teams = Team.objects.filter(name__in=TEAMS)
        with transaction.atomic():
            # Each case's records first, one DELETE per table; deleting the cases
            # alone would make the collector look up every record of every case.
            for rel in Case._meta.related_objects:
                if rel.many_to_many:
                    continue
                rows = rel.related_model._base_manager.filter(
                    **{f"{rel.field.name}__team__in": teams}
                )
                rows.delete()
            Case.contacts.through.objects.filter(case__team__in=teams).delete()
            Case.objects.filter(team__in=teams).delete()
            ClientCompany.objects.filter(team__in=teams).delete()
            User.objects.filter(username__startswith=PREFIX).delete()
            teams.delete()

    # Measuring ---------------------------------------------------------------

    def sample_cases(self) -> list[Case]:
        """Case pages across the table: the newest open cases in several
        steps, one with an offer, and closed ones old and new."""
        mine = Case.objects.filter(team__name=MARKER)
        picked: list[Case] = []
        queries = [
            mine.filter(step=Step.COMPENSATE, compensations__isnull=False),
            mine.filter(step=Step.FOLLOW_UP),
            mine.filter(step=Step.ACKNOWLEDGE),
            mine.filter(step=Step.OPTIONS),
            mine.filter(step=Step.CLOSED),
        ]
        for query in queries:
            if case := query.order_by("-opened_at").first():
                picked.append(case)
        if oldest := mine.order_by("opened_at").first():
            picked.append(oldest)
        seen, unique = set(), []
        for case in picked:
            if case.pk not in seen:
                seen.add(case.pk)
                unique.append(case)
        return unique[:CASE_PAGES]

    def pages(self) -> list[Page]:
        cases = self.sample_cases()
        admin = "/admin/cases/case/"
        filters = tuple(
            f"?step__exact={step}&severity__exact={severity}"
            for step, severity in STEP_SEVERITY
        )
        mine = tuple(
            f"?status=open&severity={severity}&step={step}"
            for step, severity in STEP_SEVERITY
        )
        words = [word.replace(" ", "+") for word in SEARCHES]
        # The admin shows 100 cases a page: below 3,901 cases page 40 does
        # not exist there (a small --cases), so only the pages that do.
        total = Case.objects.count()
        later = [p for p in LIST_PAGES if (p - 1) * 100 < total] or [1]
        return [
            Page("admin changelist", (admin,), True, "admin changelist"),
            Page(
                "admin, pages 5 and 40",
                tuple(f"{admin}?p={p}" for p in later),
                True,
                "admin, pages 5 and 40",
            ),
            Page(
                "admin, step+severity",
                tuple(f"{admin}{f}" for f in filters),
                True,
                "admin, step+severity",
            ),
            Page(
                "admin, search",
                tuple(f"{admin}?q={w}" for w in words),
                True,
                "admin, search",
            ),
            Page(
                "admin, case pages",
                tuple(f"{admin}{case.pk}/change/" for case in cases),
                True,
                "admin, case pages",
            ),
            Page("dashboard", ("/",), False, "admin changelist"),
            Page("case list", ("/cases/",), False, "admin changelist"),
            # The API's list beside the page's (its own target: at or below it).
            Page("API list", ("/api/v1/cases/",), False, "case list"),
            Page(
                "list, pages 5 and 40",
                tuple(f"/cases/?page={p}" for p in later),
                False,
                "admin, pages 5 and 40",
            ),
            Page(
                "list, step+severity",
                tuple(f"/cases/{f}" for f in mine),
                False,
                "admin, step+severity",
            ),
            Page(
                "API, step+severity",
                tuple(f"/api/v1/cases/{f}" for f in mine),
                False,
                "list, step+severity",
            ),
            Page(
                "list, search",
                tuple(f"/cases/?q={w}" for w in words),
                False,
                "admin, search",
            ),
            Page("insights, 90 days", ("/insights/",), False, "admin changelist"),
            Page(
                "insights, 12 months",
                ("/insights/?period=365",),
                False,
                "admin changelist",
            ),
            Page(
                "case pages",
                tuple(case.get_absolute_url() for case in cases),
                False,
                "admin, case pages",
            ),
        ]

    def clients(self) -> dict[bool, TestClient]:
        manager, admin = TestClient(), TestClient()
        manager.force_login(User.objects.get(username=f"{PREFIX}manager"))
        admin.force_login(User.objects.get(username=f"{PREFIX}admin"))
        return {False: manager, True: admin}

    def request(self, client: TestClient, url: str, timer: SqlTimer) -> float:
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            spent = time.perf_counter() - start
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        return spent

    def measure(self, pages: list[Page], runs: int, warmups: int) -> dict:
        clients = self.clients()
        results = {page.name: Timings() for page in pages}
        requests = sum(len(page.urls) for page in pages)
        self.stdout.write(
            f"Requesting {requests} URLs of {len(pages)} pages {runs} times each "
            f"(after {warmups} warm-up), round-robin."
        )
        for run in range(warmups + runs):
            for page in pages:
                for url in page.urls:
                    timer = SqlTimer()
                    wall = self.request(clients[page.as_admin], url, timer)
                    if run >= warmups:
                        timing = results[page.name]
                        timing.wall.append(wall)
                        timing.sql.append(timer.seconds)
                        timing.queries.append(timer.count)
        return results

    def explain(self, pages: list[Page], top: int = 3) -> None:
        clients = self.clients()
        for page in pages:
            url = page.urls[0]
            timer = SqlTimer(explain=True)
            # In a transaction of its own, as ATOMIC_REQUESTS would not: the
            # EXPLAIN runs right after each query, in the request's session.
            self.request(clients[page.as_admin], url, timer)
            slowest = sorted(timer.statements, key=lambda s: -s[0])[:top]
            self.stdout.write(f"\n=== {page.name}: {url}")
            for spent, sql, params, plan in slowest:
                self.stdout.write(f"\n--- {spent * 1000:.1f} ms\n{sql}\n{params!r}")
                for line in plan:
                    self.stdout.write(line)

    # Reporting ---------------------------------------------------------------

    def report(self, pages: list[Page], results: dict, runs: int, n: int) -> list:
        figures = {
            page.name: spread([s * 1000 for s in results[page.name].wall])
            for page in pages
        }
        rows = []
        for page in pages:
            timing = results[page.name]
            mine, admin = figures[page.name], figures[page.baseline]
            rows.append(
                {
                    "page": page.name,
                    "samples": len(page.urls),
                    "median": mine["median"],
                    "p10": mine["p10"],
                    "p90": mine["p90"],
                    "sql": spread([s * 1000 for s in timing.sql])["median"],
                    "queries": max(timing.queries),
                    "baseline": page.baseline,
                    "baseline_median": admin["median"],
                    "as_admin": page.as_admin,
                }
            )
        self.stdout.write(
            f"\n{n:,} cases: each page's requests ({runs} runs of each sampled "
            "URL), in-process, in ms:\n"
        )
        header = (
            f"{'page':<24} {'median':>8} {'p10-p90':>15} {'SQL':>7} {'queries':>7} "
            f"{'admin':>8} {'x admin':>7}  compared with"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in rows:
            band = f"{row['p10']:.0f}-{row['p90']:.0f}"
            ratio = row["median"] / row["baseline_median"]
            self.stdout.write(
                f"{row['page']:<24} {row['median']:>8.1f} {band:>15} "
                f"{row['sql']:>7.1f} "
                f"{row['queries']:>7} {row['baseline_median']:>8.1f} {ratio:>7.2f}  "
                f"{'' if row['as_admin'] else row['baseline']}"
            )
        self.stdout.write("")
        # A page meets its target at or below the admin page it is compared with.
        for row in rows:
            if row["as_admin"]:
                continue
            met = row["median"] <= row["baseline_median"]
            self.stdout.write(
                f"{'OK  ' if met else 'MISS'} {row['page']}: {row['median']:.1f} ms "
                f"{'<=' if met else '>'} {row['baseline']} "
                f"{row['baseline_median']:.1f} ms"
            )
        return rows

    def keep(self, n: int, rows: list) -> None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"review-{n}.json"
        path.write_text(
            json.dumps(
                {"cases": n, "at": timezone.now().isoformat(), "rows": rows}, indent=1
            )
        )
        self.stdout.write(f"\nKept in {path.relative_to(settings.BASE_DIR)}.")

    def sizes(self) -> None:
        """Every size measured so far, side by side (median, p10-p90)."""
        runs = []
        for path in sorted(RESULTS.glob("review-*.json")):
            try:
                runs.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                continue
        runs.sort(key=lambda r: r["cases"])
        if len(runs) < 2:
            return
        self.stdout.write("\nEvery size measured (median ms, p10-p90; x admin):\n")
        header = f"{'page':<24}" + "".join(
            f" {size_label(r['cases']):>26}" for r in runs
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        names = [row["page"] for row in runs[-1]["rows"]]
        for name in names:
            cells = []
            for run in runs:
                row = next((r for r in run["rows"] if r["page"] == name), None)
                if row is None:
                    cells.append(f" {'-':>26}")
                    continue
                ratio = row["median"] / row["baseline_median"]
                band = f"({row['p10']:.0f}-{row['p90']:.0f})"
                text = f"{row['median']:.0f} {band} x{ratio:.2f}"
                cells.append(f" {text:>26}")
            self.stdout.write(f"{name:<24}" + "".join(cells))

    @staticmethod
    def since(started: float) -> str:
        return f"{time.perf_counter() - started:.1f} s"
