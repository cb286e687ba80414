"""A person sets their own working hours on the notification settings page,
on a phone-sized and a desktop-sized screen, and reads when mail arrives."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_user_sets_their_own_hours_and_reads_when_mail_arrives(
    page, live_server, sign_in, account_manager, team, csp_violations, width, tmp_path
):
    team.holiday_country, team.holiday_subdivision = "GB", "ENG"
    team.save()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(account_manager.username, PASSWORD)
    page.goto(f"{live_server.url}/accounts/notifications/")
    hours = page.locator("#mail-hours")
    expect(hours).to_contain_text("Monday to Friday between 09:00 and 17:30")
    expect(hours).to_contain_text("Enterprise's public holidays and closure days")

    # The own hours can be edited only once they are chosen.
    page.get_by_label("My team's working hours").check()
    expect(page.get_by_label("My day starts at")).to_be_disabled()
    expect(page.get_by_role("checkbox", name="Friday")).to_be_disabled()

    # An end before the start is refused, and what was typed stays.
    page.get_by_label("My own working hours, below").check()
    expect(page.get_by_label("My day starts at")).to_be_enabled()
    page.get_by_role("checkbox", name="Friday").uncheck()
    page.get_by_label("My day starts at").fill("15:00")
    page.get_by_label("and ends at").fill("07:00")
    page.get_by_role("button", name="Save settings").click()
    expect(
        page.locator(".invalid-feedback").filter(
            has_text="Your working day must end after it starts"
        )
    ).to_be_visible()
    expect(page.get_by_label("My day starts at")).to_have_value("15:00")
    expect(page.get_by_role("checkbox", name="Friday")).not_to_be_checked()

    page.get_by_label("My day starts at").fill("07:00")
    page.get_by_label("and ends at").fill("15:00")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Notification settings saved.")).to_be_visible()
    expect(hours).to_contain_text("Monday to Thursday between 07:00 and 15:00")
    expect(hours).to_contain_text("These are your own working hours.")

    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert csp_violations == []
    page.screenshot(path=str(tmp_path / f"mail-hours-{width}.png"), full_page=True)
