"""The team calendar page: a sales manager sets the team's public holidays and
closure days; refusals say why and save nothing."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from cases.models import Case, ClosureDay
from tests.factories import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, sales_manager, team):
    client.force_login(sales_manager)
    return reverse("team_calendar", args=[team.pk])


def test_the_dashboard_leads_to_the_team_calendar(client, sales_manager, team):
    client.force_login(sales_manager)
    assert reverse("team_calendars") in client.get(reverse("home")).content.decode()
    response = client.get(reverse("team_calendars"))
    assert response["Location"] == reverse("team_calendar", args=[team.pk])


def test_the_page_lists_the_regions_public_holidays(client, page, team, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC), tick=False)
    response = client.post(
        page, {"form": "region", "holiday_country": "DE", "holiday_subdivision": "BE"}
    )
    assert response.status_code == 302
    text = re.sub(r"<[^>]+>", "", client.get(page).content.decode())
    assert "Fri 3 Apr 2026 · Good Friday" in text
    assert "Mon 6 Apr 2026 · Easter Monday" in text
    assert "Public holidays: Germany, Berlin (BE)" in text


def test_country_and_region_are_lists_of_names(client, page, team):
    html = client.get(page).content.decode()
    assert '<select name="holiday_country"' in html
    assert '<option value="DE">Germany</option>' in html
    assert '<option value="GB">United Kingdom</option>' in html
    # No country yet: no regions to list but "the whole country".
    region = html.split('<select name="holiday_subdivision"')[1].split("</select>")[0]
    assert region.count("<option") == 1
    team.holiday_country = "GB"
    team.save(update_fields=["holiday_country"])
    html = client.get(page).content.decode()
    assert '<option value="GB" selected>United Kingdom</option>' in html
    assert '<option value="SCT">Scotland (SCT)</option>' in html
    # The script that refills the regions is a file; its data is not code.
    assert '<script id="holiday-regions" type="application/json">' in html
    assert '"DE": [["BB", "Brandenburg (BB)"]' in html
    assert '<script src="/static/js/team-calendar.js"></script>' in html


def test_a_region_of_another_country_is_refused_by_name(client, page, team):
    team.holiday_country, team.holiday_subdivision = "GB", "SCT"
    team.save(update_fields=["holiday_country", "holiday_subdivision"])
    response = client.post(
        page, {"form": "region", "holiday_country": "DE", "holiday_subdivision": "SCT"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "“SCT” is not a region of Germany." in html
    # The list now offers Germany's regions to choose from.
    region = html.split('<select name="holiday_subdivision"')[1].split("</select>")[0]
    assert "Berlin (BE)" in region and "Scotland" not in region
    team.refresh_from_db()
    assert (team.holiday_country, team.holiday_subdivision) == ("GB", "SCT")


def test_a_region_without_a_country_is_refused(client, page, team):
    response = client.post(
        page, {"form": "region", "holiday_country": "", "holiday_subdivision": "BE"}
    )
    assert response.status_code == 200
    assert "Choose the country first." in response.content.decode()
    team.refresh_from_db()
    assert (team.holiday_country, team.holiday_subdivision) == ("", "")


def test_a_country_code_not_in_the_list_is_refused(client, page, team):
    # UK is an alias the package takes; the list offers GB, its ISO code.
    response = client.post(page, {"form": "region", "holiday_country": "UK"})
    assert response.status_code == 200
    assert "We know no public holidays for “UK”" in response.content.decode()
    team.refresh_from_db()
    assert team.holiday_country == ""


def test_adding_a_closure_day_moves_the_open_cases_deadline(
    client, page, team, account_manager, sales_manager, time_machine
):
    # Wednesday 25 Nov 2026 16:00 London: Acknowledge is due Thursday 09:30.
    time_machine.move_to(dt.datetime(2026, 11, 25, 16, tzinfo=dt.UTC), tick=False)
    case = make_case(account_manager)
    response = client.post(
        page, {"form": "closure", "date": "2026-11-26", "name": "Offsite"}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).step_due_at == dt.datetime(
        2026, 11, 27, 9, 30, tzinfo=dt.UTC
    )
    assert "Offsite" in client.get(page).content.decode()

    closure = ClosureDay.objects.get()
    client.post(page, {"form": "remove", "closure": closure.pk})
    assert not ClosureDay.objects.exists()
    assert Case.objects.get(pk=case.pk).step_due_at == dt.datetime(
        2026, 11, 26, 9, 30, tzinfo=dt.UTC
    )


def test_a_duplicate_closure_day_is_refused_with_a_clear_message(client, page, team):
    ClosureDay.objects.create(team=team, date=dt.date(2026, 12, 24), name="Eve")
    response = client.post(
        page, {"form": "closure", "date": "2026-12-24", "name": "Again"}
    )
    assert response.status_code == 200
    assert "already closed on that day" in response.content.decode()
    assert ClosureDay.objects.count() == 1


def test_a_closure_day_in_the_past_is_refused(client, page, time_machine):
    # Closing a day already worked would quietly turn late steps into ones on
    # time; today is still fine.
    time_machine.move_to(dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC), tick=False)
    response = client.post(
        page, {"form": "closure", "date": "2026-12-01", "name": "Yesterday"}
    )
    assert response.status_code == 200
    assert "That day is past" in response.content.decode()
    assert 'value="Yesterday"' in response.content.decode()
    assert not ClosureDay.objects.exists()
    client.post(page, {"form": "closure", "date": "2026-12-02", "name": "Today"})
    assert ClosureDay.objects.get().name == "Today"


def test_a_closure_day_out_of_range_is_refused(client, page):
    response = client.post(
        page, {"form": "closure", "date": "2100-01-01", "name": "Far"}
    )
    assert response.status_code == 200
    assert "31 December 2099" in response.content.decode()
    assert not ClosureDay.objects.exists()


def test_an_unknown_country_is_refused_on_the_form(client, page, team):
    response = client.post(page, {"form": "region", "holiday_country": "XX"})
    assert response.status_code == 200
    assert "We know no public holidays" in response.content.decode()
    team.refresh_from_db()
    assert team.holiday_country == ""


def test_another_teams_closure_day_cannot_be_removed(client, page, other_team):
    theirs = ClosureDay.objects.create(
        team=other_team, date=dt.date(2026, 12, 24), name="Eve"
    )
    client.post(page, {"form": "remove", "closure": theirs.pk})
    assert ClosureDay.objects.filter(pk=theirs.pk).exists()


# The escalation ladder's second rung (issue 18, item 3).


def test_the_second_escalation_is_set_here_and_moves_open_cases(
    client, page, team, account_manager, sales_manager, time_machine
):
    # Monday 23 Nov 2026 10:00 London: Acknowledge is due 12:00; by default
    # a case still there a working day (8 h) later, Tuesday 11:30, goes on.
    time_machine.move_to(dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC), tick=False)
    case = make_case(account_manager)
    text = re.sub(r"\s+", " ", client.get(page).content.decode())
    assert "8 business hours later goes to the administrators" in text
    assert 'name="second_escalation_hours" value="8"' in text
    response = client.post(
        page,
        {
            "form": "ladder",
            "second_escalation_hours": "4",
            "second_escalation_to": sales_manager.pk,
        },
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert team.second_escalation_to == sales_manager
    assert Case.objects.get(pk=case.pk).step_late_at == dt.datetime(
        2026, 11, 23, 16, tzinfo=dt.UTC
    )
    client.post(page, {"form": "ladder", "second_escalation_hours": ""})
    assert Case.objects.get(pk=case.pk).step_late_at is None
    assert "There is no second escalation." in client.get(page).content.decode()


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "Enter more than 0 hours"),
        ("2001", "less than or equal to 2000"),
        ("soon", "Enter a number."),
    ],
)
def test_second_escalation_hours_that_make_no_sense_are_refused(
    client, page, team, hours, message
):
    response = client.post(page, {"form": "ladder", "second_escalation_hours": hours})
    assert response.status_code == 200
    assert message in response.content.decode()
    team.refresh_from_db()
    assert team.second_escalation_hours == 8


def test_the_second_escalation_cannot_go_to_an_account_manager(
    client, page, team, account_manager
):
    response = client.post(
        page,
        {
            "form": "ladder",
            "second_escalation_hours": "8",
            "second_escalation_to": account_manager.pk,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    team.refresh_from_db()
    assert team.second_escalation_to is None
