"""Pausing a step's clock while the client owes us an answer (issue 18, item 2).

Times are London, November/December 2026 (GMT); the team works weekdays
09:00-17:30. Communicate's target is 8 business hours, its warning 2 before.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from cases.casework.services import pauses
from cases.casework.services.cases import case_advance, case_send_back
from cases.casework.services.steps import apology_record, client_contact_log
from cases.casework.services.targets import closure_day_add, team_deadlines_refresh
from cases.choices import (
    ApologyMethod,
    Channel,
    NotificationKind,
    OnBehalf,
    PauseEnd,
    PauseReason,
    Step,
    TimelineKind,
)
from cases.exceptions import NotAllowed, Stale, WrongStep
from cases.models import Case, OutboxMessage, StepPause, StepPeriod
from cases.notifications.due import sweep_due
from tests.factories import case_in_step, fill_step, make_case, version_of

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


# Tuesday 24 November 2026, 10:00.
TUESDAY_TEN = at(2026, 11, 24, 10, 0)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(TUESDAY_TEN, tick=False)
    return time_machine


@pytest.fixture
def case(clock, account_manager, sales_manager):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager, at=TUESDAY_TEN)
    case.team.time_zone = "Europe/London"
    case.team.save()
    team_deadlines_refresh(team=case.team)
    case.refresh_from_db()
    return case


def pause(case, by, **extra):
    values = {"reason": PauseReason.CLIENT_ANSWER, "version": version_of(case)}
    values.update(extra)
    return pauses.clock_pause(case_id=case.pk, by=by, **values)


def resume(case, by):
    return pauses.clock_resume(case_id=case.pk, by=by, version=version_of(case))


def test_a_paused_clock_has_no_deadline_and_resuming_adds_the_time_paused(
    case, clock, account_manager
):
    assert case.step_due_at == at(2026, 11, 25, 9, 30)
    due_before = case.step_due_at
    clock.move_to(at(2026, 11, 24, 12, 0))  # 2 business hours used
    pause(case, account_manager, note="Asked for their delivery address")
    case.refresh_from_db()
    assert case.step_paused_at == at(2026, 11, 24, 12, 0)
    assert (case.step_warn_at, case.step_due_at) == (None, None)
    # Resumed the next morning at 10:00: one business hour of Wednesday was
    # paused, plus Tuesday 12:00-17:30 (5.5 hours).
    clock.move_to(at(2026, 11, 25, 10, 0))
    resume(case, account_manager)
    case.refresh_from_db()
    assert case.step_paused_at is None
    stored = StepPause.objects.get(case=case)
    assert stored.paused_hours == Decimal("6.50")
    assert stored.end_reason == PauseEnd.RESUMED
    # 6 hours were left: Wednesday 10:00 + 6 h = 16:00.
    assert case.step_due_at == at(2026, 11, 25, 16, 0)
    assert case.step_due_at > due_before
    period = StepPeriod.objects.get(case=case, completed_at__isnull=True)
    assert period.due_at == case.step_due_at
    assert period.paused_hours == Decimal("6.50")


def test_pausing_a_step_already_overdue_leaves_it_overdue(case, clock, account_manager):
    due = case.step_due_at
    clock.move_to(at(2026, 11, 26, 11, 0))  # long after the target
    pause(case, account_manager)
    case.refresh_from_db()
    assert case.step_due_at == due
    assert case.step_paused_at is not None
    assert Case.objects.filter(pk=case.pk, step_due_at__lt=at(2026, 11, 26, 11, 0))


def test_every_pause_and_resume_is_on_the_timeline(case, clock, account_manager):
    pause(case, account_manager, until=dt.date(2026, 11, 30), note="Board meeting")
    clock.move_to(at(2026, 11, 24, 15, 0))
    resume(case, account_manager)
    kinds = list(
        case.timeline.filter(kind__in=[TimelineKind.PAUSED, TimelineKind.RESUMED])
        .order_by("at", "pk")
        .values_list("kind", "summary")
    )
    assert [kind for kind, _ in kinds] == [TimelineKind.PAUSED, TimelineKind.RESUMED]
    assert (
        "Waiting for the client's answer (Board meeting), until Mon 30 Nov"
        in (kinds[0][1])
    )
    assert "resumed by hand" in kinds[1][1]
    assert "5 business hours" in kinds[1][1]


def test_logging_a_client_contact_resumes_the_clock(case, clock, account_manager):
    pause(case, account_manager)
    clock.move_to(at(2026, 11, 24, 14, 0))
    client_contact_log(
        case_id=case.pk,
        by=account_manager,
        happened_at=at(2026, 11, 24, 13, 45),
        channel=Channel.choices[0][0],
        people=[],
        summary="They called back with the address.",
        reaction="Relieved",
        manager_joined=False,
        boss_permission="not_asked",
    )
    case.refresh_from_db()
    assert case.step_paused_at is None
    assert StepPause.objects.get(case=case).end_reason == PauseEnd.CLIENT_CONTACT
    assert case.step_due_at == at(2026, 11, 25, 13, 30)  # 4 hours paused


def test_an_apology_resumes_the_clock(clock, account_manager, sales_manager):
    case = case_in_step(Step.APOLOGISE, owner=account_manager, at=TUESDAY_TEN)
    pause(case, account_manager)
    apology_record(
        case_id=case.pk,
        by=account_manager,
        contact=case.contacts.first(),
        method=ApologyMethod.choices[0][0],
        on_behalf=OnBehalf.choices[0][0],
        asked_forgiveness=True,
        response="Accepted",
        apologised_on=dt.date(2026, 11, 24),
    )
    case.refresh_from_db()
    assert case.step_paused_at is None


def test_moving_on_ends_the_pause_and_the_next_step_runs(case, clock, account_manager):
    fill_step(case, account_manager)  # logs the contact Communicate needs
    pause(case, account_manager)
    clock.move_to(at(2026, 11, 24, 16, 0))
    case_advance(
        case_id=case.pk, by=account_manager, step=case.step, version=version_of(case)
    )
    case.refresh_from_db()
    assert case.step == Step.APOLOGISE
    assert case.step_paused_at is None and case.step_due_at is not None
    ended = StepPause.objects.get(case=case)
    assert ended.end_reason == PauseEnd.STEP_MOVED
    visit = StepPeriod.objects.get(case=case, step=Step.COMMUNICATE)
    assert visit.business_hours == Decimal("6.00")
    assert visit.paused_hours == Decimal("6.00")


def test_a_send_back_ends_the_pause(case, clock, account_manager, sales_manager):
    pause(case, account_manager)
    case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="Redo the options",
        version=version_of(case),
    )
    assert StepPause.objects.get(case=case).end_reason == PauseEnd.STEP_MOVED


def test_a_double_pause_is_refused_and_only_one_runs(case, account_manager):
    pause(case, account_manager)
    with pytest.raises(Stale):
        pause(case, account_manager, version=version_of(case) - 1)
    with pytest.raises(NotAllowed, match="already paused"):
        pause(case, account_manager)
    assert StepPause.objects.filter(case=case).count() == 1
    # And the database holds the line if two got past the checks at once.
    with pytest.raises(IntegrityError), transaction.atomic():
        StepPause.objects.create(
            case=case,
            period=StepPause.objects.get().period,
            reason=PauseReason.CLIENT_ASKED,
            started_by=account_manager,
        )


def test_resume_when_running_is_refused(case, account_manager):
    with pytest.raises(NotAllowed, match="running already"):
        resume(case, account_manager)


def test_bad_pauses_are_refused_with_reasons_and_nothing_saved(
    clock, case, account_manager, teammate, sales_manager
):
    with pytest.raises(NotAllowed, match="Say what we are waiting for"):
        pause(case, account_manager, reason=PauseReason.OTHER, note="  ")
    with pytest.raises(NotAllowed, match="a day after today"):
        pause(case, account_manager, until=dt.date(2026, 11, 24))
    # A read-only teammate cannot pause someone else's case.
    with pytest.raises(Case.DoesNotExist):
        pause(case, teammate)
    new = make_case(account_manager)
    with pytest.raises(WrongStep, match="Acknowledge"):
        pause(new, account_manager)
    assert not StepPause.objects.exists()
    case.refresh_from_db()
    assert case.step_paused_at is None and case.step_due_at is not None


def test_the_clock_restarts_on_its_date_and_the_owner_is_told(
    case, clock, account_manager
):
    # Paused on Tuesday until Monday 30 November: it restarts at 09:00 that
    # day, when the team opens.
    pause(case, account_manager, until=dt.date(2026, 11, 30))
    clock.move_to(at(2026, 11, 30, 8, 59))
    assert pauses.clocks_resume_due() == 0
    clock.move_to(at(2026, 11, 30, 9, 1))
    assert pauses.clocks_resume_due() == 1
    assert pauses.clocks_resume_due() == 0  # a second run changes nothing
    case.refresh_from_db()
    stored = StepPause.objects.get(case=case)
    assert stored.ended_at == at(2026, 11, 30, 9, 0)
    assert stored.end_reason == PauseEnd.DATE_REACHED and stored.ended_by is None
    # Tuesday 10:00-17:30 and three working days in between were paused.
    assert stored.paused_hours == Decimal("7.50") + 3 * Decimal("8.50")
    assert case.step_due_at == at(2026, 11, 30, 17, 0)
    message = OutboxMessage.objects.get(kind=NotificationKind.CLOCK_RESUMED)
    assert message.recipient == account_manager
    assert message.due_at == at(2026, 11, 30, 9, 0)


def test_a_closure_day_moves_the_restart_to_the_next_working_day(
    case, clock, account_manager
):
    closure_day_add(team=case.team, date=dt.date(2026, 11, 30), name="Stocktake")
    created = pause(case, account_manager, until=dt.date(2026, 11, 30))
    assert created.resume_at == at(2026, 12, 1, 9, 0)


def test_no_warning_while_paused_and_one_after_however_often_it_pauses(
    case, clock, account_manager
):
    # The warning point (6 business hours in) would come Tuesday 16:00.
    clock.move_to(at(2026, 11, 24, 11, 0))
    pause(case, account_manager)
    clock.move_to(at(2026, 11, 24, 16, 30))
    sweep_due()
    assert not OutboxMessage.objects.filter(kind=NotificationKind.STEP_WARNING)
    clock.move_to(at(2026, 11, 25, 10, 0))
    resume(case, account_manager)
    case.refresh_from_db()
    assert case.step_warn_at == at(2026, 11, 25, 15, 0)  # 5 hours were left
    clock.move_to(at(2026, 11, 25, 15, 0))
    sweep_due()
    sweep_due()
    # Paused and resumed again after the warning point: it stays reached.
    clock.move_to(at(2026, 11, 25, 15, 10))
    pause(case, account_manager)
    clock.move_to(at(2026, 11, 25, 15, 20))
    resume(case, account_manager)
    case.refresh_from_db()
    assert case.step_warn_at == at(2026, 11, 25, 15, 0)
    sweep_due()
    warnings = OutboxMessage.objects.filter(kind=NotificationKind.STEP_WARNING)
    assert warnings.count() == 1
