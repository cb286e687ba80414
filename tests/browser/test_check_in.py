"""A client opens the check-in link from their email on a phone, answers it,
and a second answer is refused; the owner then sees the answer on the case
(issue 22, items 3 and 7)."""

import re

import pytest
from playwright.sync_api import expect

from cases.choices import NotificationKind, Step
from cases.models import CheckIn, OutboxMessage
from cases.notifications.render import render
from tests.browser.test_sign_in import serious_violations
from tests.factories import (
    PASSWORD,
    ClientFactory,
    ContactFactory,
    case_in_step,
    close_case,
)

pytestmark = pytest.mark.django_db(transaction=True)


def emailed_path(check_in) -> str:
    """The link's path, from the email as the worker would write it."""
    message = OutboxMessage.objects.select_related(
        "case__owner", "case__client", "contact"
    ).get(kind=NotificationKind.CLIENT_CHECK_IN, context__check_in=check_in.pk)
    [path] = re.findall(r"https?://[^/\s]+(/check-in/[^/\s]+/)", render(message).body)
    return path


def test_the_client_answers_on_a_phone_once_and_the_owner_sees_it(
    page,
    browser,
    live_server,
    sign_in,
    account_manager,
    sales_manager,
    csp_violations,
    settings,
    tmp_path,
):
    settings.MEND_COMPANY_NAME = "Acme Logistics"
    client = ClientFactory(team=account_manager.teams.first(), name="Northwind")
    dana = ContactFactory(client=client, name="Dana Reyes", email="dana@nw.example")
    case = case_in_step(
        Step.FOLLOW_UP,
        owner=account_manager,
        client=client,
        contacts=[dana],
        complete=True,
    )
    close_case(case, account_manager)
    check_in = CheckIn.objects.get(case=case)
    url = f"{live_server.url}{emailed_path(check_in)}"

    # The client, on a phone, in a browser that has never seen Mend.
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    client_page = phone.new_page()
    client_page.goto(url)
    expect(client_page.get_by_test_id("company")).to_have_text("Acme Logistics")
    form = client_page.get_by_test_id("check-in-form")
    expect(form).to_be_visible()
    assert serious_violations(client_page) == []
    width = client_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    client_page.screenshot(path=str(tmp_path / "check-in-390.png"), full_page=True)

    # Send without an answer: told what is missing, nothing recorded.
    form.get_by_role("button", name="Send my answer").click()
    expect(client_page.get_by_text("Choose a number from 1 to 5.")).to_be_visible()
    check_in.refresh_from_db()
    assert check_in.answered_at is None

    form = client_page.get_by_test_id("check-in-form")
    form.get_by_role("radio", name="2", exact=True).check()
    form.get_by_role("radio", name="No", exact=True).check()
    form.get_by_label("Anything you would like to tell us?").fill(
        "The fix came late and we had to chase it."
    )
    client_page.screenshot(
        path=str(tmp_path / "check-in-filled-390.png"), full_page=True
    )
    form.get_by_role("button", name="Send my answer").click()
    expect(client_page.get_by_test_id("check-in-thanks")).to_be_visible()
    # No session, no CSRF cookie: the link is the only key.
    assert phone.cookies() == []

    # A second answer, from the same link, is refused.
    client_page.goto(url)
    expect(client_page.get_by_test_id("check-in-answered")).to_be_visible()
    expect(client_page.get_by_test_id("check-in-form")).to_have_count(0)
    again = client_page.request.post(url, form={"score": "5", "buy_again": "yes"})
    assert "already answered" in again.text()
    check_in.refresh_from_db()
    assert (check_in.score, check_in.buy_again) == (2, "no")
    phone.close()

    # The owner sees the answer on the case, and on its timeline.
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(account_manager.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    card = page.get_by_test_id("check-ins")
    expect(card).to_contain_text("Dana Reyes")
    expect(card.get_by_test_id("check-in-answer")).to_contain_text("2 of 5")
    expect(card.get_by_test_id("check-in-answer")).to_contain_text("No")
    expect(card).to_contain_text("The fix came late and we had to chase it.")
    expect(card.get_by_test_id("check-in-low")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text(
        "Dana Reyes answered the check-in: 2 of 5"
    )
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(tmp_path / "case-check-ins-390.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / "case-1280.png"), full_page=True)
    assert serious_violations(page) == []
    assert csp_violations == []
