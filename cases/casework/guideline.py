"""The compensation guideline: what keeping this client is worth, at least.

A new client costs marketing spend / new clients won to acquire; keeping one we
have is worth at least that. A client worth more than the typical client
deserves proportionally more, never less than the floor.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Guideline:
    marketing_spend: Decimal
    new_clients_won: int
    average_client_value: Decimal
    client_value: Decimal | None
    approval_threshold: Decimal

    @property
    def acquisition_cost(self) -> Decimal:
        return (self.marketing_spend / self.new_clients_won).quantize(
            CENT, ROUND_HALF_UP
        )

    @property
    def factor(self) -> Decimal:
        """How many typical clients this one is worth; at least 1."""
        if not self.client_value or not self.average_client_value:
            return Decimal(1)
        ratio = self.client_value / self.average_client_value
        return max(Decimal(1), ratio.quantize(Decimal("0.01"), ROUND_HALF_UP))

    @property
    def amount(self) -> Decimal:
        return (self.acquisition_cost * self.factor).quantize(CENT, ROUND_HALF_UP)

    def is_under(self, value_to_client: Decimal) -> bool:
        return value_to_client < self.amount

    def needs_approval(self, total_cost: Decimal) -> bool:
        """`total_cost`: what the case's offers not declined cost us, the new
        one included, so splitting an offer does not slip under the threshold."""
        return total_cost > self.approval_threshold


def _pick(team_value, key):
    default = settings.COMPENSATION_DEFAULTS[key]
    value = team_value if team_value is not None else default
    return Decimal(str(value))


def guideline_for(case) -> Guideline:
    team = case.team
    return Guideline(
        marketing_spend=_pick(team.marketing_spend, "marketing_spend"),
        new_clients_won=int(_pick(team.new_clients_won, "new_clients_won")),
        average_client_value=_pick(team.average_client_value, "average_client_value"),
        client_value=case.client.annual_value,
        approval_threshold=_pick(team.approval_threshold, "approval_threshold"),
    )
