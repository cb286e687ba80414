"""The compensation guideline: two floors, and a verdict on each offer.

The first floor is what keeping this client is worth, at least: a new client
costs marketing spend / new clients won to acquire, and a client worth more
than the typical client deserves proportionally more, never less than that.

The second comes from the client's loss (what the failure cost them), when
the case records it. Studies of service recovery find that, when a client
rejected what was delivered, their satisfaction climbs most as compensation
goes from about 60% to about 120% of the loss, and stops climbing above
about 150%: more buys no more goodwill.

The verdict on an offer takes the higher of the two floors as the bar (below
it: under the guideline) and the higher of the two ceilings as the point past
which an offer is far above it. The acquisition floor's ceiling is twice the
floor: beyond that we give away more than replacing the client twice over
would cost, with no goodwill to show for it that a smaller, well-chosen
remedy would not also earn.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from cases.money import currency_of, money

CENT = Decimal("0.01")

# Shares of the client's loss (the research above).
LOSS_LOW = Decimal("0.60")
LOSS_HIGH = Decimal("1.20")
LOSS_CEILING = Decimal("1.50")
# How many acquisition floors make an offer far above that floor.
FLOOR_CEILING = Decimal(2)

UNDER, MEETS, FAR_ABOVE = "under", "meets", "far_above"
VERDICT_LABELS = {
    UNDER: "Under the guideline",
    MEETS: "Meets the guideline",
    FAR_ABOVE: "Far above the guideline",
}


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class Verdict:
    key: str
    # The bar an offer must reach and the level past which it is far above.
    bar: Decimal
    ceiling: Decimal
    # Which floor set the bar: "loss" or "acquisition".
    bar_from: str
    ceiling_from: str

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.key]

    def explain(self, currency: str) -> str:
        """One plain sentence: why this verdict."""
        bar = money(self.bar, currency)
        ceiling = money(self.ceiling, currency)
        bar_words = (
            "60% of the client's loss"
            if self.bar_from == "loss"
            else "what keeping this client is worth"
        )
        ceiling_words = (
            "150% of the client's loss, where extra stops buying goodwill"
            if self.ceiling_from == "loss"
            else "twice what keeping this client is worth"
        )
        if self.key == UNDER:
            return f"Below the bar of {bar} ({bar_words}): consider offering more."
        if self.key == FAR_ABOVE:
            return (
                f"More than {ceiling} ({ceiling_words}): a smaller offer, or one "
                "worth more to the client and costing us less, would do as well."
            )
        return f"Between {bar} ({bar_words}) and {ceiling}."


def judge(value: Decimal, *, floor: Decimal, loss: Decimal | None) -> Verdict:
    """The verdict on an offer worth `value` to the client, against the
    acquisition floor `floor` and the client's `loss` (None: not known)."""
    bar, bar_from = floor, "acquisition"
    ceiling, ceiling_from = _cents(floor * FLOOR_CEILING), "acquisition"
    if loss:
        low, top = _cents(loss * LOSS_LOW), _cents(loss * LOSS_CEILING)
        if low > bar:
            bar, bar_from = low, "loss"
        if top > ceiling:
            ceiling, ceiling_from = top, "loss"
    if value < bar:
        key = UNDER
    elif value > ceiling:
        key = FAR_ABOVE
    else:
        key = MEETS
    return Verdict(key, bar, ceiling, bar_from, ceiling_from)


@dataclass(frozen=True)
class Guideline:
    marketing_spend: Decimal
    new_clients_won: int
    average_client_value: Decimal
    client_value: Decimal | None
    approval_threshold: Decimal
    client_loss: Decimal | None = None
    currency: str = "EUR"

    @property
    def acquisition_cost(self) -> Decimal:
        return _cents(self.marketing_spend / self.new_clients_won)

    @property
    def factor(self) -> Decimal:
        """How many typical clients this one is worth; at least 1."""
        if not self.client_value or not self.average_client_value:
            return Decimal(1)
        ratio = self.client_value / self.average_client_value
        return max(Decimal(1), ratio.quantize(Decimal("0.01"), ROUND_HALF_UP))

    @property
    def amount(self) -> Decimal:
        """The acquisition-cost floor, scaled by the client's value."""
        return _cents(self.acquisition_cost * self.factor)

    @property
    def floor_ceiling(self) -> Decimal:
        return _cents(self.amount * FLOOR_CEILING)

    # The loss-based range; None while no loss is recorded.

    def _share_of_loss(self, share: Decimal) -> Decimal | None:
        return _cents(self.client_loss * share) if self.client_loss else None

    @property
    def loss_low(self) -> Decimal | None:
        return self._share_of_loss(LOSS_LOW)

    @property
    def loss_high(self) -> Decimal | None:
        return self._share_of_loss(LOSS_HIGH)

    @property
    def loss_ceiling(self) -> Decimal | None:
        return self._share_of_loss(LOSS_CEILING)

    @property
    def bounds(self) -> Verdict:
        """The bar and the ceiling (judged for nothing, so `key` is moot)."""
        return judge(Decimal(0), floor=self.amount, loss=self.client_loss)

    def verdict(self, value_to_client: Decimal) -> Verdict:
        return judge(value_to_client, floor=self.amount, loss=self.client_loss)

    def is_under(self, value_to_client: Decimal) -> bool:
        return self.verdict(value_to_client).key == UNDER

    def needs_approval(self, total_cost: Decimal) -> bool:
        """`total_cost`: what the case's offers not declined cost us, the new
        one included, so splitting an offer does not slip under the threshold."""
        return total_cost > self.approval_threshold


def offer_verdict(compensation, case) -> Verdict:
    """An offer's verdict: the acquisition floor as it was when offered,
    against the client's loss as the case records it now."""
    return judge(
        compensation.value_to_client,
        floor=compensation.guideline,
        loss=case.client_loss,
    )


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
        client_loss=case.client_loss,
        currency=currency_of(team),
    )
