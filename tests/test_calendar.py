"""Step targets: business-hour arithmetic on a team's calendar, and the defaults."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from cases.calendar import (
    DEFAULT_TARGETS,
    WorkCalendar,
    clock_state,
    deadlines,
    step_clock,
    targets_for,
)
from cases.choices import Step
from cases.models import Case, StepTarget, Team
from cases.workflow import WORKING_STEPS

LONDON = ZoneInfo("Europe/London")
DUBAI = ZoneInfo("Asia/Dubai")
UTC = dt.UTC


def at(zone, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def calendar(**fields) -> WorkCalendar:
    """The calendar of an unsaved team; the model's defaults unless overridden."""
    return WorkCalendar.for_team(Team(name="Calendar", **fields))


@pytest.fixture
def london():
    # The model's defaults: Monday to Friday, 09:00-17:30, Europe/London.
    return calendar()


# 20 Nov 2026 is a Friday; London is on GMT (UTC+0) in November.


def test_friday_evening_plus_two_hours_is_monday_eleven(london):
    result = london.add_business_hours(at(LONDON, 2026, 11, 20, 19, 0), 2)
    assert result == at(LONDON, 2026, 11, 23, 11, 0)


def test_friday_afternoon_plus_a_day_ends_monday_afternoon(london):
    # 1.5 h on Friday (16:00-17:30), the other 6.5 h from Monday 09:00.
    result = london.add_business_hours(at(LONDON, 2026, 11, 20, 16, 0), Decimal(8))
    assert result == at(LONDON, 2026, 11, 23, 15, 30)


def test_the_weekend_does_not_count(london):
    saturday = at(LONDON, 2026, 11, 21, 10, 0)
    assert london.add_business_hours(saturday, 1) == at(LONDON, 2026, 11, 23, 10, 0)
    friday_close = at(LONDON, 2026, 11, 20, 17, 0)
    monday = at(LONDON, 2026, 11, 23, 10, 0)
    assert london.business_hours_between(friday_close, monday) == 1.5


def test_before_opening_counts_from_opening(london):
    early = at(LONDON, 2026, 11, 24, 6, 45)
    assert london.add_business_hours(early, 0.5) == at(LONDON, 2026, 11, 24, 9, 30)


def test_a_target_that_fills_the_day_ends_at_closing_not_next_morning(london):
    friday = at(LONDON, 2026, 11, 20, 9, 0)
    assert london.add_business_hours(friday, 8.5) == at(LONDON, 2026, 11, 20, 17, 30)


def test_whole_weeks_end_on_the_last_working_day(london):
    monday = at(LONDON, 2026, 11, 2, 9, 0)
    one_week = london.add_business_hours(monday, 42.5)
    assert one_week == at(LONDON, 2026, 11, 6, 17, 30)
    two_weeks = london.add_business_hours(monday, 85)
    assert two_weeks == at(LONDON, 2026, 11, 13, 17, 30)


def test_follow_up_target_runs_about_four_weeks(london):
    # 160 h = 18 full days of 8.5 h (153 h) and 7 h of the 19th: Thursday 16:00.
    monday = at(LONDON, 2026, 11, 2, 9, 0)
    assert london.add_business_hours(monday, 160) == at(LONDON, 2026, 11, 26, 16, 0)


def test_zero_hours_is_the_start(london):
    friday = at(LONDON, 2026, 11, 20, 19, 0)
    assert london.add_business_hours(friday, 0) == friday


def test_results_are_aware_utc(london):
    result = london.add_business_hours(at(LONDON, 2026, 11, 20, 19, 0), 2)
    assert result.tzinfo == UTC


def test_naive_datetimes_are_refused(london):
    with pytest.raises(ValueError):
        london.add_business_hours(dt.datetime(2026, 11, 20, 19, 0), 2)


def test_sunday_to_thursday_in_dubai():
    dubai = calendar(
        time_zone="Asia/Dubai",
        work_days="6,0,1,2,3",
        work_start=dt.time(8, 0),
        work_end=dt.time(17, 0),
    )
    # 26 Nov 2026 is a Thursday: 2 h that day, Friday and Saturday off, then
    # 2 h on Sunday.
    thursday = at(DUBAI, 2026, 11, 26, 15, 0)
    due = dubai.add_business_hours(thursday, 4)
    assert due == at(DUBAI, 2026, 11, 29, 10, 0)
    assert due == at(UTC, 2026, 11, 29, 6, 0)
    assert dubai.business_hours_between(thursday, due) == 4
    friday = at(DUBAI, 2026, 11, 27, 9, 0)
    saturday = at(DUBAI, 2026, 11, 28, 16, 0)
    assert dubai.business_hours_between(friday, saturday) == 0


def test_spring_forward_week_in_london(london):
    # Clocks go forward on Sunday 29 March 2026. Friday 16:00 GMT plus 8 h is
    # Monday 15:30 local, which is now BST: 14:30 UTC, not 15:30.
    friday = at(LONDON, 2026, 3, 27, 16, 0)
    assert friday == at(UTC, 2026, 3, 27, 16, 0)
    due = london.add_business_hours(friday, 8)
    assert due == at(UTC, 2026, 3, 30, 14, 30)
    assert due.astimezone(LONDON).hour == 15
    assert london.business_hours_between(friday, due) == 8


def test_fall_back_week_in_london(london):
    # Clocks go back on Sunday 25 October 2026: Friday is BST, Monday GMT.
    friday = at(LONDON, 2026, 10, 23, 16, 0)
    assert friday == at(UTC, 2026, 10, 23, 15, 0)
    assert london.add_business_hours(friday, 8) == at(UTC, 2026, 10, 26, 15, 30)


def test_a_seven_day_calendar_counts_the_day_the_clocks_change():
    every_day = calendar(work_days="0,1,2,3,4,5,6")
    saturday = at(LONDON, 2026, 3, 28, 17, 0)
    # Sunday 29 March opens at 09:00 BST, which is 08:00 UTC.
    assert every_day.add_business_hours(saturday, 1) == at(UTC, 2026, 3, 29, 8, 30)


def test_the_repeated_hour_counts_once_and_never_runs_backwards():
    # Found by tests/properties: around the clock in London, 01:10 UTC on 25
    # October 2026 is the second 01:10 (GMT). That hour was counted on its
    # first pass (BST), so a quarter of an hour on ends at 02:15 GMT, not at
    # 01:25 BST, which is 00:25 UTC: before the start.
    around_the_clock = calendar(
        work_days="0,1,2,3,4,5,6", work_start=dt.time(0), work_end=dt.time(0)
    )
    second_pass = at(UTC, 2026, 10, 25, 1, 10)
    due = around_the_clock.add_business_hours(second_pass, Decimal("0.25"))
    assert due == at(UTC, 2026, 10, 25, 2, 15)
    assert around_the_clock.business_hours_between(second_pass, due) == 0.25


def test_skipped_wall_times_fall_at_the_moment_the_clocks_jump():
    # Found by tests/properties: the clocks jump from 01:00 GMT to 02:00 BST
    # at 01:00 UTC on 29 March 2026. Midnight plus 1.5 h of wall time is
    # 01:30, which does not exist: it is passed the moment the clocks jump,
    # not at 01:30 GMT (= 02:30 BST, later than the deadline of 2.5 h).
    around_the_clock = calendar(
        work_days="0,1,2,3,4,5,6", work_start=dt.time(0), work_end=dt.time(0)
    )
    midnight = at(UTC, 2026, 3, 29, 0, 0)
    jump = at(UTC, 2026, 3, 29, 1, 0)
    assert around_the_clock.add_business_hours(midnight, Decimal("1.5")) == jump
    assert around_the_clock.add_business_hours(midnight, Decimal("2.5")) == at(
        UTC, 2026, 3, 29, 1, 30
    )
    # The wall clock reads 02:00 at the jump: two hours of wall time since
    # midnight, the first moment with at least 1.5 behind it.
    assert around_the_clock.business_hours_between(midnight, jump) == 2
    assert around_the_clock.business_hours_between(
        midnight, jump - dt.timedelta(minutes=1)
    ) == pytest.approx(59 / 60)


def test_business_hours_between(london):
    friday = at(LONDON, 2026, 11, 20, 16, 0)
    monday = at(LONDON, 2026, 11, 23, 10, 30)
    assert london.business_hours_between(friday, monday) == 3.0
    assert london.business_hours_between(monday, friday) == 0.0
    lunch = at(LONDON, 2026, 11, 24, 12, 0)
    assert london.business_hours_between(at(LONDON, 2026, 11, 24, 9, 30), lunch) == 2.5
    # Four whole weeks, counted without walking every day.
    start = at(LONDON, 2026, 11, 2, 9, 0)
    assert london.business_hours_between(start, start + dt.timedelta(weeks=4)) == 170


def _reference_minutes(cal: WorkCalendar, a: dt.datetime, b: dt.datetime) -> int:
    """Working minutes from a to b, the slow obvious way (one minute at a time)."""
    minutes, moment = 0, a
    while moment < b:
        local = moment.astimezone(cal.zone)
        if local.weekday() in cal.days and cal.start <= local.time() < cal.end:
            minutes += 1
        moment += dt.timedelta(minutes=1)
    return minutes


@pytest.mark.parametrize("hours", [0.25, 2, 8, 8.5, 16, 40])
def test_adding_hours_agrees_with_counting_minute_by_minute(london, hours):
    start = at(LONDON, 2026, 11, 16, 0, 0)  # a Monday
    for offset in range(0, 7 * 24, 5):
        begin = start + dt.timedelta(hours=offset, minutes=15 * (offset % 4))
        due = london.add_business_hours(begin, hours)
        wanted = round(hours * 60)
        # The earliest moment with that much working time behind it.
        assert _reference_minutes(london, begin, due) == wanted, begin
        assert _reference_minutes(london, begin, due - dt.timedelta(minutes=1)) == (
            wanted - 1
        ), begin
        assert london.business_hours_between(begin, due) == pytest.approx(hours)


@override_settings(TIME_ZONE="Europe/Berlin")
def test_an_unknown_time_zone_falls_back_to_the_site_zone():
    assert calendar(time_zone="Mars/Olympus_Mons").zone == ZoneInfo("Europe/Berlin")
    assert calendar(time_zone="").zone == ZoneInfo("Europe/Berlin")
    assert calendar(time_zone=" Asia/Dubai ").zone == DUBAI


def test_no_working_days_means_monday_to_friday():
    assert calendar(work_days="").days == frozenset(range(5))
    assert calendar(work_days="x, 9").days == frozenset(range(5))
    assert calendar(work_days=" 0, 2 ,7,x").days == frozenset({0, 2})


def test_working_hours_that_end_before_they_start_fall_back():
    odd = calendar(work_start=dt.time(18, 0), work_end=dt.time(9, 0))
    assert (odd.start, odd.end) == (dt.time(9, 0), dt.time(17, 30))


def test_a_day_may_end_at_midnight():
    late = calendar(work_start=dt.time(14, 0), work_end=dt.time(0, 0))
    friday = at(LONDON, 2026, 11, 20, 23, 0)
    assert late.add_business_hours(friday, 2) == at(LONDON, 2026, 11, 23, 15, 0)


def test_defaults_cover_every_working_step_and_warn_before_the_target():
    assert set(DEFAULT_TARGETS) == set(WORKING_STEPS)
    for target, warning in DEFAULT_TARGETS.values():
        assert 0 < warning < target
    # DOMAIN.md: first client contact within one business day.
    assert DEFAULT_TARGETS[Step.COMMUNICATE][0] == 8


@pytest.mark.django_db
def test_team_targets_override_the_defaults_in_one_query(
    team, django_assert_num_queries
):
    StepTarget.objects.create(
        team=team, step=Step.COMMUNICATE, target_hours=4, warning_hours=1
    )
    with django_assert_num_queries(1):
        targets = targets_for(team)
    assert targets[Step.COMMUNICATE] == (Decimal(4), Decimal(1))
    assert targets[Step.ROOT_CAUSE] == DEFAULT_TARGETS[Step.ROOT_CAUSE]


@pytest.mark.django_db
def test_another_teams_targets_do_not_apply(team, other_team):
    StepTarget.objects.create(
        team=other_team, step=Step.COMMUNICATE, target_hours=4, warning_hours=1
    )
    assert targets_for(team) == DEFAULT_TARGETS


def test_deadlines_of_a_case_logged_on_friday_evening(london):
    team = Team(name="Calendar")
    friday = at(LONDON, 2026, 11, 20, 19, 0)
    warn_at, due_at = deadlines(
        team, Step.ACKNOWLEDGE, friday, targets=DEFAULT_TARGETS, calendar=london
    )
    # Acknowledge: 2 h, due soon from 30 minutes before.
    assert due_at == at(LONDON, 2026, 11, 23, 11, 0)
    assert warn_at == at(LONDON, 2026, 11, 23, 10, 30)


def test_a_closed_case_has_no_deadlines():
    assert deadlines(Team(name="x"), Step.CLOSED, at(UTC, 2026, 11, 20)) == (
        None,
        None,
    )


def test_a_warning_as_long_as_the_target_warns_from_the_start(london):
    targets = {**DEFAULT_TARGETS, Step.OPTIONS: (Decimal(4), Decimal(6))}
    monday = at(LONDON, 2026, 11, 23, 9, 0)
    warn_at, _ = deadlines(
        Team(name="x"), Step.OPTIONS, monday, targets=targets, calendar=london
    )
    assert warn_at == monday


def _case_in(step: Step, entered_at: dt.datetime) -> Case:
    team = Team(name="Clock")
    warn_at, due_at = deadlines(
        team, step, entered_at, targets=DEFAULT_TARGETS, calendar=calendar()
    )
    return Case(
        team=team,
        step=step,
        step_entered_at=entered_at,
        step_warn_at=warn_at,
        step_due_at=due_at,
    )


def test_the_clock_on_track_due_soon_and_overdue():
    # Root cause, entered Tuesday 24 Nov 09:00: 8 h, due soon from 15:00.
    case = _case_in(Step.ROOT_CAUSE, at(LONDON, 2026, 11, 24, 9, 0))
    clock = step_clock(case, now=at(LONDON, 2026, 11, 24, 12, 30))
    assert clock["state"] == "on_track"
    assert clock["label"] == "On track"
    assert clock["used_hours"] == 3.5
    assert clock["target_hours"] == 8
    assert clock["due_at"] == at(LONDON, 2026, 11, 24, 17, 0)
    assert clock["text"] == (
        "Due by Tue 24 Nov 17:00 (Europe/London) · 4.5 business hours left of 8"
    )
    assert step_clock(case, now=at(LONDON, 2026, 11, 24, 15, 0))["state"] == "due_soon"
    assert step_clock(case, now=at(LONDON, 2026, 11, 24, 17, 0))["state"] == "due_soon"
    # 8.5 h on Tuesday and 1 h on Wednesday morning.
    late = step_clock(case, now=at(LONDON, 2026, 11, 25, 10, 0))
    assert late["state"] == "overdue"
    assert late["text"] == (
        "Was due by Tue 24 Nov 17:00 (Europe/London) · "
        "1.5 business hours over its 8-hour target"
    )


def test_the_clock_does_not_run_over_the_weekend():
    friday = at(LONDON, 2026, 11, 20, 19, 0)
    case = _case_in(Step.ACKNOWLEDGE, friday)
    clock = step_clock(case, now=at(LONDON, 2026, 11, 21, 18, 0))
    assert clock["state"] == "on_track"
    assert clock["used_hours"] == 0
    assert clock["text"].startswith("Due by Mon 23 Nov 11:00 (Europe/London)")


def test_the_clock_never_shows_the_full_target_while_on_time():
    case = _case_in(Step.ROOT_CAUSE, at(LONDON, 2026, 11, 24, 9, 0))
    clock = step_clock(case, now=at(LONDON, 2026, 11, 24, 16, 58))
    assert clock["state"] == "due_soon"
    assert "0.1 business hours left of 8" in clock["text"]
    assert clock["title"].startswith("7.9 of 8 business hours used, 0.1 left.")


def test_the_clock_shows_the_target_in_the_viewers_zone():
    # Due Tuesday 17:00 in London is 21:00 in Dubai and 12:00 in New York.
    case = _case_in(Step.ROOT_CAUSE, at(LONDON, 2026, 11, 24, 9, 0))
    now = at(LONDON, 2026, 11, 24, 12, 30)
    dubai = step_clock(case, now=now, zone=DUBAI)
    assert dubai["text"] == (
        "Due by Tue 24 Nov 21:00 (Asia/Dubai) · 4.5 business hours left of 8"
    )
    assert dubai["due_at"] == at(DUBAI, 2026, 11, 24, 21, 0)
    assert dubai["time_zone"] == "Asia/Dubai"
    assert dubai["team_time_zone"] == "Europe/London"
    new_york = step_clock(case, now=now, zone=ZoneInfo("America/New_York"))
    assert new_york["text"].startswith("Due by Tue 24 Nov 12:00 (America/New_York)")
    # The hours are the team's working time whatever the viewer's zone.
    assert dubai["left_hours"] == new_york["left_hours"] == 4.5
    assert "Mon to Fri, 09:00 to 17:30 (Europe/London)" in dubai["title"]


def test_the_clock_says_its_state_in_words_hours_left_and_over():
    case = _case_in(Step.ROOT_CAUSE, at(LONDON, 2026, 11, 24, 9, 0))
    soon = step_clock(case, now=at(LONDON, 2026, 11, 24, 16, 0))
    assert (soon["state"], soon["label"], soon["tone"]) == (
        "due_soon",
        "Due soon",
        "warning",
    )
    assert soon["text"].endswith("1 business hour left of 8")
    assert soon["title"] == (
        "7 of 8 business hours used, 1 left. Business hours are Clock's "
        "working time: Mon to Fri, 09:00 to 17:30 (Europe/London), without "
        "public holidays and closure days."
    )
    # Only working time counts: by Friday 09:30, 8.5 h on each of Tuesday,
    # Wednesday and Thursday and 0.5 h on Friday, 18 h over the target.
    late = step_clock(case, now=at(LONDON, 2026, 11, 27, 9, 30))
    assert (late["label"], late["tone"]) == ("Overdue", "danger")
    assert late["text"].endswith("18 business hours over its 8-hour target")
    assert late["over_hours"] == 18 and late["left_hours"] == 0
    # Due at closing time, read that evening: no working time over it yet.
    at_closing = _case_in(Step.ROOT_CAUSE, at(LONDON, 2026, 11, 24, 9, 30))
    evening = step_clock(at_closing, now=at(LONDON, 2026, 11, 24, 18, 0))
    assert evening["state"] == "overdue"
    assert evening["text"].endswith("all 8 business hours used")


def test_every_list_and_the_case_page_share_the_state_boundaries():
    warn, due = at(UTC, 2026, 11, 24, 15, 0), at(UTC, 2026, 11, 24, 17, 0)
    minute = dt.timedelta(minutes=1)
    assert clock_state(warn, due, warn - minute) == "on_track"
    assert clock_state(warn, due, warn) == "due_soon"
    assert clock_state(warn, due, due) == "due_soon"
    assert clock_state(warn, due, due + minute) == "overdue"
    assert clock_state(None, None, due) == "none"
    # Paused before the target: paused; paused once overdue: still overdue.
    assert clock_state(warn, due, due + minute, paused_at=warn) == "paused"
    assert clock_state(None, None, due, paused_at=warn) == "paused"
    assert clock_state(warn, due, due + minute, paused_at=due + minute) == "overdue"


def test_the_clock_names_the_days_off_before_its_target():
    # Compensate, 40 h from Wednesday 23 Dec 2026 09:00 in England: Christmas
    # Day and Boxing Day (on Monday 28th) do not count.
    team = Team(name="Clock", holiday_country="GB", holiday_subdivision="ENG")
    entered = at(LONDON, 2026, 12, 23, 9, 0)
    warn_at, due_at = deadlines(
        team, Step.COMPENSATE, entered, targets=DEFAULT_TARGETS,
        calendar=WorkCalendar.for_team(team),
    )  # fmt: skip
    case = Case(
        team=team,
        step=Step.COMPENSATE,
        step_entered_at=entered,
        step_warn_at=warn_at,
        step_due_at=due_at,
    )
    clock = step_clock(case, now=at(LONDON, 2026, 12, 23, 10, 0))
    assert clock["text"].startswith("Due by Thu 31 Dec 15:00 (Europe/London)")
    assert clock["skips_text"] == (
        "Skips Fri 25 Dec (Christmas Day), Mon 28 Dec (Boxing Day (observed))"
    )
    # Once overdue, there is nothing ahead to skip.
    assert step_clock(case, now=at(LONDON, 2027, 1, 4, 10, 0))["skips"] == []


def test_a_closed_case_has_no_clock():
    case = Case(team=Team(name="x"), step=Step.CLOSED)
    assert step_clock(case)["state"] == "none"


# Far ends of the calendar (issue 16, item 5): no arithmetic overflows into a 500.

FAR_ENDS = [
    at(UTC, 9999, 12, 31, 12, 0),
    dt.datetime.max.replace(tzinfo=UTC),
    at(UTC, 1, 1, 1, 0, 0),
    dt.datetime.min.replace(tzinfo=UTC),
]
ZONES = [ZoneInfo("Pacific/Kiritimati"), ZoneInfo("America/New_York"), DUBAI]


@pytest.mark.parametrize("moment", FAR_ENDS)
@pytest.mark.parametrize("zone", ZONES)
def test_business_hours_at_the_ends_of_the_calendar_do_not_overflow(moment, zone):
    work = WorkCalendar(zone=zone)

    due = work.add_business_hours(moment, Decimal("40"))
    never = work.add_business_hours(at(UTC, 2099, 12, 31, 0, 0), 10**12)

    assert due.astimezone(zone).year in {2, 9998, 9999}
    assert never.astimezone(zone).year >= 2099
    assert work.business_hours_between(at(UTC, 2026, 1, 5, 0, 0), moment) >= 0
    assert work.business_hours_between(moment, at(UTC, 2026, 1, 5, 0, 0)) >= 0
    assert work.next_open(moment).astimezone(zone)
    assert work.opening(moment.date()).astimezone(zone)


@pytest.mark.django_db
def test_the_clock_of_a_case_entered_in_year_9999_reads():
    case = Case(
        team=Team.objects.create(name="Calendar"),
        step=Step.OPTIONS,
        step_entered_at=at(UTC, 9999, 12, 31, 12, 0),
    )

    clock = step_clock(case, now=at(UTC, 2026, 11, 24, 12, 30))

    assert clock["state"] == "on_track"
    assert "Due by" in clock["text"]
