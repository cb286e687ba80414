"""The escalation ladder in the admin's Team page: the second escalation's
hours and person are checked, and saving them moves the open cases' moments."""

import datetime as dt

import pytest
from django.urls import reverse

from cases.choices import Role
from cases.models import Case, Team
from tests.factories import UserFactory, make_case

pytestmark = pytest.mark.django_db

MONDAY_TEN = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def team_form(team: Team, **changes) -> dict:
    """What the Team change page posts back, with `changes`."""
    data = {
        "name": team.name,
        "time_zone": team.time_zone,
        "work_days": team.work_days,
        "work_start": team.work_start.strftime("%H:%M"),
        "work_end": team.work_end.strftime("%H:%M"),
        "holiday_country": team.holiday_country,
        "holiday_subdivision": team.holiday_subdivision,
        "second_escalation_hours": team.second_escalation_hours or "",
        "second_escalation_to": team.second_escalation_to_id or "",
        "marketing_spend": "",
        "new_clients_won": "",
        "average_client_value": "",
        "approval_threshold": "",
        "second_failure_days": team.second_failure_days,
        "second_failure_factor": team.second_failure_factor,
    }
    for prefix in ("step_targets", "closure_days"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | changes


def test_saving_the_hours_moves_open_cases_second_escalation(
    client, administrator, account_manager, team, time_machine
):
    time_machine.move_to(MONDAY_TEN, tick=False)
    case = make_case(account_manager)
    # Due 12:00 Monday; 8 business hours on: Tuesday 11:30.
    assert case.step_late_at == dt.datetime(2026, 11, 24, 11, 30, tzinfo=dt.UTC)
    client.force_login(administrator)
    url = reverse("admin:cases_team_change", args=[team.pk])
    response = client.post(url, team_form(team, second_escalation_hours="4"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Case.objects.get(pk=case.pk).step_late_at == dt.datetime(
        2026, 11, 23, 16, 0, tzinfo=dt.UTC
    )
    client.post(url, team_form(team, second_escalation_hours=""))
    assert Case.objects.get(pk=case.pk).step_late_at is None
    assert Team.objects.get(pk=team.pk).second_escalation_hours is None


def test_zero_hours_are_refused_with_a_clear_message(client, administrator, team):
    client.force_login(administrator)
    url = reverse("admin:cases_team_change", args=[team.pk])
    response = client.post(url, team_form(team, second_escalation_hours="0"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Enter more than 0 hours" in errors["second_escalation_hours"][0]
    assert Team.objects.get(pk=team.pk).second_escalation_hours == 8


def test_only_administrators_and_the_teams_sales_managers_are_offered(
    client, administrator, account_manager, sales_manager, team, other_team
):
    elsewhere = UserFactory(username="mia", role=Role.SALES_MANAGER, teams=[other_team])
    client.force_login(administrator)
    url = reverse("admin:cases_team_change", args=[team.pk])
    form = client.get(url).context["adminform"].form
    offered = set(form.fields["second_escalation_to"].queryset)
    assert offered == {administrator, sales_manager}
    response = client.post(url, team_form(team, second_escalation_to=elsewhere.pk))
    assert response.status_code == 200
    assert "second_escalation_to" in response.context["adminform"].form.errors
    response = client.post(url, team_form(team, second_escalation_to=sales_manager.pk))
    assert response.status_code == 302
    assert Team.objects.get(pk=team.pk).second_escalation_to == sales_manager
