"""The owner pauses a step's clock while the client owes an answer, sees it
stand still, and starts it again (issue 18, done-when)."""

import pytest
from playwright.sync_api import expect

from cases.choices import Step
from cases.models import Case
from tests.factories import PASSWORD, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_owner_pauses_and_resumes_the_clock(
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
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(account_manager.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    clock = page.get_by_test_id("step-clock")
    expect(clock).not_to_have_attribute("data-state", "paused")

    page.get_by_text("Waiting on the client? Pause the clock").click()
    form = page.get_by_test_id("pause")
    form.get_by_label("Why wait").select_option(label="Waiting for the client's answer")
    form.get_by_label("What we are waiting for").fill("Their new delivery address")
    form.get_by_role("button", name="Pause the clock").click()

    expect(clock).to_have_attribute("data-state", "paused")
    expect(clock).to_contain_text("Paused since")
    expect(clock).to_contain_text("Their new delivery address")
    stopped = Case.objects.get(pk=case.pk)
    assert stopped.step_paused_at is not None and stopped.step_due_at is None
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    page.screenshot(path=str(tmp_path / f"paused-{width}.png"), full_page=False)

    page.get_by_role("button", name="Resume the clock").click()
    expect(clock).not_to_have_attribute("data-state", "paused")
    expect(clock).to_contain_text("business hours")
    running = Case.objects.get(pk=case.pk)
    assert running.step_paused_at is None and running.step_due_at is not None
    expect(page.get_by_text("The clock runs again.")).to_be_visible()
    assert csp_violations == []
