"""What the sweep records: reminders, progress reports, warnings, escalations and
the weekly digest, each once, at a sensible local time, to the right people.

The clock is moved with time-machine; `sweep(moment)` moves it and sweeps.
In November 2026 London is on GMT (= UTC). 23 Nov is a Monday, 27 a Friday,
28 and 29 the weekend, 30 the next Monday.
"""

import datetime as dt
import json
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from cases.casework.services import compensation, promises, review, steps
from cases.casework.services.targets import team_deadlines_refresh
from cases.choices import (
    CompensationKind,
    FollowUpStatus,
    NotificationKind,
    OutboxStatus,
    Role,
    Step,
)
from cases.models import FollowUp, OutboxMessage
from cases.notifications.deliver import send_due
from cases.notifications.due import sweep_due
from cases.notifications.moments import next_sensible_time
from tests.factories import ClientFactory, UserFactory, make_case, version_of, walk_to

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")

K = NotificationKind


def at(*args, zone=LONDON) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


MONDAY_TEN = at(2026, 11, 23, 10, 0)
WEDNESDAY = dt.date(2026, 11, 25)
THURSDAY = dt.date(2026, 11, 26)
FRIDAY = dt.date(2026, 11, 27)
NEXT_MONDAY = dt.date(2026, 11, 30)


@pytest.fixture
def clock(time_machine):
    """Monday 23 November 2026, 10:00 in London; data is made at this moment."""
    time_machine.move_to(MONDAY_TEN, tick=False)
    return time_machine


def rows(kind, **filters) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(kind=kind, **filters)
        .select_related("recipient")
        .order_by("due_at", "pk")
    )


def recipients(kind, **filters) -> list[str]:
    return [m.recipient.username for m in rows(kind, **filters)]


def follow_up(case, due_on, by, purpose="Check the new trainer worked out"):
    return steps.follow_up_schedule(
        case_id=case.pk, by=by, due_on=due_on, purpose=purpose
    )


def promise(case, due_on, by, description="Send the revised schedule"):
    return promises.promise_make(
        case_id=case.pk, by=by, description=description, due_on=due_on
    )


def save(user, **fields):
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()


# A sensible local time.


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Inside working hours on a weekday (the team's: 09:00-17:30):
        # unchanged.
        (at(2026, 11, 25, 12, 0), at(2026, 11, 25, 12, 0)),
        (at(2026, 11, 25, 9, 0), at(2026, 11, 25, 9, 0)),
        (at(2026, 11, 25, 17, 29), at(2026, 11, 25, 17, 29)),
        # 3 a.m. or 8 a.m.: the opening the same day.
        (at(2026, 11, 24, 3, 0), at(2026, 11, 24, 9, 0)),
        (at(2026, 11, 24, 8, 0), at(2026, 11, 24, 9, 0)),
        # Evening: the next morning; Friday evening: Monday morning.
        (at(2026, 11, 25, 17, 30), at(2026, 11, 26, 9, 0)),
        (at(2026, 11, 27, 19, 0), at(2026, 11, 30, 9, 0)),
        # The weekend: Monday morning.
        (at(2026, 11, 28, 12, 0), at(2026, 11, 30, 9, 0)),
        (at(2026, 11, 29, 23, 59), at(2026, 11, 30, 9, 0)),
    ],
)
def test_a_moment_moves_to_the_next_sensible_local_time(team, moment, expected):
    user = UserFactory(teams=[team])
    assert next_sensible_time(user, moment) == expected


def test_the_users_own_time_zone_wins_over_the_teams(team):
    user = UserFactory(teams=[team], time_zone="Asia/Tokyo")
    # Wednesday 12:00 in London is 21:00 in Tokyo: Thursday 09:00 there.
    assert next_sensible_time(user, at(2026, 11, 25, 12, 0)) == at(
        2026, 11, 26, 9, 0, zone=TOKYO
    )


def test_without_a_valid_zone_of_their_own_the_teams_zone_counts(team):
    team.time_zone = "America/New_York"
    team.save()
    for own in ("", "Mars/Olympus_Mons"):
        user = UserFactory(teams=[team], time_zone=own)
        # 07:00 in New York is 12:00 in London: moved to 09:00 New York.
        assert next_sensible_time(user, at(2026, 11, 25, 12, 0)) == at(
            2026, 11, 25, 9, 0, zone=NEW_YORK
        )


def test_without_any_zone_the_site_zone_counts(db):
    user = UserFactory()
    moment = dt.datetime(2026, 11, 25, 2, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))
    assert next_sensible_time(user, moment) == moment.replace(hour=9)


# Follow-up and promise reminders.


def test_a_follow_up_is_reminded_the_lead_time_before_and_on_the_day(
    sweep, case, account_manager
):
    item = follow_up(case, THURSDAY, account_manager)

    sweep(at(2026, 11, 25, 8, 59))
    assert rows(K.FOLLOW_UP_REMINDER) == []

    # One day before (the default lead), at the team's opening, 09:00 local.
    sweep(at(2026, 11, 25, 9, 0))
    [lead] = rows(K.FOLLOW_UP_REMINDER)
    assert lead.recipient == account_manager
    assert lead.case == case
    assert lead.due_at == at(2026, 11, 25, 9, 0)
    assert lead.dedupe_key == (
        f"case:{case.pk}:follow_up_reminder:follow_up:{item.pk}:2026-11-26:lead:"
        f"{account_manager.pk}"
    )
    assert lead.context["due_on"] == "2026-11-26"
    assert lead.context["uid"].startswith(f"mend-follow-up-{item.pk}@")
    assert "Check the new trainer worked out" in lead.context["title"]
    assert lead.context["days_left"] == 1

    sweep(at(2026, 11, 25, 17, 0))
    assert len(rows(K.FOLLOW_UP_REMINDER)) == 1

    # On the day, at 09:00 local; same calendar UID, so the event is updated.
    sweep(at(2026, 11, 26, 9, 0))
    lead, day = rows(K.FOLLOW_UP_REMINDER)
    assert day.due_at == at(2026, 11, 26, 9, 0)
    assert day.dedupe_key.endswith(f":2026-11-26:day:{account_manager.pk}")
    assert day.context["uid"] == lead.context["uid"]
    assert day.context["days_left"] == 0
    assert {"title", "due_on", "uid"} <= set(day.context)

    sweep(at(2026, 11, 27, 9, 0))
    assert len(rows(K.FOLLOW_UP_REMINDER)) == 2


def test_a_promise_is_reminded_with_the_owners_own_lead_time(
    sweep, case, account_manager
):
    save(account_manager, reminder_lead_days=3)
    item = promise(case, FRIDAY, account_manager)

    sweep(at(2026, 11, 23, 18, 0))
    assert rows(K.PROMISE_REMINDER) == []
    # Three days before Friday: Tuesday 09:00.
    sweep(at(2026, 11, 24, 9, 0))
    [lead] = rows(K.PROMISE_REMINDER)
    assert lead.due_at == at(2026, 11, 24, 9, 0)
    assert lead.context["title"] == f"Promise to {case.client}: {item.description}"
    assert lead.context["due_on"] == "2026-11-27"
    assert lead.context["uid"].startswith(f"mend-promise-{item.pk}@")
    assert lead.context["days_left"] == 3

    sweep(at(2026, 11, 27, 9, 0))
    assert [m.context["when"] for m in rows(K.PROMISE_REMINDER)] == ["lead", "day"]
    assert rows(K.PROMISE_REMINDER)[1].due_at == at(2026, 11, 27, 9, 0)


def test_a_lead_reminder_falling_on_the_weekend_is_not_sent_twice(
    sweep, case, account_manager
):
    # Due Monday: the day before is Sunday, moved to Monday 09:00, which is
    # when the reminder on the day comes: only that one is recorded.
    promise(case, NEXT_MONDAY, account_manager)
    sweep(at(2026, 11, 29, 9, 0))
    assert rows(K.PROMISE_REMINDER) == []
    sweep(at(2026, 11, 30, 9, 0))
    [day] = rows(K.PROMISE_REMINDER)
    assert day.context["when"] == "day"


def test_a_weekend_date_is_reminded_on_friday_and_monday_morning(
    sweep, case, account_manager
):
    follow_up(case, dt.date(2026, 11, 28), account_manager)  # a Saturday
    sweep(at(2026, 11, 27, 9, 0))
    [lead] = rows(K.FOLLOW_UP_REMINDER)
    assert lead.due_at == at(2026, 11, 27, 9, 0)
    sweep(at(2026, 11, 28, 9, 0))
    assert len(rows(K.FOLLOW_UP_REMINDER)) == 1
    sweep(at(2026, 11, 30, 9, 0))
    day = rows(K.FOLLOW_UP_REMINDER)[1]
    assert day.due_at == at(2026, 11, 30, 9, 0)
    assert day.context["days_left"] == -2


def test_a_reminder_arrives_at_the_opening_in_the_owners_time_zone(
    sweep, case, account_manager
):
    save(account_manager, time_zone="America/New_York")
    follow_up(case, THURSDAY, account_manager)
    # 09:00 in New York on Wednesday is 14:00 in London: the lead reminder.
    sweep(at(2026, 11, 25, 13, 59))
    assert rows(K.FOLLOW_UP_REMINDER) == []
    sweep(at(2026, 11, 25, 14, 0))
    # 09:00 in New York on Thursday is 14:00 in London.
    sweep(at(2026, 11, 26, 13, 59))
    assert [m.context["when"] for m in rows(K.FOLLOW_UP_REMINDER)] == ["lead"]
    assert rows(K.FOLLOW_UP_REMINDER)[0].due_at == at(2026, 11, 25, 9, 0, zone=NEW_YORK)
    sweep(at(2026, 11, 26, 14, 0))
    day = rows(K.FOLLOW_UP_REMINDER)[1]
    assert day.due_at == at(2026, 11, 26, 9, 0, zone=NEW_YORK)


def test_an_owner_ahead_of_the_team_is_reminded_on_their_own_morning(
    sweep, case, account_manager
):
    save(account_manager, time_zone="Asia/Tokyo")
    follow_up(case, THURSDAY, account_manager)
    # The lead reminder: 09:00 in Tokyo on Wednesday, midnight in London
    # between Tuesday and Wednesday.
    sweep(at(2026, 11, 25, 0, 0))
    # 09:00 in Tokyo on Thursday is midnight in London on Wednesday night.
    sweep(at(2026, 11, 25, 23, 59))
    assert [m.context["when"] for m in rows(K.FOLLOW_UP_REMINDER)] == ["lead"]
    sweep(at(2026, 11, 26, 0, 0))
    day = rows(K.FOLLOW_UP_REMINDER)[1]
    assert day.due_at == at(2026, 11, 26, 9, 0, zone=TOKYO)
    assert day.context["days_left"] == 0


def test_a_sweep_that_was_down_catches_up_a_day_but_sends_nothing_stale(
    sweep, case, account_manager
):
    follow_up(case, WEDNESDAY, account_manager)
    promise(case, THURSDAY, account_manager)
    # The first sweep since Monday morning, on Thursday at noon: Wednesday's
    # follow-up is more than a day stale; Thursday's promise is due today.
    sweep(at(2026, 11, 26, 12, 0))
    assert rows(K.FOLLOW_UP_REMINDER) == []
    [day] = rows(K.PROMISE_REMINDER)
    assert (day.context["when"], day.due_at) == ("day", at(2026, 11, 26, 9, 0))


def test_settled_follow_ups_kept_promises_and_closed_cases_are_not_reminded(
    sweep, clock, account_manager, sales_manager
):
    case = make_case(account_manager)
    done = follow_up(case, THURSDAY, account_manager)
    steps.follow_up_settle(
        case_id=case.pk,
        by=account_manager,
        follow_up_id=done.pk,
        status=FollowUpStatus.DONE,
        notes="Early call went fine.",
        early_reason="The client called first.",
    )
    kept = promise(case, THURSDAY, account_manager)
    promises.promise_settle(
        case_id=case.pk,
        by=account_manager,
        promise_id=kept.pk,
        kept=True,
        early_reason="Sent ahead of the day.",
    )
    missed = promise(case, THURSDAY, account_manager)
    promises.promise_settle(
        case_id=case.pk, by=account_manager, promise_id=missed.pk, kept=False
    )
    closed = walk_to(make_case(account_manager), Step.CLOSED, account_manager)
    # Records closing a case cannot leave open (as imported data might):
    # a scheduled follow-up and an open promise on a closed case.
    closed.follow_ups.update(due_on=THURSDAY, status=FollowUpStatus.SCHEDULED)
    closed.promises.create(
        description="Old promise",
        due_on=THURSDAY,
        made_by=account_manager,
        made_in_step=Step.FOLLOW_UP,
    )

    for moment in (at(2026, 11, 25, 9, 0), at(2026, 11, 26, 9, 0)):
        sweep(moment)
    assert rows(K.FOLLOW_UP_REMINDER) == []
    assert rows(K.PROMISE_REMINDER) == []
    assert rows(K.PROGRESS_REPORT) == []


# Progress reports.


def test_progress_reports_are_reminded_weekly_once_past_communicate(
    sweep, clock, case, account_manager
):
    walk_to(case, Step.COMMUNICATE, account_manager)
    # Two weeks in Communicate: no progress reports yet.
    for moment in (at(2026, 11, 30, 9, 0), at(2026, 12, 7, 9, 0)):
        sweep(moment)
    assert rows(K.PROGRESS_REPORT) == []

    # Past Communicate on Monday 7 December: reports every week from then.
    clock.move_to(at(2026, 12, 7, 10, 0), tick=False)
    walk_to(case, Step.APOLOGISE, account_manager)
    for moment in (at(2026, 12, 11, 12, 0), at(2026, 12, 14, 8, 59)):
        sweep(moment)
    assert rows(K.PROGRESS_REPORT) == []

    sweep(at(2026, 12, 14, 9, 0))
    [first] = rows(K.PROGRESS_REPORT)
    assert first.recipient == account_manager
    assert first.due_at == at(2026, 12, 14, 9, 0)
    assert first.dedupe_key.endswith(f":progress:2026-12-14:{account_manager.pk}")
    assert first.context["cadence_days"] == 7

    for moment in (at(2026, 12, 15, 9, 0), at(2026, 12, 18, 17, 0)):
        sweep(moment)
    assert len(rows(K.PROGRESS_REPORT)) == 1

    sweep(at(2026, 12, 21, 9, 0))
    assert [m.context["period_start"] for m in rows(K.PROGRESS_REPORT)] == [
        "2026-12-14",
        "2026-12-21",
    ]


def test_a_progress_period_starting_on_a_weekend_is_reminded_on_monday(
    sweep, case, account_manager
):
    walk_to(case, Step.APOLOGISE, account_manager)
    case.__class__.objects.filter(pk=case.pk).update(progress_cadence_days=3)
    # Periods start Thursday 26, Sunday 29, Wednesday 2 December.
    sweep(at(2026, 11, 26, 9, 0))
    assert [m.context["period_start"] for m in rows(K.PROGRESS_REPORT)] == [
        "2026-11-26"
    ]
    sweep(at(2026, 11, 29, 12, 0))
    assert len(rows(K.PROGRESS_REPORT)) == 1
    sweep(at(2026, 11, 30, 9, 0))
    last = rows(K.PROGRESS_REPORT)[-1]
    assert last.context["period_start"] == "2026-11-29"
    assert last.due_at == at(2026, 11, 30, 9, 0)


def test_closed_cases_get_no_progress_reminders(sweep, case, account_manager):
    walk_to(case, Step.CLOSED, account_manager)
    for moment in (at(2026, 11, 30, 9, 0), at(2026, 12, 7, 9, 0)):
        sweep(moment)
    assert rows(K.PROGRESS_REPORT) == []


# Step warnings and escalations.


def test_the_owner_is_warned_and_the_managers_are_told_when_a_step_runs_late(
    sweep, case, account_manager, sales_manager, teammate
):
    # Acknowledge: due by 12:00, due soon from 11:30 (team calendar 09:00-17:30).
    sweep(at(2026, 11, 23, 11, 29))
    assert rows(K.STEP_WARNING) == []
    sweep(at(2026, 11, 23, 11, 30))
    [warning] = rows(K.STEP_WARNING)
    assert warning.recipient == account_manager
    assert warning.due_at == at(2026, 11, 23, 11, 30)
    # Keyed by the step's visit (when the case entered it), not its deadline.
    assert warning.dedupe_key == (
        f"case:{case.pk}:step_warning:warn:acknowledge:"
        f"{case.step_entered_at.isoformat()}:{account_manager.pk}"
    )
    assert warning.context["step"] == "Acknowledge"
    assert rows(K.STEP_ESCALATION) == []

    sweep(at(2026, 11, 23, 12, 0))
    [escalation] = rows(K.STEP_ESCALATION)
    assert escalation.recipient == sales_manager
    assert escalation.due_at == at(2026, 11, 23, 12, 0)
    assert escalation.dedupe_key.endswith(
        f":escalate:acknowledge:{case.step_entered_at.isoformat()}:{sales_manager.pk}"
    )
    assert escalation.context["owner"] == str(account_manager)

    sweep(at(2026, 11, 24, 9, 0))
    assert len(rows(K.STEP_WARNING)) == len(rows(K.STEP_ESCALATION)) == 1


def test_a_calendar_change_while_a_warning_is_pending_brings_no_second_warning(
    sweep, case, account_manager, sales_manager, team
):
    # Acknowledge: due by 12:00 Monday, warned at 11:30; not sent yet.
    sweep(at(2026, 11, 23, 11, 30))
    [warning] = rows(K.STEP_WARNING)
    assert warning.status == "pending"
    assert warning.context["step_due_text"] == "Mon 23 Nov 12:00 (Europe/London)"

    # The team moves to Dubai (UTC+4) and ends its day at 15:00: entered at
    # 14:00 there, the step now runs 1 h on Monday and 1 h from Tuesday 09:00.
    team.time_zone = "Asia/Dubai"
    team.work_end = dt.time(15, 0)
    team.save()
    assert team_deadlines_refresh(team=team) == 1
    case.refresh_from_db()
    assert case.step_due_at == at(2026, 11, 24, 10, 0, zone=ZoneInfo("Asia/Dubai"))

    # The new warning point (Tuesday 09:30 in Dubai) passes: still the one
    # warning, which names the new deadline.
    for moment in (at(2026, 11, 23, 12, 0), at(2026, 11, 24, 9, 0)):
        sweep(moment)
    [still] = rows(K.STEP_WARNING)
    assert still.pk == warning.pk
    assert still.context["step_due_text"] == "Tue 24 Nov 10:00 (Asia/Dubai)"
    # The escalation follows the new deadline, once.
    [escalation] = rows(K.STEP_ESCALATION)
    assert escalation.due_at == case.step_due_at


def test_a_new_step_brings_a_new_warning(sweep, clock, case, account_manager):
    sweep(at(2026, 11, 23, 11, 30))
    clock.move_to(at(2026, 11, 23, 11, 45), tick=False)
    walk_to(case, Step.ROOT_CAUSE, account_manager)
    # Root cause: 8 business hours from 11:45 (due Tuesday 11:15), warning 2
    # hours before; a sweep before the target records the warning.
    sweep(at(2026, 11, 24, 11, 14))
    assert [m.context["step"] for m in rows(K.STEP_WARNING)] == [
        "Acknowledge",
        "Root cause",
    ]


@pytest.fixture
def round_the_clock(team, account_manager, sales_manager):
    """A team whose calendar runs every hour of every day, so a step can fall
    due at night or on a weekend; its owner and manager keep office hours of
    their own (weekdays 09:00-17:30), so their mail waits for those."""
    team.work_days = "0,1,2,3,4,5,6"
    team.work_start = dt.time(0, 0)
    team.work_end = dt.time(0, 0)
    team.save()
    for person in (account_manager, sales_manager):
        save(
            person,
            work_days="0,1,2,3,4",
            work_start=dt.time(9, 0),
            work_end=dt.time(17, 30),
        )
    return team


def test_a_friday_evening_deadline_is_delivered_on_monday_morning(
    sweep, clock, round_the_clock, account_manager, sales_manager
):
    clock.move_to(at(2026, 11, 27, 17, 0), tick=False)
    case = make_case(account_manager)
    assert case.step_warn_at == at(2026, 11, 27, 18, 30)
    assert case.step_due_at == at(2026, 11, 27, 19, 0)
    for moment in (
        at(2026, 11, 27, 19, 30),
        at(2026, 11, 28, 10, 0),
        at(2026, 11, 30, 8, 59),
    ):
        sweep(moment)
    assert rows(K.STEP_WARNING) == rows(K.STEP_ESCALATION) == []

    sweep(at(2026, 11, 30, 9, 0))
    # By Monday the target has passed: the escalation alone, no "due soon"
    # warning with it (issue 18, item 4).
    assert rows(K.STEP_WARNING) == []
    [escalation] = rows(K.STEP_ESCALATION)
    assert escalation.due_at == at(2026, 11, 30, 9, 0)
    assert escalation.recipient == sales_manager


def test_a_3am_deadline_is_delivered_at_the_opening(
    sweep, clock, round_the_clock, account_manager, sales_manager
):
    clock.move_to(at(2026, 11, 24, 1, 0), tick=False)
    make_case(account_manager)
    sweep(at(2026, 11, 24, 3, 5))
    assert rows(K.STEP_ESCALATION) == []
    sweep(at(2026, 11, 24, 9, 0))
    [escalation] = rows(K.STEP_ESCALATION)
    assert escalation.due_at == at(2026, 11, 24, 9, 0)


def test_a_warning_waits_for_the_morning_in_the_owners_time_zone(
    sweep, case, account_manager, sales_manager
):
    save(account_manager, time_zone="Asia/Tokyo")
    # The warning point, 11:30 in London, is 20:30 in Tokyo: it waits for
    # 09:00 Tokyo time, midnight in London. The manager in London hears at
    # 12:00; by 09:00 in Tokyo the target has passed, so the escalation
    # replaced the warning and the owner gets none.
    sweep(at(2026, 11, 23, 12, 0))
    assert rows(K.STEP_WARNING) == []
    assert recipients(K.STEP_ESCALATION) == ["sam"]
    sweep(at(2026, 11, 24, 0, 0))
    assert rows(K.STEP_WARNING) == []


def test_every_sales_manager_of_the_team_is_told(
    sweep, team, case, sales_manager, outsider
):
    second = UserFactory(username="sue", role=Role.SALES_MANAGER, teams=[team])
    sweep(at(2026, 11, 23, 12, 0))
    assert sorted(recipients(K.STEP_ESCALATION)) == ["sam", second.username]


# Preferences: muted kinds, inactive users, reassignment.


def test_muted_kinds_are_not_recorded(sweep, case, account_manager, sales_manager):
    save(account_manager, muted_kinds=[K.FOLLOW_UP_REMINDER, K.STEP_WARNING])
    save(sales_manager, muted_kinds=[K.STEP_ESCALATION])
    follow_up(case, THURSDAY, account_manager)
    promise(case, THURSDAY, account_manager)
    for moment in (
        at(2026, 11, 23, 12, 0),
        at(2026, 11, 25, 9, 0),
        at(2026, 11, 26, 9, 0),
    ):
        sweep(moment)
    assert rows(K.FOLLOW_UP_REMINDER) == []
    assert rows(K.STEP_WARNING) == []
    assert rows(K.STEP_ESCALATION) == []
    assert recipients(K.PROMISE_REMINDER) == ["alice", "alice"]


def test_inactive_users_get_nothing(sweep, case, account_manager, sales_manager):
    follow_up(case, THURSDAY, account_manager)
    promise(case, THURSDAY, account_manager)
    save(account_manager, is_active=False)
    save(sales_manager, is_active=False, digest_day=2)
    for moment in (
        at(2026, 11, 23, 12, 0),
        at(2026, 11, 25, 9, 0),
        at(2026, 11, 26, 9, 0),
    ):
        sweep(moment)
    assert (
        OutboxMessage.objects.exclude(kind=K.CASE_LOGGED)
        .filter(recipient__in=[account_manager, sales_manager])
        .count()
        == 0
    )


def test_after_a_reassignment_the_new_owner_gets_the_next_reminder(
    sweep, clock, case, account_manager, teammate, sales_manager
):
    follow_up(case, THURSDAY, account_manager)
    sweep(at(2026, 11, 25, 9, 0))
    assert recipients(K.FOLLOW_UP_REMINDER) == ["alice"]

    clock.move_to(at(2026, 11, 25, 9, 30), tick=False)
    review.case_reassign(
        case_id=case.pk, by=sales_manager, to=teammate, version=version_of(case)
    )

    sweep(at(2026, 11, 26, 9, 0))
    lead, day = rows(K.FOLLOW_UP_REMINDER)
    assert (lead.recipient, lead.context["when"]) == (account_manager, "lead")
    assert (day.recipient, day.context["when"]) == (teammate, "day")
    assert not rows(
        K.FOLLOW_UP_REMINDER, recipient=account_manager, due_at__gt=lead.due_at
    )


# The weekly digest.


@pytest.fixture
def digest_cases(clock, team, account_manager, sales_manager):
    """Three open cases for one client: one overdue, one awaiting approval,
    one with a missed promise."""
    acme = ClientFactory(team=team, name="Acme")
    overdue = make_case(account_manager, client=acme)
    pending = walk_to(
        make_case(account_manager, client=acme), Step.COMPENSATE, account_manager
    )
    compensation.compensation_offer(
        case_id=pending.pk,
        by=account_manager,
        kind=CompensationKind.REPLACEMENT,
        description="A replacement system from another supplier",
        value_to_client=Decimal("9000"),
        cost_to_us=Decimal("7000"),
    )
    dropped = walk_to(
        make_case(account_manager, client=acme), Step.FOLLOW_UP, account_manager
    )
    missed = promise(dropped, dt.date(2026, 11, 24), account_manager)
    promises.promise_settle(
        case_id=dropped.pk, by=account_manager, promise_id=missed.pk, kept=False
    )
    return {"acme": acme, "overdue": overdue, "pending": pending, "dropped": dropped}


def test_each_sales_manager_gets_a_weekly_digest_on_their_day(
    sweep, digest_cases, other_team, sales_manager
):
    save(sales_manager, digest_day=2)  # Wednesday
    olga = UserFactory(
        username="olga", role=Role.SALES_MANAGER, teams=[other_team], digest_day=2
    )
    monday_person = UserFactory(
        username="mo", role=Role.SALES_MANAGER, teams=[other_team], digest_day=0
    )

    for moment in (at(2026, 11, 24, 12, 0), at(2026, 11, 25, 8, 59)):
        sweep(moment)
    assert rows(K.WEEKLY_DIGEST) == []

    sweep(at(2026, 11, 25, 9, 0))
    digests = {m.recipient.username: m for m in rows(K.WEEKLY_DIGEST)}
    assert set(digests) == {"sam", "olga"}
    sam = digests["sam"]
    assert sam.case is None
    assert sam.due_at == at(2026, 11, 25, 9, 0)
    assert sam.dedupe_key == f"team:weekly_digest:digest:2026-W48:{sales_manager.pk}"
    context = sam.context
    json.dumps(context)
    assert context["week"] == "2026-W48"
    assert context["teams"] == ["Enterprise"]
    assert context["open_count"] == 3
    assert context["overdue_count"] == 1
    assert [c["id"] for c in context["overdue"]] == [digest_cases["overdue"].pk]
    assert context["overdue"][0]["url"].endswith(
        f"/cases/{digest_cases['overdue'].pk}/"
    )
    assert context["awaiting_approval_count"] == 1
    assert [c["id"] for c in context["awaiting_approval"]] == [
        digest_cases["pending"].pk
    ]
    assert context["second_drops_count"] == 1
    [drop] = context["second_drops"]
    assert (drop["id"], drop["missed"]) == (digest_cases["dropped"].pk, 1)
    assert context["repeat_clients"] == [
        {"id": digest_cases["acme"].pk, "name": "Acme", "cases": 3}
    ]
    other = digests["olga"].context
    assert other["teams"] == ["Midmarket"]
    assert other["open_count"] == other["overdue_count"] == 0
    assert other["repeat_clients"] == []

    # Once a week: not again that day, nor later that week.
    for moment in (at(2026, 11, 25, 17, 0), at(2026, 11, 26, 9, 0)):
        sweep(moment)
    assert len(rows(K.WEEKLY_DIGEST)) == 2

    # Monday's manager on Monday; both Wednesday managers again a week on.
    sweep(at(2026, 11, 30, 9, 0))
    assert recipients(K.WEEKLY_DIGEST, due_at__date=NEXT_MONDAY) == [
        monday_person.username
    ]
    sweep(at(2026, 12, 2, 9, 0))
    later = rows(K.WEEKLY_DIGEST, recipient=olga)
    assert [m.context["week"] for m in later] == ["2026-W48", "2026-W49"]


def test_a_repeat_client_needs_three_cases_within_twelve_months(
    sweep, clock, team, account_manager, sales_manager
):
    save(sales_manager, digest_day=2)
    globex = ClientFactory(team=team, name="Globex")
    clock.move_to(at(2025, 10, 1, 10, 0), tick=False)
    walk_to(make_case(account_manager, client=globex), Step.CLOSED, account_manager)
    clock.move_to(MONDAY_TEN, tick=False)
    make_case(account_manager, client=globex)
    make_case(account_manager, client=globex)
    sweep(at(2026, 11, 25, 9, 0))
    [digest] = rows(K.WEEKLY_DIGEST)
    assert digest.context["repeat_clients"] == []
    assert digest.context["open_count"] == 2


def test_the_digest_comes_on_the_digest_day_in_the_managers_time_zone(
    sweep, team, sales_manager
):
    save(sales_manager, digest_day=2, time_zone="Asia/Tokyo")
    # Wednesday 09:00 in Tokyo is midnight in London.
    sweep(at(2026, 11, 24, 23, 59))
    assert rows(K.WEEKLY_DIGEST) == []
    sweep(at(2026, 11, 25, 0, 0))
    [digest] = rows(K.WEEKLY_DIGEST)
    assert digest.due_at == at(2026, 11, 25, 9, 0, zone=TOKYO)


def test_a_digest_first_swept_in_the_evening_waits_for_the_morning(
    sweep, team, sales_manager
):
    save(sales_manager, digest_day=2)  # Wednesday
    sweep(at(2026, 11, 25, 19, 0))
    [digest] = rows(K.WEEKLY_DIGEST)
    assert digest.due_at == at(2026, 11, 26, 9, 0)


def test_a_weekend_digest_day_is_sent_on_monday_morning(sweep, team, sales_manager):
    save(sales_manager, digest_day=5)  # Saturday
    sweep(at(2026, 11, 28, 9, 0))
    [digest] = rows(K.WEEKLY_DIGEST)
    assert digest.due_at == at(2026, 11, 30, 9, 0)


# Idempotence.


def _busy_week(account_manager, sales_manager):
    """Cases with something due on Thursday morning of every kind."""
    save(sales_manager, digest_day=3)
    cases = [make_case(account_manager) for _ in range(4)]
    for case in cases:
        follow_up(case, THURSDAY, account_manager)
        promise(case, THURSDAY, account_manager)
    walk_to(cases[0], Step.APOLOGISE, account_manager)
    cases[0].__class__.objects.filter(pk=cases[0].pk).update(progress_cadence_days=3)
    return cases


def test_sweeping_twice_records_nothing_twice(
    sweep, clock, account_manager, sales_manager
):
    _busy_week(account_manager, sales_manager)
    moment = at(2026, 11, 26, 9, 0)
    first = sweep(moment)
    keys = sorted(OutboxMessage.objects.values_list("dedupe_key", flat=True))
    assert first > 0
    assert sweep(moment) == 0
    assert sweep(moment + dt.timedelta(minutes=1)) == 0
    assert sorted(OutboxMessage.objects.values_list("dedupe_key", flat=True)) == keys
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {
        K.FOLLOW_UP_REMINDER,
        K.PROMISE_REMINDER,
        K.PROGRESS_REPORT,
        K.WEEKLY_DIGEST,
    } <= kinds


def test_nothing_due_costs_the_same_few_queries_however_many_cases(
    clock, account_manager, sales_manager
):
    def queries_for_a_quiet_sweep():
        clock.move_to(at(2026, 11, 23, 10, 5), tick=False)
        with CaptureQueriesContext(connection) as captured:
            assert sweep_due() == 0
        return len(captured)

    save(sales_manager, digest_day=3)
    case = make_case(account_manager)
    follow_up(case, dt.date(2026, 12, 20), account_manager)
    one = queries_for_a_quiet_sweep()
    for _ in range(5):
        other = make_case(account_manager)
        follow_up(other, dt.date(2026, 12, 20), account_manager)
    assert queries_for_a_quiet_sweep() == one


def test_recording_many_reminders_costs_the_same_queries_as_recording_two(
    clock, account_manager, sales_manager
):
    def queries_to_record(n: int) -> int:
        OutboxMessage.objects.all().delete()
        FollowUp.objects.all().delete()
        clock.move_to(MONDAY_TEN, tick=False)
        for _ in range(n):
            follow_up(make_case(account_manager), THURSDAY, account_manager)
        moment = at(2026, 11, 26, 9, 0)
        clock.move_to(moment, tick=False)
        with CaptureQueriesContext(connection) as captured:
            assert sweep_due(now=moment) == n
        return len(captured)

    assert queries_to_record(12) == queries_to_record(2)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_record_each_message_once(
    time_machine, team, account_manager, sales_manager
):
    time_machine.move_to(MONDAY_TEN, tick=False)
    _busy_week(account_manager, sales_manager)
    moment = at(2026, 11, 26, 9, 0)
    time_machine.move_to(moment, tick=False)

    if connection.vendor == "sqlite":
        # SQLite's in-memory test database refuses a second writer outright;
        # there the two sweeps run back to back (CI runs the threads on
        # PostgreSQL).
        created = [sweep_due(now=moment), sweep_due(now=moment)]
        assert created[1] == 0
        recorded = OutboxMessage.objects.exclude(
            kind__in=[K.CASE_LOGGED, K.SECOND_DROP]
        )
        keys = list(recorded.values_list("dedupe_key", flat=True))
        assert len(keys) == len(set(keys)) == sum(created) > 0
        return

    start = threading.Barrier(2)
    created, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            created.append(sweep_due(now=moment))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    recorded = OutboxMessage.objects.exclude(kind__in=[K.CASE_LOGGED, K.SECOND_DROP])
    keys = list(recorded.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) == sum(created)
    # A case row one sweep's part held locked while the other sweep's part
    # read it (SKIP LOCKED) waits for the next sweep, a minute later; it is
    # recorded then, once, and nothing twice.
    sweep_due(now=moment)
    keys = list(recorded.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys))
    assert sweep_due(now=moment) == 0


@pytest.mark.django_db(transaction=True)
def test_a_follow_up_held_by_another_transaction_is_left_for_the_next_sweep(
    time_machine, team, account_manager, sales_manager
):
    time_machine.move_to(MONDAY_TEN, tick=False)
    cases = [make_case(account_manager) for _ in range(2)]
    held, free = (follow_up(case, THURSDAY, account_manager) for case in cases)
    moment = at(2026, 11, 26, 9, 0)
    time_machine.move_to(moment, tick=False)
    if connection.vendor == "sqlite":
        # No row locks on SQLite: a sweep writes alone (IMMEDIATE
        # transactions), so no row is held from it and none is skipped.
        assert sweep_due(now=moment) == 2
        assert sweep_due(now=moment + dt.timedelta(minutes=1)) == 0
        return
    locked, release = threading.Event(), threading.Event()

    def edit_held_follow_up():
        try:
            with transaction.atomic():
                FollowUp.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    editor = threading.Thread(target=edit_held_follow_up)
    editor.start()
    try:
        assert locked.wait(10)
        # The sweep does not wait for the edit: it skips the held row.
        assert sweep_due(now=moment) == 1
        recorded = rows(K.FOLLOW_UP_REMINDER)
        assert [m.case_id for m in recorded] == [free.case_id]
    finally:
        release.set()
        editor.join(30)
    assert sweep_due(now=moment + dt.timedelta(minutes=1)) == 1
    recorded = rows(K.FOLLOW_UP_REMINDER)
    assert sorted(m.case_id for m in recorded) == sorted(c.pk for c in cases)


@pytest.mark.django_db(transaction=True)
def test_a_sweep_asks_a_worker_to_send_once_per_part_not_per_message(
    time_machine, team, account_manager, sales_manager, enqueued
):
    time_machine.move_to(MONDAY_TEN, tick=False)
    _busy_week(account_manager, sales_manager)
    enqueued.clear()  # only what the sweep asks for counts
    moment = at(2026, 11, 26, 9, 0)
    time_machine.move_to(moment, tick=False)
    created = sweep_due(now=moment)
    # Four follow-ups, four promises, a progress report, a digest.
    assert created >= 10
    # Six parts, each recording far less than a batch: one send task per part
    # that recorded something, at most.
    assert 1 <= len(enqueued) <= 6
    assert all(enqueued)


# The emails.


def test_every_recorded_kind_renders_with_a_link(
    sweep, clock, account_manager, sales_manager
):
    _busy_week(account_manager, sales_manager)
    for moment in (at(2026, 11, 23, 11, 30), at(2026, 11, 23, 12, 0)):
        sweep(moment)
    sweep(at(2026, 11, 26, 9, 0))
    messages = OutboxMessage.objects.filter(
        kind__in=[
            K.FOLLOW_UP_REMINDER,
            K.PROMISE_REMINDER,
            K.PROGRESS_REPORT,
            K.STEP_WARNING,
            K.STEP_ESCALATION,
            K.WEEKLY_DIGEST,
        ]
    ).select_related("case__client", "case__owner", "recipient")
    assert {m.kind for m in messages} == {
        K.FOLLOW_UP_REMINDER,
        K.PROMISE_REMINDER,
        K.PROGRESS_REPORT,
        K.STEP_WARNING,
        K.STEP_ESCALATION,
        K.WEEKLY_DIGEST,
    }
    for message in messages:
        case = message.case
        link = (
            f"{settings.SITE_URL}{case.get_absolute_url()}"
            if case
            else f"{settings.SITE_URL}/"
        )
        data = {
            "message": message,
            "case": case,
            "recipient": message.recipient,
            "link": link,
            **message.context,
        }
        folder = f"emails/{message.kind}"
        subject = " ".join(render_to_string(f"{folder}/subject.txt", data).split())
        text = render_to_string(f"{folder}/body.txt", data)
        html = render_to_string(f"{folder}/body.html", data)
        assert subject and "None" not in subject, message.kind
        assert link in text and link in html, message.kind
        assert "None" not in text, message.kind
        if case:
            assert str(case.client) in subject, message.kind


def test_the_digest_asks_no_manager_to_approve_a_managers_offer(
    sweep, digest_cases, sales_manager, administrator, team
):
    # A sales manager's own offer waits for an administrator: it was listed
    # under "Waiting for your approval" in every manager's digest.
    own = walk_to(
        make_case(sales_manager, client=digest_cases["acme"]),
        Step.COMPENSATE,
        sales_manager,
    )
    compensation.compensation_offer(
        case_id=own.pk,
        by=sales_manager,
        kind=CompensationKind.REPLACEMENT,
        description="A replacement unit",
        value_to_client=Decimal("9000"),
        cost_to_us=Decimal("7000"),
    )
    save(sales_manager, digest_day=2)

    sweep(at(2026, 11, 25, 9, 0))
    [digest] = rows(K.WEEKLY_DIGEST, recipient=sales_manager)
    assert [c["id"] for c in digest.context["awaiting_approval"]] == [
        digest_cases["pending"].pk
    ]


# Issue 18, item 4: only in working hours; a warning never comes with the
# escalation that replaced it.


def test_a_reminder_scheduled_in_the_evening_waits_for_the_next_morning(
    sweep, clock, case, account_manager
):
    # Scheduled on Monday at 18:51 for Tuesday: the lead reminder's moment
    # (Monday 09:00) has passed, but it is evening now; nothing goes out
    # until Tuesday 09:00, when the reminder on the day replaces the lead.
    clock.move_to(at(2026, 11, 23, 18, 51), tick=False)
    follow_up(case, dt.date(2026, 11, 24), account_manager)
    promise(case, dt.date(2026, 11, 24), account_manager)
    for moment in (at(2026, 11, 23, 18, 51), at(2026, 11, 24, 8, 59)):
        sweep(moment)
    assert rows(K.FOLLOW_UP_REMINDER) == rows(K.PROMISE_REMINDER) == []

    sweep(at(2026, 11, 24, 9, 0))
    for kind in (K.FOLLOW_UP_REMINDER, K.PROMISE_REMINDER):
        [day] = rows(kind)
        assert (day.context["when"], day.due_at) == ("day", at(2026, 11, 24, 9, 0))


@pytest.mark.parametrize(
    ("back", "recorded"),
    [
        # Tuesday 09:00 plus 10 working hours (8.5 on Tuesday, 1.5 on
        # Wednesday) is Wednesday 10:30.
        (at(2026, 11, 25, 9, 0), True),
        (at(2026, 11, 25, 10, 29), True),
        (at(2026, 11, 25, 10, 30), False),
    ],
)
def test_a_late_sweep_records_nothing_after_hours_and_catches_up_next_morning(
    sweep, case, account_manager, back, recorded
):
    follow_up(case, dt.date(2026, 11, 24), account_manager)
    # The sweep was down all Tuesday; back at 20:00 it waits. Wednesday
    # morning it catches up, until CATCH_UP_HOURS of working time have passed
    # since the reminder's moment: then it is stale, not sent.
    sweep(at(2026, 11, 24, 20, 0))
    assert rows(K.FOLLOW_UP_REMINDER) == []
    sweep(back)
    if recorded:
        [day] = rows(K.FOLLOW_UP_REMINDER)
        assert (day.context["when"], day.due_at) == ("day", at(2026, 11, 24, 9, 0))
    else:
        assert rows(K.FOLLOW_UP_REMINDER) == []


def only(*kinds):
    """Drop the messages of other kinds (the case-logged alert...), so the
    sender sends just what a test is about."""
    OutboxMessage.objects.exclude(kind__in=kinds).delete()


def test_a_reminder_due_this_afternoon_but_sent_late_waits_for_the_morning(
    sweep, clock, case, account_manager, smtp_sink
):
    promise(case, dt.date(2026, 11, 23), account_manager)
    sweep(at(2026, 11, 23, 17, 25))
    only(K.PROMISE_REMINDER)
    [reminder] = rows(K.PROMISE_REMINDER)
    # The workers lag: the sender gets to it at 18:51, and holds it back.
    clock.move_to(at(2026, 11, 23, 18, 51), tick=False)
    assert send_due() == 0
    reminder.refresh_from_db()
    assert reminder.status == OutboxStatus.PENDING
    assert reminder.due_at == at(2026, 11, 24, 9, 0)
    assert reminder.attempts == 0
    assert smtp_sink.messages == []

    clock.move_to(at(2026, 11, 24, 8, 59), tick=False)
    assert send_due() == 0
    clock.move_to(at(2026, 11, 24, 9, 0), tick=False)
    assert send_due() == 1
    reminder.refresh_from_db()
    assert reminder.status == OutboxStatus.SENT


def test_a_pending_warning_whose_target_passed_is_replaced_by_the_escalation(
    sweep, clock, case, account_manager, sales_manager, smtp_sink
):
    # Warned at 11:30, target 12:00; the warning was never sent (workers
    # down). Three hours past the target only the escalation goes out.
    sweep(at(2026, 11, 23, 11, 30))
    only(K.STEP_WARNING)
    [warning] = rows(K.STEP_WARNING)
    sweep(at(2026, 11, 23, 15, 0))
    warning.refresh_from_db()
    assert warning.status == OutboxStatus.SKIPPED
    assert "escalation replaces" in warning.last_error
    assert recipients(K.STEP_ESCALATION) == ["sam"]

    send_due()
    # The escalation (and Monday's digest) to the manager; nothing to the owner.
    assert {m["To"] for m in smtp_sink.messages} == {sales_manager.email}
    assert any(m["Subject"].startswith("Overdue:") for m in smtp_sink.messages)


def test_a_warning_the_sender_reaches_after_its_target_is_not_sent(
    sweep, clock, case, account_manager, smtp_sink
):
    sweep(at(2026, 11, 23, 11, 30))
    only(K.STEP_WARNING)
    [warning] = rows(K.STEP_WARNING)
    clock.move_to(at(2026, 11, 23, 12, 0), tick=False)
    assert send_due() == 0
    warning.refresh_from_db()
    assert warning.status == OutboxStatus.SKIPPED
    assert smtp_sink.messages == []


def test_a_warning_is_never_recorded_after_its_target(sweep, case, account_manager):
    # The sweep was down from 11:00 to 12:05: past the target, no warning.
    sweep(at(2026, 11, 23, 11, 0))
    sweep(at(2026, 11, 23, 12, 5))
    assert rows(K.STEP_WARNING) == []
    assert len(rows(K.STEP_ESCALATION)) == 1
