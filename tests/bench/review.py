"""Time the review and insights pages against the admin on 100,000 cases.

`make bench` runs this (`python -m tests.bench review`) against its own
database. The data set is loaded once (keyed on the team named "Bench") and
reused; --reload drops and loads it again. Each page is requested in-process
with the test client, round-robin so that a slow moment of the machine hits
every page alike, and timed twice: the wall time of the whole request, and the
time spent executing its SQL.
"""

import datetime as dt
import random
import statistics
import time
import warnings
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client as TestClient
from django.test.utils import override_settings
from django.utils import timezone

from cases.calendar import WorkCalendar, deadlines, targets_for
from cases.casework.services.steps import first_contact_refresh
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    Answer,
    ClientFit,
    CompensationKind,
    FailureSource,
    OurPart,
    Outcome,
    Role,
    Segment,
    Severity,
    Step,
)
from cases.models import (
    Case,
    CasePart,
    ClientContact,
    Compensation,
    Contact,
    FollowUp,
    Membership,
    Promise,
    RootCauseAnswer,
    StepPeriod,
    Team,
    TimelineEntry,
    User,
)
from cases.models import Client as ClientCompany
from cases.workflow import ORDER, WORKING_STEPS

MARKER = "Bench"
TEAMS = [MARKER, "Bench Midmarket"]
PREFIX = "bench-"
ACCOUNT_MANAGERS = 20
CLIENTS = 2000
CHUNK = 5000
YEARS = 3
QUESTIONS = list(ROOT_CAUSE_QUESTIONS)

COMMITMENTS = [
    "Deliver the replacement parts by Friday",
    "Send the corrected invoice within two days",
    "Install the upgrade before the quarter closes",
    "Run the onboarding workshop for the new team",
    "Ship the spring order in one consignment",
    "Answer every support ticket within four hours",
    "Migrate their data over the weekend",
    "Train the night shift on the new scanner",
]
HAPPENINGS = [
    "The courier lost the pallet and nobody told the client for a week.",
    "We invoiced twice and the finance team chased the second payment.",
    "The upgrade broke their reporting on the first morning.",
    "The trainer fell ill and the session was cancelled an hour before.",
    "Half the order arrived; the rest is still at the supplier.",
    "Tickets sat unassigned over a bank holiday.",
    "The migration ran late and their shop was offline on Monday.",
]
WORDS = [
    "Harbour",
    "Larch",
    "Summit",
    "Meridian",
    "Copper",
    "Northgate",
    "Willow",
    "Granite",
    "Beacon",
    "Orchard",
    "Falcon",
    "Riverside",
]
KINDS = ["Logistics", "Retail", "Foods", "Engineering", "Health", "Studios"]


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    as_admin: bool
    baseline: str  # the admin page it is compared with


@dataclass
class Timings:
    wall: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)


class SqlTimer:
    """Sums the time spent executing queries (connection.execute_wrapper).

    With PostgreSQL's ordinary cursors that includes receiving the rows; rows
    read through .iterator() (a server-side cursor) come later, uncounted.
    """

    def __init__(self, keep: bool = False):
        self.seconds = 0.0
        self.count = 0
        self.keep = keep
        self.statements: list[tuple[float, str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - start
            self.seconds += spent
            self.count += 1
            if self.keep:
                self.statements.append((spent, sql, params))


class Command(BaseCommand):
    help = (
        "Load 100,000 cases into PostgreSQL (once) and time the dashboard, the "
        "case list and the case page against the admin's changelist."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--runs", type=int, default=15)
        parser.add_argument("--warmups", type=int, default=2)
        parser.add_argument(
            "--reload", action="store_true", help="Drop the bench data and load it."
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="Print EXPLAIN ANALYZE of each page's slowest queries.",
        )

    def handle(self, *args, cases, runs, warmups, reload, explain, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The review benchmark runs only on PostgreSQL: set "
                "DATABASE_URL=postgres://... "
                f"(this database is {connection.vendor})."
            )
        if cases < 100 or runs < 1:
            raise CommandError("--cases needs at least 100 and --runs at least 1.")
        self.load(cases, reload)
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
        self.report(pages, results, runs)

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
        started = time.perf_counter()
        with transaction.atomic():
            self.fill(n)
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
            Case.objects.filter(team__in=teams).delete()
            ClientCompany.objects.filter(team__in=teams).delete()
            User.objects.filter(username__startswith=PREFIX).delete()
            teams.delete()

    def fill(self, n: int) -> None:
        rng = random.Random(20261124)
        now = timezone.now()
        teams = [Team.objects.create(name=name) for name in TEAMS]
        manager = User.objects.create(
            username=f"{PREFIX}manager",
            first_name="Morgan",
            last_name="Bench",
            role=Role.SALES_MANAGER,
            password=make_password(None),
        )
        User.objects.create(
            username=f"{PREFIX}admin",
            role=Role.ADMINISTRATOR,
            is_staff=True,
            is_superuser=True,
            password=make_password(None),
        )
        owners = User.objects.bulk_create(
            User(
                username=f"{PREFIX}am{i:02d}",
                first_name=rng.choice(["Alex", "Sam", "Jo", "Kim", "Lee", "Ria"]),
                last_name=f"Owner{i:02d}",
                role=Role.ACCOUNT_MANAGER,
                password=make_password(None),
            )
            for i in range(ACCOUNT_MANAGERS)
        )
        Membership.objects.bulk_create(
            [Membership(user=manager, team=team) for team in teams]
            + [Membership(user=u, team=teams[i % 2]) for i, u in enumerate(owners)]
        )
        clients = ClientCompany.objects.bulk_create(
            ClientCompany(
                team=teams[i % 2],
                name=f"{rng.choice(WORDS)} {rng.choice(KINDS)} {i:04d}",
                segment=rng.choice(Segment.values),
                annual_value=rng.randrange(5_000, 400_000, 500),
            )
            for i in range(CLIENTS)
        )
        contacts = Contact.objects.bulk_create(
            Contact(
                client=client,
                name=f"Contact {j} at {client.name}",
                role=rng.choice(["Buyer", "Head of Operations", "Finance"]),
                email=f"c{j}.{client.pk}@example.com",
            )
            for client in clients
            for j in range(2)
        )
        first_contact = {}
        for contact in contacts:
            first_contact.setdefault(contact.client_id, contact.pk)
        by_team = {
            team.pk: (
                [c for c in clients if c.team_id == team.pk],
                [u for i, u in enumerate(owners) if i % 2 == index],
                targets_for(team),
                WorkCalendar.for_team(team),
            )
            for index, team in enumerate(teams)
        }
        # Oldest first, so ids grow with time and open cases sit together at the
        # end of the table, as they do in a database that has been in use.
        ages = sorted((rng.uniform(0, 365 * YEARS) for _ in range(n)), reverse=True)
        for start in range(0, n, CHUNK):
            self.fill_chunk(
                rng, now, teams, by_team, first_contact, ages[start : start + CHUNK]
            )
            if (start + CHUNK) % (CHUNK * 5) == 0:
                self.stdout.write(f"  {start + CHUNK:,} cases")

    def fill_chunk(self, rng, now, teams, by_team, first_contact, ages) -> None:
        cases = []
        for age in ages:
            team = rng.choice(teams)
            clients, owners, targets, calendar = by_team[team.pk]
            opened = now - dt.timedelta(days=age)
            cases.append(
                self.new_case(
                    rng, now, opened, team, clients, owners, targets, calendar
                )
            )
        cases = Case.objects.bulk_create(cases)
        today = timezone.localdate(now)
        parts, periods, promises, follow_ups, entries, offers, links = (
            [] for _ in range(7)
        )
        answers, talks = [], []
        through = Case.contacts.through
        for case in cases:
            links.append(
                through(case_id=case.pk, contact_id=first_contact[case.client_id])
            )
            for part in rng.sample(OurPart.values, rng.choice([1, 1, 2])):
                parts.append(CasePart(case=case, part=part))
            visited = ORDER[: ORDER.index(Step(case.step)) + 1]
            end = case.closed_at or case.step_entered_at
            span = (end - case.opened_at) / max(len(visited) - 1, 1)
            _, _, targets, calendar = by_team[case.team_id]
            for index, step in enumerate(visited):
                entered = case.opened_at + span * index
                last = index == len(visited) - 1
                entered = case.step_entered_at if last else entered
                periods.append(
                    StepPeriod(
                        case=case,
                        team_id=case.team_id,
                        step=step,
                        entered_at=entered,
                        completed_at=(case.closed_at if last else entered + span),
                        due_at=deadlines(
                            None, step, entered, targets=targets, calendar=calendar
                        )[1],
                    )
                )
            if len(visited) > 2:  # past Root cause: the pit stop's answers
                for question in rng.sample(QUESTIONS, 3):
                    answers.append(
                        RootCauseAnswer(
                            case=case,
                            question=question,
                            answer=rng.choices(Answer.values, [5, 3, 2])[0],
                        )
                    )
            if len(visited) > 4:  # past Communicate: the first client contact
                talks.append(
                    ClientContact(
                        case=case,
                        happened_at=case.opened_at + span * 3,
                        channel="call",
                        summary="Called with the options.",
                        logged_by_id=case.owner_id,
                    )
                )
            closed = case.step == Step.CLOSED
            for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
                due = case.opened_at.date() + dt.timedelta(days=rng.randint(1, 20))
                if closed:
                    status = "missed" if rng.random() < 0.1 else "kept"
                else:
                    status = rng.choices(["open", "kept", "missed"], [7, 2, 1])[0]
                promises.append(
                    Promise(
                        case=case,
                        team_id=case.team_id,
                        description=rng.choice(COMMITMENTS),
                        due_on=due
                        if closed
                        else today + dt.timedelta(rng.randint(-5, 12)),
                        made_by_id=case.owner_id,
                        made_in_step=rng.choice(visited[:-1] or visited),
                        status=status,
                        settled_at=None if status == "open" else end,
                        created_at=case.opened_at,
                    )
                )
            if case.step in (Step.FOLLOW_UP, Step.CLOSED):
                for _ in range(rng.choice([1, 1, 2])):
                    status = (
                        rng.choice(["done", "done", "missed"])
                        if closed
                        else rng.choice(["scheduled", "scheduled", "done"])
                    )
                    follow_ups.append(
                        FollowUp(
                            case=case,
                            team_id=case.team_id,
                            due_on=(
                                end.date()
                                if closed
                                else today + dt.timedelta(rng.randint(-3, 20))
                            ),
                            purpose="Check the fix held",
                            status=status,
                        )
                    )
            compensating = ORDER.index(Step(case.step)) >= ORDER.index(Step.COMPENSATE)
            if compensating and rng.random() < 0.5:
                offers.append(self.new_offer(rng, case, end))
            for kind, at in [("logged", case.opened_at), ("advanced", end)]:
                entries.append(
                    TimelineEntry(
                        case=case,
                        at=at,
                        actor_id=case.owner_id,
                        kind=kind,
                        summary=f"{kind.capitalize()} the case.",
                    )
                )
            entries.append(
                TimelineEntry(
                    case=case,
                    at=case.opened_at + (end - case.opened_at) / 2,
                    actor_id=case.owner_id,
                    kind="comment",
                    summary="Commented.",
                    body="Spoke to the client; they want a call from the manager.",
                )
            )
        for model, rows in [
            (through, links),
            (CasePart, parts),
            (StepPeriod, periods),
            (Promise, promises),
            (FollowUp, follow_ups),
            (Compensation, offers),
            (TimelineEntry, entries),
            (RootCauseAnswer, answers),
            (ClientContact, talks),
        ]:
            model.objects.bulk_create(rows, batch_size=CHUNK)
        # What client_contact_log keeps on the case, for the rows written here.
        first_contact_refresh(case_ids=[case.pk for case in cases])

    def new_case(
        self, rng, now, opened, team, clients, owners, targets, calendar
    ) -> Case:
        age = (now - opened).days
        chance_open = 0.7 if age < 30 else 0.3 if age < 90 else 0.03
        case = Case(
            team=team,
            owner=rng.choice(owners),
            client=rng.choice(clients),
            commitment=rng.choice(COMMITMENTS),
            what_happened=rng.choice(HAPPENINGS),
            detected_at=opened,
            severity=rng.choices(Severity.values, [4, 4, 2, 1])[0],
            failure_source=rng.choice(FailureSource.values),
            opened_at=opened,
        )
        if rng.random() < chance_open:
            case.step = rng.choices(WORKING_STEPS, [2, 2, 2, 2, 2, 3, 6])[0]
            case.step_entered_at = opened + (now - opened) * rng.uniform(0.3, 1)
            case.step_warn_at, case.step_due_at = deadlines(
                team,
                case.step,
                case.step_entered_at,
                targets=targets,
                calendar=calendar,
            )
        else:
            closed = min(now, opened + dt.timedelta(days=rng.uniform(3, 60)))
            case.step = Step.CLOSED
            case.step_entered_at = case.closed_at = closed
            case.outcome = rng.choices(Outcome.values, [5, 3, 1, 1])[0]
            case.client_fit = rng.choices(ClientFit.values, [6, 3, 1])[0]
            case.lessons = "Put a buffer in every delivery promise."
        return case

    def new_offer(self, rng, case, end) -> Compensation:
        value = rng.randrange(50, 2_000, 10)
        pending = case.step == Step.COMPENSATE and rng.random() < 0.3
        delivered = case.step != Step.COMPENSATE and not pending
        return Compensation(
            case=case,
            team_id=case.team_id,
            offered_by=case.owner,
            kind=rng.choice(CompensationKind.values),
            description="A month's service free of charge",
            value_to_client=value,
            cost_to_us=value // 2,
            guideline=100,
            approval="pending" if pending else "not_needed",
            delivered_on=end.date() if delivered else None,
            created_at=end,
        )

    # Measuring ---------------------------------------------------------------

    def pages(self) -> list[Page]:
        case = (
            Case.objects.filter(
                team__name=MARKER, step=Step.COMPENSATE, compensations__isnull=False
            )
            .order_by("-opened_at")
            .first()
        ) or Case.objects.filter(team__name=MARKER).order_by("-opened_at").first()
        word = WORDS[0]
        admin = "/admin/cases/case/"
        return [
            Page("admin changelist", admin, True, "admin changelist"),
            Page(
                "admin, step+severity",
                f"{admin}?step__exact=options&severity__exact=high",
                True,
                "admin, step+severity",
            ),
            Page("admin, search", f"{admin}?q={word}", True, "admin, search"),
            Page("dashboard", "/", False, "admin changelist"),
            Page("case list", "/cases/", False, "admin changelist"),
            Page(
                "list, step+severity",
                "/cases/?status=open&severity=high&step=options",
                False,
                "admin, step+severity",
            ),
            Page("list, search", f"/cases/?q={word}", False, "admin, search"),
            # The API's list beside the page's, same filters: the same
            # FilterSet and scope, in JSON (its own target: at or below it).
            Page("API list", "/api/v1/cases/", False, "case list"),
            Page(
                "API, step+severity",
                "/api/v1/cases/?status=open&severity=high&step=options",
                False,
                "list, step+severity",
            ),
            Page("insights, 90 days", "/insights/", False, "admin changelist"),
            Page(
                "insights, 12 months",
                "/insights/?period=365",
                False,
                "admin changelist",
            ),
            Page(
                f"case page #{case.pk}",
                case.get_absolute_url(),
                False,
                "admin changelist",
            ),
        ]

    def clients(self) -> dict[bool, TestClient]:
        manager, admin = TestClient(), TestClient()
        manager.force_login(User.objects.get(username=f"{PREFIX}manager"))
        admin.force_login(User.objects.get(username=f"{PREFIX}admin"))
        return {False: manager, True: admin}

    def request(self, client: TestClient, page: Page, timer: SqlTimer) -> float:
        with connection.execute_wrapper(timer):
            start = time.perf_counter()
            response = client.get(page.url)
            if response.streaming:
                b"".join(response.streaming_content)
            spent = time.perf_counter() - start
        if response.status_code != 200:
            raise CommandError(
                f"{page.name}: {page.url} answered {response.status_code}"
            )
        return spent

    def measure(self, pages: list[Page], runs: int, warmups: int) -> dict:
        clients = self.clients()
        results = {page.name: Timings() for page in pages}
        self.stdout.write(
            f"Requesting {len(pages)} pages {runs} times each "
            f"(after {warmups} warm-ups), round-robin."
        )
        for run in range(warmups + runs):
            for page in pages:
                timer = SqlTimer()
                wall = self.request(clients[page.as_admin], page, timer)
                if run >= warmups:
                    timing = results[page.name]
                    timing.wall.append(wall)
                    timing.sql.append(timer.seconds)
                    timing.queries.append(timer.count)
        return results

    def explain(self, pages: list[Page], top: int = 3) -> None:
        clients = self.clients()
        for page in pages:
            timer = SqlTimer(keep=True)
            self.request(clients[page.as_admin], page, timer)
            slowest = sorted(timer.statements, key=lambda s: -s[0])[:top]
            self.stdout.write(f"\n=== {page.name}: {page.url}")
            for spent, sql, params in slowest:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                self.stdout.write(f"\n--- {spent * 1000:.1f} ms\n{sql}\n{params!r}")
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                    for (line,) in cursor.fetchall():
                        self.stdout.write(line)

    # Reporting ---------------------------------------------------------------

    def report(self, pages: list[Page], results: dict, runs: int) -> None:
        def ms(values) -> float:
            return statistics.median(values) * 1000

        rows = []
        for page in pages:
            timing = results[page.name]
            wall, sql = ms(timing.wall), ms(timing.sql)
            admin = ms(results[page.baseline].wall)
            rows.append((page, wall, sql, statistics.median(timing.queries), admin))
        self.stdout.write(f"\nMedians of {runs} requests each, in-process:\n")
        header = (
            f"{'page':<22} {'median ms':>10} {'SQL ms':>8} {'queries':>8} "
            f"{'vs admin':>9} {'vs SQL':>7}  compared with"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for page, wall, sql, queries, admin in rows:
            self.stdout.write(
                f"{page.name:<22} {wall:>10.1f} {sql:>8.1f} {queries:>8.0f} "
                f"{wall / admin:>9.2f} {wall / sql if sql else 0:>7.2f}  "
                f"{'' if page.as_admin else page.baseline}"
            )
        self.stdout.write("")
        # A page meets its target at or below the admin page it is compared with.
        for page, wall, _, _, admin in rows:
            if page.as_admin:
                continue
            met = wall <= admin
            self.stdout.write(
                f"{'OK  ' if met else 'MISS'} {page.name}: {wall:.1f} ms "
                f"{'<=' if met else '>'} {page.baseline} {admin:.1f} ms"
            )

    @staticmethod
    def since(started: float) -> str:
        return f"{time.perf_counter() - started:.1f} s"
