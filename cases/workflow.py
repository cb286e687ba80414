"""The recovery workflow: the steps, the allowed moves, and what each step needs.

This module only reads. Services ask it whether a move is allowed and what is
missing; nothing else decides that, and only services change `case.step`.
"""

from cases import access
from cases.choices import ROOT_CAUSE_QUESTIONS, NotificationKind, Step
from cases.exceptions import (
    CaseMoved,
    StepIncomplete,
    TransitionNotAllowed,
    WrongStep,
)

ORDER = list(Step)
WORKING_STEPS = ORDER[:-1]
OPEN = frozenset(WORKING_STEPS)
# From the first conversation with the client until the case closes.
REPORTING_STEPS = frozenset(ORDER[ORDER.index(Step.COMMUNICATE) : -1])


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


def earlier_steps(step: str) -> list[Step]:
    """The working steps a case in `step` may be sent back to, nearest first."""
    return [s for s in reversed(ORDER[: ORDER.index(Step(step))]) if s in OPEN]


def ensure_can_send_back(case, to: str | None = None) -> Step:
    """The step a manager sends the case back to: `to`, any earlier working
    step, or by default the one before (a closed case reopens in Follow up)."""
    target = BACK.get(Step(case.step))
    if target is None:
        raise TransitionNotAllowed("A case in its first step cannot go back.")
    if to is None or to == "":
        return target
    if Step(to) not in earlier_steps(case.step):
        raise TransitionNotAllowed(
            f"A case in {Step(case.step).label} can only go back to an earlier "
            f"step, not to {Step(to).label}."
        )
    return Step(to)


# Where each piece of step work may be done: its service refuses it in any
# other step (ensure_in_step), and the case page offers its form or button
# only in these steps. Keyed by the case page's action names. Records that
# outlive their step (follow-ups, promises, an offer approved but not yet
# delivered) may be settled later; a case sent back keeps them, so settling
# them stays open wherever they can exist. Moving the case is not in here:
# FORWARD and BACK above say where it may go.
WORK: dict[str, tuple[str, frozenset[Step]]] = {
    # Editable until the case closes; the page shows the form in Acknowledge.
    "details": ("Editing the case details", OPEN),
    # Someone affected may turn up while talking or apologising to the client.
    "person": (
        "Adding an affected person",
        frozenset({Step.ACKNOWLEDGE, Step.COMMUNICATE, Step.APOLOGISE}),
    ),
    "root_cause": ("Answering the root-cause questions", frozenset({Step.ROOT_CAUSE})),
    "option": ("Adding an option", frozenset({Step.OPTIONS})),
    "choose_option": ("Choosing an option", frozenset({Step.OPTIONS})),
    # Before Communicate, the quick acknowledgement (DOMAIN.md: acknowledge
    # at once), which the apology timings count; Communicate's own talk with
    # the options is still asked for there (_communicate).
    "client_contact": (
        "Logging a contact with the client",
        frozenset({Step.ACKNOWLEDGE, Step.ROOT_CAUSE, Step.OPTIONS, Step.COMMUNICATE}),
    ),
    "apology": ("Recording an apology", frozenset({Step.APOLOGISE})),
    # The clock waits on the client once they are in the picture; in
    # Acknowledge the next move is always ours.
    "pause": ("Pausing the step's clock", OPEN - {Step.ACKNOWLEDGE}),
    "resume": ("Resuming the step's clock", OPEN),
    "compensation": ("Offering a compensation", frozenset({Step.COMPENSATE})),
    "no_compensation": (
        "Recording that no compensation is due",
        frozenset({Step.COMPENSATE}),
    ),
    # Offers are made in Compensate, and one waiting for approval keeps the
    # case there (see _compensate). Follow up is open too, as for delivery,
    # so a decision is never stuck should a case get there with one waiting;
    # a case sent back to an earlier step keeps its offer until it returns.
    "decide": (
        "Approving or declining a compensation",
        frozenset({Step.COMPENSATE, Step.FOLLOW_UP}),
    ),
    # An offer may be delivered after the case has moved on to follow-up.
    "deliver": (
        "Marking a compensation delivered",
        frozenset({Step.COMPENSATE, Step.FOLLOW_UP}),
    ),
    # A follow-up date or a promise can be agreed with the client at any time;
    # the case then waits in Follow up until they are settled.
    "follow_up": ("Scheduling a follow-up", OPEN),
    "settle_follow_up": ("Settling a follow-up", OPEN),
    "promise": ("Recording a promise", OPEN),
    "settle_promise": ("Settling a promise", OPEN),
    "close": ("Closing the case", frozenset({Step.FOLLOW_UP})),
    # A recovered case's new order may come after it closed.
    "repeat_order": ("Recording a repeat order", frozenset({Step.CLOSED})),
    # A wrong click is put right wherever the record can be settled.
    "undo_follow_up": ("Undoing a follow-up's Done or Missed", OPEN),
    "undo_promise": ("Undoing a promise's Kept or Missed", OPEN),
    # Wherever an offer can exist (a case sent back keeps its offers).
    "undo_delivery": ("Undoing a delivery", OPEN),
    "withdraw_offer": ("Withdrawing an offer", OPEN),
    # Asked for where the guideline is weighed (cases.guideline).
    "client_loss": ("Recording the loss to the client", frozenset({Step.COMPENSATE})),
    # Progress reports go to the client from the first conversation
    # (Communicate) until trust is back (Follow up); the reminders start once
    # the client has been reached (see cases.notifications.progress).
    "progress_report": ("Recording a progress report", REPORTING_STEPS),
    "report_cadence": ("Changing the progress-report cadence", REPORTING_STEPS),
    # The client's promise page: shared while the recovery runs; a link can
    # be withdrawn whatever the step, closed included, so none outlives a
    # decision to stop it.
    "promise_page_share": ("Sharing the promise page with the client", OPEN),
    "promise_page_revoke": ("Withdrawing the promise page's link", frozenset(ORDER)),
    # The email confirming a call: from the first conversation (Communicate)
    # until the case closes, since later calls are confirmed in writing too.
    "confirmation": ("Sending a written confirmation", REPORTING_STEPS),
}


def may_do_in(name: str, step: str) -> bool:
    """Whether the work `name` belongs to `step` (see WORK)."""
    return Step(step) in WORK[name][1]


def ensure_in_step(case, name: str) -> None:
    """Refuse work posted for a step the case is not in, saying where it is now."""
    what, steps = WORK[name]
    current = Step(case.step)
    if current in steps:
        return
    if current == Step.CLOSED:
        raise WrongStep(
            "This case is closed. A manager can reopen it by sending it back."
        )
    names = [step.label for step in ORDER if step in steps]
    where = names[0] + " step"
    if len(names) > 1:
        where = ", ".join(names[:-1]) + f" or {names[-1]} steps"
    if ORDER.index(current) > max(ORDER.index(step) for step in steps):
        advice = "If it needs redoing, ask your sales manager to send the case back."
    else:
        advice = "Complete the steps before it first."
    raise WrongStep(
        f"{what} belongs to the {where}; this case is in {current.label} now, "
        f"so nothing was saved. {advice}"
    )


def ensure_unchanged(case, *, version: int, step: str | None = None) -> None:
    """Refuse a move, hand-over or decision based on an older copy of the case.

    `version` is the save the page was drawn from, and always required: a
    double click, or a click on a page drawn before someone else changed the
    case, names what changed instead of acting again. `step`, the step the
    page showed, only makes the message say how the case moved. The caller
    holds the case's row lock, so the check and the change are one.
    """
    if step is not None and Step(step) != Step(case.step):
        now = Step(case.step)
        if now == Step.CLOSED:
            change = "was closed"
        elif ORDER.index(now) > ORDER.index(Step(step)):
            change = f"moved on to {now.label}"
        else:
            change = f"was sent back to {now.label}"
        raise CaseMoved(
            f"This case {change} while you were looking; here it is as it is now."
        )
    if version != case.version:
        who = case.updated_by.get_full_name() if case.updated_by else ""
        raise CaseMoved(
            f"{who or 'Someone'} changed this case while you were looking (it is "
            f"in {Step(case.step).label} now); here it is as it is now. Check it, "
            "then try again if you still want to."
        )


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
    # An early acknowledgement does not present the options.
    if not any(
        talk.logged_in_step == Step.COMMUNICATE for talk in case.client_contacts.all()
    ):
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
    waiting = [c for c in compensations if c.approval == "pending"]
    if waiting:
        # Who decides depends on who offered (four eyes): name them.
        deciders = sorted({access.approver_label(c.offered_by) for c in waiting})
        return [
            f"Wait for {' or '.join(deciders)} to decide on {len(waiting)} offer"
            f"{'s' if len(waiting) > 1 else ''} awaiting approval."
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
