"""Who and which clients: the tables by team and by account manager, and the
watchlist (clients with repeated incidents, owners whose causes repeat)."""

from collections import Counter, defaultdict

from cases.choices import ROOT_CAUSE_QUESTIONS, ClientFit, OurPart
from cases.insights.text import TIMES, hours_paused, share

# A cause seen this often in one person's cases in a period is a pattern.
REPEATS = 2


def person_name(row: dict) -> str:
    first, last = row["owner__first_name"], row["owner__last_name"]
    return f"{first} {last}".strip() or row["owner__username"]


def _top(counter: Counter, labels, limit: int = 2) -> list[dict]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return [{"label": labels(key), "n": n} for key, n in ranked[:limit]]


def by_group(
    people: list[dict], causes: dict, group: str, step_time: list[dict] = ()
) -> list[dict]:
    """Per team or per owner: cases, outcomes, the causes that lead, and the
    business hours in steps beside those paused."""
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
    worked, paused = Counter(), Counter()
    for row in step_time:
        worked[row[f"case__{group}"]] += row["worked"] or 0
        paused[row[f"case__{group}"]] += row["paused"] or 0
    rows = []
    for key, entry in table.items():
        entry.update(hours_paused(worked[key], paused[key]))
        entry["kept_share"] = share(entry["kept"], entry["closed"])
        entry["top_parts"] = _top(parts[key], lambda p: OurPart(p).label)
        entry["top_gaps"] = _top(gaps[key], ROOT_CAUSE_QUESTIONS.get)
        rows.append(entry)
    return sorted(rows, key=lambda e: (-e["logged"], e["name"]))


def repeating_owners(people: list[dict], causes: dict) -> list[dict]:
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


def repeat_clients(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["verdicts"] = [
            {"label": ClientFit(fit).label, "n": n, "fit": fit}
            for fit, n in row["verdicts"].items()
            if fit
        ]
    return rows
