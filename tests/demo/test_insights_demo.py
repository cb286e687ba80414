"""The demo, as a sales manager first sees the insights page: no empty section.

Issue 7 is done only when the demo data fills every section of the page at the
default period (the last 90 days), and the 90 days before it too, so that every
comparison means something.
"""

import pytest
from django.urls import reverse

from cases.choices import ClientFit, Outcome
from cases.models import User

pytestmark = pytest.mark.django_db

MANAGERS = [("maria", "Enterprise"), ("tom", "Midmarket")]
KEPT = {Outcome.RECOVERED.label, Outcome.RETAINED.label}
WARNING_VERDICTS = {ClientFit.WITH_CHANGES, ClientFit.NOT_A_FIT}


@pytest.fixture
def page(seeded, client):
    """The insights page at its default period, as the demo person named."""

    def open_as(username):
        client.force_login(User.objects.get(username=username))
        response = client.get(reverse("insights"))
        assert response.status_code == 200
        return response.context

    return open_as


def stat(context, key):
    return next(s for s in context["stats"] if s.key == key)


def through(context, label, window):
    return next(
        row
        for row in context["follow_through"]
        if row["label"] == label and row["window"] == window
    )


def check_cases_are_closed_with_mixed_outcomes_in_both_periods(context, team):
    closed = stat(context, "closed")
    assert closed.value >= 2 and closed.previous >= 2
    for key in ("recovery_rate", "repeat_business", "to_close"):
        figure = stat(context, key)
        assert figure.value is not None and figure.previous is not None, key
        assert figure.shown != "—" and figure.shown_previous != "—", key
    outcomes = context["outcomes"]
    assert outcomes["total"] == closed.value
    assert outcomes["total_previous"] == closed.previous
    seen = {row["label"] for row in outcomes["rows"] if row["value"] or row["previous"]}
    assert seen & KEPT and seen - KEPT  # some clients kept, some not


def check_times_from_detection_are_measured_in_both_periods(context, team):
    for key in ("to_alert", "to_contact", "to_close"):
        figure = stat(context, key)
        assert figure.value is not None and figure.previous is not None, key
    steps = context["steps"]
    assert all(row["visits"] for row in steps["rows"])
    assert steps["most_overdue"]["total"] > 0


def check_follow_ups_fall_due_and_a_promise_is_missed(context, team):
    for window in ("this period", "previous period"):
        follow_ups = through(context, "Follow-ups", window)
        promises = through(context, "Promises", window)
        assert follow_ups["due"] and follow_ups["on_time"], window
        assert promises["due"] and promises["on_time"], window
    assert through(context, "Follow-ups", "this period")["late"] >= 1
    assert through(context, "Promises", "this period")["missed"] >= 1
    assert stat(context, "second_drops").value >= 1
    assert stat(context, "follow_ups_on_time").value is not None
    assert stat(context, "promises_on_time").value is not None


def check_compensation_was_delivered_in_both_periods(context, team):
    money = context["compensation"]
    for window in ("cur", "prev"):
        assert money[window]["count"] >= 1, window
        assert money[window]["value"] != "0", window
    assert money["cur"]["under"] + money["prev"]["under"] >= 1
    assert stat(context, "value_given").value > 0
    assert stat(context, "value_given").previous > 0


def check_causes_are_ranked_and_one_repeats_for_an_account_manager(context, team):
    for ranking in ("parts", "gaps"):
        rows = context[ranking]["rows"]
        assert rows and rows[0]["value"] >= 2, ranking
        assert context[ranking]["total_previous"] > 0, ranking
    repeating = context["repeating_owners"]
    assert repeating and {row["team"] for row in repeating} == {team}
    # One person repeats both the same "our part" and the same question
    # answered No.
    assert any(
        any("answered No" in cause for cause in row["causes"])
        and any("answered No" not in cause for cause in row["causes"])
        for row in repeating
    )
    assert [row["name"] for row in context["by_team"]] == [team]
    assert len(context["by_owner"]) >= 2


def check_a_repeat_client_carries_an_earlier_warning_verdict(context, team):
    clients = context["repeat_clients"]
    assert clients and {c["team__name"] for c in clients} == {team}
    assert any(
        verdict["fit"] in WARNING_VERDICTS
        for client in clients
        for verdict in client["verdicts"]
    )
    assert all(client["n"] >= 2 for client in clients)


def check_time_in_steps_is_counted_in_business_hours(context, team):
    # Each finished demo visit keeps its length in business hours.
    worked = [row["worked_hours"] for row in context["steps"]["rows"]]
    assert sum(hours != "—" for hours in worked) >= 4, worked
    assert all(row["worked_hours"] != "—" for row in context["by_owner"])


# One seed per person: each check above is one section of the page.
CHECKS = [
    check_time_in_steps_is_counted_in_business_hours,
    check_cases_are_closed_with_mixed_outcomes_in_both_periods,
    check_times_from_detection_are_measured_in_both_periods,
    check_follow_ups_fall_due_and_a_promise_is_missed,
    check_compensation_was_delivered_in_both_periods,
    check_causes_are_ranked_and_one_repeats_for_an_account_manager,
    check_a_repeat_client_carries_an_earlier_warning_verdict,
]


@pytest.mark.parametrize(("username", "team"), MANAGERS)
def test_every_section_has_data_for_a_sales_manager(page, username, team):
    context = page(username)

    for check in CHECKS:
        check(context, team)


def test_the_administrator_sees_both_teams_in_every_section(page):
    context = page("admin")

    assert stat(context, "closed").value >= 4
    assert stat(context, "closed").previous >= 4
    assert {row["name"] for row in context["by_team"]} == {team for _, team in MANAGERS}
    assert {c["team__name"] for c in context["repeat_clients"]} == {
        team for _, team in MANAGERS
    }
    assert {row["team"] for row in context["repeating_owners"]} == {
        team for _, team in MANAGERS
    }
    assert context["compensation"]["cur"]["count"] >= 2
    assert any(row["closed"] for row in context["trend"]["rows"])
