"""A sales manager reads "What worked" on the insights page, on a desk and on
a phone (issue 23, item 3)."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_sign_in import serious_violations
from tests.factories import PASSWORD, ClientFactory
from tests.insights.test_what_worked import build

pytestmark = pytest.mark.django_db(transaction=True)

JUNE = "/insights/?start=2026-06-01&end=2026-06-30"


def test_the_sales_manager_sees_what_worked(
    page, live_server, sign_in, account_manager, sales_manager, team, csp_violations
):
    build(team, account_manager, ClientFactory(team=team, name="Xeno"))
    sign_in("sam", PASSWORD)
    page.goto(live_server.url + JUNE)

    section = page.get_by_test_id("what-worked")
    expect(section.get_by_role("heading", name="What worked")).to_be_visible()
    second = section.get_by_test_id("worked-second")
    expect(second.get_by_role("row", name="Second failure")).to_contain_text("1 of 5")
    expect(second.get_by_role("row", name="Second failure")).to_contain_text("20%")
    expect(second.get_by_test_id("worked-suggestion")).to_contain_text(
        "won the client back more often: 5 of 7, against 1 of 5"
    )
    expect(section.get_by_test_id("worked-contact")).to_contain_text("too few cases")
    assert serious_violations(page) == []

    # On a phone the tables scroll inside their box; the page does not.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(section.get_by_test_id("worked-parts")).to_contain_text("No buffer")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert csp_violations == []
