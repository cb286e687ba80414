"""The page's tables and bars: ranked rows, time in each step, doing what we
said we would, and compensation given; this period beside the previous one."""

from decimal import Decimal

from cases.choices import BuyAgain, CheckInRound, Outcome
from cases.insights import figures
from cases.insights.check_ins import SCORES
from cases.insights.text import duration_text, hours_paused, money_text, share
from cases.workflow import WORKING_STEPS


def ranked(rows: list[tuple[str, int, int]], *, keep_order: bool = False) -> dict:
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


def steps(rows: dict) -> dict:
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
                "over_share": share(over, visits),
                "over_share_previous": share(over_prev, visits_prev),
                **hours_paused(row.get("worked_cur"), row.get("paused_cur")),
            }
        )
    most = ranked([(s["label"], s["over"], s["over_previous"]) for s in steps])
    return {"rows": steps, "most_overdue": most}


def follow_through(through: dict) -> list[dict]:
    rows = []
    for key, label in (("follow_ups", "Follow-ups"), ("promises", "Promises")):
        f = through[key]
        for window, name in (("cur", "this period"), ("prev", "previous period")):
            due = f[f"due_{window}"]
            on_time, early, late, missed = (
                f[f"{k}_{window}"] for k in ("on_time", "early", "late", "missed")
            )
            rows.append(
                {
                    "label": label,
                    "window": name,
                    "due": due,
                    "on_time": on_time,
                    # Settled before the day, with a reason: counted apart.
                    "early": early,
                    "late": late,
                    "missed": missed,
                    "open": due - on_time - early - late - missed,
                    "on_time_share": share(on_time, due),
                }
            )
    return rows


def compensation(money: dict, currency: str) -> dict:
    out = {}
    for window in figures.WINDOWS:
        value = money[f"value_{window}"] or Decimal(0)
        cost = money[f"cost_{window}"] or Decimal(0)
        guideline = money[f"guideline_{window}"] or Decimal(0)
        out[window] = {
            "count": money[f"count_{window}"],
            "value": money_text(value, currency),
            "cost": money_text(cost, currency),
            "guideline": money_text(guideline, currency),
            "against_guideline": share(value, guideline),
            "cost_share": share(cost, value),
            "under": money[f"under_{window}"],
        }
    return out


SCORE_WORDS = {1: "very unhappy", 2: "unhappy", 3: "so-so", 4: "happy", 5: "very happy"}


def _of(part: int, whole: int) -> str:
    """A share with its count: never a percentage on its own."""
    return f"{part} of {whole} ({share(part, whole)})" if whole else "none"


def client_words(checks: dict, recovered: dict) -> dict:
    """Recovered in the client's own words: the answers by score and by
    "would buy again", answered against sent, the recovered cases whose
    client would buy again, and where our outcome and their answer differ."""
    return {
        "scores": ranked(
            [
                (
                    f"{n} of 5 ({SCORE_WORDS[n]})",
                    checks[f"score_{n}_cur"],
                    checks[f"score_{n}_prev"],
                )
                for n in reversed(SCORES)
            ],
            keep_order=True,
        ),
        "buy_again": ranked(
            [
                (a.label, checks[f"{a.value}_cur"], checks[f"{a.value}_prev"])
                for a in BuyAgain
            ],
            keep_order=True,
        ),
        **{
            window: {
                "sent": checks[f"sent_{window}"],
                "answered": checks[f"answered_{window}"],
                "answered_text": _of(
                    checks[f"answered_{window}"], checks[f"sent_{window}"]
                ),
                "recovered": recovered[f"recovered_{window}"],
                "recovered_answered": recovered[f"recovered_answered_{window}"],
                "recovered_yes": recovered[f"recovered_yes_{window}"],
                "recovered_yes_text": _of(
                    recovered[f"recovered_yes_{window}"],
                    recovered[f"recovered_answered_{window}"],
                ),
                "kept_low": recovered[f"kept_low_{window}"],
                "lost_yes": recovered[f"lost_yes_{window}"],
            }
            for window in figures.WINDOWS
        },
        "differ": [
            {
                "case": row["pk"],
                "client": row["client__name"],
                "outcome": Outcome(row["outcome"]).label,
                "we_kept": row["outcome"] in figures.KEPT_OUTCOMES,
                "answers": [
                    {
                        "name": a["contact__name"],
                        "round": CheckInRound(a["round"]).label,
                        "score": a["score"],
                        "buy_again": BuyAgain(a["buy_again"]).label,
                    }
                    for a in row["answers"]
                ],
            }
            for row in recovered["differ"]
        ],
    }
