"""When email may reach someone: the recipient's working hours.

The sweep records timed messages (reminders, step warnings and escalations,
the digest) only in their recipient's working hours, and the sender holds
back one it gets to outside them (workers lagging, a retry) until the next
opening, so nothing timed goes out at 18:51.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from cases.calendar import WorkCalendar, user_zone
from cases.choices import NotificationKind

# The messages the sweep records at a sensible time.
TIMED_KINDS = frozenset(
    {
        NotificationKind.FOLLOW_UP_REMINDER,
        NotificationKind.PROMISE_REMINDER,
        NotificationKind.PROGRESS_REPORT,
        NotificationKind.STEP_WARNING,
        NotificationKind.CLOCK_RESUMED,
        NotificationKind.STEP_ESCALATION,
        NotificationKind.WEEKLY_DIGEST,
    }
)


def mail_calendar(zone: ZoneInfo) -> WorkCalendar:
    """When email may reach someone whose time zone is `zone`."""
    return WorkCalendar.for_reminders(zone)


def is_open(calendar: WorkCalendar, now: dt.datetime) -> bool:
    """Is `now` inside the calendar's working time?"""
    return calendar.next_open(now) == now


def held_until(message, now: dt.datetime) -> dt.datetime | None:
    """The recipient's next working hour, when `message` is timed and `now`
    falls outside their working hours; None when it may go out now."""
    if message.kind not in TIMED_KINDS:
        return None
    team = message.case.team if message.case is not None else None
    opens = mail_calendar(user_zone(message.recipient, team)).next_open(now)
    return None if opens == now else opens
