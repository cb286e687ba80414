"""On a phone: a promise kept early with a reason, a Done undone; then a
manager sends a case back two steps, choosing the step, and declines an offer."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.casework.services import promises
from cases.casework.services.compensation import compensation_offer
from cases.choices import Approval, FollowUpStatus, PromiseStatus, Step
from cases.models import Case, Compensation, FollowUp, Promise
from tests.factories import PASSWORD, ClientFactory, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def test_kept_early_undo_send_back_and_decline(
    page, live_server, sign_in, account_manager, sales_manager, team, csp_violations
):
    today = timezone.localdate()
    following = case_in_step(
        Step.FOLLOW_UP,
        owner=account_manager,
        client=ClientFactory(team=team, name="Early Birds"),
    )
    made = promises.promise_make(
        case_id=following.pk,
        by=account_manager,
        description="Send the revised plan",
        due_on=today + dt.timedelta(days=7),
    )
    follow_up = FollowUp.objects.create(
        case=following, due_on=today, purpose="Check the new schedule"
    )
    compensate = case_in_step(
        Step.COMPENSATE,
        owner=account_manager,
        client=ClientFactory(team=team, name="Second Look"),
    )
    offer = compensation_offer(
        case_id=compensate.pk,
        by=account_manager,
        kind="training",
        description="A free refresher session",
        value_to_client=Decimal("300"),
        cost_to_us=Decimal("40"),
    )
    assert offer.approval == Approval.NOT_NEEDED

    page.set_viewport_size(PHONE)
    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}{following.get_absolute_url()}")

    # Kept a week early: the reason is asked for, then shown (in Follow up the
    # promises are settled in the step's card).
    ledger = page.get_by_test_id("current-step")
    ledger.get_by_label("Why early?").fill("The plan was ready sooner")
    ledger.get_by_role("button", name="Kept").click()
    expect(page.get_by_role("alert").first).to_contain_text("kept early")
    expect(page.get_by_test_id("current-step")).to_contain_text(
        "Kept early: The plan was ready sooner"
    )
    made.refresh_from_db()
    assert (made.status, made.settled_early) == (PromiseStatus.KEPT, True)

    # A Done clicked by mistake, undone straight away.
    follow_ups = page.get_by_test_id("follow-ups")
    follow_ups.get_by_role("button", name="Done").click()
    expect(page.get_by_role("alert").first).to_contain_text("Follow-up updated")
    page.get_by_test_id("follow-ups").get_by_role("button", name="Undo").click()
    expect(page.get_by_role("alert").first).to_contain_text("scheduled again")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.SCHEDULED
    expect(page.get_by_test_id("follow-ups").get_by_role("button", name="Done"))
    # No sideways scrolling on the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The manager declines the offer, then sends the case back two steps.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in("sam", PASSWORD)
    page.goto(f"{live_server.url}{compensate.get_absolute_url()}")
    offers = page.get_by_test_id("compensations").first
    expect(offers.get_by_role("button", name="Approve")).to_have_count(0)
    offers.get_by_label("Note").fill("Too much for this client")
    offers.get_by_role("button", name="Decline").click()
    expect(page.get_by_role("alert").first).to_contain_text("Compensation declined")
    assert Compensation.objects.get(pk=offer.pk).approval == Approval.DECLINED

    manager = page.get_by_test_id("manager-actions")
    expect(manager.get_by_label("Back to")).to_have_value(Step.APOLOGISE)
    manager.get_by_label("Back to").select_option(Step.COMMUNICATE)
    manager.get_by_label("Why it goes back").fill("Call them before offering")
    manager.get_by_role("button", name="Send back").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "Case sent back to Communicate"
    )
    assert Case.objects.get(pk=compensate.pk).step == Step.COMMUNICATE
    assert not Promise.objects.filter(status=PromiseStatus.OPEN, case=following)
    assert csp_violations == []
