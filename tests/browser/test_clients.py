"""Clients as records, on a phone (390 px): a client typed again is offered,
the same dropped ball twice is caught, nothing scrolls sideways, and the
case list's filters fold behind a button."""

import os

import pytest
from playwright.sync_api import expect

from cases.choices import NotificationKind, OutboxStatus, Step
from cases.models import Case, Client, OutboxMessage
from tests.factories import PASSWORD, ClientFactory, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# Set MEND_SHOTS to a folder to keep screenshots of what these tests see.
SHOTS = os.environ.get("MEND_SHOTS")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def fill_the_essentials(page, commitment="Deliver 40 laptops"):
    page.get_by_label("What was promised").fill(commitment)
    page.get_by_label("What happened").fill("The shipment went to the wrong city.")
    page.get_by_label("Medium").check()


def test_a_client_typed_in_other_case_is_offered_before_logging(
    page, live_server, sign_in, account_manager, sales_manager, team, csp_violations
):
    acme = ClientFactory(team=team, name="Acme Mills")
    case_in_step(Step.CLOSED, owner=account_manager, client=acme)
    page.set_viewport_size(PHONE)
    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    assert scroll_width(page) <= 390

    page.get_by_label("…or a new client").fill("acme  MILLS")
    fill_the_essentials(page)
    page.get_by_role("button", name="Log it and alert my manager").click()

    expect(page.get_by_test_id("client-proposed")).to_contain_text(
        "Acme Mills already exists: use it?"
    )
    expect(page.get_by_label("Client", exact=True)).to_have_value(str(acme.pk))
    expect(page.get_by_label("What was promised")).to_have_value("Deliver 40 laptops")
    # The client's history is read before the button that logs the case.
    history = page.get_by_test_id("client-history").bounding_box()
    submit = page.get_by_role("button", name="Log it and alert my manager")
    assert history["y"] < submit.bounding_box()["y"]
    assert scroll_width(page) <= 390
    shot(page, "proposed-390")

    submit.click()
    expect(page.get_by_test_id("client-link")).to_contain_text("Acme Mills")
    assert Client.objects.count() == 1
    assert Case.objects.filter(client=acme).count() == 2
    page.get_by_test_id("client-link").click()
    expect(page.get_by_test_id("client-cases")).to_contain_text("Deliver 40 laptops")
    assert scroll_width(page) <= 390
    shot(page, "client-390")
    assert csp_violations == []


def test_the_same_dropped_ball_twice_is_caught_and_the_manager_alerted_once(
    page, live_server, sign_in, account_manager, sales_manager, team, csp_violations
):
    acme = ClientFactory(team=team, name="Acme Mills")
    page.set_viewport_size(PHONE)
    sign_in("alice", PASSWORD)
    for _ in range(2):
        page.goto(f"{live_server.url}/cases/new/")
        page.get_by_label("Client", exact=True).select_option(label="Acme Mills")
        fill_the_essentials(page)
        page.get_by_role("button", name="Log it and alert my manager").click()
        page.wait_for_load_state()
    earlier = Case.objects.get()

    warning = page.get_by_test_id("duplicate-warning")
    expect(warning).to_contain_text("This looks already logged")
    expect(warning.get_by_role("link")).to_have_attribute(
        "href", earlier.get_absolute_url()
    )
    assert scroll_width(page) <= 390
    shot(page, "duplicate-390")

    warning.get_by_role("button", name="It is another one: log it").click()
    expect(page.get_by_test_id("client-link")).to_be_visible()
    assert Case.objects.filter(client=acme).count() == 2
    sent = OutboxMessage.objects.filter(kind=NotificationKind.CASE_LOGGED).exclude(
        status=OutboxStatus.SKIPPED
    )
    assert sent.count() == 1
    assert csp_violations == []


def test_the_case_list_fits_a_phone_with_its_filters_folded(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations
):
    case_in_step(Step.OPTIONS, owner=account_manager)
    sign_in("sam", PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/cases/")

    filters = page.get_by_test_id("filters")
    expect(filters).to_be_hidden()
    assert scroll_width(page) <= 390
    shot(page, "list-390")
    page.get_by_test_id("filters-button").click()
    expect(filters).to_be_visible()
    assert scroll_width(page) <= 390

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/cases/")
    expect(filters).to_be_visible()
    expect(page.get_by_test_id("filters-button")).to_be_hidden()
    shot(page, "list-1280")
    assert csp_violations == []
