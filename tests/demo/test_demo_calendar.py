"""The demo's holiday calendar: a team whose clocks skip a real country's
public holidays and a company closure day in the weeks ahead."""

import datetime as dt
import re
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from cases.calendar import WorkCalendar, deadlines, targets_for
from cases.choices import Step
from cases.models import Case, Team, User

pytestmark = pytest.mark.django_db

# The demo is dated from today; seeded on Wednesday 2 December 2026.
TODAY = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded once for this module's tests, which only read it, with
    the clock stopped on TODAY for the seed and the tests alike: inside a
    transaction rolled back after the module (as Django's setUpTestData), so
    each test's own transaction is a savepoint within it."""
    with (
        time_machine.travel(TODAY, tick=False),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        call_command("seed_demo", "--force", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded):
    return Team.objects.get(name="Enterprise")


def test_a_demo_team_skips_public_holidays_and_a_closure_day_in_the_next_weeks(demo):
    calendar = WorkCalendar.for_team(demo)
    assert (demo.holiday_country, demo.holiday_subdivision) == ("GB", "ENG")
    six_weeks = calendar.closed.between(
        TODAY.date(), TODAY.date() + dt.timedelta(weeks=6)
    )
    # Christmas, Boxing Day (moved to Monday 28th), New Year's Day, the offsite.
    closure = demo.closure_days.get()
    assert closure.name == "Team offsite" and calendar.works_on(closure.date) is False
    assert {dt.date(2026, 12, 25), dt.date(2026, 12, 28), dt.date(2027, 1, 1)} <= set(
        six_weeks
    )
    assert closure.date in six_weeks and closure.date.weekday() < 5


def test_the_demo_teams_open_deadlines_skip_its_closed_days(demo):
    calendar = WorkCalendar.for_team(demo)
    plain = WorkCalendar(
        zone=calendar.zone, days=calendar.days, start=calendar.start, end=calendar.end
    )
    targets = targets_for(demo)
    # Running clocks; the demo's paused one is counted with its pause elsewhere.
    open_cases = list(
        Case.objects.filter(team=demo, step_paused_at=None).exclude(step=Step.CLOSED)
    )
    assert open_cases
    moved = 0
    for case in open_cases:
        # A second failure's targets are tighter (Case.target_factor).
        expected = deadlines(
            demo,
            case.step,
            case.step_entered_at,
            targets=targets,
            calendar=calendar,
            factor=case.target_factor,
        )
        assert (case.step_warn_at, case.step_due_at) == expected
        assert calendar.works_on(case.step_due_at.astimezone(calendar.zone).date())
        without = deadlines(
            demo,
            case.step,
            case.step_entered_at,
            targets=targets,
            calendar=plain,
            factor=case.target_factor,
        )
        moved += without[1] != case.step_due_at
    # At least one deadline runs over the holidays and is later for them.
    assert moved >= 1


def test_the_demo_team_calendar_page_and_a_case_page_show_the_holidays(demo, client):
    client.force_login(User.objects.get(username="maria"))
    page = client.get(reverse("team_calendar", args=[demo.pk])).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Public holidays: United Kingdom, England (ENG)" in text
    assert "Fri 25 Dec 2026 · Christmas Day" in text
    assert "Team offsite" in text
    case = (
        Case.objects.filter(team=demo, step=Step.FOLLOW_UP)
        .order_by("step_due_at")
        .last()
    )
    # The follow-up's deadline runs over the closure day, and says so.
    closure = demo.closure_days.get()
    assert case.step_due_at.date() > closure.date
    page = client.get(case.get_absolute_url()).content.decode()
    day = f"{closure.date:%a} {closure.date.day} {closure.date:%b}"
    assert f"Skips {day} (closure day): days off do not count." in page
