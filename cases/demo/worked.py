"""The demo's shorter closed cases (data.yaml, `worked_cases`): enough
recoveries in the last 90 days that every breakdown of Insights' "What
worked" has groups large enough to show a share (issue 23, item 3).

Each row names only what those breakdowns read: the client and commitment,
our part, whether it is a second failure, how soon the client first heard
from us and had the full apology, which of its three checks that apology
ticked, what was delivered, and the outcome. `expand` writes the rest of a
full case (builder.CaseBuilder's spec) in plain words, so these cases go
through the same services as the others.
"""

# Days after opening at which each step is entered (Root cause, Options,
# Communicate, Apologise, Compensate, Follow up) and the case closed. Soon:
# the same morning, so the first word comes within four business hours and
# the apology within eight, whatever the weekday. Late: a week to the first
# talk, two to the apology: well past sixteen and forty business hours.
FIRST_WORD = {"soon": 0.06, "late": 7}
APOLOGY = {"soon": 0.08, "late": 14}
CLOSE_AFTER = 30

OUTCOME_WORDS = {
    "recovered": (
        "good",
        "They placed their next order with us while the follow-up was still open.",
    ),
    "retained": (
        "good",
        "They stayed, but have not ordered anything new yet; worth a call next month.",
    ),
    "lost": (
        "with_changes",
        "They moved the work to another supplier once the fix was in.",
    ),
}
CHECK_NOTES = {
    "named_impact": "Said what the delay cost their own team",
    "owned_our_part": "Said plainly it was our planning, with no excuses",
    "fix_presented": "Walked through the fix and the new date",
}


def _moves(row: dict) -> list[float]:
    word, apology = FIRST_WORD[row["first_word"]], APOLOGY[row["apology"]]
    apology = max(apology, word + 0.02)
    return [0.02, 0.04, word, apology, apology + 0.5, apology + 1, CLOSE_AFTER]


def expand(row: dict) -> dict:
    """The full builder spec of one `worked_cases` row."""
    people = row["affected"]
    outcome = row["outcome"]
    fit, lessons = OUTCOME_WORDS[outcome]
    ticked = row["checks"]
    if ticked is True or ticked is False:
        ticked = list(CHECK_NOTES) if ticked else []
    checks = {name: CHECK_NOTES[name] for name in ticked}
    spec = {
        "team": row.get("team", "Enterprise"),
        "owner": row["owner"],
        "client": row["client"],
        "commitment": row["commitment"],
        "promised": 3,
        "what_happened": row["what_happened"],
        "severity": row.get(
            "severity", "high" if row.get("second_failure") else "medium"
        ),
        "source": row.get("source", "process"),
        "parts": row["parts"],
        "affected": people,
        "opened": row["opened"],
        "noticed_hours": 1,
        "moves": _moves(row),
        "step": "closed",
        "answers": "yes yes partly no no yes partly no yes",
        "client_view": "We planned our own work around it, and were let down.",
        "our_view": "We promised a date without checking what it depended on.",
        "client_feeling": "Annoyed, and watching whether it happens again.",
        "options": [
            {
                "description": "Put the work first in the queue; confirm the new date",
                "cost": 100,
                "time": "2 days",
                "feasibility": "high",
                "chosen": True,
            }
        ],
        "contacts_log": [
            {
                "channel": "call",
                "people": people,
                "summary": "Went through what went wrong and the new date.",
                "reaction": "Accepted the new date and asked to be told at once "
                "if it moves.",
            }
        ],
        "apologies": [
            {
                "to": name,
                "checks": checks,
                "method": "call",
                "on_behalf": "company",
                "asked_forgiveness": len(checks) == len(CHECK_NOTES),
                "response": "Thanked us for calling." if checks else "Said fine.",
            }
            for name in people
        ],
        "follow_ups": [
            {
                "due": 7,
                "purpose": "Check the fix has held",
                "status": "done",
                "notes": "It has.",
            }
        ],
        "close": {"outcome": outcome, "client_fit": fit, "lessons": lessons},
    }
    if outcome == "recovered":
        # Their next order (repeat business): a few days before the closing,
        # of a value that varies from case to case.
        size = len(row["commitment"])
        spec["close"]["order"] = {
            "days_before_close": 1 + size % 6,
            "value": f"{400 + (size * 173) % 9600}.00",
        }
    if row["first_word"] == "soon":
        spec["acknowledged"] = [
            {
                "channel": "call",
                "people": people,
                "summary": "Called within the hour: told them what slipped and that "
                "we would be back with a plan.",
            }
        ]
    if row.get("second_failure"):
        spec["second_failure"] = True
    if row.get("loss"):
        spec["client_loss"] = row["loss"]
    if row["given"] == "none":
        spec["none_due"] = "The new date cost them nothing; they asked for no more."
    else:
        value, cost = row["given"]
        spec["compensations"] = [
            {
                "kind": "credit",
                "description": "A credit on the next invoice",
                "value": value,
                "cost": cost,
                "deliver": True,
            }
        ]
    return spec
