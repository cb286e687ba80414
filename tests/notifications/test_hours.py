"""Reminders in each recipient's working time (issue 18, item 4): their own
hours or their team's, in their zone, skipping the team's public holidays and
closure days; the sweep records and the sender sends only then.

In England, 25 December 2026 (Friday) is Christmas Day, 28 December Boxing
Day (observed) and 1 January 2027 (Friday) New Year's Day.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.casework.services import promises, steps
from cases.choices import NotificationKind, OutboxStatus, Role, Step
from cases.models import ClosureDay, OutboxMessage, User
from cases.notifications.deliver import send_due
from cases.notifications.due import sweep_due
from cases.notifications.hours import mail_calendar
from tests.factories import TeamFactory, UserFactory, make_case, walk_to

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
K = NotificationKind


def at(*args, zone=LONDON) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def rows(kind, **filters) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind, **filters).order_by("pk"))


def follow_up(case, due_on, by):
    return steps.follow_up_schedule(
        case_id=case.pk, by=by, due_on=due_on, purpose="Call about the new trainer"
    )


def promise(case, due_on, by):
    return promises.promise_make(
        case_id=case.pk, by=by, description="Send the schedule", due_on=due_on
    )


def save(user, **fields):
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()


def only(*kinds):
    """Drop the messages of other kinds, so the sender sends just these."""
    OutboxMessage.objects.exclude(kind__in=kinds).delete()


@pytest.fixture
def sweep(time_machine):
    def run(moment: dt.datetime) -> int:
        time_machine.move_to(moment, tick=False)
        return sweep_due()

    return run


@pytest.fixture
def english(team):
    team.holiday_country, team.holiday_subdivision = "GB", "ENG"
    team.save()
    return team


def closed(team, *days):
    for day in days:
        ClosureDay.objects.create(team=team, date=day, name="Company holiday")


def test_a_reminder_due_on_a_holiday_comes_at_the_next_working_opening(
    sweep, time_machine, english, account_manager
):
    closed(english, dt.date(2026, 12, 29))
    time_machine.move_to(at(2026, 12, 21, 10, 0), tick=False)
    case = make_case(account_manager)
    follow_up(case, dt.date(2026, 12, 25), account_manager)

    sweep(at(2026, 12, 24, 9, 0))
    [lead] = rows(K.FOLLOW_UP_REMINDER)
    assert (lead.context["when"], lead.due_at) == ("lead", at(2026, 12, 24, 9, 0))
    # Christmas Day, the weekend, Boxing Day (observed), the closure day: none.
    for moment in (
        at(2026, 12, 25, 9, 0),
        at(2026, 12, 28, 10, 0),
        at(2026, 12, 29, 10, 0),
        at(2026, 12, 30, 8, 59),
    ):
        sweep(moment)
    assert len(rows(K.FOLLOW_UP_REMINDER)) == 1

    sweep(at(2026, 12, 30, 9, 0))
    day = rows(K.FOLLOW_UP_REMINDER)[1]
    assert (day.context["when"], day.due_at) == ("day", at(2026, 12, 30, 9, 0))
    assert day.context["days_left"] == -5


def test_a_reminder_due_before_a_long_closure_is_sent_after_it_not_dropped(
    sweep, time_machine, english, account_manager, sales_manager, smtp_sink
):
    # Closed from Christmas Eve to New Year: Wednesday 23 December 17:30 to
    # Monday 4 January 09:00, longer than any weekend.
    closed(english, *(dt.date(2026, 12, day) for day in (24, 29, 30, 31)))
    save(account_manager, reminder_lead_days=0)
    save(sales_manager, work_days="0,1,2,3,4", work_start=dt.time(9, 0))
    save(sales_manager, work_end=dt.time(16, 0))
    time_machine.move_to(at(2026, 12, 23, 14, 0), tick=False)
    case = make_case(account_manager)
    # Acknowledge is due at 16:00, when the manager's own day ends.
    assert case.step_due_at == at(2026, 12, 23, 16, 0)
    promise(case, dt.date(2026, 12, 24), account_manager)

    for moment in (
        at(2026, 12, 23, 16, 0),
        at(2026, 12, 24, 9, 0),
        at(2026, 12, 29, 12, 0),
        at(2027, 1, 1, 12, 0),
        at(2027, 1, 4, 8, 59),
    ):
        sweep(moment)
    assert rows(K.PROMISE_REMINDER) == rows(K.STEP_ESCALATION) == []

    sweep(at(2027, 1, 4, 9, 0))
    [reminder] = rows(K.PROMISE_REMINDER)
    assert (reminder.context["when"], reminder.due_at) == ("day", at(2027, 1, 4, 9))
    [escalation] = rows(K.STEP_ESCALATION)
    assert (escalation.recipient, escalation.due_at) == (
        sales_manager,
        at(2027, 1, 4, 9),
    )

    only(K.PROMISE_REMINDER, K.STEP_ESCALATION)
    assert send_due() == 2
    assert {m["To"] for m in smtp_sink.messages} == {
        account_manager.email,
        sales_manager.email,
    }


def test_a_users_own_hours_are_obeyed(
    sweep, time_machine, team, account_manager, sales_manager
):
    # Tuesday to Friday, 10:00 to 14:00, although the team works Monday to
    # Friday 09:00-17:30.
    for person in (account_manager, sales_manager):
        save(
            person,
            work_days="1,2,3,4",
            work_start=dt.time(10, 0),
            work_end=dt.time(14, 0),
        )
    save(sales_manager, digest_day=0)
    time_machine.move_to(at(2026, 11, 23, 10, 0), tick=False)
    case = make_case(account_manager)
    follow_up(case, dt.date(2026, 11, 30), account_manager)  # a Monday

    for moment in (at(2026, 11, 30, 9, 0), at(2026, 11, 30, 12, 0)):
        sweep(moment)
    assert rows(K.FOLLOW_UP_REMINDER) == []
    # Monday's digest waits for the manager's Tuesday too.
    [digest] = rows(K.WEEKLY_DIGEST)
    assert digest.due_at == at(2026, 12, 1, 10, 0)

    sweep(at(2026, 12, 1, 9, 59))
    assert rows(K.FOLLOW_UP_REMINDER) == []
    sweep(at(2026, 12, 1, 10, 0))
    # The lead reminder (Sunday) and the one on the day (Monday) both move
    # to Tuesday 10:00: only the one on the day is sent.
    [day] = rows(K.FOLLOW_UP_REMINDER)
    assert (day.context["when"], day.due_at) == ("day", at(2026, 12, 1, 10, 0))


def test_the_sender_holds_back_outside_the_users_own_hours(
    sweep, time_machine, team, account_manager, smtp_sink
):
    save(account_manager, work_start=dt.time(10, 0), work_end=dt.time(14, 0))
    time_machine.move_to(at(2026, 11, 23, 10, 0), tick=False)
    case = make_case(account_manager)
    promise(case, dt.date(2026, 11, 23), account_manager)
    sweep(at(2026, 11, 23, 13, 55))
    only(K.PROMISE_REMINDER)
    [reminder] = rows(K.PROMISE_REMINDER)
    assert reminder.due_at == at(2026, 11, 23, 10, 0)

    # The sender gets to it at 14:05, after the owner's day: it waits, and
    # that was no try.
    time_machine.move_to(at(2026, 11, 23, 14, 5), tick=False)
    assert send_due() == 0
    reminder.refresh_from_db()
    assert (reminder.status, reminder.due_at, reminder.attempts) == (
        OutboxStatus.PENDING,
        at(2026, 11, 24, 10, 0),
        0,
    )
    time_machine.move_to(at(2026, 11, 24, 9, 59), tick=False)
    assert send_due() == 0
    time_machine.move_to(at(2026, 11, 24, 10, 0), tick=False)
    assert send_due() == 1
    assert [m["To"] for m in smtp_sink.messages] == [account_manager.email]


def test_the_sender_holds_a_digest_over_the_managers_team_closure_day(
    sweep, time_machine, team, sales_manager, smtp_sink
):
    closed(team, dt.date(2026, 11, 26))
    save(sales_manager, digest_day=2)  # Wednesday
    sweep(at(2026, 11, 25, 17, 0))
    only(K.WEEKLY_DIGEST)
    [digest] = rows(K.WEEKLY_DIGEST)
    # Workers lag: at 17:45 the manager's day is over, and Thursday is closed.
    time_machine.move_to(at(2026, 11, 25, 17, 45), tick=False)
    assert send_due() == 0
    digest.refresh_from_db()
    assert (digest.status, digest.due_at) == (
        OutboxStatus.PENDING,
        at(2026, 11, 27, 9, 0),
    )
    time_machine.move_to(at(2026, 11, 26, 12, 0), tick=False)
    assert send_due() == 0
    time_machine.move_to(at(2026, 11, 27, 9, 0), tick=False)
    assert send_due() == 1


def test_a_case_follows_its_own_teams_holidays_the_digest_the_first_team(
    english, other_team, time_machine
):
    # Midmarket keeps 26 November closed; Enterprise (joined first) does not.
    closed(other_team, dt.date(2026, 11, 26))
    time_machine.move_to(at(2026, 11, 1, 0, 0), tick=False)
    manager = UserFactory(role=Role.SALES_MANAGER, teams=[english])
    time_machine.move_to(at(2026, 11, 2, 0, 0), tick=False)
    manager.memberships.create(team=other_team)
    evening = at(2026, 11, 25, 18, 0)
    assert mail_calendar(manager).next_open(evening) == at(2026, 11, 26, 9, 0)
    assert mail_calendar(manager, other_team).next_open(evening) == at(
        2026, 11, 27, 9, 0
    )


def test_the_sweep_costs_the_same_queries_however_many_recipients_and_teams(
    time_machine, smtp_sink
):
    """Each recipient in a team of their own with its holidays and closure
    days: the calendars come from prefetched rows, no query per message."""
    made = 0

    def queries_to_record(n: int) -> tuple[int, int]:
        nonlocal made
        # The people of an earlier round get nothing more: its owners leave,
        # its managers take their digest on Saturdays.
        User.objects.filter(role=Role.ACCOUNT_MANAGER).update(is_active=False)
        User.objects.filter(role=Role.SALES_MANAGER).update(digest_day=5)
        OutboxMessage.objects.all().delete()
        time_machine.move_to(at(2026, 11, 23, 10, 0), tick=False)
        for _ in range(n):
            made += 1
            team = TeamFactory(name=f"Team {made}", holiday_country="GB")
            closed(team, dt.date(2026, 11, 27))
            owner = UserFactory(teams=[team], work_start=dt.time(8, 0))
            owner.work_end = dt.time(16, 0)
            owner.save()
            UserFactory(role=Role.SALES_MANAGER, teams=[team], digest_day=3)
            case = make_case(owner, team=team)
            follow_up(case, dt.date(2026, 11, 26), owner)
            promise(case, dt.date(2026, 11, 26), owner)
        OutboxMessage.objects.all().delete()
        moment = at(2026, 11, 26, 9, 0)
        time_machine.move_to(moment, tick=False)
        with CaptureQueriesContext(connection) as swept:
            # A follow-up and a promise per owner, a digest per manager.
            assert sweep_due(now=moment) == 3 * n
        with CaptureQueriesContext(connection) as sent:
            assert send_due() == 3 * n
        closure_reads = [q for q in sent if '"cases_closureday"' in q["sql"]]
        return len(swept), len(closure_reads)

    two = queries_to_record(2)
    assert queries_to_record(5) == two
    assert two[1] <= 2


def test_a_progress_report_moved_by_a_closure_does_not_hold_up_the_next_one(
    sweep, time_machine, team, account_manager, sales_manager
):
    # Past Communicate on Monday 23 November: weekly periods from 30 November.
    # Closed Monday to Thursday that week, the first report comes on Friday;
    # the next period's still comes on Monday 7 December, not a day late.
    closed(team, dt.date(2026, 11, 30), *(dt.date(2026, 12, d) for d in (1, 2, 3)))
    time_machine.move_to(at(2026, 11, 23, 10, 0), tick=False)
    walk_to(make_case(account_manager), Step.APOLOGISE, account_manager)

    for moment in (at(2026, 11, 30, 9, 0), at(2026, 12, 3, 12, 0)):
        sweep(moment)
    assert rows(K.PROGRESS_REPORT) == []
    sweep(at(2026, 12, 4, 9, 0))
    [first] = rows(K.PROGRESS_REPORT)
    assert (first.context["period_start"], first.due_at) == (
        "2026-11-30",
        at(2026, 12, 4, 9, 0),
    )
    sweep(at(2026, 12, 7, 9, 0))
    assert [(m.context["period_start"], m.due_at) for m in rows(K.PROGRESS_REPORT)] == [
        ("2026-11-30", at(2026, 12, 4, 9, 0)),
        ("2026-12-07", at(2026, 12, 7, 9, 0)),
    ]
