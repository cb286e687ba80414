"""The case page updates in place and keeps what the reader typed; with
JavaScript off the same forms work and come back to their part."""

import pytest
from playwright.sync_api import expect

from cases.choices import Step
from cases.models import Option
from tests.factories import PASSWORD, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)


def add_option(page, description, *, chosen=False, button="Add option"):
    page.locator("#id_option-description").fill(description)
    page.locator("#id_option-cost_to_us").fill("100")
    page.locator("#id_option-time_to_deliver").fill("2 days")
    if chosen:
        page.get_by_label("We will offer this one").check()
    page.get_by_role("button", name=button, exact=True).click()


def test_an_action_updates_the_card_and_keeps_what_was_typed_elsewhere(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    sign_in(account_manager.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    comment = page.locator("#id_comment-text")
    comment.fill("Half a thought about the refund")
    page.evaluate("window.scrollTo(0, 300)")
    before = page.evaluate("window.scrollY")

    add_option(page, "Ship from the Lyon warehouse")
    expect(page.get_by_test_id("options")).to_contain_text("Lyon warehouse")
    expect(page.get_by_role("alert").first).to_contain_text("Option added")
    # No reload: the reader is where they were, and the comment is as typed.
    assert page.evaluate("window.scrollY") == pytest.approx(before, abs=80)
    expect(comment).to_have_value("Half a thought about the refund")
    expect(page.locator("#id_option-description")).to_have_value("")

    # Moving on draws the whole page for the next step, keeping the comment.
    add_option(page, "Refund the fee", chosen=True, button="Add it and move on")
    expect(page.get_by_role("heading", name="Now: Communicate")).to_be_focused()
    expect(page.locator("#id_comment-text")).to_have_value(
        "Half a thought about the refund"
    )
    assert Option.objects.filter(case=case).count() == 2
    assert csp_violations == []


def test_on_a_phone_the_next_step_starts_at_its_heading(
    page, live_server, sign_in, account_manager, sales_manager
):
    page.set_viewport_size({"width": 390, "height": 844})
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    sign_in(account_manager.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.locator("#id_option-description").scroll_into_view_if_needed()
    add_option(page, "Refund the fee", chosen=True, button="Add it and move on")
    heading = page.get_by_role("heading", name="Now: Communicate")
    expect(heading).to_be_focused()
    # On screen, near the top, once the (smooth) scroll ends: the reader need
    # not scroll back to find it. Fails by timing out.
    page.wait_for_function(
        """() => {
            const top = document.getElementById("step-heading")
                .getBoundingClientRect().top;
            return top >= 0 && top < 200;
        }""",
        timeout=5000,
    )


def test_with_javascript_off_a_form_posts_and_comes_back_to_its_part(
    browser, live_server, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(account_manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    add_option(page, "Ship from the Lyon warehouse")
    expect(page.get_by_test_id("options")).to_contain_text("Lyon warehouse")
    assert page.url.endswith(f"{case.get_absolute_url()}#form-option")
    context.close()
