"""Progress-report reminders follow the case's cadence and its reports: a
report sent restarts the clock, a cadence changed moves the next due day, and
the owner is reminded once per period (issue 17, item 4).

In November 2026 London is on GMT. 23 Nov is a Monday, 30 the next Monday.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.casework.services import reports
from cases.choices import Channel, NotificationKind, OutboxStatus, Step
from cases.models import Case, OutboxMessage
from cases.notifications.progress import report_due_on, report_period
from cases.notifications.reminders import progress_reminders
from tests.factories import make_case, walk_to

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")


def at(*args, zone=LONDON) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


@pytest.fixture
def clock(time_machine):
    """Monday 23 November 2026, 10:00 in London."""
    time_machine.move_to(at(2026, 11, 23, 10, 0), tick=False)
    return time_machine


@pytest.fixture
def case(clock, account_manager, sales_manager):
    """Past Communicate since Monday 23 November: first report due Monday 30."""
    return walk_to(make_case(account_manager), Step.APOLOGISE, account_manager)


@pytest.fixture
def remind(clock):
    def run(moment: dt.datetime) -> int:
        clock.move_to(moment, tick=False)
        return progress_reminders(timezone.now())

    return run


def periods() -> list[str]:
    return [
        m.context["period_start"]
        for m in OutboxMessage.objects.filter(
            kind=NotificationKind.PROGRESS_REPORT
        ).order_by("due_at", "pk")
    ]


def report(case, by, sent_at):
    return reports.progress_report_record(
        case_id=case.pk,
        by=by,
        sent_at=sent_at,
        channel=Channel.EMAIL,
        summary="The senior trainer is booked for Monday.",
        people=list(case.contacts.all()),
    )


def test_without_reports_the_owner_is_reminded_every_cadence(remind, case):
    remind(at(2026, 11, 30, 8, 59))
    assert periods() == []
    remind(at(2026, 11, 30, 9, 0))
    remind(at(2026, 12, 1, 9, 0))
    remind(at(2026, 12, 7, 9, 0))
    assert periods() == ["2026-11-30", "2026-12-07"]


def test_a_report_logged_suppresses_the_reminder_for_its_period(
    remind, clock, case, account_manager
):
    clock.move_to(at(2026, 11, 27, 15, 0), tick=False)
    report(case, account_manager, timezone.now())
    # The week from Friday: nothing on Monday, a reminder Friday 4 December.
    for moment in (at(2026, 11, 30, 9, 0), at(2026, 12, 3, 9, 0)):
        remind(moment)
    assert periods() == []
    remind(at(2026, 12, 4, 9, 0))
    assert periods() == ["2026-12-04"]


def test_a_report_sent_on_the_due_day_before_opening_means_no_reminder(
    remind, clock, case, account_manager
):
    clock.move_to(at(2026, 11, 30, 8, 30), tick=False)
    report(case, account_manager, timezone.now())
    remind(at(2026, 11, 30, 9, 0))
    remind(at(2026, 12, 1, 9, 0))
    assert periods() == []


def test_a_report_recorded_later_but_dated_back_counts_from_its_day(
    remind, clock, case, account_manager
):
    # Recorded on Wednesday, sent the Thursday before: due Thursday 3 December.
    clock.move_to(at(2026, 12, 2, 11, 0), tick=False)
    report(case, account_manager, at(2026, 11, 26, 16, 0))
    remind(at(2026, 12, 2, 11, 5))
    assert periods() == []
    remind(at(2026, 12, 3, 9, 0))
    assert periods() == ["2026-12-03"]


def test_a_waiting_reminder_is_not_sent_once_the_report_is_recorded(
    remind, clock, case, account_manager
):
    remind(at(2026, 11, 30, 9, 0))
    [waiting] = OutboxMessage.objects.filter(kind=NotificationKind.PROGRESS_REPORT)
    assert waiting.status == OutboxStatus.PENDING
    report(case, account_manager, timezone.now())
    waiting.refresh_from_db()
    assert waiting.status == OutboxStatus.SKIPPED
    assert waiting.last_error == reports.REPORT_SENT


def test_a_longer_cadence_moves_the_next_reminder(remind, clock, case, account_manager):
    clock.move_to(at(2026, 11, 26, 11, 0), tick=False)
    assert reports.report_cadence_set(case_id=case.pk, by=account_manager, days=14)
    remind(at(2026, 11, 30, 9, 0))
    assert periods() == []
    remind(at(2026, 12, 7, 9, 0))
    assert periods() == ["2026-12-07"]
    remind(at(2026, 12, 21, 9, 0))
    assert periods() == ["2026-12-07", "2026-12-21"]


def test_a_shorter_cadence_after_a_reminder_does_not_remind_twice(
    remind, clock, case, account_manager
):
    remind(at(2026, 11, 30, 9, 0))
    assert periods() == ["2026-11-30"]
    # Every 5 days from the 23rd: due the 28th already, then the 3rd, the 8th.
    clock.move_to(at(2026, 11, 30, 11, 0), tick=False)
    reports.report_cadence_set(case_id=case.pk, by=account_manager, days=5)
    for moment in (
        at(2026, 11, 30, 11, 5),
        at(2026, 12, 1, 9, 0),
        # Three days after the last reminder: within a cadence, not again.
        at(2026, 12, 3, 9, 0),
    ):
        remind(moment)
    assert periods() == ["2026-11-30"]
    remind(at(2026, 12, 8, 9, 0))
    assert periods() == ["2026-11-30", "2026-12-08"]


def test_a_shorter_cadence_makes_an_unreminded_report_due_at_once(
    remind, clock, case, account_manager
):
    clock.move_to(at(2026, 11, 26, 9, 30), tick=False)
    reports.report_cadence_set(case_id=case.pk, by=account_manager, days=2)
    # Due Wednesday 25th already: reminded of that period at the next sweep
    # (still within a working day of its moment, as every reminder).
    remind(at(2026, 11, 26, 9, 31))
    assert periods() == ["2026-11-25"]
    remind(at(2026, 11, 27, 9, 0))
    assert periods() == ["2026-11-25", "2026-11-27"]


def test_reports_before_the_clock_starts_do_not_make_it_due_early(
    remind, clock, account_manager, sales_manager
):
    case = walk_to(make_case(account_manager), Step.COMMUNICATE, account_manager)
    report(case, account_manager, timezone.now())
    clock.move_to(at(2026, 11, 25, 10, 0), tick=False)
    walk_to(case, Step.APOLOGISE, account_manager)
    # From Wednesday, when the case left Communicate: due Wednesday 2nd.
    remind(at(2026, 11, 30, 9, 0))
    assert periods() == []
    remind(at(2026, 12, 2, 9, 0))
    assert periods() == ["2026-12-02"]


def test_the_due_day_is_the_owners_local_date():
    # 20:00 in London on the 23rd is already the 24th in Tokyo.
    anchor = at(2026, 11, 23, 20, 0)
    kwargs = {"step": Step.FOLLOW_UP, "cadence": 7, "anchor": anchor}
    assert report_due_on(**kwargs, last_sent=None, zone=LONDON) == dt.date(2026, 11, 30)
    assert report_due_on(**kwargs, last_sent=None, zone=TOKYO) == dt.date(2026, 12, 1)
    last = at(2026, 11, 26, 9, 0)
    assert report_due_on(**kwargs, last_sent=last, zone=LONDON) == dt.date(2026, 12, 3)
    # Before Apologise the clock does not run.
    assert (
        report_due_on(
            step=Step.COMMUNICATE, cadence=7, anchor=anchor, last_sent=None, zone=LONDON
        )
        is None
    )


def test_an_unsent_report_starts_a_new_period_every_cadence():
    due = dt.date(2026, 11, 30)
    assert report_period(due, 7, dt.date(2026, 11, 29)) is None
    assert report_period(due, 7, due) == due
    assert report_period(due, 7, dt.date(2026, 12, 6)) == due
    assert report_period(due, 7, dt.date(2026, 12, 7)) == dt.date(2026, 12, 7)


def test_a_closed_case_gets_no_reminder_whatever_its_cadence(
    remind, case, account_manager
):
    Case.objects.filter(pk=case.pk).update(progress_cadence_days=1)
    walk_to(case, Step.CLOSED, account_manager)
    remind(at(2026, 11, 30, 9, 0))
    assert periods() == []
