"""Business time: the one clock for step targets and reminder times.

A WorkCalendar is working days and daily hours in a time zone. A team's
calendar counts step targets; a recipient's mail calendar (their hours or their
team's, in their zone, cases.notifications.hours) decides when an email may
arrive.

Step targets, counted in business hours of the team's working calendar.

Each working step has a target (how long it may take) and a warning (how long
before the target the case counts as due soon). A team's StepTarget rows
override the defaults below. Time counts only inside the team's working hours,
in its own time zone, so a case logged on Friday evening starts its clock on
Monday morning and is not overdue over the weekend.

Pure arithmetic apart from `targets_for`, which reads the team's overrides, and
`step_clock`, which falls back to it for a case without stored deadlines.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.conf import settings
from django.utils import dateformat, timezone

from cases.choices import Step
from cases.validators import EARLIEST_DAY, LATEST_DAY

# (target, warning) in business hours. DOMAIN.md: the manager hears at once and
# the client as soon as possible, so the first steps are short; trust comes
# back over weeks, so follow-up is long. One business day is counted as 8 h.
DEFAULT_TARGETS: dict[Step, tuple[Decimal, Decimal]] = {
    # Log it and own it; the manager is alerted the moment it is saved.
    Step.ACKNOWLEDGE: (Decimal("2"), Decimal("0.5")),
    # The pit stop: within one business day.
    Step.ROOT_CAUSE: (Decimal("8"), Decimal("2")),
    # Options in hand before the client call: within one business day.
    Step.OPTIONS: (Decimal("8"), Decimal("2")),
    # First client contact within one business day, before the damage grows.
    Step.COMMUNICATE: (Decimal("8"), Decimal("2")),
    # The full apology once the fix is presented: within two business days.
    Step.APOLOGISE: (Decimal("16"), Decimal("4")),
    # Compensation delivered within a working week; a day's warning.
    Step.COMPENSATE: (Decimal("40"), Decimal("8")),
    # Follow-ups over about four weeks; a week's warning.
    Step.FOLLOW_UP: (Decimal("160"), Decimal("40")),
}

WEEKDAYS = frozenset(range(5))  # Monday to Friday
DEFAULT_START = dt.time(9, 0)
DEFAULT_END = dt.time(17, 30)
MIDNIGHT = dt.time(0, 0)
ONE_DAY = dt.timedelta(days=1)
ZERO = dt.timedelta(0)
# A remainder of exactly N weeks must end at the close of the last working day
# of week N, not at the opening of week N + 1: skip one microsecond short.
_TICK = dt.timedelta(microseconds=1)
_SECOND = dt.timedelta(seconds=1)
# Moments beyond these are taken as these: a year from the ends of Python's
# calendar, so shifting into any zone, adding a day or skipping whole weeks
# never overflows (a deadline after year 9998 is as good as never anyway).
FIRST_MOMENT = dt.datetime(2, 1, 1, tzinfo=dt.UTC)
LAST_MOMENT = dt.datetime(9998, 12, 31, tzinfo=dt.UTC)


def _clamp(moment: dt.datetime) -> dt.datetime:
    if timezone.is_naive(moment):
        return moment  # refused by _local, with its reason
    return min(max(moment, FIRST_MOMENT), LAST_MOMENT)


def zone_named(name: str | None) -> ZoneInfo | None:
    """The time zone of that name; None for a blank or unknown one.

    A typo in the admin or a profile must not stop cases or reminders, so
    callers fall back to the next zone that is set.
    """
    name = (name or "").strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def user_zone(user, team=None) -> ZoneInfo:
    """The user's time zone, else the team's, else settings.TIME_ZONE.

    Without `team`, the user's teams are tried in the order they joined;
    prefetch `memberships__team` when calling this for many users.
    """
    zone = zone_named(user.time_zone)
    if zone is not None:
        return zone
    if team is not None:
        teams = [team]
    else:
        memberships = sorted(user.memberships.all(), key=lambda m: (m.joined_at, m.pk))
        teams = [m.team for m in memberships]
    for candidate in teams:
        zone = zone_named(candidate.time_zone)
        if zone is not None:
            return zone
    return site_zone()


def weekdays_of(value: str) -> frozenset[int]:
    days = set()
    for part in (value or "").split(","):
        part = part.strip()
        if part.isdigit() and 0 <= int(part) <= 6:
            days.add(int(part))
    return frozenset(days) or WEEKDAYS


@lru_cache(maxsize=1024)
def public_holidays(country: str, subdivision: str, year: int) -> tuple:
    """((date, name), ...) of that year, sorted; () for an unknown region.

    Computed by the holidays package, offline; a pinned version always gives
    the same days, so they are cached for the life of the process.
    """
    if not country or not EARLIEST_DAY.year <= year <= LATEST_DAY.year:
        return ()
    try:
        found = holidays.country_holidays(
            country, subdiv=subdivision or None, years=year
        )
    except NotImplementedError:  # a country or region the package dropped
        return ()
    return tuple(sorted(found.items()))


def _country_name(entity: type, code: str) -> str:
    # The package names each country in its class's docstring ("Germany
    # holidays."); aliases such as `DE` subclass it without one.
    for cls in entity.__mro__:
        first = (cls.__dict__.get("__doc__") or "").strip().split("\n")[0]
        if first.endswith(" holidays."):
            return first.removesuffix(" holidays.").removesuffix(" (the)")
    return code


@lru_cache(maxsize=1)
def holiday_countries() -> tuple[tuple[str, str], ...]:
    """((code, name), ...) of every country the holidays package knows, by
    name; the ISO two-letter codes (the package also takes three-letter ones
    and a few aliases)."""
    countries = []
    for code in holidays.list_supported_countries():
        entity = holidays.country_holidays(code)
        # Skip aliases such as UK, whose own code is another (GB).
        if len(code) == 2 and entity.country == code:
            countries.append((code, _country_name(type(entity), code)))
    return tuple(sorted(countries, key=lambda pair: pair[1].casefold()))


@lru_cache(maxsize=512)
def holiday_subdivisions(country: str) -> tuple[tuple[str, str], ...]:
    """((code, name), ...) of the country's regions; () for a country without
    regions or one the package does not know."""
    codes = holidays.list_supported_countries().get(country or "", [])
    if not codes:
        return ()
    aliases = getattr(holidays.country_holidays(country), "subdivisions_aliases", {})
    names: dict[str, str] = {}
    for name, code in aliases.items():
        names.setdefault(code, name)  # the first alias is the English name
    return tuple(
        (code, f"{names[code]} ({code})" if code in names else code) for code in codes
    )


def holiday_region_name(country: str, subdivision: str = "") -> str:
    """e.g. "Germany, Berlin (BE)"; "" without a country."""
    if not country:
        return ""
    name = dict(holiday_countries()).get(country, country)
    region = dict(holiday_subdivisions(country)).get(subdivision, subdivision)
    return f"{name}, {region}" if region else name


class ClosedDays:
    """The days a team does not work although they are working weekdays:
    public holidays of its region and the company's closure days.

    Holidays are worked out year by year as the arithmetic reaches them; the
    closure days come in once, with the calendar (no query per day).
    """

    def __init__(self, country: str = "", subdivision: str = "", closures=()):
        self.country = country
        self.subdivision = subdivision
        self.closures = frozenset(closures)
        self._years: dict[int, tuple[dt.date, ...]] = {}

    def _year(self, year: int) -> tuple[dt.date, ...]:
        if year not in self._years:
            days = {
                day for day, _ in public_holidays(self.country, self.subdivision, year)
            }
            days.update(day for day in self.closures if day.year == year)
            self._years[year] = tuple(sorted(days))
        return self._years[year]

    def __bool__(self) -> bool:
        return bool(self.country or self.closures)

    def __contains__(self, day: dt.date) -> bool:
        return bool(self) and day in self._year(day.year)

    def between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Closed days from `first` up to and including `last`, in order."""
        if not self or last < first:
            return []
        first, last = max(first, EARLIEST_DAY), min(last, LATEST_DAY)
        found: list[dt.date] = []
        for year in range(first.year, last.year + 1):
            days = self._year(year)
            found.extend(
                days[bisect.bisect_left(days, first) : bisect.bisect_right(days, last)]
            )
        return found


NO_CLOSED_DAYS = ClosedDays()


def _as_delta(hours: Decimal | float | int) -> dt.timedelta:
    return dt.timedelta(hours=float(hours))


@dataclass(frozen=True)
class WorkCalendar:
    """A team's working time: weekdays (Monday = 0) and daily hours, in a zone.

    Arithmetic runs in local wall time, so a working day is as long in the week
    the clocks change as in any other. When they change inside working hours,
    the repeated hour counts once and the skipped one at the moment of the
    jump (see `_local`). An end of 00:00 means midnight (a 00:00-00:00
    calendar works around the clock).
    """

    zone: ZoneInfo
    days: frozenset[int] = WEEKDAYS
    start: dt.time = DEFAULT_START
    end: dt.time = DEFAULT_END
    # Whole working days off: public holidays and closure days.
    closed: ClosedDays = field(default=NO_CLOSED_DAYS, compare=False)

    @classmethod
    def for_team(cls, team) -> WorkCalendar:
        """The team's calendar; a setting that makes no sense falls back.

        Reads the team's closure days: one query, none when prefetched.
        """
        start, end = team.work_start, team.work_end
        if start is None or end is None or (end != MIDNIGHT and end <= start):
            start, end = DEFAULT_START, DEFAULT_END
        # An unsaved team (a form's preview, a test) has no closure days yet;
        # a team as a migration before 0016 sees it has no holidays at all.
        has_closures = team.pk and hasattr(team, "closure_days")
        closures = [c.date for c in team.closure_days.all()] if has_closures else []
        return cls(
            zone=zone_named(team.time_zone) or site_zone(),
            days=weekdays_of(team.work_days),
            start=start,
            end=end,
            closed=ClosedDays(
                getattr(team, "holiday_country", ""),
                getattr(team, "holiday_subdivision", ""),
                closures,
            ),
        )

    @property
    def zone_name(self) -> str:
        return self.zone.key

    def _window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        opens = dt.datetime.combine(day, self.start)
        if self.end == MIDNIGHT:
            return opens, dt.datetime.combine(day + ONE_DAY, MIDNIGHT)
        return opens, dt.datetime.combine(day, self.end)

    def works_on(self, day: dt.date) -> bool:
        return day.weekday() in self.days and day not in self.closed

    @property
    def _day_length(self) -> dt.timedelta:
        opens, closes = self._window(dt.date(2000, 1, 3))
        return closes - opens

    @property
    def _week(self) -> dt.timedelta:
        return self._day_length * len(self.days)

    def _closed_working_days(self, first: dt.date, last: dt.date) -> int:
        return sum(
            1 for day in self.closed.between(first, last) if day.weekday() in self.days
        )

    # Wall time is what the clock on the wall has shown so far. When the clocks
    # go back, the repeated hour was already counted on its first pass: the
    # second pass reads as the moment before the change, so no time counts twice
    # and a later moment never maps to an earlier wall time. When they go
    # forward, the skipped wall times are the moment the clocks jumped, so a
    # later wall time never maps to an earlier moment.

    def _local(self, value: dt.datetime) -> dt.datetime:
        if timezone.is_naive(value):
            raise ValueError("Business hours need an aware datetime.")
        local = value.astimezone(self.zone)
        if local.fold:  # the second pass through a repeated hour
            first = local.replace(fold=0)
            change = self._change(first.astimezone(dt.UTC), value.astimezone(dt.UTC))
            return change.replace(tzinfo=None) + first.utcoffset()
        return local.replace(tzinfo=None)

    def _aware(self, local: dt.datetime) -> dt.datetime:
        moment = local.replace(tzinfo=self.zone, fold=0).astimezone(dt.UTC)
        if moment.astimezone(self.zone).replace(tzinfo=None) == local:
            return moment
        # A wall time the clocks skipped: fold=1 reads it with the offset after
        # the change, which puts it before the change; fold=0 after it.
        before = local.replace(tzinfo=self.zone, fold=1).astimezone(dt.UTC)
        return self._change(before, moment)

    def _change(self, before: dt.datetime, after: dt.datetime) -> dt.datetime:
        """When the offset changed between `before` and `after` (UTC moments
        with different offsets): the first whole second on `after`'s offset."""
        offset = after.astimezone(self.zone).utcoffset()
        before = before.replace(microsecond=0)
        if after.microsecond:
            after = after.replace(microsecond=0) + _SECOND
        while after - before > _SECOND:
            middle = before + _SECOND * ((after - before) // _SECOND // 2)
            if middle.astimezone(self.zone).utcoffset() == offset:
                after = middle
            else:
                before = middle
        return after

    def opening(self, day: dt.date) -> dt.datetime:
        """The opening time on `day` (working day or not), in UTC."""
        day = min(max(day, FIRST_MOMENT.date()), LAST_MOMENT.date())
        return self._aware(self._window(day)[0])

    def closing(self, day: dt.date) -> dt.datetime:
        """The closing time on `day` (working day or not), in UTC."""
        day = min(max(day, FIRST_MOMENT.date()), LAST_MOMENT.date())
        return self._aware(self._window(day)[1])

    def business_days_after(self, start: dt.datetime, days: int = 1) -> dt.datetime:
        """The moment `days` whole working days of this calendar after `start`:
        Friday 15:00 plus one is Monday 15:00, Saturday plus one is Monday's
        close, a holiday skipped."""
        return self.add_business_time(start, self._day_length * days)

    def next_open(self, moment: dt.datetime) -> dt.datetime:
        """`moment` if it falls in working time, else the next opening; in UTC."""
        moment = _clamp(moment)
        local = self._local(moment)
        day = local.date()
        while True:
            if self.works_on(day):
                opens, closes = self._window(day)
                if local < opens:
                    return self._aware(opens)
                if local < closes:
                    return moment.astimezone(dt.UTC)
            day += ONE_DAY

    def add_business_hours(
        self, start: dt.datetime, hours: Decimal | float | int
    ) -> dt.datetime:
        """The moment `hours` of working time after `start` (in UTC).

        Time before opening, after closing or on a day off does not count, so
        Friday 19:00 plus 2 hours is Monday 11:00 on a 09:00 start.
        """
        try:
            return self.add_business_time(start, _as_delta(hours))
        except OverflowError:
            return LAST_MOMENT

    def add_business_time(self, start: dt.datetime, time: dt.timedelta) -> dt.datetime:
        """As add_business_hours, for an exact length of working time."""
        if time <= ZERO:
            return start
        try:
            return min(self._add(_clamp(start), time), LAST_MOMENT)
        except OverflowError:
            return LAST_MOMENT

    def _add(self, start: dt.datetime, remaining: dt.timedelta) -> dt.datetime:
        cursor = self._local(start)
        day = cursor.date()
        week = self._week
        while True:
            if self.works_on(day):
                opens, closes = self._window(day)
                begin = max(cursor, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return self._aware(begin + remaining)
                    remaining -= available
            day += ONE_DAY
            # From a day's start, whole weeks cost exactly `week`: skip them,
            # but only up to the next closed day (which costs less).
            if remaining > week:
                weeks = (remaining - _TICK) // week
                closed = self.closed.between(
                    day, day + dt.timedelta(weeks=weeks) - ONE_DAY
                )
                if closed:
                    weeks = (closed[0] - day).days // 7
                day += dt.timedelta(weeks=weeks)
                remaining -= week * weeks

    def business_hours_between(self, a: dt.datetime, b: dt.datetime) -> float:
        """Working hours from `a` to `b`; 0 when `b` is not after `a`."""
        return self.business_time_between(a, b).total_seconds() / 3600

    def business_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Working time from `a` to `b`, exact; zero when `b` is not after `a`."""
        a, b = _clamp(a), _clamp(b)
        if b <= a:
            return ZERO
        since, until = self._local(a), self._local(b)
        total = ZERO
        day, last = since.date(), until.date()
        week = self._week
        while day <= last:
            if self.works_on(day):
                opens, closes = self._window(day)
                overlap = min(until, closes) - max(since, opens)
                if overlap > ZERO:
                    total += overlap
            day += ONE_DAY
            # Every window of a week that ends by `last` lies inside (a, b),
            # less the closed working days among them.
            weeks = (last - day).days // 7
            if weeks > 0:
                skipped_to = day + dt.timedelta(weeks=weeks)
                closed = self._closed_working_days(day, skipped_to - ONE_DAY)
                total += week * weeks - self._day_length * closed
                day = skipped_to
        return total


def targets_for(team) -> dict[Step, tuple[Decimal, Decimal]]:
    """(target, warning) in business hours per working step; one query."""
    targets = dict(DEFAULT_TARGETS)
    for row in team.step_targets.all():
        targets[Step(row.step)] = (
            Decimal(row.target_hours),
            Decimal(row.warning_hours),
        )
    return targets


def scaled(
    target: tuple[Decimal, Decimal], factor: Decimal | int = 1
) -> tuple[Decimal, Decimal]:
    """A (target, warning) pair times a case's factor, to the minute's hundredth."""
    if factor == 1:
        return target
    factor = Decimal(factor)
    hours, warning = target
    return (hours * factor).quantize(Decimal("0.01")), (warning * factor).quantize(
        Decimal("0.01")
    )


def factor_words(factor: Decimal | int) -> str:
    """A case's target factor as people write it: 0.5, not 0.50."""
    return f"{Decimal(factor).normalize():f}"


# A pause of a step's clock: (from, until), until None while it lasts.
Pause = tuple[dt.datetime, dt.datetime | None]


def clock_reaches(
    calendar: WorkCalendar,
    start: dt.datetime,
    hours: Decimal | float | int,
    pauses: list[Pause] | tuple = (),
) -> dt.datetime | None:
    """When a clock started at `start` has run `hours` of working time, not
    counting the time it stood paused; None if it is paused before then.

    A pause that begins after the moment is reached changes nothing, so
    pausing a step already overdue leaves it overdue.
    """
    cursor, remaining = start, _as_delta(hours)
    for paused_from, paused_until in sorted(pauses, key=lambda p: p[0]):
        if remaining <= ZERO:
            break
        if paused_from > cursor:
            before = calendar.business_time_between(cursor, paused_from)
            if remaining <= before:
                break
            remaining -= before
        if paused_until is None:
            return None
        cursor = max(cursor, paused_until)
    if remaining <= ZERO:
        return cursor
    return calendar.add_business_time(cursor, remaining)


def deadlines(
    team,
    step: str,
    entered_at: dt.datetime,
    *,
    targets: dict | None = None,
    calendar: WorkCalendar | None = None,
    pauses: list[Pause] | tuple = (),
    factor: Decimal | int = 1,
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(warn_at, due_at) for a case entering `step` at `entered_at`.

    `pauses` are the times this visit's clock stood still; a moment the clock
    has not reached when a pause still lasting began is None (not due while
    paused). Pass `targets` and `calendar` when computing many cases of one
    team. `factor` scales the target and its warning for one case (a second
    failure's tighter targets, Case.target_factor).
    """
    if Step(step) == Step.CLOSED:
        return None, None
    target, warning = scaled((targets or targets_for(team))[Step(step)], factor)
    calendar = calendar or WorkCalendar.for_team(team)
    if not pauses:
        due_at = calendar.add_business_hours(entered_at, target)
        warn_at = calendar.add_business_hours(entered_at, max(target - warning, 0))
        return warn_at, due_at
    due_at = clock_reaches(calendar, entered_at, target, pauses)
    warn_at = clock_reaches(calendar, entered_at, max(target - warning, 0), pauses)
    return warn_at, due_at


def second_escalation_at(
    team, due_at: dt.datetime | None, *, calendar: WorkCalendar | None = None
) -> dt.datetime | None:
    """When a case still in its step past `due_at` gets the second escalation:
    the team's second_escalation_hours of its working time later; None when
    the team sends none (or the step has no target). Pass `calendar` when
    computing many cases of one team: without it, one query for the team's
    closure days."""
    hours = getattr(team, "second_escalation_hours", None)
    if due_at is None or not hours or hours <= 0:
        return None
    calendar = calendar or WorkCalendar.for_team(team)
    return calendar.add_business_hours(due_at, hours)


# Where a step's clock stands: the words shown (never colour alone) and the
# badge's colour.
CLOCK_STATES: dict[str, tuple[str, str]] = {
    "paused": ("Paused", "secondary"),
    "on_track": ("On track", "success"),
    "due_soon": ("Due soon", "warning"),
    "overdue": ("Overdue", "danger"),
}
STATE_LABELS = {state: label for state, (label, _) in CLOCK_STATES.items()}
STATE_LABELS["none"] = ""
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def clock_state(
    warn_at: dt.datetime | None,
    due_at: dt.datetime | None,
    now: dt.datetime,
    paused_at: dt.datetime | None = None,
) -> str:
    """paused, on_track, due_soon or overdue from the stored moments; none
    without a target. Lists, dashboards and the case page all ask this one
    question. A step paused after its target passed stays overdue."""
    if paused_at is not None and (due_at is None or due_at > paused_at):
        return "paused"
    if due_at is None:
        return "none"
    if due_at < now:
        return "overdue"
    if warn_at is not None and warn_at <= now:
        return "due_soon"
    return "on_track"


def clock_badge(state: str) -> dict:
    """The state's words and badge colour, for a template."""
    label, tone = CLOCK_STATES.get(state, ("", "secondary"))
    return {"state": state, "label": label, "tone": tone}


def _hours(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _tenths(value: float, rounding) -> float:
    # Round first: 2.3 h is 22.999... tenths in binary.
    return rounding(round(value * 10, 6)) / 10


def _hours_word(value: float) -> str:
    return f"{_hours(value)} business hour{'' if value == 1 else 's'}"


def working_hours_text(calendar: WorkCalendar) -> str:
    """e.g. "Mon to Fri, 09:00 to 17:30 (Europe/London)"."""
    days = sorted(calendar.days)
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        named = f"{DAY_NAMES[days[0]]} to {DAY_NAMES[days[-1]]}"
    else:
        named = ", ".join(DAY_NAMES[day] for day in days)
    end = "24:00" if calendar.end == MIDNIGHT else f"{calendar.end:%H:%M}"
    return f"{named}, {calendar.start:%H:%M} to {end} ({calendar.zone_name})"


def _clock_text(state: str, when: str, zone: str, used: float, target: float):
    """(text, title) of the clock: the target in the viewer's zone and the
    business hours left or over, in words."""
    if state == "overdue":
        over = _tenths(used - target, math.ceil)
        if over > 0:
            rest = f"{_hours_word(over)} over its {_hours(target)}-hour target"
        else:
            rest = f"all {_hours_word(target)} used"
        return f"Was due by {when} ({zone}) · {rest}", (
            f"{_hours(used)} of {_hours_word(target)} used"
        )
    # Round used time down, so the clock never reads "0 left" while on time.
    used_shown = _tenths(used, math.floor)
    left = max(target - used_shown, 0)
    return f"Due by {when} ({zone}) · {_hours_word(left)} left of {_hours(target)}", (
        f"{_hours(used_shown)} of {_hours_word(target)} used, {_hours(left)} left"
    )


def step_clock(
    case, now: dt.datetime | None = None, *, zone: ZoneInfo | None = None
) -> dict:
    """The clock of the case's current step, for the case page.

    The target is shown in `zone` (the viewer's; the team's when not given),
    with the business hours left or over; those hours are the team's working
    time, which the title says. The target is the working time between
    entering the step and the stored deadline, so the numbers always agree with
    the state (which lists and dashboards read from the same stored deadlines).
    """
    if case.is_closed:
        return {"state": "none", "label": "", "text": "", "title": ""}
    now = now or timezone.now()
    calendar = WorkCalendar.for_team(case.team)
    zone = zone or calendar.zone
    if case.step_paused_at is not None and (
        case.step_due_at is None or case.step_due_at > case.step_paused_at
    ):
        return _paused_clock(case, calendar, zone)
    warn_at, due_at = case.step_warn_at, case.step_due_at
    if due_at is None or warn_at is None:
        # A case stored before targets existed: compute them for display.
        warn_at, due_at = deadlines(
            case.team,
            case.step,
            case.step_entered_at,
            calendar=calendar,
            factor=case.target_factor,
        )
    state = clock_state(warn_at, due_at, now)
    entered = case.step_entered_at
    # Time the clock stood paused counts neither as used nor as target.
    paused = sum(
        calendar.business_hours_between(p.started_at, p.ended_at or now)
        for p in getattr(case, "visit_pauses", ())
        if p.started_at < due_at
    )
    used = max(calendar.business_hours_between(entered, now) - paused, 0)
    target = max(calendar.business_hours_between(entered, due_at) - paused, 0)
    local_due = due_at.astimezone(zone)
    when = dateformat.format(local_due, "D j M H:i")
    text, hours = _clock_text(state, when, zone.key, used, target)
    skips = _closed_days_ahead(calendar, now, due_at) if state != "overdue" else []
    title = (
        f"{hours}. Business hours are {case.team.name}'s working time: "
        f"{working_hours_text(calendar)}, without public holidays and closure days."
    )
    return {
        **clock_badge(state),
        "used_hours": used,
        "target_hours": target,
        "left_hours": max(target - used, 0.0),
        "over_hours": max(used - target, 0.0),
        "warn_at": warn_at.astimezone(zone),
        "due_at": local_due,
        "time_zone": zone.key,
        "team_time_zone": calendar.zone_name,
        "text": text
        + (f" · {_pause_words(case, zone)}" if case.step_paused_at else ""),
        "title": title,
        "skips": skips,
        "skips_text": (
            "Skips "
            + ", ".join(f"{day:%a} {day.day} {day:%b} ({name})" for day, name in skips)
            if skips
            else ""
        ),
    }


def _closed_days_ahead(
    calendar: WorkCalendar, now: dt.datetime, due_at: dt.datetime
) -> list[tuple[dt.date, str]]:
    """(day, name) of the working days off from today to the due day: the
    team's public holidays by name, its own closure days as such."""
    first = now.astimezone(calendar.zone).date()
    last = due_at.astimezone(calendar.zone).date()
    days = [
        day
        for day in calendar.closed.between(first, last)
        if day.weekday() in calendar.days
    ]
    names = {}
    for year in {day.year for day in days}:
        names.update(
            public_holidays(calendar.closed.country, calendar.closed.subdivision, year)
        )
    return [(day, names.get(day, "closure day")) for day in days]


def _pause_words(case, zone: ZoneInfo) -> str:
    """The words of a running pause, in the viewer's zone: since when, why,
    and when it starts again."""
    since = case.step_paused_at.astimezone(zone)
    pauses = getattr(case, "visit_pauses", ())
    pause = next((p for p in pauses if p.ended_at is None), None)
    text = f"Paused since {dateformat.format(since, 'D j M H:i')} ({zone.key})"
    if pause is not None:
        text += f" · {pause.get_reason_display()}"
        if pause.note:
            text += f": {pause.note}"
        if pause.resume_at is not None:
            restart = pause.resume_at.astimezone(zone)
            text += f" · starts again {dateformat.format(restart, 'D j M')}"
    return text


def _paused_clock(case, calendar: WorkCalendar, zone: ZoneInfo) -> dict:
    """A clock standing still: since when (in the viewer's zone), why, until
    when (a step already overdue when paused shows as overdue instead: a
    pause does not hide lateness)."""
    since = case.step_paused_at.astimezone(zone)
    pauses = getattr(case, "visit_pauses", ())
    pause = next((p for p in pauses if p.ended_at is None), None)
    text = _pause_words(case, zone)
    # What is left of the target when the clock starts again.
    target, _ = scaled(targets_for(case.team)[Step(case.step)], case.target_factor)
    before = sum(
        calendar.business_hours_between(p.started_at, p.ended_at)
        for p in pauses
        if p.ended_at is not None
    )
    used = calendar.business_hours_between(case.step_entered_at, case.step_paused_at)
    left = max(float(target) - max(used - before, 0), 0)
    text += f" · {_hours_word(_tenths(left, math.ceil))} left when it restarts"
    return {
        **clock_badge("paused"),
        "since": since,
        "pause": pause,
        "time_zone": zone.key,
        "team_time_zone": calendar.zone_name,
        "text": text,
        "title": "The clock stands still: this time counts neither as used "
        "nor towards the target.",
    }
