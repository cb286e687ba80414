"""Stored step deadlines: set on entering a step, cleared on closing, refreshed.

The clock is moved with time-machine so cases are logged at a chosen moment;
the checks then pass an explicit `now` instead of waiting.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases.calendar import step_clock
from cases.casework.services.cases import case_advance, case_close, case_send_back
from cases.casework.services.targets import team_deadlines_refresh
from cases.choices import ClientFit, Outcome, Step
from cases.models import Case, StepTarget
from tests.factories import (
    TeamFactory,
    UserFactory,
    case_in_step,
    fill_step,
    make_case,
    version_of,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def at(*args, zone=LONDON) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


# In November 2026 London is on GMT; 20 Nov is a Friday, 24 Nov a Tuesday.
TUESDAY_TEN = at(2026, 11, 24, 10, 0)
FRIDAY_EVENING = at(2026, 11, 20, 19, 0)


@pytest.fixture
def tuesday(time_machine):
    time_machine.move_to(TUESDAY_TEN, tick=False)
    return time_machine


def test_opening_a_case_sets_the_acknowledge_deadlines(
    tuesday, account_manager, sales_manager
):
    case = make_case(account_manager)
    case.refresh_from_db()
    # Acknowledge: 2 business hours, due soon 30 minutes before.
    assert case.step_due_at == at(2026, 11, 24, 12, 0)
    assert case.step_warn_at == at(2026, 11, 24, 11, 30)


def test_advancing_recomputes_the_deadlines_from_the_new_step(
    tuesday, account_manager, sales_manager
):
    case = make_case(account_manager)
    tuesday.move_to(at(2026, 11, 24, 13, 0), tick=False)
    fill_step(case, account_manager)
    case_advance(case_id=case.pk, by=account_manager, version=version_of(case))
    case.refresh_from_db()
    assert case.step == Step.ROOT_CAUSE
    # Root cause: 8 h = 4.5 h on Tuesday and 3.5 h on Wednesday; warn 2 h before.
    assert case.step_due_at == at(2026, 11, 25, 12, 30)
    assert case.step_warn_at == at(2026, 11, 25, 10, 30)


def test_sending_back_restarts_the_clock_of_the_earlier_step(
    tuesday, account_manager, sales_manager
):
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager)
    tuesday.move_to(at(2026, 11, 26, 16, 0), tick=False)
    case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="Wrong client named.",
        version=version_of(case),
    )
    case.refresh_from_db()
    assert case.step == Step.ACKNOWLEDGE
    # Thursday 16:00 + 2 h: 1.5 h on Thursday, 30 minutes on Friday.
    assert case.step_due_at == at(2026, 11, 27, 9, 30)


def test_closing_clears_the_deadlines(tuesday, account_manager, sales_manager):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager, complete=True)
    assert case.step_due_at is not None
    case = case_close(
        case_id=case.pk,
        by=account_manager,
        version=case.version,
        outcome=Outcome.RETAINED,
        lessons="Book a second trainer.",
        client_fit=ClientFit.GOOD,
    )
    case.refresh_from_db()
    assert case.step_due_at is None
    assert case.step_warn_at is None


def test_a_case_logged_on_friday_evening_is_not_overdue_on_saturday(
    time_machine, account_manager, sales_manager
):
    time_machine.move_to(FRIDAY_EVENING, tick=False)
    case = make_case(account_manager)
    case = Case.objects.select_related("team").get(pk=case.pk)
    saturday = at(2026, 11, 21, 15, 0)
    clock = step_clock(case, now=saturday)
    assert clock["state"] == "on_track"
    assert clock["used_hours"] == 0
    # The lists and dashboards read the stored deadline: not overdue either.
    assert not Case.objects.filter(pk=case.pk, step_due_at__lt=saturday).exists()
    # Monday: due soon from 10:30, overdue after 11:00.
    assert step_clock(case, now=at(2026, 11, 23, 10, 45))["state"] == "due_soon"
    assert step_clock(case, now=at(2026, 11, 23, 11, 1))["state"] == "overdue"


def test_refresh_moves_open_cases_of_the_team_only(
    tuesday, team, account_manager, sales_manager
):
    open_case = make_case(account_manager)
    closed_case = case_in_step(Step.CLOSED, owner=account_manager)
    elsewhere = TeamFactory(name="Elsewhere")
    stranger = UserFactory(username="erin", teams=[elsewhere])
    other_case = make_case(stranger)
    before_other = Case.objects.get(pk=other_case.pk).step_due_at

    StepTarget.objects.create(
        team=team, step=Step.ACKNOWLEDGE, target_hours=4, warning_hours=1
    )
    assert team_deadlines_refresh(team=team) == 1

    open_case.refresh_from_db()
    assert open_case.step_due_at == at(2026, 11, 24, 14, 0)
    assert open_case.step_warn_at == at(2026, 11, 24, 13, 0)
    closed_case.refresh_from_db()
    assert (closed_case.step_warn_at, closed_case.step_due_at) == (None, None)
    assert Case.objects.get(pk=other_case.pk).step_due_at == before_other
    # Nothing left to change: a second run writes nothing.
    assert team_deadlines_refresh(team=team) == 0


def test_refresh_follows_a_change_of_calendar(tuesday, team, account_manager):
    case = make_case(account_manager)
    team.time_zone = "Asia/Dubai"  # UTC+4: Tuesday 10:00 London is 14:00 there.
    team.work_end = dt.time(15, 0)
    team.save()
    team_deadlines_refresh(team=team)
    case.refresh_from_db()
    # 1 h on Tuesday (14:00-15:00), 1 h from Wednesday 09:00.
    dubai = ZoneInfo("Asia/Dubai")
    assert case.step_due_at == at(2026, 11, 25, 10, 0, zone=dubai)


def test_saving_a_target_in_the_admin_moves_open_cases(
    tuesday, client, team, account_manager, administrator
):
    case = make_case(account_manager)
    client.force_login(administrator)
    response = client.post(
        reverse("admin:cases_steptarget_add"),
        {
            "team": team.pk,
            "step": Step.ACKNOWLEDGE,
            "target_hours": "8",
            "warning_hours": "2",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    # Tuesday 10:00 + 8 h: 7.5 h on Tuesday, 30 minutes on Wednesday.
    assert case.step_due_at == at(2026, 11, 25, 9, 30)


def test_the_case_page_shows_the_clock_of_the_current_step(
    tuesday, client, account_manager, sales_manager
):
    case = make_case(account_manager)
    tuesday.move_to(at(2026, 11, 24, 11, 45), tick=False)
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="step-clock" data-state="due_soon"' in page
    assert "Due soon" in page
    assert "Due by Tue 24 Nov 12:00 (Europe/London)" in page
    assert "0.3 business hours left of 2" in page
    assert 'title="1.7 of 2 business hours used, 0.3 left.' in page
