"""Money as Mend shows it: an amount with its currency, "EUR 1,250.00".

Every amount belongs to a team's cases, so it is counted in the team's
currency (Team.currency), else Mend's (settings.MEND_CURRENCY). A leaf: it
reads settings and nothing else of Mend.
"""

from decimal import Decimal

from django.conf import settings


def currency_of(team) -> str:
    """The currency a team counts in; `team` may be None (Mend's default)."""
    return (getattr(team, "currency", "") or settings.MEND_CURRENCY).upper()


def money(amount, currency: str, places: int = 2) -> str:
    """`amount` with its currency and thousands separators; "—" for None.

    Negative amounts keep their sign before the digits ("EUR -5.00").
    """
    if amount is None or amount == "":
        return "—"
    value = Decimal(str(amount))
    return f"{currency} {value:,.{places}f}"


def currency_of_teams(teams) -> str:
    """One currency for figures summed over several teams, or "" when they
    count in different ones (then a sum mixes currencies and says so)."""
    found = {currency_of(team) for team in teams}
    if not found:
        return currency_of(None)
    return found.pop() if len(found) == 1 else ""
