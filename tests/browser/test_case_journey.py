"""An account manager works a dropped ball through every step, in Chromium."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import ROOT_CAUSE_QUESTIONS
from cases.models import Case
from tests.factories import PASSWORD, ClientFactory, make_case

pytestmark = pytest.mark.django_db(transaction=True)


def settled(page):
    """The page's forms post through htmx: wait until the last answer is in."""
    expect(page.locator(".htmx-request")).to_have_count(0)


def advance(page, to: str):
    settled(page)
    page.get_by_role("button", name="Step complete: move on").click()
    expect(page.get_by_role("heading", name=f"Now: {to}")).to_be_visible()


def log_case(page, live_server):
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("…or a new client").fill("Northwind Traders")
    page.get_by_label("What was promised").fill("On-site training for 12 staff")
    page.get_by_label("What happened").fill("The trainer's flight was cancelled.")
    page.get_by_label("High: the client's business is hurt").check()
    page.get_by_role("button", name="Log it and alert my manager").click()
    expect(page.get_by_role("heading", name="Now: Acknowledge")).to_be_visible()


def test_account_manager_logs_a_dropped_ball_and_walks_it_to_closed(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations
):
    today = timezone.localdate().isoformat()
    sign_in("alice", PASSWORD)
    log_case(page, live_server)
    expect(page.get_by_role("alert")).to_contain_text("sales manager is alerted")

    # 1. Acknowledge: the affected person, where it came from, our part.
    page.locator("#id_person-name").fill("Dana Lee")
    page.locator("#id_person-role").fill("Head of Operations")
    page.get_by_role("button", name="Add as affected").click()
    expect(page.get_by_test_id("affected")).to_contain_text("Dana Lee")
    page.locator("#id_details-failure_source").select_option("external")
    page.get_by_label("No backup plan for an outside event").check()
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_role("alert")).to_contain_text("Details saved")
    advance(page, "Root cause")

    # 2. Root cause: every question, both views.
    for key in ROOT_CAUSE_QUESTIONS:
        page.locator(f"input[name='root_cause-q_{key}'][value='no']").check()
    page.get_by_label("The client's view of the real problem").fill("Staff sat idle")
    page.get_by_label("Our view of the real problem").fill("No backup trainer")
    page.get_by_label("How the client feels about it").fill("Embarrassed")
    page.get_by_role("button", name="Save answers").click()
    advance(page, "Options")

    # 3. Options: one, chosen.
    page.locator("#id_option-description").fill("Remote session tomorrow")
    page.locator("#id_option-cost_to_us").fill("0")
    page.locator("#id_option-time_to_deliver").fill("1 day")
    page.get_by_label("We will offer this one").check()
    page.get_by_role("button", name="Add option").click()
    advance(page, "Communicate")

    # 4. Communicate: a call, and a promise made on it.
    page.locator("#id_client_contact-summary").fill("Offered a remote session")
    page.locator("#form-client_contact").get_by_label("Dana Lee").check()
    page.get_by_role("button", name="Log contact").click()
    settled(page)
    page.get_by_text("Record a promise").click()
    page.locator("#id_promise-description").fill("Send the recording by Friday")
    page.locator("#id_promise-due_on").fill(today)
    page.get_by_role("button", name="Add to the ledger").click()
    expect(page.get_by_test_id("promise")).to_contain_text("Due")
    advance(page, "Apologise")

    # 5. Apologise to everyone affected.
    page.get_by_test_id("current-step").get_by_label(
        "Dana Lee (Head of Operations)"
    ).check()
    page.get_by_label("On behalf of the company").check()
    page.get_by_label("I asked “will you forgive us?”").check()
    page.get_by_role("button", name="Record apology").click()
    advance(page, "Compensate")

    # 6. Compensate: the guideline shows its arithmetic; a small offer, delivered.
    guideline = page.get_by_test_id("guideline")
    expect(guideline).to_contain_text("EUR 5,000 ÷ 50 = EUR 100.00")
    page.locator("#id_compensation-kind").select_option("training")
    page.locator("#id_compensation-description").fill("Two extra training seats")
    page.locator("#id_compensation-value_to_client").fill("400")
    page.locator("#id_compensation-cost_to_us").fill("80")
    page.get_by_role("button", name="Record offer").click()
    settled(page)
    page.get_by_role("button", name="Mark delivered").click()
    expect(page.get_by_test_id("compensations")).to_contain_text("Delivered")
    advance(page, "Follow up")

    # 7. Follow up: one done, the promise kept; then close.
    page.locator("#id_follow_up-due_on").fill(today)
    page.locator("#id_follow_up-purpose").fill("Check the team is trained")
    page.get_by_role("button", name="Schedule").click()
    settled(page)
    page.get_by_test_id("follow-ups").get_by_role("button", name="Done").click()
    expect(page.get_by_test_id("missing")).to_contain_text("Settle 1 open promise")
    page.get_by_test_id("promise").get_by_role("button", name="Kept").click()
    settled(page)
    # The evidence for "recovered" shows only once that outcome is chosen.
    evidence = page.get_by_test_id("recovered-evidence")
    expect(evidence).to_be_hidden()
    page.locator("#id_close-outcome").select_option("recovered")
    expect(evidence).to_be_visible()
    page.locator("#id_close-client_fit").select_option("good")
    page.locator("#id_close-lessons").fill("Keep a backup trainer for every booking.")
    # Without the order: refused, with what was typed kept.
    page.get_by_role("button", name="Close the case").click()
    expect(evidence).to_contain_text("Enter the date of the new order.")
    expect(page.locator("#id_close-lessons")).to_have_value(
        "Keep a backup trainer for every booking."
    )
    page.locator("#id_close-order_on").fill(today)
    page.locator("#id_close-order_value").fill("2400")
    page.get_by_role("button", name="Close the case").click()

    expect(page.get_by_role("heading", name="Closed: Recovered")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Closed the case")
    expect(page.get_by_test_id("timeline")).to_contain_text("A new order on")
    expect(page.get_by_test_id("repeat-business")).to_contain_text("2,400.00")
    case = Case.objects.get()
    assert case.step == "closed"
    assert case.periods.count() == 8
    assert csp_violations == []


def test_advancing_an_incomplete_step_says_what_is_missing(
    page, live_server, sign_in, account_manager, sales_manager
):
    sign_in("alice", PASSWORD)
    log_case(page, live_server)
    page.get_by_role("button", name="Step complete: move on").click()
    alert = page.get_by_role("alert").filter(has_text="not complete")
    expect(alert).to_contain_text("Acknowledge is not complete yet")
    expect(alert).to_contain_text("Name at least one affected person")
    expect(alert).to_contain_text("source of the failure")
    expect(page.get_by_role("heading", name="Now: Acknowledge")).to_be_visible()


def test_two_people_saving_the_same_case_the_second_is_told_and_keeps_their_text(
    browser, live_server, account_manager, sales_manager
):
    sessions = []
    for username in ("alice", "sam"):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        sessions.append(page)
    alice, sam = sessions
    log_case(alice, live_server)
    url = alice.url
    sam.goto(url)

    alice.locator("#id_details-what_happened").fill(
        "Flight cancelled; we told them at 9am."
    )
    sam.locator("#id_details-what_happened").fill(
        "Storm grounded the trainer's flight."
    )
    alice.get_by_role("button", name="Save details").click()
    expect(alice.get_by_role("alert")).to_contain_text("Details saved")

    sam.get_by_role("button", name="Save details").click()
    expect(sam.get_by_test_id("problem")).to_contain_text("saved this case while you")
    expect(sam.locator("#id_details-what_happened")).to_have_value(
        "Storm grounded the trainer's flight."
    )
    assert Case.objects.get().what_happened == "Flight cancelled; we told them at 9am."

    # Having read Alice's change, Sam saves again and it goes through.
    sam.get_by_role("button", name="Save details").click()
    expect(sam.get_by_role("alert")).to_contain_text("Details saved")
    assert Case.objects.get().what_happened == "Storm grounded the trainer's flight."


def test_choosing_a_client_shows_its_history_before_saving(
    page, live_server, sign_in, account_manager, sales_manager, team
):
    acme = ClientFactory(team=team, name="Acme")
    make_case(account_manager, client=acme, commitment="Missed delivery in May")
    make_case(account_manager, client=acme, commitment="Missed delivery in June")
    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Client", exact=True).select_option(label="Acme")
    history = page.get_by_test_id("client-history")
    expect(history).to_contain_text("dropped ball number 3 for Acme in twelve months")
    expect(history).to_contain_text("Missed delivery in June")
