"""Holidays in the admin: the team's country and region are checked, and a
closure day entered there moves the open cases' deadlines as the page does."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Case, ClosureDay, Team
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_a_team_with_an_unknown_region_does_not_validate(team):
    team.holiday_country, team.holiday_subdivision = "DE", "XX"
    with pytest.raises(ValidationError) as refused:
        team.full_clean()
    assert (
        "is not a region of DE" in refused.value.message_dict["holiday_subdivision"][0]
    )


def test_a_closure_day_added_in_the_admin_moves_open_deadlines(
    client, administrator, account_manager, sales_manager, team, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 25, 16, tzinfo=dt.UTC), tick=False)
    case = make_case(account_manager)
    client.force_login(administrator)
    response = client.post(
        reverse("admin:cases_closureday_add"),
        {"team": team.pk, "date": "2026-11-26", "name": "Offsite"},
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).step_due_at == dt.datetime(
        2026, 11, 27, 9, 30, tzinfo=dt.UTC
    )
    closure = ClosureDay.objects.get()
    client.post(
        reverse("admin:cases_closureday_delete", args=[closure.pk]), {"post": "yes"}
    )
    assert Case.objects.get(pk=case.pk).step_due_at == dt.datetime(
        2026, 11, 26, 9, 30, tzinfo=dt.UTC
    )


def test_the_team_admin_shows_the_holiday_fields_and_closure_days(
    client, administrator, team
):
    ClosureDay.objects.create(team=team, date=dt.date(2026, 12, 24), name="Eve")
    client.force_login(administrator)
    text = client.get(reverse("admin:cases_team_change", args=[team.pk])).content
    assert b'name="holiday_country"' in text
    assert b'name="closure_days-0-name"' in text
    assert Team.objects.get(pk=team.pk).closure_days.count() == 1
