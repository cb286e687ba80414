"""The owner writes the confirmation of a call with one promise, sends it,
and sees the promise on the ledger and the email on the timeline (issue 22,
item 1)."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import NotificationKind, Step
from cases.models import Confirmation, OutboxMessage
from tests.factories import PASSWORD, ContactFactory, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("MEND_SHOTS")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_owner_sends_a_confirmation_with_a_promise(
    page,
    live_server,
    sign_in,
    account_manager,
    sales_manager,
    csp_violations,
    width,
    tmp_path,
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    case.contacts.add(ContactFactory(client=case.client, name="Lee Park", email=""))
    due = timezone.localdate() + dt.timedelta(days=9)
    shots = Path(SHOTS) if SHOTS else tmp_path
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(account_manager.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")

    card = page.get_by_test_id("confirmation-card")
    card.get_by_text("Write the confirmation", exact=True).click()
    expect(card.get_by_label("Dana Client")).to_be_checked()
    expect(card.get_by_label("Lee Park (no email address on file)")).not_to_be_checked()
    expect(card.get_by_label("Subject")).to_have_value(
        f"Following our call: {case.commitment}"
    )
    card.get_by_label("The email").fill("Thank you for the call, Dana.\nAs agreed:")
    rows = card.locator("[data-row]")
    expect(rows).to_have_count(3)
    card.get_by_role("button", name="Add another promise").click()
    expect(rows).to_have_count(4)
    card.locator("[name='confirmation-promises-0-description']").fill(
        "A senior trainer on site for the whole day"
    )
    # Sent without the promise's date: refused in place, everything kept.
    card.get_by_role("button", name="Send the confirmation").click()
    expect(card).to_contain_text("Promise 1: Give the date we promise it by.")
    expect(card.get_by_label("The email")).to_have_value(
        "Thank you for the call, Dana.\nAs agreed:"
    )
    expect(card.locator("[name='confirmation-promises-0-description']")).to_have_value(
        "A senior trainer on site for the whole day"
    )
    expect(rows).to_have_count(4)
    # The summary takes focus (forms.js); the screenshot waits out the scroll.
    expect(page.locator("#confirmation-error-summary")).to_be_focused()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(shots / f"confirmation-refused-{width}.png"))
    assert not Confirmation.objects.filter(case=case).exists()
    card.locator("[name='confirmation-promises-0-due_on']").fill(due.isoformat())
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"confirmation-form-{width}.png"), full_page=False)
    card.get_by_role("button", name="Send the confirmation").click()

    expect(page.get_by_text("Confirmation sent to Dana Client;")).to_be_visible()
    ledger = page.get_by_test_id("ledger")
    expect(ledger).to_contain_text("A senior trainer on site for the whole day")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Sent the written confirmation")
    timeline.get_by_text("The email as sent").first.click()
    expect(timeline).to_contain_text("Thank you for the call, Dana.")
    expect(page.get_by_test_id("confirmations-sent")).to_contain_text("Dana Client")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.screenshot(path=str(shots / f"confirmation-sent-{width}.png"), full_page=True)
    page.locator("#timeline").screenshot(
        path=str(shots / f"confirmation-timeline-{width}.png")
    )

    [confirmation] = Confirmation.objects.filter(case=case)
    assert [p.description for p in confirmation.promises.all()] == [
        "A senior trainer on site for the whole day"
    ]
    assert (
        OutboxMessage.objects.filter(
            case=case, kind=NotificationKind.CLIENT_CONFIRMATION
        ).count()
        == 1
    )
    assert csp_violations == []
