"""No serious or critical accessibility violation on the working pages."""

import pytest
from playwright.sync_api import expect

from cases.workflow import Step
from tests.browser.test_sign_in import serious_violations
from tests.factories import PASSWORD, make_case, walk_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_working_pages_pass_axe(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations
):
    case = walk_to(make_case(account_manager), Step.COMPENSATE, account_manager)
    sign_in("sam", PASSWORD)
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    pages = ["/", "/cases/", "/cases/new/", f"/cases/{case.pk}/"]
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path
    assert csp_violations == []
