"""Recomputing deadlines while the sweep runs: random rounds of a calendar
change (closure day added or removed, holiday country set, step target
changed) or none, then a sweep at a later time (often near a case's warning
point or target), over one to three open cases.

After every change and every sweep:
- the stored deadlines are what `deadlines()` gives from scratch;
- no recipient has two messages with one dedupe key, nor two warnings or two
  escalations about one step visit (the keys survive a recomputation);
- no step warning is recorded at or after its target, and none recorded
  earlier is left to go out once the target has passed;
- every timed message (step messages, the digest) is due inside its
  recipient's mail hours.

Real PostgreSQL, the real sweep (`sweep_due`) and services, the clock moved
with time-machine. Each example runs inside a savepoint of the test's
transaction (pytest-django's `db`) and rolls back to it, so examples never
see each other's rows while the team and its people are made once per test.
That is why the function_scoped_fixture health check is off: the fixture's
rows are the same for every example, and the rest is rolled back.
(hypothesis.extra.django.TestCase would give each example a transaction
too, but not pytest fixtures nor the factories' style of the other tests.)
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from cases.calendar import WorkCalendar, deadlines
from cases.casework.services.targets import (
    closure_day_add,
    closure_day_remove,
    team_deadlines_refresh,
    team_holidays_set,
)
from cases.choices import NotificationKind, OutboxStatus, Role, Step
from cases.models import Case, ClosureDay, OutboxMessage, StepTarget, Team
from cases.notifications.due import sweep_due
from cases.notifications.hours import TIMED_KINDS, is_open, mail_calendar
from cases.notifications.moments import next_sensible_time
from tests.factories import TeamFactory, UserFactory, make_case
from tests.properties.profiles import DB_EXAMPLES

pytestmark = pytest.mark.django_db

K = NotificationKind
STEP_KINDS = (K.STEP_WARNING, K.STEP_ESCALATION)
UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)

# Weeks around the clock changes of 2026 (Europe, North America, Lord Howe),
# and an ordinary one.
WEEKS = [
    dt.datetime(2026, 3, 6, tzinfo=UTC),
    dt.datetime(2026, 3, 26, tzinfo=UTC),
    dt.datetime(2026, 4, 2, tzinfo=UTC),
    dt.datetime(2026, 10, 22, tzinfo=UTC),
    dt.datetime(2026, 10, 30, tzinfo=UTC),
    dt.datetime(2026, 11, 19, tzinfo=UTC),
]
ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Tokyo"]
HOURS = [
    (dt.time(9, 0), dt.time(17, 30)),
    (dt.time(7, 15), dt.time(19, 0)),
    (dt.time(0, 0), dt.time(0, 0)),
    (dt.time(13, 0), dt.time(0, 0)),
]
TARGETED_STEPS = [Step.ACKNOWLEDGE, Step.ROOT_CAUSE]

# A sweep: some minutes later, or near a case's warning point or target (as
# the recipient's mail hours have them), where the beat's sweep every minute
# would find something; time only moves forward.
near_a_deadline = st.tuples(
    st.sampled_from(["warn", "due"]), st.integers(0, 2), st.integers(-5, 30)
)
sweeps = st.one_of(
    near_a_deadline,
    near_a_deadline,
    st.tuples(st.just("later"), st.integers(1, 90)),
    st.tuples(st.just("later"), st.integers(1, 16 * 60)),
)
calendar_changes = st.one_of(
    st.tuples(st.just("close"), st.integers(0, 9)),
    st.tuples(st.just("reopen"), st.integers(0, 9)),
    st.tuples(st.just("holidays"), st.sampled_from(["", "GB", "US", "DE", "FR"])),
    st.tuples(
        st.just("target"),
        st.sampled_from(TARGETED_STEPS),
        st.integers(1, 24 * 4),  # quarter hours
        st.integers(0, 24 * 4),
    ),
)
# A round: perhaps a change of the calendar, then a sweep.
rounds = st.tuples(st.none() | calendar_changes, sweeps)


@st.composite
def scenarios(draw):
    week = draw(st.sampled_from(WEEKS))
    start = week + MINUTE * draw(st.integers(0, 7 * 24 * 60))
    return {
        "start": start,
        "zone": draw(st.sampled_from(ZONES)),
        "hours": draw(st.sampled_from(HOURS)),
        "work_days": draw(st.sampled_from(["0,1,2,3,4", "0,1,2,3,4,5,6", "6,0,1,2"])),
        # The owner's and the manager's zones: blank means the team's.
        "people_zones": draw(st.tuples(*[st.sampled_from(["", *ZONES])] * 2)),
        # Minutes after the start at which each case is opened.
        "cases": draw(st.lists(st.integers(0, 600), min_size=1, max_size=3)),
        "rounds": draw(st.lists(rounds, min_size=3, max_size=10)),
    }


@pytest.fixture
def people(db):
    team = TeamFactory(name="Properties")
    owner = UserFactory(role=Role.ACCOUNT_MANAGER, teams=[team])
    manager = UserFactory(role=Role.SALES_MANAGER, teams=[team])
    return team, owner, manager


class Rollback(Exception):
    """Undoes one example's rows."""


@settings(
    max_examples=DB_EXAMPLES,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scenario=scenarios())
def test_recomputing_deadlines_never_duplicates_or_sends_late(people, scenario):
    note(repr(scenario))
    try:
        with transaction.atomic():
            _run(people, scenario)
            raise Rollback
    except Rollback:
        pass


def _run(people, scenario):
    team, owner, manager = people
    start = scenario["start"]
    team = Team.objects.get(pk=team.pk)
    team.time_zone = scenario["zone"]
    team.work_start, team.work_end = scenario["hours"]
    team.work_days = scenario["work_days"]
    team.save()
    for person, zone in zip((owner, manager), scenario["people_zones"], strict=True):
        person.time_zone = zone
        person.save(update_fields=["time_zone"])

    with time_machine.travel(start, tick=False) as clock:
        for minutes in sorted(scenario["cases"]):
            clock.move_to(start + MINUTE * minutes, tick=False)
            make_case(owner, team=team)
        now = start + MINUTE * max(scenario["cases"])
        first_day = now.astimezone(ZoneInfo(team.time_zone)).date()
        _check(team, now, set())

        for change, sweep in scenario["rounds"]:
            team = Team.objects.get(pk=team.pk)
            if change is not None:
                _change_calendar(team, change, first_day, (owner, manager))
                _check(team, now, None)
            now = _sweep_time(sweep, now, owner, manager, team)
            clock.move_to(now, tick=False)
            before = set(OutboxMessage.objects.values_list("pk", flat=True))
            sweep_due(now=now)
            _check(team, now, before)

    # What the example exercised (shown by --hypothesis-show-statistics).
    recorded = Counter(OutboxMessage.objects.values_list("kind", "status"))
    for kind in STEP_KINDS:
        found = any(k == kind for k, _ in recorded)
        event(f"{kind} recorded", "yes" if found else "no")
    replaced = recorded[(K.STEP_WARNING, OutboxStatus.SKIPPED)]
    event("a warning replaced by its escalation", "yes" if replaced else "no")


def _change_calendar(team, change, first_day, people):
    kind = change[0]
    if kind == "close":
        day = first_day + dt.timedelta(days=change[1])
        # A closure day is today or later (the service refuses a past one);
        # from tomorrow, so nothing already recorded today falls on it. Each
        # person reads the closure's date in their own zone, and a person far
        # ahead of the team is already in the team's tomorrow: tomorrow for
        # everyone is the day after the latest of their todays.
        zones = [WorkCalendar.for_team(team).zone]
        zones += [mail_calendar(person, team).zone for person in people]
        now = timezone.now()
        latest = max(now.astimezone(zone).date() for zone in zones)
        tomorrow = latest + dt.timedelta(days=1)
        day = max(day, tomorrow)
        if not ClosureDay.objects.filter(team=team, date=day).exists():
            closure_day_add(team=team, date=day, name="Stocktake")
    elif kind == "reopen":
        day = first_day + dt.timedelta(days=change[1])
        for closure in ClosureDay.objects.filter(team=team, date=day):
            closure_day_remove(team=team, closure_id=closure.pk)
    elif kind == "holidays":
        team_holidays_set(team=team, country=change[1])
    else:
        _, step, target, warning = change
        StepTarget.objects.update_or_create(
            team=team,
            step=step,
            defaults={
                "target_hours": Decimal(target) / 4,
                "warning_hours": Decimal(min(warning, target)) / 4,
            },
        )
        team_deadlines_refresh(team=team)


def _sweep_time(sweep, now, owner, manager, team) -> dt.datetime:
    if sweep[0] == "later":
        return now + MINUTE * sweep[1]
    point, index, offset = sweep
    cases = list(Case.objects.filter(team=team).order_by("pk"))
    case = cases[index % len(cases)]
    if point == "warn":
        moment = next_sensible_time(owner, case.step_warn_at, team)
    else:
        moment = next_sensible_time(manager, case.step_due_at, team)
    return max(now + MINUTE, moment + MINUTE * offset)


def _check(team, now, before):
    """The properties, after a change (before is None) or a sweep (before:
    the outbox rows that existed before it)."""
    fresh = Team.objects.get(pk=team.pk)
    cases = list(Case.objects.filter(team=fresh).exclude(step=Step.CLOSED))
    for case in cases:
        assert (case.step_warn_at, case.step_due_at) == deadlines(
            fresh, case.step, case.step_entered_at
        ), case.pk

    rows = list(OutboxMessage.objects.select_related("recipient", "case"))
    keys = Counter((row.recipient_id, row.dedupe_key) for row in rows)
    assert max(keys.values(), default=1) == 1
    # The cases stay in their first step: one visit each.
    visits = Counter(
        (row.kind, row.recipient_id, row.case_id)
        for row in rows
        if row.kind in STEP_KINDS
    )
    assert max(visits.values(), default=1) == 1, visits

    by_pk = {case.pk: case for case in cases}
    for row in rows:
        if row.kind in TIMED_KINDS:
            calendar = mail_calendar(row.recipient, fresh if row.case_id else None)
            assert is_open(calendar, row.due_at), row.dedupe_key
        if row.kind != K.STEP_WARNING:
            continue
        case = by_pk[row.case_id]
        if before is not None and row.pk not in before:
            # Recorded by this sweep: before the target, never at or after.
            assert now < case.step_due_at, row.dedupe_key
            assert row.due_at < case.step_due_at, row.dedupe_key
        if before is not None and case.step_due_at <= now:
            # The escalation replaces a warning not sent by the target.
            assert row.status != OutboxStatus.PENDING, row.dedupe_key
