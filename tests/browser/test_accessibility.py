"""No serious or critical accessibility violation on the working pages."""

import pytest
from playwright.sync_api import expect

from cases.choices import Step
from tests.browser.test_sign_in import serious_violations
from tests.factories import PASSWORD, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)


def test_working_pages_pass_axe(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    sign_in("sam", PASSWORD)
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    pages = ["/", "/cases/", "/cases/new/", f"/cases/{case.pk}/"]
    pages.append(f"/clients/{case.client_id}/")
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path
    assert csp_violations == []


def test_the_client_page_passes_axe_with_its_forms_open_at_both_widths(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations
):
    case = case_in_step(Step.CLOSED, owner=account_manager)
    sign_in("sam", PASSWORD)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/clients/{case.client_id}/")
        page.get_by_text("Edit the client").click()
        page.get_by_text("Add a person").click()
        expect(page.get_by_label("Annual value")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_violations(page) == [], width
    assert csp_violations == []


@pytest.mark.parametrize("width", [390, 1280])
def test_the_case_page_in_every_step_and_both_homes_pass_axe(
    page, live_server, sign_in, account_manager, sales_manager, width
):
    page.set_viewport_size({"width": width, "height": 900})
    cases = [case_in_step(step, owner=account_manager) for step in Step]
    sign_in(account_manager.username, PASSWORD)
    for path in ["/", *(case.get_absolute_url() for case in cases)]:
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path
    page.context.clear_cookies()
    sign_in("sam", PASSWORD)
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    assert serious_violations(page) == [], "the manager's home"
