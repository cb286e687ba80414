import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import PASSWORD

SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    # Measured once the page has settled: a control the pointer just clicked
    # is in its hover transition (Bootstrap's .15s), and axe reading the
    # colours half-way failed the contrast check now and then. With reduced
    # motion Bootstrap has no transitions, so the colours are the final ones.
    page.emulate_media(reduced_motion="reduce")
    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.django_db(transaction=True)
def test_account_manager_signs_in_and_sees_their_home_page(
    page, sign_in, account_manager, csp_violations
):
    sign_in("alice", PASSWORD)
    expect(page.get_by_role("heading", name="Hello")).to_be_visible()
    expect(page.get_by_test_id("home-account-manager")).to_contain_text(
        "What to do next"
    )
    expect(page.get_by_role("navigation", name="Main")).not_to_contain_text("Admin")
    assert csp_violations == []


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_a_clear_error(page, sign_in, account_manager):
    sign_in("alice", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text(
        "That username and password do not match"
    )
    expect(page.get_by_label("Username")).to_have_value("alice")


@pytest.mark.django_db(transaction=True)
def test_login_and_home_pages_have_no_serious_accessibility_violations(
    page, live_server, sign_in, account_manager, csp_violations
):
    page.goto(f"{live_server.url}/accounts/login/")
    assert serious_violations(page) == []
    sign_in("alice", PASSWORD)
    expect(page.get_by_test_id("home-account-manager")).to_be_visible()
    assert serious_violations(page) == []
    assert csp_violations == []
