"""The owner shares the client's promise page, the client opens it on a
phone (a fresh browser: no session) and sees only the promises; once the
owner withdraws the link, the page is gone (issue 22, item 4)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.casework.services.promises import promise_make, promise_settle
from cases.choices import Step
from cases.models import FollowUp
from tests.browser.test_sign_in import serious_violations
from tests.factories import PASSWORD, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)


def overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_the_owner_shares_the_promise_page_and_withdraws_it(
    page,
    browser,
    live_server,
    sign_in,
    account_manager,
    sales_manager,
    csp_violations,
    settings,
    width,
    tmp_path,
):
    settings.SITE_URL = live_server.url
    case = case_in_step(
        Step.FOLLOW_UP, owner=account_manager, commitment="Internal rollout words"
    )
    today = timezone.localdate()
    kept = promise_make(
        case_id=case.pk,
        by=account_manager,
        description="Send the visit dates for the year",
        due_on=today,
    )
    promise_settle(case_id=case.pk, by=account_manager, promise_id=kept.pk, kept=True)
    promise_make(
        case_id=case.pk,
        by=account_manager,
        description="Email the signed visit sheet",
        due_on=today + dt.timedelta(days=3),
    )
    follow_up = today + dt.timedelta(days=6)
    FollowUp.objects.create(case=case, due_on=follow_up, purpose="Internal review")
    page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(account_manager.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")

    card = page.get_by_test_id("promise-share")
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / f"case-not-shared-{width}.png"))
    card.get_by_label("The link works for").select_option(label="30 days")
    card.get_by_role("button", name="Share with the client").click()
    link_box = card.get_by_test_id("promise-share-link")
    expect(link_box).to_be_visible()
    expect(page.get_by_text("Link ready, working until")).to_be_visible()
    expect(card).to_contain_text("Not opened yet.")
    link = link_box.input_value()
    assert link.startswith(f"{live_server.url}/promises/")
    card.get_by_role("button", name="Copy").click()
    expect(card.locator("#promise-share-copied")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert overflow(page) <= 0
    assert serious_violations(page) == []
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / f"case-share-{width}.png"))

    # The client: another browser, at a phone's width, never signed in.
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    client_page = phone.new_page()
    client_page.goto(link)
    promises = client_page.get_by_test_id("client-promise")
    expect(promises).to_have_count(2)
    expect(promises.nth(0)).to_contain_text("Send the visit dates for the year")
    expect(promises.nth(0)).to_contain_text("Kept")
    expect(promises.nth(1)).to_contain_text("Open")
    expect(client_page.get_by_test_id("company")).to_have_text(
        settings.MEND_COMPANY_NAME
    )
    expect(client_page.get_by_test_id("next-follow-up")).to_contain_text(
        f"{follow_up:%A} {follow_up.day} {follow_up:%B %Y}"
    )
    text = client_page.locator("body").inner_text()
    assert "Internal rollout words" not in text and str(case.client) not in text
    assert "Internal review" not in text
    assert account_manager.get_full_name() not in text
    assert phone.cookies() == []
    assert overflow(client_page) <= 0
    assert serious_violations(client_page) == []
    client_page.screenshot(path=str(tmp_path / "client-390.png"), full_page=True)
    wide = browser.new_context(viewport={"width": 1280, "height": 900})
    wide_page = wide.new_page()
    wide_page.goto(link)
    wide_page.screenshot(path=str(tmp_path / "client-1280.png"), full_page=True)
    wide.close()

    page.reload()
    expect(card).to_contain_text("Opened 2 times")
    card.get_by_role("button", name="Withdraw the link").click()
    expect(page.get_by_text("Link withdrawn")).to_be_visible()
    expect(card.get_by_test_id("promise-share-last")).to_contain_text("withdrawn")
    expect(card.get_by_role("button", name="Share with the client")).to_be_visible()

    response = client_page.goto(link)
    assert response.status == 410
    expect(client_page.get_by_test_id("gone-reason")).to_have_text(
        "This link was withdrawn."
    )
    expect(client_page.get_by_test_id("client-promise")).to_have_count(0)
    client_page.screenshot(path=str(tmp_path / "client-gone-390.png"))
    phone.close()
    assert csp_violations == []
