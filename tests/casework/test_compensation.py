"""Compensation: offer, approve or decline, deliver; or decide none is due."""

import datetime as dt
from decimal import Decimal

import pytest

from cases import workflow
from cases.casework.services import cases as services
from cases.casework.services import compensation as comp
from cases.choices import Approval, CompensationKind, Role, Step
from cases.exceptions import NotAllowed
from cases.models import Case, Compensation, OutboxMessage
from tests.factories import ClientFactory, UserFactory, case_in_step

DELIVERED = dt.date(2026, 3, 9)


@pytest.fixture(autouse=True)
def defaults(settings):
    # The guideline's global defaults: 5,000 / 50 = 100 per client; approval
    # above 500.
    settings.COMPENSATION_DEFAULTS = {
        "marketing_spend": 5000,
        "new_clients_won": 50,
        "average_client_value": 20000,
        "approval_threshold": 500,
    }


@pytest.fixture
def case(account_manager, sales_manager, team):
    client = ClientFactory(team=team, annual_value=Decimal("60000"))
    return case_in_step(Step.COMPENSATE, owner=account_manager, client=client)


def offer(case, by, *, cost, value="400"):
    return comp.compensation_offer(
        case_id=case.pk,
        by=by,
        kind=CompensationKind.FREE_PRODUCT,
        description="A spare unit for their second site",
        value_to_client=Decimal(value),
        cost_to_us=Decimal(cost),
    )


def deliver(case, by, item):
    return comp.compensation_deliver(
        case_id=case.pk, by=by, compensation_id=item.pk, delivered_on=DELIVERED
    )


def decide(case, by, item, *, approve, note=""):
    return comp.compensation_decide(
        case_id=case.pk, by=by, compensation_id=item.pk, approve=approve, note=note
    )


def approvals_asked(case):
    return OutboxMessage.objects.filter(case=case, kind="approval_needed")


def stored(item):
    return Compensation.objects.get(pk=item.pk)


# Offering.


def test_an_offer_under_the_threshold_needs_no_approval(case, account_manager):
    made = offer(case, account_manager, cost="120")
    assert stored(made).approval == Approval.NOT_NEEDED
    assert not approvals_asked(case).exists()
    entry = case.timeline.filter(kind="compensation").get()
    assert entry.summary == (
        "Offered free product or service: A spare unit for their second site."
    )


def test_an_offer_costing_exactly_the_threshold_needs_no_approval(
    case, account_manager
):
    assert stored(offer(case, account_manager, cost="500")).approval == (
        Approval.NOT_NEEDED
    )


def test_an_offer_above_the_threshold_waits_for_the_sales_manager(
    case, account_manager, sales_manager
):
    made = offer(case, account_manager, cost="500.01")
    assert stored(made).approval == Approval.PENDING
    message = approvals_asked(case).get()
    assert message.recipient == sales_manager
    assert message.dedupe_key.endswith(f":compensation-{made.pk}:{sales_manager.pk}")
    assert "awaiting a sales manager's approval" in (
        case.timeline.get(kind="compensation").summary
    )


def test_the_teams_threshold_overrides_the_default(case, account_manager, team):
    team.approval_threshold = Decimal("100")
    team.save()
    assert stored(offer(case, account_manager, cost="120")).approval == (
        Approval.PENDING
    )


def test_the_offer_stores_the_guideline_of_the_day(case, account_manager, team):
    # 5,000 / 50 = 100 per client; this client is worth 60,000 / 20,000 = 3.
    first = offer(case, account_manager, cost="120")
    assert stored(first).guideline == Decimal("300.00")

    team.marketing_spend = Decimal("10000")
    team.save()
    second = offer(case, account_manager, cost="120")
    assert stored(second).guideline == Decimal("600.00")
    assert stored(first).guideline == Decimal("300.00")


def test_an_offer_to_a_client_of_unknown_value_stores_the_floor(
    account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    assert stored(offer(case, account_manager, cost="10")).guideline == Decimal(
        "100.00"
    )


# Approving and delivering.


def test_delivery_is_refused_while_approval_is_pending(case, account_manager):
    made = offer(case, account_manager, cost="900")
    with pytest.raises(NotAllowed, match="needs a sales manager's approval"):
        deliver(case, account_manager, made)
    assert stored(made).delivered_on is None
    assert workflow.missing_for(case) != []


def test_delivery_is_refused_once_declined(case, account_manager, sales_manager):
    made = offer(case, account_manager, cost="900")
    decide(case, sales_manager, made, approve=False, note="Too costly.")
    assert stored(made).approval == Approval.DECLINED
    with pytest.raises(NotAllowed, match="declined"):
        deliver(case, account_manager, made)
    assert stored(made).delivered_on is None


def test_an_approved_offer_can_be_delivered(case, account_manager, sales_manager):
    made = offer(case, account_manager, cost="900")
    decide(case, sales_manager, made, approve=True, note="Worth it.")

    decided = stored(made)
    assert decided.approval == Approval.APPROVED
    assert decided.decided_by == sales_manager
    assert decided.decided_at is not None
    assert decided.decision_note == "Worth it."
    entry = case.timeline.get(kind="approval")
    assert entry.changes == [
        {"field": "Approval", "old": "Awaiting approval", "new": "Approved"}
    ]

    deliver(case, account_manager, made)
    assert stored(made).delivered_on == DELIVERED
    assert workflow.missing_for(case) == []


def test_delivering_twice_is_refused(case, account_manager):
    made = offer(case, account_manager, cost="50")
    deliver(case, account_manager, made)
    with pytest.raises(NotAllowed, match="already marked delivered"):
        comp.compensation_deliver(
            case_id=case.pk,
            by=account_manager,
            compensation_id=made.pk,
            delivered_on=dt.date(2026, 3, 10),
        )
    assert stored(made).delivered_on == DELIVERED


def test_an_account_manager_cannot_approve_even_their_own_offer(case, account_manager):
    made = offer(case, account_manager, cost="900")
    with pytest.raises(Case.DoesNotExist):
        decide(case, account_manager, made, approve=True)
    assert stored(made).approval == Approval.PENDING
    assert stored(made).decided_by is None


def test_a_sales_manager_of_another_team_cannot_decide(
    case, account_manager, other_team
):
    stranger = UserFactory(role=Role.SALES_MANAGER, teams=[other_team])
    made = offer(case, account_manager, cost="900")
    with pytest.raises(Case.DoesNotExist):
        decide(case, stranger, made, approve=False)
    assert stored(made).approval == Approval.PENDING


def test_only_a_pending_offer_can_be_decided(case, account_manager, sales_manager):
    small = offer(case, account_manager, cost="50")
    with pytest.raises(NotAllowed, match="not waiting for approval"):
        decide(case, sales_manager, small, approve=True)
    assert stored(small).decided_by is None

    big = offer(case, account_manager, cost="900")
    decide(case, sales_manager, big, approve=False)
    with pytest.raises(NotAllowed, match="not waiting for approval"):
        decide(case, sales_manager, big, approve=True)
    assert stored(big).approval == Approval.DECLINED


# Deciding that none is due.


def test_a_decision_that_none_is_due_completes_the_step(case, account_manager):
    assert workflow.missing_for(case) != []
    comp.compensation_none_due(
        case_id=case.pk, by=account_manager, reason="The client's own supplier failed."
    )
    case.refresh_from_db()
    assert case.no_compensation_reason == "The client's own supplier failed."
    assert workflow.missing_for(case) == []

    services.case_advance(case_id=case.pk, by=account_manager)
    assert Case.objects.get(pk=case.pk).step == Step.FOLLOW_UP


def test_a_new_offer_replaces_the_decision_that_none_is_due(case, account_manager):
    comp.compensation_none_due(case_id=case.pk, by=account_manager, reason="None due.")
    offer(case, account_manager, cost="50")
    case.refresh_from_db()
    assert case.no_compensation_reason == ""
    assert workflow.missing_for(case) == [
        "Mark the compensation delivered (once approved, where approval is "
        "needed), or record why none is due."
    ]
