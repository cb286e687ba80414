"""Business-hour arithmetic checked against a minute-by-minute reference.

Random calendars (working weekdays, hours on a 15-minute or 1-minute grid,
around the clock, ending at midnight), time zones with odd clock changes
(30-minute DST on Lord Howe, +05:45 in Kathmandu, +12:45/+13:45 on Chatham,
changes at midnight in Santiago and Havana), public holidays and closure days,
and start moments close to a change of the clocks.

The rule (WorkCalendar's docstring): arithmetic runs in local wall time. The
reference below spells out what that means when the clocks change, walking
real time one minute at a time and watching the wall clock:

- While the wall clock runs, each wall minute it passes counts if it lies in
  [start, end) of a working day that is not closed.
- When the clocks go forward, the wall times they skip are passed at the
  moment of the jump: if they are working time they count, all at once.
- When the clocks go back, the repeated hour was counted on its first pass;
  on the second pass the wall clock "has shown" the time just before the
  change and counts nothing until it passes that time again.

So a 09:00-17:30 day is 8.5 hours in the week the clocks change, as in any
other, and nothing ever counts twice or runs backwards.

More properties for pauses and per-user mail hours belong in this module or
beside it, using the same strategies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from hypothesis import assume, given, note
from hypothesis import strategies as st

from cases.calendar import MIDNIGHT, ClosedDays, WorkCalendar

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
DAY_MINUTES = 24 * 60

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",
    "Europe/Berlin",
    "UTC",
]
COUNTRIES = ["", "GB", "US", "DE", "FR"]
YEARS = range(2026, 2028)
# Hours to add: up to 60, and at most two weeks of the calendar's working time,
# so the reference walks a few weeks of minutes at most.
MAX_MINUTES = 60 * 60


def wall(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """What the wall clock reads at `moment` (naive local time)."""
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


@cache
def changes(zone_name: str) -> tuple[dt.datetime, ...]:
    """The moments (UTC, whole minutes) the zone's clocks change in YEARS."""
    zone = ZoneInfo(zone_name)
    found = []
    moment = dt.datetime(YEARS.start, 1, 1, tzinfo=UTC)
    end = dt.datetime(YEARS.stop, 1, 1, tzinfo=UTC)
    step = dt.timedelta(hours=6)
    while moment < end:
        after = moment + step
        offset = after.astimezone(zone).utcoffset()
        if moment.astimezone(zone).utcoffset() != offset:
            low, high = moment, after  # low has the old offset, high the new
            while high - low > MINUTE:
                middle = low + (high - low) // 2
                middle = middle.replace(second=0, microsecond=0)
                if middle.astimezone(zone).utcoffset() == offset:
                    high = middle
                else:
                    low = middle
            found.append(high)
        moment = after
    return tuple(found)


@dataclass(frozen=True)
class Calendar:
    """The parameters of a random calendar, and the reference on them."""

    zone: ZoneInfo
    days: frozenset[int]
    first: int  # opening, minutes after midnight
    last: int  # closing, minutes after midnight; 1440 for midnight
    country: str
    closures: frozenset[dt.date]

    def work_calendar(self, extra_closures=()) -> WorkCalendar:
        def time(minutes: int) -> dt.time:
            return MIDNIGHT if minutes == DAY_MINUTES else dt.time(*divmod(minutes, 60))

        return WorkCalendar(
            zone=self.zone,
            days=self.days,
            start=time(self.first),
            end=time(self.last),
            closed=ClosedDays(self.country, "", self.closures | set(extra_closures)),
        )

    @property
    def week_minutes(self) -> int:
        return (self.last - self.first) * len(self.days)


class Reference:
    """Working time, the slow obvious way: one real minute at a time."""

    def __init__(self, cal: Calendar, extra_closures=()):
        self.cal = cal
        self.closed = set(cal.closures) | set(extra_closures)
        if cal.country:
            for year in range(YEARS.start - 1, YEARS.stop + 2):
                self.closed.update(holidays.country_holidays(cal.country, years=year))

    def working(self, minute: dt.datetime) -> bool:
        """Whether the wall minute starting at `minute` is working time."""
        day = minute.date()
        if day.weekday() not in self.cal.days or day in self.closed:
            return False
        return self.cal.first <= minute.hour * 60 + minute.minute < self.cal.last

    def worked(self, since: dt.datetime, until: dt.datetime) -> int:
        """Working wall minutes from wall time `since` up to `until`."""
        count, minute = 0, since
        while minute < until:
            count += self.working(minute)
            minute += MINUTE
        return count

    def reading(self, moment: dt.datetime) -> dt.datetime:
        """The latest wall time the clock has shown by `moment`: its reading,
        or, in a repeated hour, the end of the minute before the change.
        (No zone turns its clocks back by more than an hour.)"""
        zone = self.cal.zone
        earlier = (wall(moment - k * MINUTE, zone) + MINUTE for k in range(1, 181))
        return max(wall(moment, zone), *earlier)

    def steps(self, start: dt.datetime):
        """(moment, working minutes counted from `start` up to it), at each
        jump of the clocks and at the end of each real minute."""
        zone = self.cal.zone
        clock, moment, total = self.reading(start), start, 0
        while True:
            # The clocks may jump forward at this moment...
            jumped = max(clock, wall(moment, zone))
            total += self.worked(clock, jumped)
            clock = jumped
            yield moment, total, clock
            # ...then run for a minute (or stand still through a repeated hour).
            ran = max(clock, wall(moment, zone) + MINUTE)
            total += self.worked(clock, ran)
            clock = ran
            moment += MINUTE
            yield moment, total, None

    def deadline(self, start: dt.datetime, minutes: int) -> dt.datetime:
        for moment, total, _ in self.steps(start):
            if total >= minutes:
                return moment
        raise AssertionError("unreachable")

    def minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        for moment, total, _ in self.steps(start):
            if moment >= end:
                return total
        raise AssertionError("unreachable")

    def next_open(self, start: dt.datetime) -> dt.datetime:
        """The first moment at which the clock reads working time, or jumps
        over some."""
        before = 0
        for moment, total, clock in self.steps(start):
            if clock is not None and (total > before or self.working(clock)):
                return moment
            before = total
        raise AssertionError("unreachable")

    def jumps_over_work(self, moment: dt.datetime) -> bool:
        """Whether the clocks jump forward at `moment` over working time."""
        return self.worked(self.reading(moment), wall(moment, self.cal.zone)) > 0


@st.composite
def calendars(draw) -> Calendar:
    grid = draw(st.sampled_from([15, 1]))
    shape = draw(st.sampled_from(["day", "day", "day", "around", "to midnight"]))
    if shape == "around":
        first, last = 0, DAY_MINUTES
    elif shape == "to midnight":
        first, last = draw(st.integers(0, DAY_MINUTES // grid - 1)) * grid, DAY_MINUTES
    else:
        a = draw(st.integers(0, DAY_MINUTES // grid - 2))
        b = draw(st.integers(a + 1, DAY_MINUTES // grid - 1))
        first, last = a * grid, b * grid
    return Calendar(
        zone=ZoneInfo(draw(st.sampled_from(ZONES))),
        days=draw(st.frozensets(st.integers(0, 6), min_size=1)),
        first=first,
        last=last,
        country=draw(st.sampled_from(COUNTRIES)),
        closures=frozenset(),
    )


@st.composite
def moments(draw, zone: ZoneInfo) -> dt.datetime:
    """A whole minute in YEARS; half of them within a few days of a clock
    change, and half of those within three hours of it."""
    near = changes(zone.key)
    if near and draw(st.booleans()):
        change = draw(st.sampled_from(near))
        within = draw(st.sampled_from([3 * 60, 4 * DAY_MINUTES]))
        return change + MINUTE * draw(st.integers(-within, within))
    start = dt.datetime(YEARS.start, 1, 8, tzinfo=UTC)
    return start + MINUTE * draw(st.integers(0, 700 * DAY_MINUTES))


@st.composite
def cases(draw):
    """(calendar with closure days near the start, start, minutes to add)."""
    cal = draw(calendars())
    start = draw(moments(cal.zone))
    offsets = draw(st.frozensets(st.integers(-1, 30), max_size=4))
    local_day = start.astimezone(cal.zone).date()
    closures = frozenset(local_day + dt.timedelta(days=n) for n in offsets)
    cal = Calendar(**{**cal.__dict__, "closures": closures})
    minutes = draw(st.integers(1, min(MAX_MINUTES, 2 * cal.week_minutes)))
    note(f"calendar={cal!r} start={start.isoformat()} minutes={minutes}")
    return cal, start, minutes


@given(cases())
def test_a_deadline_is_the_minute_by_minute_count(case):
    cal, start, minutes = case
    due = cal.work_calendar().add_business_hours(start, minutes / 60)
    assert due == Reference(cal).deadline(start, minutes)


@given(cases())
def test_counting_back_from_a_deadline_gives_the_hours_added(case):
    # Exactly the hours added, from any start (working time or not), unless
    # the clocks jump forward over working time at the deadline: then it is
    # the moment of the jump, the first with at least that much behind it.
    cal, start, minutes = case
    calendar = cal.work_calendar()
    due = calendar.add_business_hours(start, minutes / 60)
    counted = round(calendar.business_hours_between(start, due) * 60, 6)
    if counted != minutes:
        assert counted > minutes
        assert Reference(cal).jumps_over_work(due)
    assert calendar.business_hours_between(start, due - MINUTE) * 60 < minutes


@given(cases(), st.integers(1, 3 * DAY_MINUTES))
def test_hours_between_two_moments_are_the_minute_by_minute_count(case, length):
    cal, start, _ = case
    end = start + MINUTE * length
    counted = cal.work_calendar().business_hours_between(start, end) * 60
    assert round(counted, 6) == Reference(cal).minutes_between(start, end)


@given(cases())
def test_next_open_is_the_first_working_moment(case):
    # The moment itself in working time, else the first moment after it that
    # is: nothing between the two is working time.
    cal, start, _ = case
    opens = cal.work_calendar().next_open(start)
    assert opens >= start
    assert opens == Reference(cal).next_open(start)


@given(cases(), st.integers(0, 8 * 60))
def test_more_hours_never_give_an_earlier_deadline(case, more):
    cal, start, minutes = case
    calendar = cal.work_calendar()
    due = calendar.add_business_hours(start, minutes / 60)
    assert due >= start
    assert calendar.add_business_hours(start, (minutes + more) / 60) >= due


@given(cases(), st.integers(-1, 30))
def test_a_closure_day_never_gives_an_earlier_deadline(case, offset):
    cal, start, minutes = case
    day = start.astimezone(cal.zone).date() + dt.timedelta(days=offset)
    assume(day not in cal.closures)
    due = cal.work_calendar().add_business_hours(start, minutes / 60)
    closed = cal.work_calendar(extra_closures=[day])
    assert closed.add_business_hours(start, minutes / 60) >= due
