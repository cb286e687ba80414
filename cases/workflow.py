"""The recovery workflow: the steps, the allowed moves, and what each step needs.

This module only reads. Services ask it whether a move is allowed and what is
missing; nothing else decides that, and only services change `case.step`.
"""

from cases.choices import ROOT_CAUSE_QUESTIONS, NotificationKind, Step
from cases.exceptions import StepIncomplete, TransitionNotAllowed

ORDER = list(Step)
WORKING_STEPS = ORDER[:-1]


def next_step(step: str) -> Step | None:
    index = ORDER.index(Step(step))
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def previous_step(step: str) -> Step | None:
    index = ORDER.index(Step(step))
    return ORDER[index - 1] if index > 0 else None


# The table of moves: forward one step as work completes, back one step when a
# manager sends a case back (a closed case goes back to follow-up: reopened).
FORWARD = {step: next_step(step) for step in WORKING_STEPS}
BACK = {step: previous_step(step) for step in ORDER[1:]}


def ensure_can_advance(case) -> Step:
    """Return the step the case moves to, or raise with what is missing."""
    target = FORWARD.get(Step(case.step))
    if target is None:
        raise TransitionNotAllowed("A closed case has no next step.")
    missing = missing_for(case)
    if missing:
        raise StepIncomplete(Step(case.step), missing)
    return target


def ensure_can_send_back(case) -> Step:
    target = BACK.get(Step(case.step))
    if target is None:
        raise TransitionNotAllowed("A case in its first step cannot go back.")
    return target


def missing_for(case) -> list[str]:
    """What the current step still needs before the case may move on."""
    check = COMPLETION[Step(case.step)]
    return check(case)


# Completion rules. Each reads the case and its records and lists, in plain
# words, what is still missing; an empty list means the step is complete.
# Records are read with .all(): the case page has them prefetched, so it asks
# nothing more; a service asks one query per relation.


def _acknowledge(case) -> list[str]:
    missing = []
    if not case.failure_source:
        missing.append("Say where the failure came from (source of the failure).")
    if not case.parts.all():
        missing.append("Tick at least one box under “our part in it”.")
    if not case.contacts.all():
        missing.append("Name at least one affected person at the client.")
    if not case.outbox_messages.filter(kind=NotificationKind.CASE_LOGGED).exists():
        missing.append(
            "Alert a sales manager: your team has none yet, so ask an administrator "
            "to add one."
        )
    return missing


def _root_cause(case) -> list[str]:
    answered = {answer.question for answer in case.root_cause_answers.all()}
    missing = [
        f"Answer: {text}"
        for key, text in ROOT_CAUSE_QUESTIONS.items()
        if key not in answered
    ]
    if not case.client_view.strip():
        missing.append("Write down the client's view of the real problem.")
    if not case.our_view.strip():
        missing.append("Write down our view of the real problem.")
    return missing


def _options(case) -> list[str]:
    options = case.options.all()
    if not options:
        return ["Add at least one option to make it right, and choose one."]
    if not any(option.chosen for option in options):
        return ["Choose at least one option."]
    return []


def _communicate(case) -> list[str]:
    if not case.client_contacts.all():
        return ["Log at least one contact with the client."]
    return []


def _apologise(case) -> list[str]:
    apologised = {apology.contact_id for apology in case.apologies.all()}
    return [
        f"Record an apology to {contact.name}."
        for contact in case.contacts.all()
        if contact.id not in apologised
    ]


def _compensate(case) -> list[str]:
    compensations = case.compensations.all()
    pending = sum(c.approval == "pending" for c in compensations)
    if pending:
        return [
            f"Wait for the sales manager's decision on {pending} offer"
            f"{'s' if pending > 1 else ''} awaiting approval."
        ]
    if case.no_compensation_reason:
        return []
    if any(c.delivered_on is not None for c in compensations):
        return []
    if compensations:
        return [
            "Mark the compensation delivered (once approved, where approval is "
            "needed), "
            "or record why none is due."
        ]
    return ["Offer a compensation and mark it delivered, or record why none is due."]


def _follow_up(case) -> list[str]:
    missing = []
    follow_ups = case.follow_ups.all()
    if not follow_ups:
        missing.append("Schedule at least one follow-up with the client.")
    scheduled = sum(f.status == "scheduled" for f in follow_ups)
    if scheduled:
        missing.append(
            f"Mark {scheduled} scheduled follow-up{'s' if scheduled > 1 else ''} "
            "done or missed."
        )
    open_promises = sum(p.status == "open" for p in case.promises.all())
    if open_promises:
        missing.append(
            f"Settle {open_promises} open promise{'s' if open_promises > 1 else ''}: "
            "kept or missed."
        )
    return missing


COMPLETION = {
    Step.ACKNOWLEDGE: _acknowledge,
    Step.ROOT_CAUSE: _root_cause,
    Step.OPTIONS: _options,
    Step.COMMUNICATE: _communicate,
    Step.APOLOGISE: _apologise,
    Step.COMPENSATE: _compensate,
    Step.FOLLOW_UP: _follow_up,
    Step.CLOSED: lambda case: [],
}


def closing_missing(*, outcome: str, lessons: str, client_fit: str) -> list[str]:
    missing = []
    if not outcome:
        missing.append("Choose the outcome.")
    if not (lessons or "").strip():
        missing.append("Write the lessons learned.")
    if not client_fit:
        missing.append("Give the client-fit verdict.")
    return missing
