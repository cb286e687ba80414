"""What every part of the sweep shares: when a message's moment has come.

A moment (08:00 local on a follow-up's date, a step's warning point...) moves
to a sensible time in the recipient's time zone, and is due from then, in
their working hours, for CATCH_UP_HOURS of working time;
cases.notifications.due explains the rules. Also here: whether
a recipient still wants a kind of message, and the lock each part takes on the
rows it reads.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from cases.calendar import user_zone
from cases.models import User
from cases.notifications.hours import is_open, mail_calendar

# A message not recorded within this much of the recipient's working time
# after its sensible time is no longer worth sending: one working day.
CATCH_UP_HOURS = 10
# The furthest a moment moves to a sensible time: Friday 18:00 to Monday 08:00
# is 62 hours, plus an hour for a clock change.
MAX_SHIFT = dt.timedelta(hours=63)
# The longest CATCH_UP_HOURS of working time can take: over a weekend.
CATCH_UP = MAX_SHIFT + dt.timedelta(hours=CATCH_UP_HOURS)
# How far back the queries look for moments whose sensible time may just have
# come: shifted by at most MAX_SHIFT, then recorded within CATCH_UP.
LOOKBACK = MAX_SHIFT + CATCH_UP


# Sensible local times: the mail calendar of hours.py (the one place that
# says when email may reach someone).


def sensible_time(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """`moment`, or the next weekday 08:00 in `zone` if it falls outside
    08:00-18:00 or on a weekend. Returned in UTC."""
    return mail_calendar(zone).next_open(moment)


def next_sensible_time(user: User, moment: dt.datetime, team=None) -> dt.datetime:
    """When a message about `moment` should reach `user`: the moment itself in
    working hours of the user's time zone, else the next weekday 08:00 local.

    Urgent messages (escalations, second drops) follow the same rule: a case
    overdue at 3 a.m. is worth an email at 8, not at 3.
    """
    return sensible_time(moment, user_zone(user, team))


def local_morning(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """08:00 on `day` in `zone`, in UTC."""
    return mail_calendar(zone).opening(day)


def arrived(at: dt.datetime, now: dt.datetime, zone: ZoneInfo) -> bool:
    """The moment has come, it is working time for the recipient now, and
    the message is not stale (recorded within CATCH_UP_HOURS of working time
    after `at`).

    A sweep at 18:51 records nothing, even for a moment of 08:00 that day (a
    follow-up just scheduled for tomorrow, say): what is due waits for the
    next opening, or, if stale by then, is not sent at all.
    """
    if not at <= now < at + CATCH_UP:
        return False
    calendar = mail_calendar(zone)
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
