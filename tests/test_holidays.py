"""Holidays: a team's public holidays (the holidays package) and closure days
are not working days, for every step clock and for open cases when they change.

Real dates: in Berlin, Good Friday is 3 April 2026 and Easter Monday 6 April;
in the United States, Thanksgiving is Thursday 26 November 2026.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.calendar import ClosedDays, WorkCalendar, deadlines
from cases.casework.services.targets import (
    CalendarRefused,
    closure_day_add,
    closure_day_remove,
    team_holidays_set,
)
from cases.choices import NotificationKind, Step
from cases.models import Case, ClosureDay, OutboxMessage, Team
from cases.notifications.due import sweep_due
from tests.factories import make_case

BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
K = NotificationKind


def at(zone, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def berlin(**fields) -> WorkCalendar:
    team = Team(name="Berlin", time_zone="Europe/Berlin", **fields)
    return WorkCalendar.for_team(team)


def reference_add(calendar: WorkCalendar, start: dt.datetime, hours) -> dt.datetime:
    """Day by day, no shortcuts: the answer add_business_hours must give."""
    remaining = dt.timedelta(hours=float(hours))
    local = start.astimezone(calendar.zone).replace(tzinfo=None)
    day = local.date()
    while True:
        if day.weekday() in calendar.days and day not in calendar.closed:
            opens = dt.datetime.combine(day, calendar.start)
            closes = dt.datetime.combine(day, calendar.end)
            begin = max(local, opens)
            if begin < closes:
                if remaining <= closes - begin:
                    return (begin + remaining).replace(tzinfo=calendar.zone)
                remaining -= closes - begin
        day += dt.timedelta(days=1)


def test_a_deadline_across_easter_in_berlin_lands_on_the_tuesday():
    calendar = berlin(holiday_country="DE", holiday_subdivision="BE")
    # Thursday 2 April 16:00: 1.5 h that day; Good Friday, the weekend and
    # Easter Monday do not count; the other 6.5 h from Tuesday 09:00.
    start = at(BERLIN, 2026, 4, 2, 16, 0)
    assert calendar.add_business_hours(start, 8) == at(BERLIN, 2026, 4, 7, 15, 30)
    # Without the holidays the same day would end on the Friday.
    assert berlin().add_business_hours(start, 8) == at(BERLIN, 2026, 4, 3, 15, 30)
    assert calendar.business_hours_between(start, at(BERLIN, 2026, 4, 7, 15, 30)) == 8


def test_a_holiday_morning_opens_on_the_next_working_day():
    calendar = berlin(holiday_country="DE", holiday_subdivision="BE")
    assert calendar.next_open(at(BERLIN, 2026, 4, 6, 10, 0)) == at(
        BERLIN, 2026, 4, 7, 9, 0
    )


def test_a_closure_day_is_skipped_like_a_holiday():
    calendar = WorkCalendar(
        zone=LONDON, closed=ClosedDays(closures=[dt.date(2026, 11, 24)])
    )
    # Monday 23 Nov 16:00 plus 2 h: 1.5 h Monday, Tuesday closed, Wednesday 09:30.
    start = at(LONDON, 2026, 11, 23, 16, 0)
    assert calendar.add_business_hours(start, 2) == at(LONDON, 2026, 11, 25, 9, 30)


@pytest.mark.parametrize("hours", [40, 85, 160, 161.5, 400, 2000])
@pytest.mark.parametrize(
    "start",
    [at(BERLIN, 2026, 3, 2, 9, 0), at(BERLIN, 2026, 12, 1, 13, 15)],
    ids=["march", "december"],
)
def test_long_targets_skip_whole_weeks_only_where_no_holiday_falls(start, hours):
    # Weeks are skipped at a stroke; a holiday inside one must still count.
    calendar = berlin(holiday_country="DE", holiday_subdivision="BE")
    due = calendar.add_business_hours(start, hours)
    assert due == reference_add(calendar, start, hours)
    assert calendar.business_hours_between(start, due) == pytest.approx(hours)


def test_deadlines_of_a_team_read_its_closure_days(db, team):
    ClosureDay.objects.create(team=team, date=dt.date(2026, 11, 24), name="Away day")
    warn_at, due_at = deadlines(team, Step.ACKNOWLEDGE, at(LONDON, 2026, 11, 23, 17, 0))
    # 0.5 h on Monday, Tuesday closed, the rest on Wednesday.
    assert due_at == at(LONDON, 2026, 11, 25, 10, 30)
    assert warn_at == at(LONDON, 2026, 11, 25, 10, 0)


# Changing the calendar of a team with open cases.


@pytest.fixture
def wednesday_case(time_machine, account_manager, sales_manager):
    """Logged Wednesday 25 Nov 2026 16:00 London: Acknowledge warns at 17:30
    and is due Thursday 09:30."""
    time_machine.move_to(at(LONDON, 2026, 11, 25, 16, 0), tick=False)
    case = make_case(account_manager)
    assert case.step_due_at == at(LONDON, 2026, 11, 26, 9, 30)
    return case


def sweep(time_machine, moment):
    time_machine.move_to(moment, tick=False)
    return sweep_due()


def step_rows(kind):
    return list(OutboxMessage.objects.filter(kind=kind).order_by("pk"))


def test_a_change_of_country_moves_open_deadlines_and_sends_nothing_twice(
    time_machine, team, wednesday_case
):
    # The warning point, 17:30, is the owner's closing time: the warning
    # waits for their opening on Thursday.
    sweep(time_machine, at(LONDON, 2026, 11, 25, 17, 30))
    assert step_rows(K.STEP_WARNING) == []
    sweep(time_machine, at(LONDON, 2026, 11, 26, 9, 0))
    [warning] = step_rows(K.STEP_WARNING)
    assert warning.due_at == at(LONDON, 2026, 11, 26, 9, 0)

    # The team now keeps US holidays: Thanksgiving is off, due Friday 09:30.
    assert team_holidays_set(team=team, country="us") == 1
    case = Case.objects.get(pk=wednesday_case.pk)
    assert case.step_due_at == at(LONDON, 2026, 11, 27, 9, 30)
    assert case.periods.get(completed_at=None).due_at == case.step_due_at

    # The old target passes: no escalation, it is no longer due.
    sweep(time_machine, at(LONDON, 2026, 11, 26, 9, 30))
    assert step_rows(K.STEP_ESCALATION) == []
    # The new one passes: one escalation, and still the one warning.
    sweep(time_machine, at(LONDON, 2026, 11, 27, 9, 30))
    sweep(time_machine, at(LONDON, 2026, 11, 27, 10, 0))
    assert [m.pk for m in step_rows(K.STEP_WARNING)] == [warning.pk]
    assert len(step_rows(K.STEP_ESCALATION)) == 1


def test_adding_and_removing_a_closure_day_moves_open_deadlines(team, wednesday_case):
    closure = closure_day_add(team=team, date=dt.date(2026, 11, 26), name="Offsite")
    case = Case.objects.get(pk=wednesday_case.pk)
    assert case.step_due_at == at(LONDON, 2026, 11, 27, 9, 30)
    closure_day_remove(team=team, closure_id=closure.pk)
    case.refresh_from_db()
    assert case.step_due_at == at(LONDON, 2026, 11, 26, 9, 30)


def test_a_closure_day_twice_is_refused_with_what_to_do(team):
    closure_day_add(team=team, date=dt.date(2026, 12, 24), name="Christmas Eve")
    with pytest.raises(CalendarRefused) as refused:
        closure_day_add(team=team, date=dt.date(2026, 12, 24), name="Again")
    assert "already closed on that day" in str(refused.value)
    assert ClosureDay.objects.filter(team=team).count() == 1


def test_a_closure_day_out_of_range_is_refused(team):
    with pytest.raises(CalendarRefused) as refused:
        closure_day_add(team=team, date=dt.date(1999, 12, 31), name="Too early")
    assert refused.value.errors == {
        "date": "A date before 2000 cannot be right here: check the year. "
        "Enter a date on or after 1 January 2000."
    }
    assert not ClosureDay.objects.exists()


@pytest.mark.parametrize(
    ("country", "region", "field", "words"),
    [
        ("XX", "", "holiday_country", "We know no public holidays"),
        ("DE", "ZZ", "holiday_subdivision", "Known regions: BB, BE"),
        ("", "BE", "holiday_subdivision", "Choose the country first"),
    ],
)
def test_an_unknown_country_or_region_is_refused(team, country, region, field, words):
    with pytest.raises(CalendarRefused) as refused:
        team_holidays_set(team=team, country=country, subdivision=region)
    assert words in refused.value.errors[field]
    team.refresh_from_db()
    assert (team.holiday_country, team.holiday_subdivision) == ("", "")


def test_a_region_in_lower_case_is_taken(team):
    team_holidays_set(team=team, country="de", subdivision="be")
    team.refresh_from_db()
    assert (team.holiday_country, team.holiday_subdivision) == ("DE", "BE")
