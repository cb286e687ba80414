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


def money_text(value) -> str:
    return f"{(value or Decimal(0)):,.0f}"


def share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"
