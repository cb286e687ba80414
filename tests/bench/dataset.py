"""The review benchmark's data set, loaded with set-based SQL.

A million cases cannot go through Python one row at a time in a few minutes,
so every table is filled by one INSERT ... SELECT over generate_series: case g
(1..n) draws its numbers from hashint8extended(g, salt), a deterministic
hash, so a load is the same each time and no two columns move together.

The rows are the ones the app would have written for each case:

- the case: team, owner, client, step, its clock (step_warn_at, step_due_at,
  step_late_at) from the team's targets and working hours; closed cases have
  an outcome, a client fit and lessons;
- a step period for every step visited, each due by its target in business
  hours and, once completed, its business_hours stored (the services'
  _enter); the Closed period completed at once with 0 hours;
- the client contact the case is about, its parts (one or two), the pit
  stop's answers past Root cause, the first client contact past Communicate,
  promises, follow-ups in Follow up and Closed, offers past Compensate, and
  three timeline entries (logged, a comment, advanced);
- what the services keep beside them: every dated record's team (the case's),
  each contact's logged_in_step and the person it names, an early
  acknowledgement in Acknowledge for most cases past it, the full apology
  (its three checks, each tick with its note) past Apologise, the parts'
  of_open_case, a tenth of the cases a second failure (at least High, the
  team's target factor, its earlier case), and, after the rows, the cases'
  search_text, first_contact_at and hours to the first word and apology
  (Loader.summaries, from the app's own expressions where it has them).
  tests/test_bench_dataset.py holds a small load against the app's results.

Business hours are counted in SQL on the team's calendar (working weekdays,
daily hours, time zone: local wall time, as WorkCalendar counts them); the
bench teams have no public holidays or closure days. `check_clock` compares a
sample of the stored deadlines with WorkCalendar's own.

Text is put together from word lists (a client name from 60 words, 24 trades
and a number; a commitment from 24 verbs, 30 objects and 16 deadlines; what
happened from 20 causes, 20 consequences and 12 aftermaths), so a search for
one word finds a spread of cases, as in real data, not one eighth of them.
"""

import datetime as dt
import json
import time
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import NOT_PROVIDED, DecimalField, OuterRef, Subquery
from django.db.models.expressions import RawSQL

from cases.calendar import (
    WorkCalendar,
    deadlines,
    scaled,
    second_escalation_at,
    targets_for,
)
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    Answer,
    ApologyMethod,
    ClientFit,
    CompensationKind,
    FailureSource,
    OnBehalf,
    OurPart,
    Outcome,
    Role,
    SecondFailureReason,
    Segment,
    Severity,
    Step,
)
from cases.models import (
    Apology,
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
from cases.models.search import search_source
from cases.workflow import ORDER, WORKING_STEPS

MARKER = "Bench"
TEAMS = [MARKER, "Bench Midmarket"]
PREFIX = "bench-"
ACCOUNT_MANAGERS = 20  # ten per team
YEARS = 3

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
    "Ashford",
    "Bramble",
    "Cobalt",
    "Dunmore",
    "Elmstead",
    "Fenwick",
    "Glenrock",
    "Hawthorn",
    "Ironbridge",
    "Juniper",
    "Kestrel",
    "Lindale",
    "Marlow",
    "Newhaven",
    "Oakridge",
    "Pembury",
    "Quarry",
    "Redwood",
    "Saltash",
    "Thornbury",
    "Upland",
    "Vale",
    "Westcott",
    "Yardley",
    "Alder",
    "Birchwood",
    "Cresswell",
    "Dovecote",
    "Eastleigh",
    "Foxglove",
    "Greystone",
    "Holloway",
    "Ivybridge",
    "Kingsway",
    "Lowther",
    "Millbrook",
    "Norland",
    "Oldcastle",
    "Penrose",
    "Queensbury",
    "Rowan",
    "Stanton",
    "Tidewater",
    "Underhill",
    "Wexford",
    "Ashcombe",
    "Blackmore",
    "Caldwell",
]
TRADES = [
    "Logistics",
    "Retail",
    "Foods",
    "Engineering",
    "Health",
    "Studios",
    "Dental",
    "Motors",
    "Print",
    "Hotels",
    "Pharma",
    "Textiles",
    "Timber",
    "Plastics",
    "Software",
    "Bakeries",
    "Freight",
    "Optics",
    "Energy",
    "Packaging",
    "Surveyors",
    "Brewing",
    "Clinics",
    "Joinery",
]
VERBS = [
    "Deliver",
    "Install",
    "Send",
    "Ship",
    "Migrate",
    "Replace",
    "Repair",
    "Configure",
    "Train",
    "Audit",
    "Upgrade",
    "Calibrate",
    "Print",
    "Translate",
    "Restock",
    "Inspect",
    "Refit",
    "Collect",
    "Publish",
    "Clean",
    "Survey",
    "Test",
    "Connect",
    "Answer",
]
OBJECTS = [
    "the replacement parts",
    "the corrected invoice",
    "the reporting upgrade",
    "the spring order",
    "their warehouse data",
    "the night shift's scanners",
    "the cold store sensors",
    "the payroll export",
    "the shop fittings",
    "the brochure reprint",
    "the loading bay doors",
    "the fleet tracker",
    "the tasting samples",
    "the server racks",
    "the staff handbook",
    "the booking system",
    "the boiler service",
    "the label printers",
    "the website copy",
    "the safety signage",
    "the pallet racking",
    "the contract renewal",
    "the support tickets",
    "the training videos",
    "the spare keys",
    "the uniforms",
    "the conference stand",
    "the lab results",
    "the roof survey",
    "the customs papers",
]
DEADLINES = [
    "by Friday",
    "within two days",
    "before the quarter closes",
    "over the weekend",
    "by the end of the month",
    "before their audit",
    "in one consignment",
    "on the first morning",
    "before the launch",
    "within four hours",
    "ahead of the holidays",
    "by Monday noon",
    "before the inspection",
    "within a week",
    "in time for the trade fair",
    "before the move",
]
CAUSES = [
    "The courier lost the pallet",
    "We invoiced twice",
    "The upgrade broke their reporting",
    "The trainer fell ill",
    "Half the order arrived",
    "Tickets sat unassigned",
    "The migration ran late",
    "The wrong model was fitted",
    "Our supplier missed the slot",
    "A price change was never sent",
    "The engineer went to the old address",
    "The samples were spoiled in transit",
    "The login stopped working",
    "A discount was left off",
    "The delivery came without papers",
    "Our quote had the wrong volume",
    "The van broke down",
    "The files were sent to a former employee",
    "A weekend job was not staffed",
    "Nobody answered the hotline",
]
CONSEQUENCES = [
    "and nobody told the client for a week.",
    "and their finance team chased the payment.",
    "so their shop was offline on Monday.",
    "and the session was cancelled an hour before.",
    "and the rest is still at the supplier.",
    "over a bank holiday.",
    "so their staff worked overtime.",
    "and their director heard it from a customer.",
    "and the line stood still for a shift.",
    "so their own client complained to them.",
    "and they had to reschedule the launch.",
    "and the invoice did not match the order.",
    "and their auditors flagged it.",
    "so the event went ahead without it.",
    "and we promised a call that never came.",
    "and the second attempt failed as well.",
    "and their warehouse turned the lorry away.",
    "so they paid a rival to finish the job.",
    "and they lost a day's sales.",
    "and their buyer escalated to our CEO.",
]
AFTERMATHS = [
    "They want a call from our manager.",
    "They are looking at other suppliers.",
    "They asked for it in writing.",
    "They accepted an apology for now.",
    "They are waiting for a new date.",
    "They want a credit on the next invoice.",
    "Their board meets next week.",
    "It is the second time this year.",
    "They stayed calm but want a plan.",
    "We offered to send someone on site.",
    "The account is up for renewal.",
    "They copied their lawyer in.",
]
LESSONS = [
    "Put a buffer in every delivery promise.",
    "Confirm the address before every visit.",
    "Send the change in writing the same day.",
    "Name a backup for every trainer.",
    "Check the invoice against the order before sending.",
    "Tell the client the moment a date slips.",
    "Ask the supplier for a confirmed slot.",
    "Staff weekend work a week ahead.",
]
COMMENTS = [
    "Spoke to the client; they want a call from the manager.",
    "Left a message with their office; calling again tomorrow.",
    "They agreed to the new date if we confirm it in writing.",
    "Their buyer is on holiday; spoke to the deputy instead.",
    "Finance confirmed the credit note went out this morning.",
    "The warehouse says the second half ships on Thursday.",
    "Our engineer is booked for the first slot next week.",
    "They asked whether the discount applies to the next order too.",
]
PROMISES = [
    "Call back with a new delivery date",
    "Send the corrected invoice",
    "Confirm the engineer's visit in writing",
    "Refund the delivery charge",
    "Send a written apology from our director",
    "Ship the missing half of the order",
    "Run the training again at no charge",
    "Share the fix plan with their team",
    "Check the stock at the supplier",
    "Book a review meeting for next month",
]
PURPOSES = [
    "Check the fix held",
    "Ask how the new delivery went",
    "Confirm the credit arrived",
    "Review the month with their buyer",
    "Make sure the training stuck",
    "See whether the reporting is right now",
]
TALKS = [
    "Called with the options.",
    "Met their buyer and went through the plan.",
    "Video call with their operations lead.",
    "Wrote with the options and a date.",
]
ACKNOWLEDGEMENTS = [
    "Called to say we know and are on it.",
    "Wrote to own the mistake and promise a plan by tomorrow.",
    "Messaged their buyer: we dropped it, details to follow.",
]
RESPONSES = [
    "They thanked us for owning it.",
    "Still annoyed, but willing to see the fix through.",
    "They want to see it does not happen again.",
    "Accepted, and asked to be kept posted.",
]
IMPACT_NOTES = [
    "Their shop lost a day's sales.",
    "Their staff worked late to cover it.",
    "Their own client complained to them.",
]
OWNED_NOTES = [
    "Said it was our mistake, no excuses.",
    "We missed the date and said so.",
    "Owned that nobody told them in time.",
]
FIX_NOTES = [
    "Walked them through the new check.",
    "Showed the corrected order.",
    "Sent the plan with the new dates.",
]
OFFERS = [
    "A month's service free of charge",
    "The delivery charge refunded",
    "A credit on the next invoice",
    "Free training for two of their staff",
    "An upgrade at no extra cost",
]


def sql_text(items) -> str:
    """A list as a PostgreSQL text[] literal, for word lists in the SQL."""
    return "ARRAY[" + ", ".join("'" + s.replace("'", "''") + "'" for s in items) + "]"


def word(items, salt: int, draw: str = "g") -> str:
    """SQL choosing one of items for each row, by the hash of `draw`."""
    return f"({sql_text(items)})[pg_temp.pick({draw}, {salt}, {len(items)}) + 1]"


def weighted(u: str, values, weights) -> str:
    """A CASE expression choosing values[i] with probability weights[i]
    from a uniform number `u` in [0, 1)."""
    total = sum(weights)
    cases, running = [], 0
    for value, weight in zip(values[:-1], weights[:-1], strict=False):
        running += weight
        cases.append(f"WHEN {u} < {running / total!r} THEN {value}")
    return f"(CASE {' '.join(cases)} ELSE {values[-1]} END)"


def quoted(values) -> list[str]:
    return ["'" + str(v) + "'" for v in values]


class Loader:
    """Fill the bench teams with `n` cases; `out` is a write(str) for progress."""

    def __init__(self, n: int, out, now: dt.datetime):
        self.n = n
        self.out = out
        self.now = now
        self.clients = max(2000, n // 50) // 2 * 2  # even: half per team
        self.timings: list[tuple[str, float]] = []

    # People and teams: a few rows, through the ORM.

    def people(self) -> tuple[list[Team], list[list[int]], WorkCalendar]:
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
        first = ["Alex", "Sam", "Jo", "Kim", "Lee", "Ria", "Noor", "Tom", "Eva", "Raj"]
        owners = User.objects.bulk_create(
            User(
                username=f"{PREFIX}am{i:02d}",
                first_name=first[i % len(first)],
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
        calendars = {WorkCalendar.for_team(team) for team in teams}
        targets = {tuple(sorted(targets_for(team).items())) for team in teams}
        if len(calendars) != 1 or len(targets) != 1:
            raise RuntimeError("The bench teams must share one calendar and targets.")
        by_team = [[u.pk for i, u in enumerate(owners) if i % 2 == t] for t in (0, 1)]
        return teams, by_team, calendars.pop()

    # The SQL ------------------------------------------------------------------

    def functions(self, calendar: WorkCalendar, team: Team) -> None:
        """pg_temp functions: the hash draws and the team's business clock."""
        if calendar.end <= calendar.start:
            raise RuntimeError("The bench calendar must end after it starts.")
        opens = calendar.start.hour + calendar.start.minute / 60
        length = (
            dt.datetime.combine(dt.date.min, calendar.end)
            - dt.datetime.combine(dt.date.min, calendar.start)
        ).total_seconds() / 3600
        works = [1 if day in calendar.days else 0 for day in range(7)]
        before = [sum(works[:day]) for day in range(7)]  # working days before
        kth = [day for day in range(7) if works[day]]  # the k-th working day
        per_week = len(kth)
        zone = calendar.zone.key
        # 2000-01-03 was a Monday: day numbers count from it.
        week = per_week * length
        # Numbers and a zone name from WorkCalendar, no user input.
        sql = f"""
        CREATE OR REPLACE FUNCTION pg_temp.u(g bigint, salt bigint) RETURNS float8
          LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
          $$ SELECT (hashint8extended(g, salt) & 2147483647)::float8 / 2147483648 $$;
        CREATE OR REPLACE FUNCTION pg_temp.pick(g bigint, salt bigint, n int)
          RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
          $$ SELECT floor(pg_temp.u(g, salt) * n)::int $$;
        -- Working hours from 2000-01-03 (a Monday) 00:00 local time to t.
        CREATE OR REPLACE FUNCTION pg_temp.hours_at(t timestamptz) RETURNS float8
          LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
          DECLARE
            l timestamp := t AT TIME ZONE '{zone}';
            d int := l::date - date '2000-01-03';
            w int := d / 7;
            dow int := d - w * 7;
          BEGIN
            RETURN (w * {per_week} + (ARRAY{before})[dow + 1]) * {length}::float8
              + CASE WHEN (ARRAY{works})[dow + 1] = 1 THEN least(greatest(
                  extract(epoch FROM l - l::date)::float8 / 3600 - {opens}, 0),
                  {length}) ELSE 0 END;
          END $$;
        -- The moment the working-hour count reaches h.
        CREATE OR REPLACE FUNCTION pg_temp.moment_at(h float8) RETURNS timestamptz
          LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
          DECLARE
            w int := floor(h / {week});
            r float8 := h - w * {week}::float8;
            k int := least(floor(r / {length})::int, {per_week - 1});
          BEGIN
            RETURN ((date '2000-01-03' + (w * 7 + (ARRAY{kth})[k + 1]))::timestamp
              + make_interval(secs => ({opens} + r - k * {length}) * 3600))
              AT TIME ZONE '{zone}';
          END $$;
        CREATE OR REPLACE FUNCTION pg_temp.add_hours(t timestamptz, hours float8)
          RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS
          $$ SELECT pg_temp.moment_at(pg_temp.hours_at(t) + hours) $$;
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql)

    def run(self, title: str, sql: str, params=None) -> int:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.rowcount
        seconds = time.perf_counter() - started
        self.timings.append((title, seconds))
        self.out(f"  {title}: {rows:,} rows in {seconds:.1f} s")
        return rows

    def insert(self, model, values: dict[str, str], source: str, title: str) -> int:
        """INSERT INTO model's table (every column) SELECT the given SQL
        expressions FROM source; columns not given get the field's default
        (generated and db_default columns the database's), so a column added
        to a model later does not break the load. A column the services keep
        from others (a search text, a summary) needs its expression here."""
        columns, exprs, params = [], [], []
        for f in model._meta.concrete_fields:
            if f.primary_key and f.column not in values:
                continue
            # A generated column, or one the database fills (db_default):
            # PostgreSQL computes it, as it would for the app's own rows.
            database_fills = getattr(f, "generated", False) or (
                f.db_default is not NOT_PROVIDED and not f.has_default()
            )
            if database_fills and f.column not in values:
                continue
            columns.append(connection.ops.quote_name(f.column))
            if f.column in values:
                exprs.append(values[f.column])
                continue
            default = f.get_default()
            if default is None and not f.null:
                raise RuntimeError(f"{model.__name__}.{f.name}: no value, no default")
            if isinstance(default, (list, dict)):
                exprs.append("%s::jsonb")
                params.append(json.dumps(default))
            else:
                exprs.append("%s")
                params.append(f.get_db_prep_save(default, connection))
        table = connection.ops.quote_name(model._meta.db_table)
        # The bench's own SQL expressions; defaults go as parameters.
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
            f"SELECT {', '.join(exprs)} FROM {source}"
        )
        return self.run(title, sql, params)

    def fill(self) -> None:
        """Load everything, in the caller's transaction."""
        teams, owners, calendar = self.people()
        self.functions(calendar, teams[0])
        keys = self.drop_foreign_keys()
        self.rows(teams, owners, calendar)
        self.summaries(teams)
        self.restore_foreign_keys(keys)

    LOADED = (
        ClientCompany,
        Contact,
        Case,
        Case.contacts.through,
        CasePart,
        StepPeriod,
        RootCauseAnswer,
        ClientContact,
        ClientContact.people.through,
        Apology,
        Promise,
        FollowUp,
        Compensation,
        TimelineEntry,
    )

    def drop_foreign_keys(self) -> list[tuple[str, str, str]]:
        """The loaded tables' foreign keys, dropped for the load.

        As PostgreSQL's guide to populating a database advises: checked row by
        row, deferred to the commit, twenty million checks take longer than
        the load; adding each key back checks every row in one scan. In the
        same transaction, so no one sees the tables without them.
        """
        tables = [model._meta.db_table for model in self.LOADED]
        with connection.cursor() as cursor:
            # The checks the ORM's rows above queued run now: a table with
            # checks pending cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' "
                "AND conrelid = ANY(%s::regclass[])",
                [tables],
            )
            keys = cursor.fetchall()
            for table, name, _ in keys:
                name = connection.ops.quote_name(name)
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        return keys

    def restore_foreign_keys(self, keys: list[tuple[str, str, str]]) -> None:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table, name, definition in keys:
                cursor.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT "
                    f"{connection.ops.quote_name(name)} {definition}"
                )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        seconds = time.perf_counter() - started
        self.timings.append(("foreign keys", seconds))
        self.out(f"  {len(keys)} foreign keys added back (checked) in {seconds:.1f} s")

    def rows(self, teams, owners, calendar) -> None:
        targets = targets_for(teams[0])
        late_after = float(teams[0].second_escalation_hours)
        order = [str(s) for s in ORDER]
        # The usual targets, and a second failure's (times the team's factor,
        # rounded as calendar.scaled rounds them): b.f picks one of the two.
        factor = teams[0].second_failure_factor
        target, warn = [], []
        for f in (1, factor):
            pairs = [scaled(targets[s], f) if s in targets else (0, 0) for s in ORDER]
            target.append([float(t) for t, _ in pairs])
            warn.append([float(max(t - w, 0)) for t, w in pairs])
        target = f"(CASE WHEN b.sf THEN ARRAY{target[1]} ELSE ARRAY{target[0]} END)"
        warn = f"(CASE WHEN b.sf THEN ARRAY{warn[1]} ELSE ARRAY{warn[0]} END)"
        zone = calendar.zone.key
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM cases_client")
            client_base = cursor.fetchone()[0]
            cursor.execute("SELECT coalesce(max(id), 0) FROM cases_contact")
            contact_base = cursor.fetchone()[0]
            cursor.execute("SELECT coalesce(max(id), 0) FROM cases_case")
            case_base = cursor.fetchone()[0]
        n, clients = self.n, self.clients
        u = "pg_temp.u"
        pick = "pg_temp.pick"

        # Clients k = 1..C, team k % 2; two contacts each (2k-1 is the first).
        self.insert(
            ClientCompany,
            {
                "id": f"{client_base} + k",
                "team_id": f"CASE mod(k, 2) WHEN 0 THEN {teams[0].pk} "
                f"ELSE {teams[1].pk} END",
                "name": f"{word(WORDS, 1, 'k')} || ' ' || {word(TRADES, 2, 'k')} "
                "|| ' ' || lpad(k::text, 5, '0')",
                "segment": word(Segment.values, 3, "k"),
                "annual_value": f"5000 + 500 * {pick}(k, 4, 790)",
            },
            f"generate_series(1, {clients}) AS k",
            "clients",
        )
        self.insert(
            Contact,
            {
                "id": f"{contact_base} + 2 * (c.id - {client_base}) - 1 + j",
                "client_id": "c.id",
                "name": "(ARRAY['Buyer', 'Operations lead', 'Finance'])[j + 1] "
                "|| ' at ' || c.name",
                "role": "(ARRAY['Buyer', 'Head of Operations', 'Finance'])[j + 1]",
                "email": "'c' || j || '.' || c.id || '@example.com'",
            },
            f"cases_client c CROSS JOIN generate_series(0, 1) AS j "
            f"WHERE c.id > {client_base}",
            "contacts",
        )

        # The cases, staged in a temporary table first: the child rows read it.
        now = f"'{self.now.isoformat()}'::timestamptz"
        age = f"({365 * YEARS} * (1 - (g - 0.5) / {n}))"  # days; oldest first
        severity = weighted(f"{u}(g, 14)", quoted(Severity.values), [4, 4, 2, 1])
        step_of = weighted(
            f"{u}(g, 11)",
            [str(i) for i in range(len(WORKING_STEPS))],
            [2, 2, 2, 2, 2, 3, 6],
        )
        stage = f"""
        CREATE TEMP TABLE bench_case ON COMMIT DROP AS
        SELECT g, {case_base} + g AS id, t,
               opened,
               s, sf, drawn,
               CASE WHEN sf AND drawn IN ('low', 'medium') THEN 'high'
                 ELSE drawn END AS severity,
               CASE WHEN s = 7 THEN closed ELSE
                 opened + ({now} - opened) * (0.3 + 0.7 * {u}(g, 12)) END AS entered,
               CASE WHEN s = 7 THEN closed END AS closed_at
        FROM (
          SELECT g, t, opened,
                 -- A second failure: a tenth of the cases, at least High.
                 {u}(g, 19) < 0.1 AS sf,
                 {severity} AS drawn,
                 CASE WHEN {u}(g, 10) < CASE WHEN {age} < 30 THEN 0.7
                        WHEN {age} < 90 THEN 0.3 ELSE 0.03 END
                   THEN {step_of} ELSE 7 END AS s,
                 least({now}, opened + make_interval(
                   secs => (3 + 57 * {u}(g, 13)) * 86400)) AS closed
          FROM (SELECT g, {pick}(g, 0, 2) AS t,
                       {now} - make_interval(secs => {age} * 86400) AS opened
                FROM generate_series(1, {n}) AS g) AS drawn
        ) AS cases
        """  # noqa: S608 (numbers and the bench's own SQL)
        self.run("staged cases", stage)
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE bench_case ADD PRIMARY KEY (g)")
            cursor.execute("ANALYZE bench_case")
        half = clients // 2
        # Each dated record carries its case's team (CaseRecord.team).
        team_of = f"CASE b.t WHEN 0 THEN {teams[0].pk} ELSE {teams[1].pk} END"
        self.insert(
            Case,
            {
                "id": "b.id",
                "team_id": team_of,
                "owner_id": "CASE b.t "
                f"WHEN 0 THEN (ARRAY{owners[0]})[{pick}(g, 3, 10) + 1] "
                f"ELSE (ARRAY{owners[1]})[{pick}(g, 3, 10) + 1] END",
                # Client k has team k % 2: k = 2j + 2 for team 0, 2j + 1 for team 1.
                "client_id": f"{client_base} + 2 * {pick}(g, 2, {half}) + 2 - b.t",
                "commitment": f"{word(VERBS, 20)} || ' ' || {word(OBJECTS, 21)} "
                f"|| ' ' || {word(DEADLINES, 22)}",
                "what_happened": f"{word(CAUSES, 23)} || ' ' "
                f"|| {word(CONSEQUENCES, 24)} || ' ' || {word(AFTERMATHS, 25)}",
                "detected_at": "b.opened",
                "opened_at": "b.opened",
                "severity": "b.severity",
                # As second_failure_mark leaves a case (earlier_case and
                # second_failure_found are set in summaries(), once the
                # client's other cases are in).
                "second_failure": "b.sf",
                "severity_raised_from": "CASE WHEN b.severity <> b.drawn "
                "THEN b.drawn ELSE '' END",
                "target_factor": f"CASE WHEN b.sf THEN {factor} ELSE 1 END",
                "damage_guidance": "b.sf",
                "failure_source": word(FailureSource.values, 15),
                "step": f"({sql_text(order)})[b.s + 1]",
                "step_entered_at": "b.entered",
                # From the entry's working-hour count: the due time lies in
                # working time, so the second escalation is its count + hours.
                "step_warn_at": "CASE WHEN b.s < 7 THEN "
                f"pg_temp.moment_at(d.h + {warn}[b.s + 1]) END",
                "step_due_at": "CASE WHEN b.s < 7 THEN "
                f"pg_temp.moment_at(d.h + {target}[b.s + 1]) END",
                "step_late_at": "CASE WHEN b.s < 7 THEN pg_temp.moment_at("
                f"d.h + {target}[b.s + 1] + {late_after}) END",
                "closed_at": "b.closed_at",
                "outcome": "CASE WHEN b.s = 7 THEN "
                + weighted(f"{u}(g, 16)", quoted(Outcome.values), [5, 3, 1, 1])
                + " ELSE '' END",
                "client_fit": "CASE WHEN b.s = 7 THEN "
                + weighted(f"{u}(g, 17)", quoted(ClientFit.values), [6, 3, 1])
                + " ELSE '' END",
                "lessons": f"CASE WHEN b.s = 7 THEN ({sql_text(LESSONS)})"
                f"[{pick}(g, 18, {len(LESSONS)}) + 1] ELSE '' END",
                "updated_at": "b.entered",
            },
            "bench_case b, LATERAL (SELECT CASE WHEN b.s < 7 THEN "
            "pg_temp.hours_at(b.entered) END AS h) AS d ORDER BY b.g",
            "cases",
        )
        through = Case.contacts.through
        self.insert(
            through,
            {
                "case_id": "b.id",
                "contact_id": f"{contact_base} + 2 * (c.client_id - {client_base}) - 1",
            },
            "bench_case b JOIN cases_case c ON c.id = b.id",
            "the contact each case is about",
        )
        parts = sql_text(OurPart.values)
        p = len(OurPart.values)
        self.insert(
            CasePart,
            {
                "case_id": "b.id",
                "part": f"({parts})[mod({pick}(g, 30, {p}) "
                f"+ j * (1 + {pick}(g, 31, {p - 1})), "
                f"{p}) + 1]",
                # The dashboard's "our part" chart reads the open cases' parts.
                "of_open_case": "b.s < 7",
            },
            f"bench_case b, generate_series(0, CASE WHEN {u}(g, 32) < 0.667 "
            "THEN 0 ELSE 1 END) AS j",
            "our parts",
        )
        # Periods: step i of 0..s; span the case's time before its last step.
        span = "((coalesce(b.closed_at, b.entered) - b.opened) / greatest(b.s, 1))"
        self.insert(
            StepPeriod,
            {
                "case_id": "b.id",
                "step": f"({sql_text(order)})[i + 1]",
                "entered_at": "x.entered",
                "completed_at": "x.completed",
                "team_id": team_of,
                "due_at": "CASE WHEN i < 7 THEN "
                f"pg_temp.moment_at(h.entered + {target}[i + 1]) END",
                "business_hours": "CASE WHEN i = 7 THEN 0 WHEN x.completed IS NOT NULL "
                "THEN round((h.completed - h.entered)::numeric, 2) END",
            },
            f"bench_case b, generate_series(0, b.s) AS i, LATERAL (SELECT "
            f"CASE WHEN i = b.s THEN b.entered ELSE b.opened + {span} * i END "
            "AS entered, "
            f"CASE WHEN i = 7 THEN b.closed_at WHEN i = b.s THEN NULL "
            f"WHEN i = b.s - 1 THEN b.entered ELSE b.opened + {span} * (i + 1) END "
            "AS completed) AS x, "
            # Each moment's working-hour count once: the due time and the
            # business hours both start from the entry's.
            "LATERAL (SELECT pg_temp.hours_at(x.entered) AS entered, "
            "CASE WHEN i < 7 AND x.completed IS NOT NULL "
            "THEN pg_temp.hours_at(x.completed) END AS completed) AS h",
            "step periods",
        )
        questions = list(ROOT_CAUSE_QUESTIONS)
        steps_coprime = [1, 2, 4, 5, 7, 8]  # with 9: three distinct questions
        assert len(questions) == 9
        self.insert(
            RootCauseAnswer,
            {
                "case_id": "b.id",
                "question": f"({sql_text(questions)})[mod({pick}(g, 40, 9) + j * "
                f"(ARRAY{steps_coprime})[{pick}(g, 41, 6) + 1], 9) + 1]",
                "answer": weighted(
                    f"{u}(g * 3 + j, 42)", quoted(Answer.values), [5, 3, 2]
                ),
            },
            "bench_case b, generate_series(0, 2) AS j WHERE b.s >= 2",
            "root cause answers",
        )
        self.insert(
            ClientContact,
            {
                "case_id": "b.id",
                "happened_at": f"b.opened + {span} * 3",
                "channel": "(ARRAY['call', 'meeting', 'video', 'email'])"
                f"[{pick}(g, 50, 4) + 1]",
                "summary": f"{word(TALKS, 51)}",
                "logged_in_step": f"'{Step.COMMUNICATE}'",
                "logged_by_id": "c.owner_id",
            },
            "bench_case b JOIN cases_case c ON c.id = b.id WHERE b.s >= 4",
            "client contacts in Communicate",
        )
        # The quick word before the options (DOMAIN.md: acknowledge at once),
        # in the Acknowledge step, for most cases that have left it.
        self.insert(
            ClientContact,
            {
                "case_id": "b.id",
                "happened_at": f"b.opened + {span} * (0.05 + 0.6 * {u}(g, 53))",
                "channel": f"(ARRAY['call', 'email', 'message'])[{pick}(g, 54, 3) + 1]",
                "summary": f"{word(ACKNOWLEDGEMENTS, 55)}",
                "logged_in_step": f"'{Step.ACKNOWLEDGE}'",
                "logged_by_id": "c.owner_id",
            },
            "bench_case b JOIN cases_case c ON c.id = b.id "
            f"WHERE b.s >= 1 AND {u}(g, 52) < 0.6",
            "early acknowledgements",
        )
        # Each contact names the person the case is about, as the form does.
        self.insert(
            ClientContact.people.through,
            {
                "clientcontact_id": "cc.id",
                "contact_id": f"{contact_base} + 2 * (c.client_id - {client_base}) - 1",
            },
            "cases_clientcontact cc JOIN bench_case b ON b.id = cc.case_id "
            "JOIN cases_case c ON c.id = b.id",
            "people spoken to",
        )
        # The full apology, in Apologise, to the same person: the three checks
        # ticked (each with its note) as often as people tick them.
        apologised = (
            f"CASE WHEN b.s = 4 THEN b.entered + ({now} - b.entered) * 0.5 * "
            f"{u}(g, 101) ELSE b.opened + {span} * (4.2 + 0.6 * {u}(g, 101)) END"
        )
        checks = {}
        for i, (name, share, notes) in enumerate(
            [
                ("named_impact", 0.8, IMPACT_NOTES),
                ("owned_our_part", 0.7, OWNED_NOTES),
                ("fix_presented", 0.6, FIX_NOTES),
            ]
        ):
            ticked = f"{u}(g, {110 + i}) < {share}"
            checks[name] = ticked
            checks[f"{name}_note"] = (
                f"CASE WHEN {ticked} THEN {word(notes, 120 + i)} ELSE '' END"
            )
        self.insert(
            Apology,
            {
                "case_id": "b.id",
                "contact_id": f"{contact_base} + 2 * (c.client_id - {client_base}) - 1",
                "method": weighted(
                    f"{u}(g, 102)", quoted(ApologyMethod.values), [2, 5, 3]
                ),
                "on_behalf": weighted(f"{u}(g, 103)", quoted(OnBehalf.values), [3, 1]),
                "asked_forgiveness": f"{u}(g, 104) < 0.4",
                "response": f"{word(RESPONSES, 105)}",
                "apologised_on": f"(x.at AT TIME ZONE '{zone}')::date",
                "apologised_at": "x.at",
                **checks,
            },
            "bench_case b JOIN cases_case c ON c.id = b.id, "
            f"LATERAL (SELECT {apologised} AS at) AS x "
            f"WHERE b.s >= 5 OR (b.s = 4 AND {u}(g, 100) < 0.3)",
            "apologies",
        )
        end = "coalesce(b.closed_at, b.entered)"
        today = f"date '{self.now.date().isoformat()}'"
        draw = "(g * 4 + j)"
        self.insert(
            Promise,
            {
                "case_id": "b.id",
                "team_id": team_of,
                "description": f"{word(PROMISES, 60, draw)}",
                "due_on": "CASE WHEN b.s = 7 THEN "
                f"b.opened::date + 1 + {pick}({draw}, 61, 20) "
                f"ELSE {today} - 5 + {pick}({draw}, 61, 18) END",
                "made_by_id": "c.owner_id",
                "made_in_step": f"({sql_text(order)})"
                f"[{pick}({draw}, 62, greatest(b.s, 1)) + 1]",
                "status": "x.status",
                "settled_at": f"CASE WHEN x.status <> 'open' THEN {end} END",
                "created_at": "b.opened",
            },
            "bench_case b JOIN cases_case c ON c.id = b.id, "
            "generate_series(1, "
            f"(ARRAY[0, 1, 1, 1, 2, 3])[{pick}(g, 63, 6) + 1]) AS j, "
            f"LATERAL (SELECT CASE WHEN b.s = 7 THEN CASE WHEN {u}({draw}, 64) < 0.1 "
            "THEN 'missed' ELSE 'kept' END ELSE "
            + weighted(f"{u}({draw}, 65)", ["'open'", "'kept'", "'missed'"], [7, 2, 1])
            + " END AS status) AS x",
            "promises",
        )
        self.insert(
            FollowUp,
            {
                "case_id": "b.id",
                "team_id": team_of,
                "due_on": f"CASE WHEN b.s = 7 THEN {end}::date "
                f"ELSE {today} - 3 + {pick}({draw}, 70, 24) END",
                "purpose": f"{word(PURPOSES, 71, draw)}",
                "status": "x.status",
                "settled_at": f"CASE WHEN x.status <> 'scheduled' THEN {end} END",
            },
            "bench_case b, "
            f"generate_series(1, CASE WHEN {u}(g, 72) < 0.667 THEN 1 ELSE 2 END) AS j, "
            "LATERAL (SELECT CASE WHEN b.s = 7 THEN "
            + weighted(f"{u}({draw}, 73)", ["'done'", "'missed'"], [2, 1])
            + " ELSE "
            + weighted(f"{u}({draw}, 73)", ["'scheduled'", "'done'"], [2, 1])
            + " END AS status) AS x WHERE b.s >= 6",
            "follow-ups",
        )
        self.insert(
            Compensation,
            {
                "case_id": "b.id",
                "team_id": team_of,
                "offered_by_id": "c.owner_id",
                "kind": f"({sql_text(CompensationKind.values)})"
                f"[{pick}(g, 80, {len(CompensationKind.values)}) + 1]",
                "description": f"{word(OFFERS, 81)}",
                "value_to_client": "x.value",
                "cost_to_us": "floor(x.value / 2)",
                "guideline": "100",
                "approval": "CASE WHEN x.pending THEN 'pending' ELSE 'not_needed' END",
                "delivered_on": f"CASE WHEN b.s > 5 THEN {end}::date END",
                "delivered_at": f"CASE WHEN b.s > 5 THEN {end} END",
                "delivered_by_id": "CASE WHEN b.s > 5 THEN c.owner_id END",
                "created_at": end,
            },
            "bench_case b JOIN cases_case c ON c.id = b.id, "
            f"LATERAL (SELECT 50 + 10 * {pick}(g, 82, 195) AS value, "
            f"b.s = 5 AND {u}(g, 83) < 0.3 AS pending) AS x "
            f"WHERE b.s >= 5 AND {u}(g, 84) < 0.5",
            "offers",
        )
        self.insert(
            TimelineEntry,
            {
                "case_id": "b.id",
                "at": "CASE j WHEN 0 THEN b.opened "
                f"WHEN 1 THEN b.opened + ({end} - b.opened) / 2 "
                f"ELSE {end} END",
                "actor_id": "c.owner_id",
                "kind": "(ARRAY['logged', 'comment', 'advanced'])[j + 1]",
                "summary": "(ARRAY['Logged the case.', 'Commented.', "
                "'Advanced the case.'])[j + 1]",
                "body": f"CASE WHEN j = 1 THEN ({sql_text(COMMENTS)})"
                f"[{pick}(g, 90, {len(COMMENTS)}) + 1] ELSE '' END",
            },
            "bench_case b JOIN cases_case c ON c.id = b.id, generate_series(0, 2) AS j",
            "timeline entries",
        )
        with connection.cursor() as cursor:
            for model in (ClientCompany, Contact, Case):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )

    # Summaries the services keep -----------------------------------------------

    def timed(self, title: str, work) -> None:
        started = time.perf_counter()
        rows = work()
        seconds = time.perf_counter() - started
        self.timings.append((title, seconds))
        self.out(f"  {title}: {rows:,} rows in {seconds:.1f} s")

    def summaries(self, teams: list[Team]) -> None:
        """The columns the services keep from other rows, filled after the
        rows in one UPDATE of the cases (each rewrite of a million cases and
        their indexes costs minutes): search_text by the app's own expression
        (models.search.search_source, as search_text_refresh writes it),
        first_contact_at by first_contact_refresh's subquery, the hours to
        the first word and the first apology as casework.timing works them
        out, in SQL on the bench calendar; then each second failure's
        earlier case. tests/test_bench_dataset.py holds them against the
        services' own results."""
        cases = Case.objects.filter(team__in=teams)
        # Statistics first: the per-case subqueries below are planned from
        # them, and tables this load just filled have none (a nested loop
        # over a whole table per case, unless analysed).
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for model in self.LOADED:
                cursor.execute(
                    f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}"
                )
        self.timings.append(("analyse", time.perf_counter() - started))
        self.out(f"  analysed in {time.perf_counter() - started:.1f} s")
        table = {
            model: connection.ops.quote_name(model._meta.db_table)
            for model in (
                Case,
                Case.contacts.through,
                ClientContact,
                ClientContact.people.through,
                Apology,
            )
        }
        case, affected = table[Case], table[Case.contacts.through]
        talk, heard = table[ClientContact], table[ClientContact.people.through]
        # person_timings + case_figures: an affected person's first word is
        # the first contact naming them or their apology; the case's figures
        # are the earliest over its affected people, in business hours from
        # detection (casework.timing.hours: 0 if not after, to the hundredth).
        talks = (
            f"SELECT t.happened_at AS at FROM {talk} t "  # noqa: S608 (model tables)
            f"JOIN {heard} h ON h.clientcontact_id = t.id "
            f"JOIN {affected} a ON a.case_id = t.case_id "
            f"AND a.contact_id = h.contact_id WHERE t.case_id = {case}.id"
        )
        apologies = (
            f"SELECT p.apologised_at AS at FROM {table[Apology]} p "  # noqa: S608
            f"JOIN {affected} a ON a.case_id = p.case_id "
            f"AND a.contact_id = p.contact_id WHERE p.case_id = {case}.id"
        )

        def hours_to_first(rows: str) -> RawSQL:
            return RawSQL(  # noqa: S611 (the bench's own SQL, no input)
                "(SELECT CASE WHEN min(w.at) IS NOT NULL THEN "  # noqa: S608
                "round(greatest(pg_temp.hours_at(min(w.at)) "
                f"- pg_temp.hours_at({case}.detected_at), 0)::numeric, 2) END "
                f"FROM ({rows}) AS w)",
                [],
                output_field=DecimalField(max_digits=9, decimal_places=2),
            )

        first = (
            ClientContact.objects.filter(case=OuterRef("pk"))
            .order_by("happened_at")
            .values("happened_at")[:1]
        )
        self.timed(
            "search text, first contacts, hours to the first word and apology",
            lambda: cases.order_by().update(
                search_text=search_source(),
                first_contact_at=Subquery(first),
                acknowledged_hours=hours_to_first(f"{talks} UNION ALL {apologies}"),
                apology_hours=hours_to_first(apologies),
            ),
        )
        team_ids = [team.pk for team in teams]
        # second_failure_mark's earlier case: the client's case before this
        # one, and why it counts (open then, closed recently, or else the
        # same part of ours).
        days = teams[0].second_failure_days
        self.run(
            "second failures' earlier cases",
            f"""
            UPDATE {table[Case]} c SET earlier_case_id = e.prev,
              second_failure_found = jsonb_build_array(jsonb_build_object(
                'case', e.prev, 'reasons', jsonb_build_array(CASE
                  WHEN p.closed_at IS NULL OR p.closed_at > c.opened_at
                    THEN '{SecondFailureReason.OPEN}'
                  WHEN p.closed_at >= c.opened_at - interval '{days} days'
                    THEN '{SecondFailureReason.RECENT}'
                  ELSE '{SecondFailureReason.SAME_PART}' END)))
            FROM (SELECT id, lag(id) OVER (PARTITION BY client_id
                    ORDER BY opened_at, id) AS prev
                  FROM {table[Case]} WHERE team_id = ANY(%s)) AS e
            JOIN {table[Case]} p ON p.id = e.prev
            WHERE c.id = e.id AND c.second_failure
            """,  # noqa: S608 (table names from the models)
            [team_ids],
        )

    # Checking -----------------------------------------------------------------

    def check_clock(self, sample: int = 200) -> tuple[int, int]:
        """Stored deadlines and business hours against WorkCalendar's, on
        `sample` step periods and a quarter as many open cases' clocks:
        (agreeing, compared)."""
        team = Team.objects.get(name=MARKER)
        calendar = WorkCalendar.for_team(team)
        targets = targets_for(team)
        periods = list(
            StepPeriod.objects.filter(case__team__name__in=TEAMS)
            .exclude(step=Step.CLOSED)
            .select_related("case")
            .order_by("?")[:sample]
        )
        agree = 0
        for period in periods:
            _, due = deadlines(
                team,
                period.step,
                period.entered_at,
                targets=targets,
                calendar=calendar,
                factor=period.case.target_factor,
            )
            if period.completed_at is None:
                hours_ok = True
            else:
                hours = calendar.business_hours_between(
                    period.entered_at, period.completed_at
                )
                hours_ok = abs(
                    Decimal(f"{hours:.2f}") - period.business_hours
                ) <= Decimal("0.01")
            agree += abs((due - period.due_at).total_seconds()) < 1 and hours_ok
        open_cases = list(
            Case.objects.filter(team__name__in=TEAMS)
            .exclude(step=Step.CLOSED)
            .order_by("?")[: sample // 4]
        )
        for case in open_cases:
            warn, due = deadlines(
                team,
                case.step,
                case.step_entered_at,
                targets=targets,
                calendar=calendar,
                factor=case.target_factor,
            )
            late = second_escalation_at(team, due, calendar=calendar)
            stored = (case.step_warn_at, case.step_due_at, case.step_late_at)
            agree += all(
                abs((a - b).total_seconds()) < 1
                for a, b in zip((warn, due, late), stored, strict=True)
            )
        return agree, len(periods) + len(open_cases)
