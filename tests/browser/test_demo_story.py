"""One demo story walked from logging to closed, on a phone, counting the
form submissions it takes (the issue asked for at least a third fewer than
the 23 the same story took before the case page was built around the
current step; see the closing note of issue 17).

Alex, an account manager at Enterprise, learns that Larchmont Engineering's
CAD upgrade went live without the training we promised. Helen Ward and Dev
Patel, both already known at the client, were affected.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import ROOT_CAUSE_QUESTIONS
from cases.models import Case

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "mend-demo-2026"
# Before: 23 submissions (each person, option, apology and offer typed on
# its own, a separate "move on" after every step, delivery marked apart).
MOST_SUBMISSIONS = 15


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def now_in(page, step: str):
    expect(page.get_by_role("heading", name=f"Now: {step}")).to_be_visible()
    assert fits_the_phone(page), step


def test_a_demo_story_from_logging_to_closed_on_a_phone(
    page, live_server, sign_in, csp_violations, settings
):
    call_command("seed_demo", "--force", stdout=StringIO())
    page.set_viewport_size({"width": 390, "height": 844})
    posts = []
    page.on(
        "request",
        lambda request: posts.append(request.url) if request.method == "POST" else None,
    )
    sign_in("alex", DEMO_PASSWORD)
    posts.clear()  # signing in is not part of the story
    today = timezone.localdate().isoformat()

    # Logging: the client is already known, so it is picked, not typed.
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Client", exact=True).select_option(label="Larchmont Engineering")
    page.get_by_label("What was promised").fill("Two days of CAD training at go-live")
    page.get_by_label("What happened").fill(
        "The upgrade went live on Monday; nobody booked the trainer."
    )
    page.get_by_label("High: the client's business is hurt").check()
    page.get_by_role("button", name="Log it and alert my manager").click()
    now_in(page, "Acknowledge")

    # Acknowledge: both affected people are ticked, not typed again (in the
    # details; the early acknowledgement's form below names people too).
    card = page.locator("#form-details")
    card.get_by_label("Helen Ward (Head of Operations)").check()
    card.get_by_label("Dev Patel (Training Coordinator)").check()
    card.locator("#id_details-failure_source").select_option("process")
    card.get_by_label("No buffer in the promise").check()
    card.get_by_role("button", name="Save and move on").click()
    now_in(page, "Root cause")

    for key in ROOT_CAUSE_QUESTIONS:
        page.locator(f"input[name='root_cause-q_{key}'][value='no']").check()
    page.get_by_label("The client's view of the real problem").fill(
        "Twenty engineers could not use the new tools for a week"
    )
    page.get_by_label("Our view of the real problem").fill(
        "Training was nobody's task once the project moved teams"
    )
    page.get_by_role("button", name="Save and move on").click()
    now_in(page, "Options")

    # Options: two, the second chosen.
    page.locator("#id_option-description").fill("Recorded video course")
    page.locator("#id_option-cost_to_us").fill("200")
    page.locator("#id_option-time_to_deliver").fill("1 week")
    page.get_by_role("button", name="Add option", exact=True).click()
    expect(page.get_by_test_id("options")).to_contain_text("Recorded video course")
    page.locator("#id_option-description").fill("Trainer on site for two days")
    page.locator("#id_option-cost_to_us").fill("450")
    page.locator("#id_option-time_to_deliver").fill("3 days")
    page.get_by_label("We will offer this one").check()
    page.get_by_role("button", name="Add it and move on").click()
    now_in(page, "Communicate")

    # Communicate: the chosen option becomes a promise in one click,
    # prefilled; then the call is logged and the case moves on.
    page.get_by_role("link", name="Promise it").click()
    promise = page.locator("#id_promise-description")
    expect(promise).to_have_value("Trainer on site for two days")
    expect(page.locator("#id_promise-due_on")).not_to_have_value("")
    page.get_by_role("button", name="Add to the ledger").click()
    expect(page.get_by_test_id("ledger")).to_contain_text("Trainer on site")
    card = page.get_by_test_id("current-step")
    card.get_by_label("Helen Ward (Head of Operations)").check()
    card.get_by_label("Dev Patel (Training Coordinator)").check()
    page.locator("#id_client_contact-summary").fill(
        "Called Helen and Dev; offered the trainer on site this week."
    )
    page.get_by_role("button", name="Log it and move on").click()
    now_in(page, "Apologise")

    # Apologise: both heard it on the same call, each gets their record.
    card = page.get_by_test_id("current-step")
    card.get_by_label("Helen Ward (Head of Operations)").check()
    card.get_by_label("Dev Patel (Training Coordinator)").check()
    page.get_by_label("On behalf of the company").check()
    page.get_by_role("button", name="Record it and move on").click()
    now_in(page, "Compensate")

    # Compensate: the chosen option is offered in one click, and was given
    # on the spot.
    page.get_by_role("link", name="Offer it as compensation").click()
    expect(page.locator("#id_compensation-description")).to_have_value(
        "Trainer on site for two days"
    )
    page.locator("#id_compensation-kind").select_option("training")
    page.locator("#id_compensation-value_to_client").fill("1500")
    page.locator("#id_compensation-delivered_on").fill(today)
    page.get_by_role("button", name="Record it and move on").click()
    now_in(page, "Follow up")

    # Follow up: a check-in done, the promise kept, then closed.
    page.locator("#id_follow_up-due_on").fill(today)
    page.locator("#id_follow_up-purpose").fill("Ask Helen how the team is doing")
    page.get_by_role("button", name="Schedule").click()
    card = page.get_by_test_id("current-step")
    card.get_by_test_id("follow-ups").get_by_role("button", name="Done").click()
    # The status badge, not the "Done" button: it is drawn from the answer.
    expect(card.get_by_test_id("follow-ups").locator(".badge")).to_have_text("Done")
    # The trainer came before the promised day: kept early, and says why.
    card.get_by_test_id("promise").get_by_label("Why early?").fill(
        "The trainer could come a day sooner"
    )
    card.get_by_test_id("promise").get_by_role("button", name="Kept").click()
    # The answer's own words (the "Kept" button matched before it came, and
    # the close form, posted from the page before it, was then out of date).
    expect(card.get_by_test_id("promise").get_by_test_id("early")).to_contain_text(
        "Kept early"
    )
    page.locator("#id_close-outcome").select_option("recovered")
    page.locator("#id_close-client_fit").select_option("good")
    page.locator("#id_close-lessons").fill("Every go-live has a named training owner.")
    # Recovered: the client's new order is the evidence.
    page.locator("#id_close-order_on").fill(today)
    page.locator("#id_close-order_value").fill("6400")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_role("heading", name="Closed: Recovered")).to_be_visible()

    case = Case.objects.get(commitment="Two days of CAD training at go-live")
    assert case.step == "closed"
    assert case.repeat_order_value == 6400
    assert case.apologies.count() == 2
    assert case.compensations.get().delivered_on is not None
    print(f"\nForm submissions from logging to closed: {len(posts)}")
    assert len(posts) <= MOST_SUBMISSIONS, posts
    assert csp_violations == []
