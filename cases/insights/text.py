"""How the insights write their figures: durations, money, shares, signs."""

import datetime as dt
from decimal import Decimal

TIMES, MINUS = "\u00d7", "\u2212"


def duration_text(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if abs(hours) < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


# Figures summed over teams that count in different currencies.
MIXED = "mixed currencies"


def money_text(value, currency: str = "") -> str:
    """A whole amount with its currency ("EUR 1,250"); `currency` "" means
    the figures mix currencies, which the text says rather than hides."""
    amount = f"{(value or Decimal(0)):,.0f}"
    return f"{currency} {amount}" if currency else f"{amount} ({MIXED})"


def share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def hours_paused(worked, paused) -> dict:
    """Business hours in the steps and, beside them, those paused."""
    worked, paused = worked or Decimal(0), paused or Decimal(0)
    return {
        "worked_hours": f"{worked:,.1f} h" if worked else "—",
        "paused_hours": f"{paused:,.1f} h" if paused else "—",
        "paused_share": f"{round(100 * paused / worked)}%" if paused else "",
    }
