"""Importing clients in Chromium, with a real Celery worker: a sales
manager uploads HubSpot's companies export, watches it being checked, reads
the preview, confirms, and finds the clients imported; on a phone too."""

import os

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from cases.models import Client, ImportRun
from recovery.celery import app
from tests.browser.test_sign_in import serious_violations
from tests.factories import PASSWORD
from tests.imports.conftest import SAMPLES, make_people

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery]

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("MEND_SHOTS")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def celery_worker():
    """A worker thread on this test process's own queue (tests/conftest.py),
    as tests/tasks uses; started once the page shows the upload waiting."""
    return start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING")


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_sales_manager_uploads_previews_and_confirms_an_import(
    page,
    live_server,
    sign_in,
    team,
    sales_manager,
    csp_violations,
    viewport,
):
    make_people(team, sales_manager)
    app.control.purge()
    if viewport:
        page.set_viewport_size(viewport)
    name = "phone" if viewport else "desktop"
    sign_in("sam", PASSWORD)
    page.goto(f"{live_server.url}/imports/")
    expect(page.get_by_role("heading", name="Import clients")).to_be_visible()
    assert serious_violations(page) == []
    shot(page, f"import-upload-{name}")

    page.get_by_label("CSV or XLSX file").set_input_files(
        str(SAMPLES / "hubspot-companies.csv")
    )
    page.get_by_role("button", name="Check the file").click()
    # No worker yet: the page shows the file waiting, and polls.
    expect(page.get_by_test_id("import-progress")).to_contain_text(
        "Waiting to be checked"
    )
    shot(page, f"import-waiting-{name}")
    with celery_worker():
        # The poll notices the preview is ready and reloads the page.
        expect(page.get_by_test_id("import-status")).to_have_text(
            "Waiting for your confirmation", timeout=30_000
        )
        confirm_and_see_it_done(page, team, viewport, name)
    page.get_by_role("link", name="Import clients").first.click()
    expect(page.get_by_test_id("import-history")).to_contain_text(
        "hubspot-companies.csv"
    )
    assert csp_violations == []


def confirm_and_see_it_done(page, team, viewport, name):
    rows = page.get_by_test_id("import-rows")
    expect(rows).to_contain_text("Fernhill Architects")
    expect(rows.locator("tbody tr")).to_have_count(4)
    expect(page.get_by_test_id("import-counts")).to_contain_text("New 4")
    assert not Client.objects.exists()
    if viewport:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"]
    assert serious_violations(page) == []
    shot(page, f"import-preview-{name}")

    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("4 new", timeout=30_000)
    assert Client.objects.filter(team=team).count() == 4
    assert ImportRun.objects.get().status == "done"
    shot(page, f"import-done-{name}")
