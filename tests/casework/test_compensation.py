"""Compensation: offer, approve or decline, deliver; or decide none is due."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import workflow
from cases.casework.services import cases as services
from cases.casework.services import compensation as comp
from cases.choices import Approval, CompensationKind, Role, Step
from cases.exceptions import NotAllowed
from cases.models import Case, Compensation, OutboxMessage
from tests.factories import ClientFactory, UserFactory, case_in_step, version_of

# Today: a delivery cannot be dated before the case was opened.
DELIVERED = timezone.localdate()


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
def case(account_manager, sales_manager, administrator, team):
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
        case_id=case.pk,
        by=by,
        compensation_id=item.pk,
        approve=approve,
        note=note,
        version=version_of(case),
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


def test_only_a_pending_offer_can_be_approved(case, account_manager, sales_manager):
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
        case_id=case.pk,
        by=account_manager,
        reason="The client's own supplier failed.",
        version=version_of(case),
    )
    case.refresh_from_db()
    assert case.no_compensation_reason == "The client's own supplier failed."
    assert workflow.missing_for(case) == []

    services.case_advance(case_id=case.pk, by=account_manager, version=version_of(case))
    assert Case.objects.get(pk=case.pk).step == Step.FOLLOW_UP


def test_a_new_offer_replaces_the_decision_that_none_is_due(case, account_manager):
    comp.compensation_none_due(
        case_id=case.pk,
        by=account_manager,
        reason="None due.",
        version=version_of(case),
    )
    offer(case, account_manager, cost="50")
    case.refresh_from_db()
    assert case.no_compensation_reason == ""
    assert workflow.missing_for(case) == [
        "Mark the compensation delivered (once approved, where approval is "
        "needed), or record why none is due."
    ]


# Four eyes: whoever made an offer does not approve it.


def test_the_offer_stores_who_made_it(case, account_manager):
    assert stored(offer(case, account_manager, cost="120")).offered_by == (
        account_manager
    )


def test_a_sales_manager_cannot_approve_their_own_offer(
    case, sales_manager, administrator
):
    made = offer(case, sales_manager, cost="4000")
    assert stored(made).approval == Approval.PENDING
    # Asked of an administrator, not of the manager who made it.
    assert [m.recipient for m in approvals_asked(case)] == [administrator]
    assert "awaiting an administrator's approval" in (
        case.timeline.get(kind="compensation").summary
    )
    with pytest.raises(NotAllowed, match="You made this offer, so someone else"):
        decide(case, sales_manager, made, approve=True)
    assert stored(made).approval == Approval.PENDING
    assert stored(made).decided_by is None


def test_another_sales_manager_cannot_approve_a_managers_offer(
    case, sales_manager, team
):
    colleague = UserFactory(role=Role.SALES_MANAGER, teams=[team])
    made = offer(case, sales_manager, cost="4000")
    with pytest.raises(NotAllowed, match="needs an administrator's approval"):
        decide(case, colleague, made, approve=True)
    assert stored(made).approval == Approval.PENDING


def test_an_administrator_approves_a_managers_offer(
    case, account_manager, sales_manager, administrator
):
    made = offer(case, sales_manager, cost="4000")
    decide(case, administrator, made, approve=True, note="Fine by me.")
    assert stored(made).approval == Approval.APPROVED
    assert stored(made).decided_by == administrator
    deliver(case, account_manager, made)
    assert stored(made).delivered_on == DELIVERED


def test_an_administrators_own_offer_needs_another_administrator(case, administrator):
    other = UserFactory(role=Role.ADMINISTRATOR, username="ada")
    made = offer(case, administrator, cost="4000")
    with pytest.raises(NotAllowed, match="You made this offer"):
        decide(case, administrator, made, approve=True)
    decide(case, other, made, approve=True)
    assert stored(made).decided_by == other


def test_delivering_a_managers_offer_before_approval_is_refused(case, sales_manager):
    made = offer(case, sales_manager, cost="4000")
    with pytest.raises(NotAllowed, match="needs an administrator's approval"):
        deliver(case, sales_manager, made)
    assert stored(made).delivered_on is None


# The threshold applies to the case's total.


def test_offers_split_under_the_threshold_need_approval_once_the_total_is_over(
    case, account_manager, sales_manager
):
    first, second, third = (offer(case, account_manager, cost="480") for _ in "abc")
    assert stored(first).approval == Approval.NOT_NEEDED
    assert stored(second).approval == Approval.PENDING  # 960 > 500
    assert stored(third).approval == Approval.PENDING
    deliver(case, account_manager, first)
    for waiting in (second, third):
        with pytest.raises(NotAllowed, match="needs a sales manager's approval"):
            deliver(case, account_manager, waiting)
        assert stored(waiting).delivered_on is None
    assert approvals_asked(case).count() == 2


def test_a_declined_offer_does_not_count_towards_the_total(
    case, account_manager, sales_manager
):
    big = offer(case, account_manager, cost="900")
    decide(case, sales_manager, big, approve=False, note="Too costly.")
    assert stored(offer(case, account_manager, cost="400")).approval == (
        Approval.NOT_NEEDED
    )


# On the case page.


def page_of(client, case):
    return client.get(case.get_absolute_url()).content.decode()


def decide_buttons(item) -> str:
    return f'id="id_decide_{item.pk}_record"'


def test_the_case_page_offers_no_decision_on_a_managers_own_offer(
    client, case, sales_manager, administrator
):
    made = offer(case, sales_manager, cost="4000")
    client.force_login(sales_manager)
    html = page_of(client, case)
    assert decide_buttons(made) not in html
    assert "waiting for an administrator" in html

    response = client.post(
        reverse("case_action", args=[case.pk, "decide"]),
        {
            "record": made.pk,
            "decision": "approve",
            "note": "",
            "version": version_of(case),
        },
        follow=True,
    )
    assert "You made this offer, so someone else decides on it" in (
        response.content.decode()
    )
    assert stored(made).approval == Approval.PENDING

    client.force_login(administrator)
    assert decide_buttons(made) in page_of(client, case)


def test_the_case_page_lets_the_manager_decide_an_account_managers_offer(
    client, case, account_manager, sales_manager
):
    made = offer(case, account_manager, cost="900")
    client.force_login(sales_manager)
    assert decide_buttons(made) in page_of(client, case)
    client.force_login(account_manager)
    html = page_of(client, case)
    assert decide_buttons(made) not in html
    assert "waiting for a sales manager" in html


@pytest.mark.parametrize(
    "who, approver",
    [("account_manager", "a sales manager"), ("sales_manager", "an administrator")],
)
def test_the_page_says_who_must_approve_an_offer(client, case, request, who, approver):
    # A manager's own offer was announced as waiting for "your sales manager".
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("case_action", args=[case.pk, "compensation"]),
        {
            "compensation-submission_key": "5d0c8a52-6a3e-4f3e-9a57-1f6f6c2a1e01",
            "compensation-kind": CompensationKind.TRAINING,
            "compensation-description": "Two extra training seats",
            "compensation-value_to_client": "4000",
            "compensation-cost_to_us": "4000",
        },
        follow=True,
    )
    assert f"It needs {approver}&#x27;s approval before delivery." in (
        response.content.decode()
    )


def test_an_offer_nobody_could_approve_is_refused(case, sales_manager, administrator):
    # With no active administrator, a manager's offer would wait for ever.
    administrator.is_active = False
    administrator.save()
    with pytest.raises(NotAllowed, match="nobody who can give it"):
        offer(case, sales_manager, cost="4000")
    assert not Compensation.objects.filter(case=case).exists()


def test_a_small_offer_over_the_total_says_it_needs_approval(
    client, case, account_manager
):
    # Found trying it: the below-guideline warning hid the approval it needs.
    offer(case, account_manager, cost="400", value="800")
    client.force_login(account_manager)
    response = client.post(
        reverse("case_action", args=[case.pk, "compensation"]),
        {
            "compensation-submission_key": "9a4c2e0b-1f7d-4b8e-a0c3-5d6e7f809a1b",
            "compensation-kind": CompensationKind.TRAINING,
            "compensation-description": "One more seat",
            "compensation-value_to_client": "50",
            "compensation-cost_to_us": "200",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "worth less to the client than the guideline" in html
    assert "It needs a sales manager&#x27;s approval before delivery." in html
