"""The insights page's content: the figures, compared and ready to show."""

import datetime as dt
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases.choices import ROOT_CAUSE_QUESTIONS, ClientFit, OurPart, Outcome
from cases.insights import figures
from cases.insights.period import Period
from cases.models import Case, User
from cases.workflow import WORKING_STEPS

TIMES, MINUS = "\u00d7", "\u2212"
# A cause seen this often in one person's cases in a period is a pattern.
REPEATS = 2


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


def scope(user: User, team=None, owner=None) -> QuerySet:
    cases = Case.objects.for_insights(user)
    if team is not None:
        cases = cases.filter(team=team)
    if owner is not None:
        cases = cases.filter(owner=owner)
    return cases


def insights(user: User, period: Period, *, team=None, owner=None, now=None) -> dict:
    now = now or timezone.now()
    cases = scope(user, team, owner)
    with _analytic_settings():
        counts = figures.case_figures(cases, period)
        through = figures.follow_through(cases, period)
        money = figures.compensation_figures(cases, period)
        causes = figures.cause_figures(cases, period)
        people = figures.people_figures(cases, period)
        steps = figures.step_figures(cases, period, now)
        repeats = figures.repeat_clients(cases, period)
        trend = figures.trend(cases, period)
    return {
        "period": period,
        "previous": period.previous,
        "stats": _stats(counts, through, money),
        "outcomes": _ranked(
            [
                (o.label, counts[f"{o.value}_cur"], counts[f"{o.value}_prev"])
                for o in Outcome
            ],
            keep_order=True,
        ),
        "steps": _steps(steps),
        "follow_through": _follow_through(through),
        "compensation": _compensation(money),
        "parts": _ranked(
            [(OurPart(r["part"]).label, r["cur"], r["prev"]) for r in causes["parts"]]
        ),
        "gaps": _ranked(
            [
                (ROOT_CAUSE_QUESTIONS[r["question"]], r["cur"], r["prev"])
                for r in causes["gaps"]
            ]
        ),
        "by_team": _by_group(people, causes, "team"),
        "by_owner": _by_group(people, causes, "owner"),
        "repeat_clients": _repeat_clients(repeats),
        "repeating_owners": _repeating_owners(people, causes),
        "trend": _trend(trend, period),
    }


@contextmanager
def _analytic_settings():
    """Settings for these aggregates alone, inside one transaction.

    PostgreSQL's JIT compiler takes longer to compile them (hundreds of
    milliseconds at 100,000 cases) than they take to run; and the medians sort
    their rows, which spill to disk under the default work_mem.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        yield


# Headline figures ------------------------------------------------------------


def _rate(part, whole) -> float | None:
    return part / whole if whole else None


def _stats(counts: dict, through: dict, money: dict) -> list[Stat]:
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
        ),
        _money_stat("cost", "what it cost us", (money["cost_cur"], money["cost_prev"])),
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


def duration_text(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    hours = value.total_seconds() / 3600
    if abs(hours) < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


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


def money_text(value) -> str:
    return f"{(value or Decimal(0)):,.0f}"


def _money_stat(key, label, values) -> Stat:
    now, before = (v or Decimal(0) for v in values)
    diff = now - before
    change = (
        "no change"
        if not diff
        else f"{'+' if diff > 0 else MINUS}{money_text(abs(diff))}"
    )
    return Stat(
        key, label, now, before, money_text(now), money_text(before), change, None
    )


# Tables and charts -----------------------------------------------------------


def _ranked(rows: list[tuple[str, int, int]], *, keep_order: bool = False) -> dict:
    """Rows of (label, this period, previous period) as bars, largest first."""
    rows = [r for r in rows if r[1] or r[2]] if not keep_order else rows
    if not keep_order:
        rows = sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))
    top = max((r[1] for r in rows), default=0) or 1
    return {
        "rows": [
            {
                "label": label,
                "value": now,
                "previous": before,
                "width": round(100 * now / top, 1),
            }
            for label, now, before in rows
        ],
        "total": sum(r[1] for r in rows),
        "total_previous": sum(r[2] for r in rows),
    }


def _steps(rows: dict) -> dict:
    steps = []
    for step in WORKING_STEPS:
        row = rows.get(step.value, {})
        visits, over = row.get("visits_cur", 0), row.get("over_cur", 0)
        visits_prev, over_prev = row.get("visits_prev", 0), row.get("over_prev", 0)
        steps.append(
            {
                "label": step.label,
                "visits": visits,
                "median": duration_text(row.get("median_cur")),
                "median_previous": duration_text(row.get("median_prev")),
                "visits_previous": visits_prev,
                "over": over,
                "over_previous": over_prev,
                "over_share": _share(over, visits),
                "over_share_previous": _share(over_prev, visits_prev),
            }
        )
    most = _ranked([(s["label"], s["over"], s["over_previous"]) for s in steps])
    return {"rows": steps, "most_overdue": most}


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _follow_through(through: dict) -> list[dict]:
    rows = []
    for key, label in (("follow_ups", "Follow-ups"), ("promises", "Promises")):
        f = through[key]
        for window, name in (("cur", "this period"), ("prev", "previous period")):
            due = f[f"due_{window}"]
            on_time, late, missed = (
                f[f"{k}_{window}"] for k in ("on_time", "late", "missed")
            )
            rows.append(
                {
                    "label": label,
                    "window": name,
                    "due": due,
                    "on_time": on_time,
                    "late": late,
                    "missed": missed,
                    "open": due - on_time - late - missed,
                    "on_time_share": _share(on_time, due),
                }
            )
    return rows


def _compensation(money: dict) -> dict:
    out = {}
    for window in figures.WINDOWS:
        value = money[f"value_{window}"] or Decimal(0)
        cost = money[f"cost_{window}"] or Decimal(0)
        guideline = money[f"guideline_{window}"] or Decimal(0)
        out[window] = {
            "count": money[f"count_{window}"],
            "value": money_text(value),
            "cost": money_text(cost),
            "guideline": money_text(guideline),
            "against_guideline": _share(value, guideline),
            "cost_share": _share(cost, value),
            "under": money[f"under_{window}"],
        }
    return out


def person_name(row: dict) -> str:
    first, last = row["owner__first_name"], row["owner__last_name"]
    return f"{first} {last}".strip() or row["owner__username"]


def _top(counter: Counter, labels, limit: int = 2) -> list[dict]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return [{"label": labels(key), "n": n} for key, n in ranked[:limit]]


def _by_group(people: list[dict], causes: dict, group: str) -> list[dict]:
    """Per team or per owner: cases, outcomes, and the causes that lead."""
    table: dict[int, dict] = {}
    for row in people:
        name = row["team__name"] if group == "team" else person_name(row)
        entry = table.setdefault(
            row[group],
            {
                "name": name,
                "logged": 0,
                "closed": 0,
                "kept": 0,
                "team": row["team__name"],
            },
        )
        for field in ("logged", "closed", "kept"):
            entry[field] += row[field]
    parts, gaps = defaultdict(Counter), defaultdict(Counter)
    for row in causes["parts_by_owner"]:
        parts[row[f"case__{group}"]][row["part"]] += row["n"]
    for row in causes["gaps_by_owner"]:
        gaps[row[f"case__{group}"]][row["question"]] += row["n"]
    rows = []
    for key, entry in table.items():
        entry["kept_share"] = _share(entry["kept"], entry["closed"])
        entry["top_parts"] = _top(parts[key], lambda p: OurPart(p).label)
        entry["top_gaps"] = _top(gaps[key], ROOT_CAUSE_QUESTIONS.get)
        rows.append(entry)
    return sorted(rows, key=lambda e: (-e["logged"], e["name"]))


def _repeating_owners(people: list[dict], causes: dict) -> list[dict]:
    names = {row["owner"]: person_name(row) for row in people}
    teams = {row["owner"]: row["team__name"] for row in people}
    found = defaultdict(list)
    for row in causes["parts_by_owner"]:
        if row["n"] >= REPEATS:
            found[row["case__owner"]].append((row["n"], OurPart(row["part"]).label))
    for row in causes["gaps_by_owner"]:
        if row["n"] >= REPEATS:
            label = ROOT_CAUSE_QUESTIONS[row["question"]]
            found[row["case__owner"]].append((row["n"], f"“{label}” answered No"))
    rows = [
        {
            "name": names.get(owner, "—"),
            "team": teams.get(owner, ""),
            "causes": [
                f"{label} {TIMES}{n}"
                for n, label in sorted(items, key=lambda item: -item[0])
            ],
            "worst": max(n for n, _ in items),
        }
        for owner, items in found.items()
    ]
    return sorted(rows, key=lambda r: (-r["worst"], r["name"]))


def _repeat_clients(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["verdicts"] = [
            {"label": ClientFit(fit).label, "n": n, "fit": fit}
            for fit, n in row["verdicts"].items()
            if fit
        ]
    return rows


def _bucket_key(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _trend(data: dict, period: Period) -> dict:
    logged = {_bucket_key(k): v for k, v in data["logged"].items()}
    closed = {_bucket_key(k): v for k, v in data["closed"].items()}
    if data["monthly"]:
        first = period.start.replace(day=1)
        buckets = []
        while first <= period.end:
            buckets.append(first)
            first = (first + dt.timedelta(days=32)).replace(day=1)
    else:
        monday = period.start - dt.timedelta(days=period.start.weekday())
        buckets = []
        while monday <= period.end:
            buckets.append(monday)
            monday += dt.timedelta(weeks=1)
    rows = []
    for bucket in buckets:
        n_closed, kept = closed.get(bucket, (0, 0))
        rows.append(
            {
                "bucket": bucket,
                "logged": logged.get(bucket, 0),
                "closed": n_closed,
                "kept": kept,
            }
        )
    top = max([r["logged"] for r in rows] + [r["closed"] for r in rows] + [1])
    step = 560 / max(len(rows), 1)
    width = max(min(step / 2 - 2, 18), 2)
    for index, row in enumerate(rows):
        row["x"] = round(40 + index * step, 1)
        row["x2"] = round(row["x"] + width + 1, 1)
        row["logged_h"] = round(120 * row["logged"] / top)
        row["closed_h"] = round(120 * row["closed"] / top)
        row["logged_y"] = 140 - row["logged_h"]
        row["closed_y"] = 140 - row["closed_h"]
        row["label_x"] = round(row["x"] + width, 1)
    label_every = -(-len(rows) // 7)  # at most seven labels fit under the bars
    for index, row in enumerate(rows):
        row["show_label"] = index % label_every == 0
    return {
        "monthly": data["monthly"],
        "rows": rows,
        "top": top,
        "bar_width": round(width, 1),
    }
