"""The API seen from a browser: a person makes a token on their settings page
and reads the API's docs, served by Mend under its strict CSP."""

import re

from playwright.sync_api import expect

from tests.factories import PASSWORD


def test_a_person_makes_a_token_and_reads_the_docs(
    page, live_server, sign_in, account_manager, csp_violations
):
    sign_in("alice", PASSWORD)
    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("CRM sync")
    page.get_by_role("button", name="Make a token").click()
    token = page.get_by_test_id("new-token-value")
    expect(token).to_have_value(re.compile(r"^mend_"))
    page.reload()
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    expect(page.get_by_test_id("tokens")).to_contain_text("CRM sync")

    page.goto(f"{live_server.url}/api/docs/")
    expect(page.get_by_text("Log a dropped ball")).to_be_visible()
    assert csp_violations == []
