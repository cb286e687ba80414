"""A sales manager finds the overdue case, filters, opens it and approves."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cases.casework.services.compensation import compensation_offer
from cases.choices import Step
from cases.models import Case
from cases.notifications.deliver import send_due
from tests.factories import PASSWORD, ClientFactory, case_in_step, make_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_sales_manager_reviews_and_approves_a_compensation(
    page, live_server, sign_in, account_manager, sales_manager, team, csp_violations
):
    calm = make_case(account_manager, client=ClientFactory(team=team, name="Calm Co"))
    case = case_in_step(
        Step.COMPENSATE,
        owner=account_manager,
        client=ClientFactory(team=team, name="Urgent Ltd"),
    )
    offer = compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="upgrade",
        description="A year of premium support",
        value_to_client=Decimal("2400"),
        cost_to_us=Decimal("900"),
    )
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(
        step_warn_at=now - dt.timedelta(hours=10),
        step_due_at=now - dt.timedelta(hours=3),
    )
    Case.objects.filter(pk=calm.pk).update(
        step_warn_at=now + dt.timedelta(days=2), step_due_at=now + dt.timedelta(days=3)
    )
    send_due()  # the alerts and the approval request, before the review
    mail.outbox.clear()

    sign_in("sam", PASSWORD)
    urgent = page.get_by_test_id("urgent")
    expect(urgent.get_by_role("listitem").first).to_contain_text("Urgent Ltd")
    expect(urgent.get_by_role("listitem").first).to_contain_text("Overdue")
    expect(page.get_by_test_id("awaiting-approval")).to_contain_text("Urgent Ltd")

    page.get_by_role("link", name="All cases").click()
    page.get_by_label("Status").select_option("overdue")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("result-count")).to_contain_text("1 case")
    table = page.get_by_test_id("case-table")
    expect(table).to_contain_text("Urgent Ltd")
    expect(table).not_to_contain_text("Calm Co")
    assert "status=overdue" in page.url

    table.get_by_role("link", name="Urgent Ltd").click()
    expect(page.get_by_role("heading", name="Now: Compensate")).to_be_visible()
    offers = page.get_by_test_id("compensations").first
    offers.get_by_label("Note").fill("Worth it to keep them")
    offers.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert").first).to_contain_text("Compensation approved")

    offer.refresh_from_db()
    assert offer.approval == "approved"
    assert mail.outbox == []  # recorded in the outbox; the worker sends it
    send_due()
    assert [m.to for m in mail.outbox] == [[account_manager.email]]
    assert "approved" in mail.outbox[0].subject
    assert csp_violations == []
