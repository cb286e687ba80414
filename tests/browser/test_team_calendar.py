"""A sales manager closes the team for a day on the team calendar page, on a
phone-sized and a desktop-sized screen."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_sales_manager_adds_a_closure_day(
    page, live_server, sign_in, sales_manager, team, csp_violations, width, tmp_path
):
    team.holiday_country, team.holiday_subdivision = "DE", "BE"
    team.save()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(sales_manager.username, PASSWORD)
    page.get_by_role("link", name="Team calendar").click()
    expect(
        page.get_by_role("heading", name="Team calendar: Enterprise")
    ).to_be_visible()
    expect(page.get_by_test_id("holidays")).to_contain_text("Christmas Day")

    form = page.get_by_test_id("closure-form")
    form.get_by_label("Date").fill("2099-12-30")
    form.get_by_label("Name").fill("Company offsite")
    form.get_by_role("button", name="Add closure day").click()
    expect(page.get_by_test_id("closures")).to_contain_text("Company offsite")

    # Nothing wider than the screen, and the page keeps its security policy.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert csp_violations == []
    page.screenshot(path=str(tmp_path / f"team-calendar-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_sales_manager_sets_the_second_escalation(
    page, live_server, sign_in, sales_manager, team, csp_violations, width, tmp_path
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(sales_manager.username, PASSWORD)
    page.get_by_role("link", name="Team calendar").click()
    form = page.get_by_test_id("ladder-form")
    hours = form.get_by_label("Second escalation after (business hours)")
    # 0 is stopped in the browser already (the server refuses it too).
    hours.fill("0")
    assert hours.evaluate("field => field.validity.rangeUnderflow")
    hours.fill("16")
    form.get_by_label("Second escalation to").select_option(label=str(sales_manager))
    form.get_by_role("button", name="Save escalations").click()
    expect(page.get_by_role("main")).to_contain_text(
        f"16 business hours later goes to {sales_manager}"
    )
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert csp_violations == []
    page.screenshot(path=str(tmp_path / f"ladder-{width}.png"), full_page=True)


def test_the_region_list_follows_the_chosen_country(
    page, live_server, sign_in, sales_manager, team, csp_violations
):
    team.holiday_country, team.holiday_subdivision = "GB", "SCT"
    team.save()
    sign_in(sales_manager.username, PASSWORD)
    page.goto(f"{live_server.url}/teams/{team.pk}/calendar/")
    form = page.get_by_test_id("region-form")
    region = form.get_by_label("Region")
    expect(region).to_have_value("SCT")
    # The hint for pages without the script is hidden by it.
    expect(form.locator("[data-region-hint]")).to_be_hidden()

    form.get_by_label("Country").select_option(label="Germany")
    expect(region.locator("option", has_text="Berlin (BE)")).to_have_count(1)
    expect(region.locator("option", has_text="Scotland")).to_have_count(0)
    region.select_option("BE")
    form.get_by_role("button", name="Save public holidays").click()
    expect(
        page.get_by_role("heading", name="Public holidays: Germany, Berlin (BE)")
    ).to_be_visible()
    expect(page.get_by_test_id("holidays")).to_contain_text("Christmas Day")
    team.refresh_from_db()
    assert (team.holiday_country, team.holiday_subdivision) == ("DE", "BE")

    # A country without regions leaves nothing to choose.
    form.get_by_label("Country").select_option(label="Ireland")
    expect(region).to_be_disabled()
    assert csp_violations == []
