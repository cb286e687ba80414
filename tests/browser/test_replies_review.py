"""An administrator puts a reply that waited for review on its case, on a
phone-sized and a desktop-sized screen, and finds it on the case's timeline."""

import os

import pytest
from playwright.sync_api import expect

from cases.replies.services import inbound_take
from tests.factories import PASSWORD, make_case
from tests.replies.conftest import email

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("MEND_SCREENSHOTS", "")


@pytest.mark.parametrize("width", [390, 1280])
def test_an_administrator_puts_a_waiting_reply_on_its_case(
    page,
    live_server,
    sign_in,
    administrator,
    account_manager,
    sales_manager,
    csp_violations,
    width,
    tmp_path,
):
    case = make_case(account_manager)
    inbound_take(
        raw=email(
            sender="Eve Stranger <eve@elsewhere.example>",
            to="sales@acme.example.com",
            subject="About the training <b>dates</b>",
            text="We can do Tuesday. <script>alert(1)</script>\n\nEve",
        ).as_bytes()
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(administrator.username, PASSWORD)
    page.goto(f"{live_server.url}/replies/")
    waiting = page.get_by_test_id("replies-waiting")
    expect(waiting).to_contain_text("About the training <b>dates</b>")
    expect(waiting).to_contain_text("<script>alert(1)</script>")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    folder = SHOTS or str(tmp_path)
    page.screenshot(path=f"{folder}/replies-review-{width}.png", full_page=True)

    page.get_by_label("Case number").fill(str(case.pk))
    page.get_by_role("button", name="Put on the case").click()
    expect(page.get_by_role("main")).to_contain_text(f"Put on case {case.pk}")
    expect(page.get_by_test_id("replies-none")).to_be_visible()

    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Eve Stranger <eve@elsewhere.example> replied")
    expect(timeline).to_contain_text("We can do Tuesday. <script>alert(1)</script>")
    assert csp_violations == []
    timeline.screenshot(path=f"{folder}/replies-case-{width}.png")
