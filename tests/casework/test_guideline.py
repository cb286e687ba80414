"""The compensation guideline: what keeping a client is worth, at least."""

from decimal import Decimal

import pytest

from cases.guideline import Guideline, guideline_for
from tests.factories import ClientFactory, make_case

DEFAULTS = {
    "marketing_spend": 5000,
    "new_clients_won": 50,
    "average_client_value": 20000,
    "approval_threshold": 500,
}


def guideline(**overrides) -> Guideline:
    values = {
        "marketing_spend": Decimal("5000"),
        "new_clients_won": 50,
        "average_client_value": Decimal("20000"),
        "client_value": None,
        "approval_threshold": Decimal("500"),
    }
    values.update(overrides)
    return Guideline(**values)


@pytest.fixture
def defaults(settings):
    settings.COMPENSATION_DEFAULTS = dict(DEFAULTS)
    return settings.COMPENSATION_DEFAULTS


# The arithmetic.


def test_acquisition_cost_is_marketing_spend_over_new_clients():
    assert guideline().acquisition_cost == Decimal("100.00")


def test_acquisition_cost_is_rounded_to_cents():
    # 1000 / 3 = 333.333…
    g = guideline(marketing_spend=Decimal("1000"), new_clients_won=3)
    assert g.acquisition_cost == Decimal("333.33")


def test_a_client_worth_three_typical_clients_gets_three_times_the_floor():
    g = guideline(client_value=Decimal("60000"))
    assert g.factor == Decimal("3")
    assert g.amount == Decimal("300.00")


def test_a_client_worth_half_again_a_typical_one_gets_one_and_a_half_times():
    g = guideline(client_value=Decimal("30000"))
    assert g.factor == Decimal("1.50")
    assert g.amount == Decimal("150.00")


def test_a_client_worth_less_than_average_keeps_the_floor():
    g = guideline(client_value=Decimal("5000"))
    assert g.factor == Decimal("1")
    assert g.amount == Decimal("100.00")


def test_a_client_without_an_annual_value_keeps_the_floor():
    g = guideline(client_value=None)
    assert g.factor == Decimal("1")
    assert g.amount == Decimal("100.00")


def test_a_team_without_an_average_client_value_keeps_the_floor():
    g = guideline(average_client_value=Decimal("0"), client_value=Decimal("60000"))
    assert g.amount == Decimal("100.00")


def test_is_under_when_the_value_to_the_client_is_below_the_guideline():
    g = guideline(client_value=Decimal("60000"))  # 300.00
    assert g.is_under(Decimal("299.99"))
    assert not g.is_under(Decimal("300"))
    assert not g.is_under(Decimal("450"))


def test_a_cost_above_the_threshold_needs_approval():
    assert guideline().needs_approval(Decimal("500.01"))


def test_a_cost_equal_to_the_threshold_does_not_need_approval():
    g = guideline()
    assert not g.needs_approval(Decimal("500"))
    assert not g.needs_approval(Decimal("499.99"))


# Where the numbers come from: the team, else the settings.


def test_guideline_for_a_case_uses_the_settings_when_the_team_sets_nothing(
    defaults, account_manager, sales_manager, team
):
    client = ClientFactory(team=team, annual_value=Decimal("60000"))
    g = guideline_for(make_case(account_manager, client=client))
    assert g.marketing_spend == Decimal("5000")
    assert g.new_clients_won == 50
    assert g.average_client_value == Decimal("20000")
    assert g.approval_threshold == Decimal("500")
    assert g.client_value == Decimal("60000")
    assert g.amount == Decimal("300.00")


def test_guideline_follows_changed_settings(
    settings, account_manager, sales_manager, team
):
    settings.COMPENSATION_DEFAULTS = {**DEFAULTS, "marketing_spend": 8000}
    g = guideline_for(make_case(account_manager))
    assert g.acquisition_cost == Decimal("160.00")


def test_team_values_override_the_settings(
    defaults, account_manager, sales_manager, team
):
    team.marketing_spend = Decimal("12000")
    team.new_clients_won = 40
    team.average_client_value = Decimal("50000")
    team.approval_threshold = Decimal("1000")
    team.save()
    client = ClientFactory(team=team, annual_value=Decimal("100000"))

    g = guideline_for(make_case(account_manager, client=client))

    assert g.acquisition_cost == Decimal("300.00")  # 12,000 / 40
    assert g.factor == Decimal("2")  # 100,000 / 50,000
    assert g.amount == Decimal("600.00")
    assert not g.needs_approval(Decimal("1000"))
    assert g.needs_approval(Decimal("1000.01"))


def test_a_team_can_override_only_some_values(
    defaults, account_manager, sales_manager, team
):
    team.approval_threshold = Decimal("0")
    team.save()
    g = guideline_for(make_case(account_manager))
    # A threshold of zero is a real value, not "unset": everything needs approval.
    assert g.approval_threshold == Decimal("0")
    assert g.needs_approval(Decimal("0.01"))
    assert g.acquisition_cost == Decimal("100.00")
