"""case_in_step: a case it makes could have got to its step through the services."""

import pytest
from django.urls import reverse

from cases import workflow
from cases.casework.services import cases as services
from cases.casework.services.repeat_business import team_today
from cases.choices import Role, Step
from cases.models import Case, StepPeriod
from cases.workflow import ORDER, WORKING_STEPS
from tests.factories import UserFactory, case_in_step, version_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("step", ORDER)
def test_every_earlier_step_is_complete(step):
    case = case_in_step(step)

    assert case.step == step
    for earlier in ORDER[: ORDER.index(step)]:
        assert workflow.COMPLETION[earlier](case) == [], earlier
    periods = list(StepPeriod.objects.filter(case=case).values_list("step", flat=True))
    assert periods == ORDER[: ORDER.index(step) + 1]


@pytest.mark.parametrize("step", WORKING_STEPS)
def test_the_current_step_is_left_to_do_unless_complete(step):
    assert workflow.missing_for(case_in_step(step)) != []
    assert workflow.missing_for(case_in_step(step, complete=True)) == []


@pytest.mark.parametrize("step", WORKING_STEPS[:-1])
def test_a_complete_step_moves_on_through_the_services(step):
    case = case_in_step(step, complete=True)
    services.case_advance(case_id=case.pk, by=case.owner, version=version_of(case))
    assert Case.objects.get(pk=case.pk).step == workflow.next_step(step)


def test_a_complete_follow_up_closes_through_the_services():
    case = case_in_step(Step.FOLLOW_UP, complete=True)
    services.case_close(
        case_id=case.pk,
        by=case.owner,
        version=case.version,
        outcome="recovered",
        lessons="Ask twice.",
        client_fit="good",
        order_on=team_today(case),
        order_value=500,
    )
    assert Case.objects.get(pk=case.pk).is_closed


@pytest.mark.parametrize("step", ORDER)
def test_the_case_page_renders(client, step):
    case = case_in_step(step)
    client.force_login(case.owner)
    page = client.get(reverse("case_detail", args=[case.pk]))
    assert page.status_code == 200
    assert case.commitment in page.content.decode()


def test_it_uses_the_given_owner_and_alerts_their_managers(team, account_manager):
    manager = UserFactory(role=Role.SALES_MANAGER, teams=[team])
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    assert (case.owner, case.team) == (account_manager, team)
    assert [m.recipient for m in case.outbox_messages.all()] == [manager]


def test_a_team_with_nobody_to_alert_cannot_get_past_acknowledge(account_manager):
    assert case_in_step(Step.ACKNOWLEDGE, owner=account_manager).step == (
        Step.ACKNOWLEDGE
    )
    with pytest.raises(ValueError, match="could leave Acknowledge"):
        case_in_step(Step.ROOT_CAUSE, owner=account_manager)
