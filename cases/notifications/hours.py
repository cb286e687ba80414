"""When email may reach someone: the recipient's working hours.

A recipient's mail calendar is their own working days and hours (set on
their notification settings page), else their team's, in their time zone,
skipping the team's public holidays and closure days. The team is the case's;
without a case (the digest), the team they joined first, as for their zone.

The sweep records timed messages (reminders, step warnings and escalations,
the digest) only in their recipient's working hours, and the sender holds
back one it gets to outside them (workers lagging, a retry) until the next
opening, so nothing timed goes out at 18:51 or on Christmas Day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from cases.calendar import (
    MIDNIGHT,
    WorkCalendar,
    site_zone,
    user_zone,
    weekdays_of,
)
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
        NotificationKind.STEP_SECOND_ESCALATION,
        NotificationKind.WEEKLY_DIGEST,
    }
)

# What the sweep and the sender prefetch so a calendar costs no query: the
# closure days of a case's team, a recipient's teams and theirs.
CASE_TEAM_CLOSURES = "team__closure_days"
MEMBERSHIP_CLOSURES = "memberships__team__closure_days"


def first_team(user):
    """The team `user` joined first (None for someone in no team); prefetch
    `memberships__team` when calling this for many users."""
    memberships = sorted(user.memberships.all(), key=lambda m: (m.joined_at, m.pk))
    return memberships[0].team if memberships else None


def has_own_hours(user) -> bool:
    return bool(user.work_days) or (
        user.work_start is not None and user.work_end is not None
    )


def own_hours(user) -> dict:
    """The parts of the user's own working time that are set and make sense."""
    own = {}
    if user.work_days:
        own["days"] = weekdays_of(user.work_days)
    start, end = user.work_start, user.work_end
    if start is not None and end is not None and (end == MIDNIGHT or start < end):
        own["start"], own["end"] = start, end
    return own


def mail_calendar(user, team=None, *, team_calendar=None) -> WorkCalendar:
    """When email may reach `user` about a case of `team` (None: no case).

    Reads the team's closure days unless prefetched, or `team_calendar` is
    that team's calendar already made.
    """
    if team is None:
        team = first_team(user)
    if team_calendar is None:
        team_calendar = _team_calendar(team)
    return dataclasses.replace(
        team_calendar, zone=user_zone(user, team), **own_hours(user)
    )


class MailCalendars:
    """The mail calendars of one sweep part or one send batch: each made once
    per (recipient, team), each team's calendar once, however many messages."""

    def __init__(self):
        self._teams: dict[int | None, WorkCalendar] = {}
        self._made: dict[tuple[int | None, int | None], WorkCalendar] = {}

    def __call__(self, user, team=None) -> WorkCalendar:
        key = (user.pk, team.pk if team is not None else None)
        if key not in self._made:
            if team is None:
                team = first_team(user)
            self._made[key] = mail_calendar(user, team, team_calendar=self._team(team))
        return self._made[key]

    def _team(self, team) -> WorkCalendar:
        key = team.pk if team is not None else None
        if key not in self._teams:
            self._teams[key] = _team_calendar(team)
        return self._teams[key]


def _team_calendar(team) -> WorkCalendar:
    # Someone in no team (an administrator): the default hours, no holidays.
    return (
        WorkCalendar.for_team(team) if team is not None else WorkCalendar(site_zone())
    )


def is_open(calendar: WorkCalendar, now: dt.datetime) -> bool:
    """Is `now` inside the calendar's working time?"""
    return calendar.next_open(now) == now


def held_until(
    message, now: dt.datetime, calendars: MailCalendars | None = None
) -> dt.datetime | None:
    """The recipient's next working hour, when `message` is timed and `now`
    falls outside their working time; None when it may go out now."""
    if message.kind not in TIMED_KINDS:
        return None
    team = message.case.team if message.case is not None else None
    calendar = (calendars or MailCalendars())(message.recipient, team)
    opens = calendar.next_open(now)
    return None if opens == now else opens
