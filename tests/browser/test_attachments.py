"""Files on the case page, in Chromium: the owner attaches a receipt to a
compensation, finds it under Files and on the timeline, and downloads it; a
file over the limit is said before it is sent; on a phone nothing scrolls
sideways."""

import os
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cases.casework.services.compensation import compensation_offer
from cases.choices import Step
from cases.models import Attachment
from tests.casework.files import PDF, png
from tests.factories import PASSWORD, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# Set MEND_SHOTS to a folder to keep screenshots of what these tests see.
SHOTS = os.environ.get("MEND_SHOTS")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def case(account_manager, sales_manager):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="refund",
        description="Refund of the setup fee",
        value_to_client=Decimal("200"),
        cost_to_us=Decimal("200"),
    )
    return case


@pytest.mark.parametrize("width", [1280, 390])
def test_the_owner_attaches_a_receipt_and_downloads_it(
    page, live_server, sign_in, case, csp_violations, tmp_path, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    files = page.get_by_test_id("files")
    files.get_by_label("File").set_input_files(
        {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    files.get_by_label("Attach to").select_option(
        label="Compensation: Refund of the setup fee"
    )
    files.get_by_role("button", name="Attach file").click()

    expect(files.get_by_test_id("attachment")).to_contain_text("receipt.pdf")
    expect(files.get_by_test_id("attachment")).to_contain_text(
        "On compensation “Refund of the setup fee”"
    )
    expect(page.get_by_test_id("timeline-files")).to_contain_text("receipt.pdf")
    files.get_by_label("File").set_input_files(
        {"name": "tracker.png", "mimeType": "image/png", "buffer": png(40, 20)}
    )
    files.get_by_role("button", name="Attach file").click()
    expect(files.get_by_test_id("attachment")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    files.scroll_into_view_if_needed()
    shot(page, f"attachments-{width}")
    if SHOTS:
        files.screenshot(path=os.path.join(SHOTS, f"attachments-{width}-files.png"))

    with page.expect_download() as download:
        files.get_by_role("link", name="receipt.pdf").click()
    saved = tmp_path / "receipt.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "receipt.pdf"
    assert saved.read_bytes() == PDF

    tracker = files.get_by_test_id("attachment").filter(has_text="tracker.png")
    tracker.get_by_text("Remove", exact=True).click()
    tracker.get_by_role("button", name="Remove it for everyone").click()
    expect(files.get_by_test_id("attachment")).to_have_count(1)
    expect(page.get_by_test_id("timeline")).to_contain_text(
        "Removed the file “tracker.png”."
    )
    assert csp_violations == []


def test_a_file_over_the_limit_is_said_before_it_is_sent(
    page, live_server, sign_in, case, settings
):
    settings.MEND_ATTACHMENT_MAX_MB = 1
    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    field = page.get_by_test_id("files").get_by_label("File")
    field.set_input_files(
        {
            "name": "scan.pdf",
            "mimeType": "application/pdf",
            "buffer": PDF + b"0" * (2 * 1024 * 1024),
        }
    )
    message = field.evaluate("input => input.validationMessage")
    assert message == "This file is 2 MB; a file may be at most 1 MB."
    page.get_by_role("button", name="Attach file").click()
    assert not Attachment.objects.exists()
