"""A sales manager reads the insights page and changes its period."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import Step
from cases.models import Case
from tests.browser.test_sign_in import serious_violations
from tests.factories import PASSWORD, ClientFactory, case_in_step, make_case

pytestmark = pytest.mark.django_db(transaction=True)


def test_changing_the_period_changes_the_figures(
    page, live_server, sign_in, account_manager, sales_manager, team, csp_violations
):
    case_in_step(
        Step.CLOSED,
        owner=account_manager,
        client=ClientFactory(team=team, name="Recent Co"),
    )
    old = make_case(account_manager, client=ClientFactory(team=team, name="Old Co"))
    long_ago = timezone.now() - dt.timedelta(days=200)
    Case.objects.filter(pk=old.pk).update(opened_at=long_ago, detected_at=long_ago)

    sign_in("sam", PASSWORD)
    page.get_by_role("link", name="Insights").click()

    logged = page.get_by_test_id("stat-logged").get_by_test_id("value")
    expect(logged).to_have_text("1")
    expect(page.get_by_test_id("stat-recovery_rate")).to_contain_text("100%")
    expect(page.get_by_test_id("period")).to_contain_text("(90 days)")

    page.get_by_label("Period", exact=True).select_option(label="Last 12 months")
    page.get_by_role("button", name="Show").click()

    expect(logged).to_have_text("2")
    expect(page.get_by_test_id("period")).to_contain_text("(365 days)")
    expect(page.get_by_label("Period", exact=True)).to_have_value("365")

    # A chosen date range switches the period to "Dates I choose".
    start = (timezone.localdate() - dt.timedelta(days=250)).isoformat()
    end = (timezone.localdate() - dt.timedelta(days=100)).isoformat()
    page.get_by_label("From").fill(start)
    page.get_by_label("Until").fill(end)
    expect(page.get_by_label("Period", exact=True)).to_have_value("custom")
    page.get_by_role("button", name="Show").click()

    expect(logged).to_have_text("1")
    expect(page.get_by_test_id("period")).to_contain_text("(151 days)")
    assert serious_violations(page) == []
    assert csp_violations == []
