"""What worked: the figures of what_worked as the page's small tables, each
with, when the counts bear it out, one sentence on what it suggests.

A rate is shown only for a group of at least MIN_CASES cases: below that one
case more or less swings it by twenty points or more, so the row gives its
counts and says "too few cases". A sentence compares two such groups only
when their recovery rates are at least GAP points apart, and says what was
counted, not why: the cases of a group differ in more than what groups them.
"""

from collections import Counter
from dataclasses import dataclass

from cases.choices import OurPart
from cases.guideline import FAR_ABOVE, MEETS, UNDER, judge
from cases.insights.period import Period
from cases.insights.reads import Scope
from cases.insights.what_worked import (
    APOLOGY_BANDS,
    CHECKS,
    CONTACT_BANDS,
    MEASURES,
    SECOND,
    compensation_figures,
    outcome_figures,
)

MIN_CASES = 5
GAP = 20
TOO_FEW = "too few cases"

# How a sentence names the cases of each group ("cases ... kept ...").
PHRASES = {
    "first": "that were the client's first failure",
    "second": "that were a second failure for the client",
    "contact_4": "whose first word to the client came within 4 business hours",
    "contact_8": "whose first word to the client came in 4 to 8 business hours",
    "contact_16": "whose first word to the client came the next business day",
    "contact_late": "whose first word to the client took more than 16 business hours",
    "contact_none": "with no word to the client recorded",
    "apology_8": "with the full apology within 8 business hours",
    "apology_24": "with the full apology in 8 to 24 business hours",
    "apology_40": "with the full apology in 24 to 40 business hours",
    "apology_late": "with the full apology after more than 40 business hours",
    "apology_none": "with no full apology recorded",
    UNDER: "given compensation under the guideline",
    MEETS: "given compensation within the guideline",
    FAR_ABOVE: "given compensation far above the guideline",
    "none_given": "given no compensation",
}
CHECK_WORDS = {
    "named_impact": (
        "Named how they were affected",
        "where the apology named how the client was affected",
        "where an apology did not name how the client was affected",
    ),
    "owned_our_part": (
        "Owned our part, without excuses",
        "where the apology owned our part without excuses",
        "where an apology did not own our part",
    ),
    "fix_presented": (
        "The fix was presented",
        "where the fix was presented with the apology",
        "where an apology came without the fix presented",
    ),
}
COMPENSATION_GROUPS = (
    (UNDER, "Under the guideline"),
    (MEETS, "Within the guideline"),
    (FAR_ABOVE, "Far above the guideline"),
    ("none_given", "None given"),
)


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    phrase: str
    closed: int
    recovered: int
    retained: int
    lost: int
    answered: int
    yes: int

    @property
    def rated(self) -> bool:
        return self.closed >= MIN_CASES

    @property
    def rate(self) -> float | None:
        return 100 * self.recovered / self.closed if self.rated else None

    @property
    def rate_text(self) -> str:
        return f"{round(self.rate)}%" if self.rated else TOO_FEW

    @property
    def bar(self) -> int:
        return round(self.rate) if self.rated else 0

    @property
    def buy_again_text(self) -> str:
        """ "3 of 4" (with a share from MIN_CASES answers on); "none answered"."""
        if not self.answered:
            return "none answered"
        text = f"{self.yes} of {self.answered}"
        if self.answered >= MIN_CASES:
            text += f" ({round(100 * self.yes / self.answered)}%)"
        return text


def _group(key: str, label: str, phrase: str, counts: dict) -> Group:
    return Group(key, label, phrase, counts["closed"], *(counts[m] for m in MEASURES))


def _from_row(figures: dict, key: str, label: str, phrase: str) -> Group:
    counts = {m: figures[f"{key}_{m}"] for m in ("closed", *MEASURES)}
    return _group(key, label, phrase, counts)


def suggestion(groups: list[Group]) -> str:
    """One sentence on the groups recovered most and least often, when both
    have MIN_CASES cases or more and their rates are GAP points apart; else ""."""
    rated = sorted(
        (g for g in groups if g.rated), key=lambda g: (-g.rate, -g.closed, g.key)
    )
    if len(rated) < 2:
        return ""
    best, worst = rated[0], rated[-1]
    if best.rate - worst.rate < GAP:
        return ""
    return (
        f"In this period, cases {best.phrase} won the client back more often: "
        f"{best.recovered} of {best.closed}, against {worst.recovered} of "
        f"{worst.closed} for cases {worst.phrase}."
    )


def _table(
    key: str, title: str, groups: list[Group], note: str = "", sentences=None
) -> dict:
    """A breakdown's groups with cases, and its sentences (by default, the
    one comparing all its groups)."""
    if sentences is None:
        sentences = [suggestion(groups)]
    return {
        "key": key,
        "title": title,
        "note": note,
        "groups": [g for g in groups if g.closed],
        "suggestions": [s for s in sentences if s],
    }


def _compensation_groups(rows: list[dict]) -> list[Group]:
    sums: dict[str, Counter] = {key: Counter() for key, _ in COMPENSATION_GROUPS}
    for row in rows:
        if row["floor"] is None:
            verdict = "none_given"
        else:
            verdict = judge(
                row["given"], floor=row["floor"], loss=row["client_loss"]
            ).key
        sums[verdict].update({m: row[m] for m in ("closed", *MEASURES)})
    return [
        _group(key, label, PHRASES[key], sums[key])
        for key, label in COMPENSATION_GROUPS
    ]


def _checks_table(figures: dict) -> dict:
    groups, sentences = [], []
    for name in CHECKS:
        label, yes_phrase, no_phrase = CHECK_WORDS[name]
        pair = [
            _from_row(figures, f"{name}_yes", f"{label}: yes", yes_phrase),
            _from_row(figures, f"{name}_no", f"{label}: no", no_phrase),
        ]
        groups += pair
        sentences.append(suggestion(pair))
    return _table(
        "checks",
        "The apology's three checks",
        groups,
        "Cases with a full apology recorded. “No”: at least one of its apologies "
        "lacked the check.",
        sentences,
    )


def tables(figures: dict, compensation: list[dict]) -> list[dict]:
    """The breakdowns of the section, in the order the page shows them."""
    parts = [
        _from_row(
            figures, f"part_{p.value}", p.label, f"where our part was “{p.label}”"
        )
        for p in OurPart
    ]

    def banded(bands):
        return [_from_row(figures, key, label, PHRASES[key]) for key, label, _ in bands]

    return [
        _table("second", "First or second failure", banded(SECOND)),
        _table(
            "contact",
            "Time to the first word with the client",
            banded(CONTACT_BANDS),
            "Business hours from finding out to the first affected person hearing "
            "from us (a logged contact naming them, or their apology).",
        ),
        _table(
            "apology",
            "Time to the full apology",
            banded(APOLOGY_BANDS),
            "Business hours from finding out to the first full apology. It comes "
            "once the fix is presented, so later than the first word.",
        ),
        _checks_table(figures),
        _table(
            "compensation",
            "Compensation against the guideline",
            _compensation_groups(compensation),
            "What was delivered to the client in all, judged as each offer is: "
            "against the guideline's bar (the higher of what the client is worth "
            "and 60% of their loss) and its ceiling.",
        ),
        _table(
            "parts",
            "Our part in the failure",
            parts,
            "A case with more than one part ticked counts under each.",
        ),
    ]


def what_worked(scope: Scope, period: Period) -> list[dict]:
    """The section's tables for the cases closed in `period` (two queries)."""
    return tables(outcome_figures(scope, period), compensation_figures(scope, period))
