"""The recovery workflow: the moves it allows, refuses, and what each step needs."""

import datetime as dt
from decimal import Decimal
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cases import workflow
from cases.casework.services import cases as services
from cases.casework.services import compensation, promises, steps
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    Answer,
    ApologyMethod,
    BossPermission,
    Channel,
    ClientFit,
    CompensationKind,
    Feasibility,
    FollowUpStatus,
    OnBehalf,
    Outcome,
    Step,
)
from cases.exceptions import StepIncomplete, TransitionNotAllowed
from cases.workflow import ORDER
from tests.factories import UserFactory, case_in_step, fill_step, make_case, version_of

SEQUENCE = [
    Step.ACKNOWLEDGE,
    Step.ROOT_CAUSE,
    Step.OPTIONS,
    Step.COMMUNICATE,
    Step.APOLOGISE,
    Step.COMPENSATE,
    Step.FOLLOW_UP,
    Step.CLOSED,
]
TODAY = dt.date(2026, 3, 2)


def at(step):
    """A stand-in case for the rules that read only the step."""
    return SimpleNamespace(step=step)


@pytest.fixture
def case(account_manager, sales_manager):
    return make_case(account_manager)


def reload(case):
    case.refresh_from_db()
    return case


# The table of moves.


def test_steps_run_in_the_documented_order():
    assert ORDER == SEQUENCE
    assert SEQUENCE[:-1] == workflow.WORKING_STEPS


@pytest.mark.parametrize(("current", "target"), list(pairwise(SEQUENCE)))
def test_forward_move_goes_to_the_next_step_only(current, target):
    assert workflow.FORWARD[current] == target
    assert workflow.next_step(current) == target


@pytest.mark.parametrize(("current", "target"), [(b, a) for a, b in pairwise(SEQUENCE)])
def test_send_back_goes_exactly_one_step_back(current, target):
    assert workflow.BACK[current] == target
    assert workflow.ensure_can_send_back(at(current)) == target


def test_closed_case_has_no_next_step():
    assert Step.CLOSED not in workflow.FORWARD
    with pytest.raises(TransitionNotAllowed, match="closed case has no next step"):
        workflow.ensure_can_advance(at(Step.CLOSED))


def test_send_back_refused_from_acknowledge():
    assert Step.ACKNOWLEDGE not in workflow.BACK
    with pytest.raises(TransitionNotAllowed, match="first step cannot go back"):
        workflow.ensure_can_send_back(at(Step.ACKNOWLEDGE))


def test_closed_case_goes_back_to_follow_up():
    assert workflow.ensure_can_send_back(at(Step.CLOSED)) == Step.FOLLOW_UP


def test_no_move_skips_a_step():
    for index, step in enumerate(workflow.WORKING_STEPS):
        assert workflow.FORWARD[step] == ORDER[index + 1]
    for index, step in enumerate(ORDER[1:], start=1):
        assert workflow.BACK[step] == ORDER[index - 1]


# Moving a real case: forward when complete, back one step with a manager.


@pytest.mark.parametrize("step", SEQUENCE[:-1])
def test_advance_allows_the_next_step_once_the_step_is_complete(
    account_manager, sales_manager, step
):
    case = case_in_step(step, owner=account_manager)
    fill_step(case, account_manager)
    assert workflow.missing_for(reload(case)) == []
    assert workflow.ensure_can_advance(case) == workflow.next_step(step)


@pytest.mark.parametrize("step", SEQUENCE[:-1])
def test_advance_refuses_an_incomplete_step(account_manager, sales_manager, step):
    case = case_in_step(step, owner=account_manager)
    with pytest.raises(StepIncomplete) as refused:
        workflow.ensure_can_advance(case)
    assert refused.value.step == step
    assert refused.value.missing == workflow.missing_for(case) != []
    message = str(refused.value)
    assert step.label in message
    assert all(item in message for item in refused.value.missing)


@pytest.mark.parametrize("step", SEQUENCE[1:-1])
def test_sending_back_moves_a_case_exactly_one_step(
    account_manager, sales_manager, step
):
    case = case_in_step(step, owner=account_manager)
    services.case_send_back(
        case_id=case.pk, by=sales_manager, reason="Not yet.", version=version_of(case)
    )
    assert reload(case).step == workflow.previous_step(step)


def test_sending_back_a_closed_case_reopens_it_and_clears_the_outcome(
    account_manager, sales_manager
):
    case = case_in_step(Step.CLOSED, owner=account_manager)
    assert case.outcome == Outcome.RETAINED
    assert case.closed_at is not None

    services.case_send_back(
        case_id=case.pk, by=sales_manager, reason="Too soon.", version=version_of(case)
    )

    case = reload(case)
    assert case.step == Step.FOLLOW_UP
    assert case.outcome == ""
    assert case.client_fit == ""
    assert case.closed_at is None
    assert not case.is_closed


def test_sending_back_from_acknowledge_is_refused(case, sales_manager):
    with pytest.raises(TransitionNotAllowed):
        services.case_send_back(
            case_id=case.pk, by=sales_manager, reason="No.", version=version_of(case)
        )
    assert reload(case).step == Step.ACKNOWLEDGE


# What each step still needs, in words.


def test_acknowledge_lists_what_is_missing(account_manager, sales_manager):
    case = make_case(account_manager, acknowledged=False)
    assert workflow.missing_for(case) == [
        "Say where the failure came from (source of the failure).",
        "Tick at least one box under “our part in it”.",
        "Name at least one affected person at the client.",
    ]


def test_acknowledge_is_complete_once_its_data_is_recorded(
    account_manager, sales_manager
):
    case = make_case(account_manager, acknowledged=False)
    fill_step(case, account_manager)
    assert workflow.missing_for(reload(case)) == []


def test_acknowledge_needs_the_manager_alerted(account_manager):
    # No sales manager in the team and no administrator: nobody was alerted.
    case = make_case(account_manager)
    assert workflow.missing_for(case) == [
        "Alert a sales manager: your team has none yet, so ask an administrator "
        "to add one."
    ]


def test_a_manager_who_joins_later_is_alerted_when_the_case_moves_on(
    account_manager, team
):
    case = make_case(account_manager)
    manager = UserFactory(role="sales_manager", teams=[team])
    moved = services.case_advance(
        case_id=case.pk, by=account_manager, version=version_of(case)
    )
    assert moved.step == Step.ROOT_CAUSE
    assert case.outbox_messages.get(kind="case_logged").recipient == manager


def test_root_cause_lists_every_unanswered_question_and_both_views(
    account_manager, sales_manager
):
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager)
    missing = workflow.missing_for(case)
    assert missing == [f"Answer: {text}" for text in ROOT_CAUSE_QUESTIONS.values()] + [
        "Write down the client's view of the real problem.",
        "Write down our view of the real problem.",
    ]


def test_root_cause_is_complete_when_every_question_and_view_is_there(
    account_manager, sales_manager
):
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager)
    first, *rest = ROOT_CAUSE_QUESTIONS
    steps.root_cause_save(
        case_id=case.pk,
        by=account_manager,
        version=case.version,
        answers={key: (Answer.NO, "") for key in rest},
        client_view="They lost a week.",
        our_view="   ",
        client_feeling="",
    )
    assert workflow.missing_for(reload(case)) == [
        f"Answer: {ROOT_CAUSE_QUESTIONS[first]}",
        "Write down our view of the real problem.",
    ]

    steps.root_cause_save(
        case_id=case.pk,
        by=account_manager,
        version=case.version,
        answers={first: (Answer.YES, "In the contract.")},
        client_view="They lost a week.",
        our_view="We double-booked.",
        client_feeling="",
    )
    assert workflow.missing_for(reload(case)) == []


def test_options_need_an_option_then_a_chosen_one(account_manager, sales_manager):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    assert workflow.missing_for(case) == [
        "Add at least one option to make it right, and choose one."
    ]
    option = steps.option_add(
        case_id=case.pk,
        by=account_manager,
        description="A loaner unit",
        cost_to_us=Decimal("40"),
        time_to_deliver="1 day",
        feasibility=Feasibility.MEDIUM,
    )
    assert workflow.missing_for(case) == ["Choose at least one option."]

    steps.option_choose(
        case_id=case.pk, by=account_manager, option_id=option.pk, chosen=True
    )
    assert workflow.missing_for(case) == []


def test_communicate_needs_a_logged_client_contact(account_manager, sales_manager):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    assert workflow.missing_for(case) == ["Log at least one contact with the client."]
    steps.client_contact_log(
        case_id=case.pk,
        by=account_manager,
        happened_at=timezone.now(),
        channel=Channel.MEETING,
        people=[],
        summary="Met them on site.",
        reaction="Calmer.",
        manager_joined=True,
        boss_permission=BossPermission.NOT_ASKED,
    )
    assert workflow.missing_for(case) == []


def test_apologise_names_every_affected_person_without_an_apology(
    account_manager, sales_manager
):
    case = case_in_step(Step.APOLOGISE, owner=account_manager)
    dana = case.contacts.get()
    eve = steps.person_add(
        case_id=case.pk,
        by=account_manager,
        name="Eve Client",
        role="Trainer",
        email="",
        phone="",
    )
    # Someone at the client who was not affected needs no apology.
    steps.person_add(
        case_id=case.pk,
        by=account_manager,
        name="Finn Bystander",
        role="",
        email="",
        phone="",
        affected=False,
    )
    assert workflow.missing_for(case) == [
        "Record an apology to Dana Client.",
        "Record an apology to Eve Client.",
    ]

    steps.apology_record(
        case_id=case.pk,
        by=account_manager,
        contact=dana,
        method=ApologyMethod.IN_PERSON,
        on_behalf=OnBehalf.PERSONAL,
        asked_forgiveness=True,
        response="Thank you.",
        apologised_on=TODAY,
    )
    assert workflow.missing_for(case) == ["Record an apology to Eve Client."]

    steps.apology_record(
        case_id=case.pk,
        by=account_manager,
        contact=eve,
        method=ApologyMethod.WRITTEN,
        on_behalf=OnBehalf.COMPANY,
        asked_forgiveness=False,
        response="",
        apologised_on=TODAY,
    )
    assert workflow.missing_for(case) == []


def test_an_apology_in_another_case_does_not_count(account_manager, sales_manager):
    case = case_in_step(Step.APOLOGISE, owner=account_manager)
    dana = case.contacts.get()
    other = case_in_step(
        Step.APOLOGISE, owner=account_manager, client=case.client, contacts=[dana]
    )
    steps.apology_record(
        case_id=other.pk,
        by=account_manager,
        contact=dana,
        method=ApologyMethod.CALL,
        on_behalf=OnBehalf.COMPANY,
        asked_forgiveness=True,
        response="",
        apologised_on=TODAY,
    )
    assert workflow.missing_for(case) == ["Record an apology to Dana Client."]


def test_compensate_needs_an_offer_then_its_delivery(account_manager, sales_manager):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    assert workflow.missing_for(case) == [
        "Offer a compensation and mark it delivered, or record why none is due."
    ]
    offer = compensation.compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind=CompensationKind.UPGRADE,
        description="A free upgrade",
        value_to_client=Decimal("300"),
        cost_to_us=Decimal("30"),
    )
    assert workflow.missing_for(case) == [
        "Mark the compensation delivered (once approved, where approval is "
        "needed), or record why none is due."
    ]

    compensation.compensation_deliver(
        case_id=case.pk,
        by=account_manager,
        compensation_id=offer.pk,
        delivered_on=timezone.localdate(),  # not before the case was opened
    )
    assert workflow.missing_for(case) == []


def test_compensate_is_complete_with_a_recorded_reason_that_none_is_due(
    account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    compensation.compensation_none_due(
        case_id=case.pk,
        by=account_manager,
        reason="The client caused the delay.",
        version=version_of(case),
    )
    assert workflow.missing_for(reload(case)) == []


def test_follow_up_needs_a_scheduled_follow_up(account_manager, sales_manager):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    assert workflow.missing_for(case) == [
        "Schedule at least one follow-up with the client."
    ]


def test_follow_up_counts_unsettled_follow_ups_and_open_promises(
    account_manager, sales_manager
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    first = steps.follow_up_schedule(
        case_id=case.pk, by=account_manager, due_on=TODAY, purpose="Check in"
    )
    steps.follow_up_schedule(
        case_id=case.pk, by=account_manager, due_on=TODAY, purpose="Review"
    )
    promises.promise_make(
        case_id=case.pk, by=account_manager, description="Send notes", due_on=TODAY
    )
    assert workflow.missing_for(case) == [
        "Mark 2 scheduled follow-ups done or missed.",
        "Settle 1 open promise: kept or missed.",
    ]

    steps.follow_up_settle(
        case_id=case.pk,
        by=account_manager,
        follow_up_id=first.pk,
        status=FollowUpStatus.MISSED,
        notes="They cancelled.",
    )
    assert workflow.missing_for(case) == [
        "Mark 1 scheduled follow-up done or missed.",
        "Settle 1 open promise: kept or missed.",
    ]


def test_follow_up_is_complete_when_every_follow_up_and_promise_is_settled(
    account_manager, sales_manager
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    follow_up = steps.follow_up_schedule(
        case_id=case.pk, by=account_manager, due_on=TODAY, purpose="Check in"
    )
    promise = promises.promise_make(
        case_id=case.pk, by=account_manager, description="Send notes", due_on=TODAY
    )
    steps.follow_up_settle(
        case_id=case.pk,
        by=account_manager,
        follow_up_id=follow_up.pk,
        status=FollowUpStatus.DONE,
        notes="",
    )
    promises.promise_settle(
        case_id=case.pk, by=account_manager, promise_id=promise.pk, kept=False
    )
    assert workflow.missing_for(case) == []


def test_closed_step_needs_nothing(account_manager, sales_manager):
    case = case_in_step(Step.CLOSED, owner=account_manager)
    assert workflow.missing_for(case) == []


# Closing.


def test_closing_lists_outcome_lessons_and_fit_when_all_are_missing():
    assert workflow.closing_missing(outcome="", lessons="", client_fit="") == [
        "Choose the outcome.",
        "Write the lessons learned.",
        "Give the client-fit verdict.",
    ]


def test_closing_treats_blank_lessons_as_missing():
    missing = workflow.closing_missing(
        outcome=Outcome.LOST, lessons="  \n ", client_fit=ClientFit.NOT_A_FIT
    )
    assert missing == ["Write the lessons learned."]


def test_closing_needs_nothing_more_once_all_three_are_given():
    missing = workflow.closing_missing(
        outcome=Outcome.RECOVERED,
        lessons="Keep a buffer.",
        client_fit=ClientFit.WITH_CHANGES,
    )
    assert missing == []


def test_compensate_is_not_complete_while_an_offer_awaits_approval(
    account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    compensation.compensation_none_due(
        case_id=case.pk,
        by=account_manager,
        reason="Client declined",
        version=version_of(case),
    )
    compensation.compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="refund",
        description="A large refund",
        value_to_client=Decimal("5000"),
        cost_to_us=Decimal("5000"),
    )
    assert workflow.missing_for(reload(case)) == [
        "Wait for a sales manager to decide on 1 offer awaiting approval."
    ]


def test_what_is_missing_names_who_decides_a_managers_offer(
    sales_manager, administrator
):
    # A manager's own offer said "Wait for the sales manager's decision".
    case = case_in_step(Step.COMPENSATE, owner=sales_manager)
    compensation.compensation_offer(
        case_id=case.pk,
        by=sales_manager,
        kind="refund",
        description="A large refund",
        value_to_client=Decimal("5000"),
        cost_to_us=Decimal("5000"),
    )
    assert workflow.missing_for(reload(case)) == [
        "Wait for an administrator to decide on 1 offer awaiting approval."
    ]
