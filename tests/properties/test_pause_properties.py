"""A paused clock, checked against the minute-by-minute reference: real
minutes inside a pause count for nothing, so a pause can only move a
deadline later, never sooner, and a pause still lasting leaves a moment the
clock had not reached empty (issue 18, items 2 and 5).

Same random calendars, zones, clock changes, holidays and closure days as
test_calendar_properties; pauses are one to three whole-minute intervals at
random offsets from the start, the last sometimes still running.
"""

from __future__ import annotations

from hypothesis import given, note
from hypothesis import strategies as st

from cases.calendar import clock_reaches
from tests.properties.test_calendar_properties import (
    DAY_MINUTES,
    MINUTE,
    Reference,
    cases,
)


@st.composite
def paused_cases(draw, *, running: bool | None = None):
    """(calendar, start, minutes, pauses): pauses sorted, not overlapping."""
    cal, start, minutes = draw(cases())
    pauses, cursor = [], start
    for _ in range(draw(st.integers(1, 3))):
        begins = cursor + MINUTE * draw(st.integers(0, 2 * DAY_MINUTES))
        ends = begins + MINUTE * draw(st.integers(1, 3 * DAY_MINUTES))
        pauses.append((begins, ends))
        cursor = ends
    still = draw(st.booleans()) if running is None else running
    if still:
        pauses[-1] = (pauses[-1][0], None)
    note(f"pauses={[(a.isoformat(), b and b.isoformat()) for a, b in pauses]}")
    return cal, start, minutes, pauses


def _paused(pauses, moment, *, instant: bool) -> bool:
    """Whether the real minute starting at `moment` (or, for `instant`, a jump
    of the clocks at that moment) falls inside a pause. A jump at the very
    moment a pause begins was counted before it; one at the moment it ends
    is passed while still paused."""
    for begins, ends in pauses:
        if instant:
            if begins < moment and (ends is None or moment <= ends):
                return True
        elif begins <= moment and (ends is None or moment < ends):
            return True
    return False


def reference_reaches(cal, start, minutes, pauses):
    """The first moment with `minutes` of working time behind it, leaving out
    what accrues while paused; None once a pause without an end begins."""
    counted, last_moment, last_total = 0, start, 0
    running_from = next((b for b, e in pauses if e is None), None)
    for moment, total, clock in Reference(cal).steps(start):
        gained = total - last_total
        instant = clock is not None  # a jump at `moment`, not a minute run
        where = moment if instant else last_moment
        if gained and not _paused(pauses, where, instant=instant):
            counted += gained
        last_moment, last_total = moment, total
        if counted >= minutes:
            return moment
        if running_from is not None and moment >= running_from:
            return None


@given(paused_cases())
def test_a_paused_deadline_is_the_minute_by_minute_count(case):
    cal, start, minutes, pauses = case
    calendar = cal.work_calendar()
    reached = clock_reaches(calendar, start, minutes / 60, pauses)
    assert reached == reference_reaches(cal, start, minutes, pauses)


@given(paused_cases())
def test_a_pause_never_shortens_a_clock(case):
    cal, start, minutes, pauses = case
    calendar = cal.work_calendar()
    unpaused = calendar.add_business_hours(start, minutes / 60)
    reached = clock_reaches(calendar, start, minutes / 60, pauses)
    if reached is None:  # still paused, short of the target: not due at all
        assert any(ends is None for _, ends in pauses)
    else:
        assert reached >= unpaused


@given(paused_cases(running=False), st.integers(1, DAY_MINUTES))
def test_a_longer_pause_never_gives_an_earlier_deadline(case, longer):
    cal, start, minutes, pauses = case
    calendar = cal.work_calendar()
    reached = clock_reaches(calendar, start, minutes / 60, pauses)
    begins, ends = pauses[-1]
    stretched = [*pauses[:-1], (begins, ends + MINUTE * longer)]
    assert clock_reaches(calendar, start, minutes / 60, stretched) >= reached
