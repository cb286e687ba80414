"""The headline figures, each beside its value in the previous period."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from cases.insights import figures
from cases.insights.text import MINUS, duration_text, money_text


@dataclass(frozen=True)
class Stat:
    """A headline figure beside its value in the previous period."""

    key: str
    label: str
    value: object
    previous: object
    shown: str
    shown_previous: str
    change: str
    # True: the change is an improvement; False: worse; None: neither.
    good: bool | None


def _rate(part, whole) -> float | None:
    return part / whole if whole else None


def stats(counts: dict, through: dict, money: dict, currency: str) -> list[Stat]:
    def pair(key):
        return counts[f"{key}_cur"], counts[f"{key}_prev"]

    def kept(window):
        return sum(counts[f"{o.value}_{window}"] for o in figures.KEPT_OUTCOMES)

    closed = pair("closed")
    fu, pr = through["follow_ups"], through["promises"]
    stats = [
        _count("logged", "cases logged", pair("opened"), better=None),
        _count("closed", "cases closed", closed, better=None),
        _percent(
            "recovery_rate",
            "recovery rate: client kept, of cases closed",
            (_rate(kept("cur"), closed[0]), _rate(kept("prev"), closed[1])),
        ),
        _percent(
            "repeat_business",
            "bought again after the recovery",
            (
                _rate(counts["recovered_cur"], closed[0]),
                _rate(counts["recovered_prev"], closed[1]),
            ),
        ),
        _duration_stat("to_alert", "from detection to manager alert", pair("to_alert")),
        _duration_stat(
            "to_contact", "from detection to first client contact", pair("to_contact")
        ),
        _duration_stat("to_close", "from detection to close", pair("to_close")),
        _percent(
            "follow_ups_on_time",
            "follow-ups done on time",
            (
                _rate(fu["on_time_cur"], fu["due_cur"]),
                _rate(fu["on_time_prev"], fu["due_prev"]),
            ),
        ),
        _percent(
            "promises_on_time",
            "promises kept on time",
            (
                _rate(pr["on_time_cur"], pr["due_cur"]),
                _rate(pr["on_time_prev"], pr["due_prev"]),
            ),
        ),
        _count(
            "second_drops",
            "second drops: promises missed",
            (pr["missed_cur"], pr["missed_prev"]),
            better=False,
        ),
        _money_stat(
            "value_given",
            "value given to clients",
            (money["value_cur"], money["value_prev"]),
            currency,
        ),
        _money_stat(
            "cost",
            "what it cost us",
            (money["cost_cur"], money["cost_prev"]),
            currency,
        ),
    ]
    return stats


def _count(key, label, values, *, better: bool | None) -> Stat:
    now, before = values
    diff = now - before
    change = "no change" if not diff else f"{diff:+d}"
    good = None if better is None or not diff else (diff > 0) == better
    return Stat(key, label, now, before, str(now), str(before), change, good)


def _percent(key, label, values) -> Stat:
    now, before = values
    shown = [("—" if v is None else f"{round(100 * v)}%") for v in values]
    change, good = "", None
    if now is not None and before is not None:
        points = round(100 * now) - round(100 * before)
        change = "no change" if not points else f"{points:+d} points"
        good = None if not points else points > 0
    return Stat(key, label, now, before, *shown, change, good)


def _duration_stat(key, label, values) -> Stat:
    now, before = values
    change, good = "", None
    if now is not None and before is not None:
        diff = now - before
        if abs(diff.total_seconds()) < 360:
            change = "no change"
        else:
            slower = diff > dt.timedelta(0)
            change = f"{duration_text(abs(diff))} {'slower' if slower else 'faster'}"
            good = diff < dt.timedelta(0)
    return Stat(
        key, label, now, before, duration_text(now), duration_text(before), change, good
    )


def _money_stat(key, label, values, currency: str) -> Stat:
    now, before = (v or Decimal(0) for v in values)
    diff = now - before
    change = (
        "no change"
        if not diff
        else f"{'+' if diff > 0 else MINUS}{money_text(abs(diff), currency)}"
    )
    return Stat(
        key,
        label,
        now,
        before,
        money_text(now, currency),
        money_text(before, currency),
        change,
        None,
    )
