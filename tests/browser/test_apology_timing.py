"""The apology, timed and checked, in Chromium: a person left without a word
for a business day is flagged, the quick acknowledgement clears it, and the
full apology asks its three checks; on a phone nothing scrolls sideways."""

import datetime as dt
import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.choices import Step
from cases.models import Apology, Case
from tests.factories import PASSWORD, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)

# Set MEND_SHOTS to a folder to keep screenshots of what these tests see.
SHOTS = os.environ.get("MEND_SHOTS")


def shot(locator, name):
    if SHOTS:
        locator.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def no_sideways_scroll(page):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.parametrize("width", [390, 1280])
def test_a_late_acknowledgement_is_flagged_until_it_is_logged(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations, width
):
    found_out = timezone.now() - dt.timedelta(days=6)
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager, at=found_out)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(account_manager.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    warning = page.get_by_test_id("acknowledge-warning")
    expect(warning).to_contain_text("No word from us yet to Dana Client")
    table = page.get_by_test_id("apology-timing")
    expect(table).to_contain_text("No word yet")
    no_sideways_scroll(page)
    shot(page.locator("#now-records"), f"acknowledge-late-{width}")

    page.get_by_text("Told the client already? Log the acknowledgement").click()
    form = page.locator("#form-client_contact")
    form.get_by_label("Dana Client").check()
    form.get_by_label("What was said").fill("We know, it is ours, more tomorrow.")
    form.get_by_role("button", name="Log acknowledgement").click()

    expect(page.get_by_text("Contact with the client logged.")).to_be_visible()
    expect(warning).to_have_count(0)
    expect(table.get_by_test_id("acknowledged-hours")).to_be_visible()
    expect(table).to_contain_text("after a day")
    assert Case.objects.get(pk=case.pk).acknowledged_hours > 8
    shot(page.locator("#now-records"), f"acknowledge-logged-{width}")
    assert csp_violations == []


@pytest.mark.parametrize("width", [390, 1280])
def test_the_full_apology_asks_its_three_checks(
    page, live_server, sign_in, account_manager, sales_manager, csp_violations, width
):
    case = case_in_step(Step.APOLOGISE, owner=account_manager)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(account_manager.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    form = page.locator("#form-apology")
    form.get_by_label("Dana Client").check()
    form.get_by_label("On behalf of the company").check()
    form.get_by_label("It named how they were affected").check()
    form.get_by_label("It owned our part, without excuses").check()
    form.get_by_label("What we owned").fill("We booked the trainer twice")
    form.get_by_label("Their response").fill("Thanked us for saying it plainly.")
    no_sideways_scroll(page)
    shot(form, f"apology-form-{width}")
    form.get_by_role("button", name="Record apology", exact=True).click()

    expect(form).to_contain_text("You ticked “It named how they were affected”")
    expect(form.get_by_label("What we owned")).to_have_value(
        "We booked the trainer twice"
    )
    assert not Apology.objects.filter(case=case).exists()
    shot(form, f"apology-refused-{width}")
    form.get_by_label("How, in a few words").fill("A week of their rollout lost")
    form.get_by_role("button", name="Record apology", exact=True).click()

    table = page.get_by_test_id("apology-timing")
    expect(table).to_contain_text("2 of 3 checks")
    expect(table).to_contain_text("A week of their rollout lost")
    apology = Apology.objects.get(case=case)
    assert apology.named_impact and apology.owned_our_part
    assert not apology.fix_presented
    no_sideways_scroll(page)
    shot(page.locator("#now"), f"apology-recorded-{width}")
    assert csp_violations == []
