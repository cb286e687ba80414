"""What every part of the sweep shares: when a message's moment has come.

A moment (the recipient's opening on a follow-up's date, a step's warning
point...) moves to a sensible time in the recipient's mail calendar, and is
due from then, in their working hours, for CATCH_UP_HOURS of working time;
cases.notifications.due explains the rules. Also here: whether
a recipient still wants a kind of message, and the lock each part takes on the
rows it reads.
"""

from __future__ import annotations

import datetime as dt

from cases.calendar import WorkCalendar
from cases.models import User
from cases.notifications.hours import is_open, mail_calendar

# A message not recorded within this much of the recipient's working time
# after its sensible time is no longer worth sending: a working day and a bit.
CATCH_UP_HOURS = 10
# The furthest a moment moves to a sensible time. A weekend is 2.6 days, but
# holidays and closure days make longer gaps: Christmas to New Year with the
# company closed in between is twelve days (Wednesday 23 December 17:30 to
# Monday 4 January 09:00 in 2026), more for someone who works only some
# weekdays. Three weeks (and an hour for a clock change) cover a two-week
# closure with the weekends either side, so a reminder due just before it
# reaches the sweep's queries after it and goes out at the first opening,
# instead of being dropped as stale. A closure longer than that still moves
# the message; only a sweep that was also down then may miss it.
MAX_SHIFT = dt.timedelta(days=21, hours=1)
# The longest CATCH_UP_HOURS of working time can take from a sensible time:
# across at most one such gap.
CATCH_UP = MAX_SHIFT + dt.timedelta(hours=CATCH_UP_HOURS)
# How far back the queries look for moments whose sensible time may just have
# come: shifted by at most MAX_SHIFT, then recorded within CATCH_UP.
LOOKBACK = MAX_SHIFT + CATCH_UP


# Sensible local times: the recipient's mail calendar of hours.py (the one
# place that says when email may reach someone).


def sensible_time(moment: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """`moment`, or the next opening of the recipient's calendar if it falls
    outside their working hours or on a day off (a weekend, a holiday, a
    closure day). Returned in UTC."""
    return calendar.next_open(moment)


def next_sensible_time(user: User, moment: dt.datetime, team=None) -> dt.datetime:
    """When a message about `moment` should reach `user`: the moment itself in
    their working time, else their next opening.

    Urgent messages (escalations, second drops) follow the same rule: a case
    overdue at 3 a.m. is worth an email at the start of the day, not at 3.
    """
    return sensible_time(moment, mail_calendar(user, team))


def local_morning(day: dt.date, calendar: WorkCalendar) -> dt.datetime:
    """The recipient's opening time on `day` (a day off or not), in UTC;
    `sensible_time` moves one on a day off to the next working day."""
    return calendar.opening(day)


def arrived(at: dt.datetime, now: dt.datetime, calendar: WorkCalendar) -> bool:
    """The moment has come, it is working time for the recipient now, and
    the message is not stale (recorded within CATCH_UP_HOURS of working time
    after `at`).

    A sweep at 18:51 records nothing, even for a moment of that morning (a
    follow-up just scheduled for tomorrow, say): what is due waits for the
    next opening, or, if stale by then, is not sent at all.
    """
    if not at <= now < at + CATCH_UP:
        return False
    if not is_open(calendar, now):
        return False
    return now < calendar.add_business_hours(at, CATCH_UP_HOURS)


def wants(user: User, kind: str) -> bool:
    """Does `user` still take messages of `kind` (active, the kind not muted)?"""
    muted = user.muted_kinds if isinstance(user.muted_kinds, list) else []
    return user.is_active and kind not in muted


def claim_rows(rows):
    """Lock the rows a part reads (SELECT ... FOR NO KEY UPDATE SKIP LOCKED).

    Two sweeps at once then split the rows instead of both doing the work,
    and a row someone is editing is left for the next sweep, a minute later.
    NO KEY: inserting outbox rows that point at a locked case does not wait.
    SQLite has no row locks; there one writer at a time does the same.
    """
    return rows.select_for_update(skip_locked=True, no_key=True, of=("self",))
