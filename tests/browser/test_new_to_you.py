"""A manager mentions the owner in a comment; on a phone the owner sees the
count in the navigation, opens the case from "New to you", and the count
drops (issue 17, item 6)."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.test_sign_in import serious_violations
from tests.factories import PASSWORD, ClientFactory, make_case

pytestmark = pytest.mark.django_db(transaction=True)

# Where the screenshots go, to look at (MEND_SCREENSHOTS), else the test's tmp.
SHOTS = os.environ.get("MEND_SCREENSHOTS")


def test_a_mention_is_counted_in_the_nav_and_read_on_opening_the_case(
    browser,
    page,
    live_server,
    sign_in,
    account_manager,
    sales_manager,
    team,
    tmp_path,
    csp_violations,
):
    shots = SHOTS or str(tmp_path)
    case = make_case(account_manager, client=ClientFactory(team=team, name="Acme Ltd"))

    sign_in(sales_manager.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    expect(page.get_by_text("Mention a teammate with @username")).to_be_visible()
    page.get_by_role("textbox", name="Comment").fill(
        "@alice their buyer <Dana> is upset: call her today?"
    )
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        f"Mentioned and emailed: {account_manager}."
    )
    comment = page.get_by_test_id("timeline").locator(".mend-comment").first
    expect(comment.locator("mark.mention")).to_have_text("@alice")
    expect(comment).to_contain_text("their buyer <Dana> is upset")
    assert serious_violations(page) == []

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url
    )
    owner = phone.new_page()
    owner.goto("/accounts/login/")
    owner.get_by_label("Username").fill(account_manager.username)
    owner.get_by_label("Password").fill(PASSWORD)
    owner.get_by_role("button", name="Sign in").click()

    menu = owner.get_by_role("button", name="Show navigation, 1 new")
    expect(menu).to_be_visible()
    expect(menu).to_contain_text("1")
    card = owner.get_by_test_id("new-to-you")
    expect(card.get_by_test_id("notice-unread")).to_have_count(1)
    expect(card).to_contain_text("Mentioned you: @alice their buyer")
    overflow = owner.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert serious_violations(owner) == []
    owner.screenshot(path=f"{shots}/new-to-you-390.png", full_page=True)
    menu.click()
    expect(owner.get_by_role("link", name="Home, 1 new")).to_be_visible()
    owner.screenshot(path=f"{shots}/new-to-you-390-menu.png")

    card.get_by_role("link", name="Acme Ltd").click()
    expect(owner.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(
        owner.get_by_role("button", name="Show navigation", exact=True)
    ).to_be_visible()
    expect(owner.get_by_test_id("nav-new")).to_have_count(0)

    owner.get_by_role("button", name="Show navigation").click()
    owner.get_by_role("link", name="Home", exact=True).click()
    expect(card.get_by_test_id("notice-unread")).to_have_count(0)
    expect(card.get_by_test_id("notice-read")).to_have_count(1)
    phone.close()
    assert csp_violations == []
