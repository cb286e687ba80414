"""Whether a claimed message should still go out: the recipient still active,
reachable and listening to that kind, still the owner for a message to the
owner, and still able to see the case. Checked against the data as it is at
send time, so a message recorded before a change obeys the change."""

import datetime as dt
from collections import defaultdict

from django.db.models import IntegerField, Value
from django.db.models.query import EmptyQuerySet
from django.utils import timezone

from cases.choices import NotificationKind
from cases.models import UNMUTABLE_KINDS, Case, OutboxMessage
from cases.notifications.client import client_skip_reason

# Addressed to the case owner: once someone else owns the case, or it closed,
# they are moot; the new owner's reminder is recorded under its own key.
OWNER_KINDS = frozenset(
    {
        NotificationKind.FOLLOW_UP_REMINDER,
        NotificationKind.PROMISE_REMINDER,
        NotificationKind.PROGRESS_REPORT,
        NotificationKind.STEP_WARNING,
        NotificationKind.CLOCK_RESUMED,
        # "You now own the case" is untrue once it was handed on again.
        NotificationKind.CASE_REASSIGNED,
    }
)


# About one visit of a step (their key names it): moot once the case moved
# on to another step, or another visit of the same one, or closed.
VISIT_KINDS = frozenset({NotificationKind.STEP_SECOND_ESCALATION})

MOVED_ON = "Not sent: the case has moved on from that step."
NO_SECOND_ESCALATION = (
    "Not sent: the team no longer sends a second escalation for this step."
)

WARNING_REPLACED = (
    "Not sent: the step passed its target first; the escalation replaces this warning."
)


def visit_of(case: Case) -> str:
    """The part of a step message's dedupe key that names the case's current
    step visit (its step and when it entered it)."""
    return f":{case.step}:{case.step_entered_at.isoformat()}:"


def _target_passed(message: OutboxMessage) -> bool:
    """A step warning whose target (the one it names) has passed: "due soon"
    would now be untrue, and would come with the escalation."""
    context = message.context if isinstance(message.context, dict) else {}
    try:
        due = dt.datetime.fromisoformat(context.get("step_due_at") or "")
    except ValueError:
        return False
    return due <= timezone.now()


def visible_cases(messages: list[OutboxMessage]) -> set[tuple[int, int]]:
    """(recipient id, case id) for the messages whose recipient may still see
    the case, in one query however many recipients: each recipient's cases
    through Case.objects.for_user, the one place that decides who sees what."""
    cases: dict[int, set[int]] = defaultdict(set)
    recipients = {}
    for message in messages:
        if message.case_id is not None and message.recipient_id is not None:
            cases[message.recipient_id].add(message.case_id)
            recipients[message.recipient_id] = message.recipient
    queries = []
    for user_id, case_ids in cases.items():
        seen = Case.objects.for_user(recipients[user_id]).filter(pk__in=case_ids)
        if isinstance(seen, EmptyQuerySet):
            continue
        queries.append(
            seen.order_by()
            .annotate(seen_by=Value(user_id, output_field=IntegerField()))
            .values_list("seen_by", "pk")
        )
    if not queries:
        return set()
    first, *rest = queries
    return set(first.union(*rest, all=True) if rest else first)


def skip_reason(message: OutboxMessage, *, visible: set[tuple[int, int]]) -> str:
    """Why this message should no longer go out; empty when it should.

    `visible` holds the (recipient id, case id) pairs visible_cases() found.
    """
    if message.contact_id is not None:
        return client_skip_reason(message)
    recipient = message.recipient
    if not recipient.is_active:
        return "Not sent: the recipient's account is deactivated."
    if not recipient.email:
        return "Not sent: the recipient has no email address."
    muted = recipient.muted_kinds if isinstance(recipient.muted_kinds, list) else []
    if message.kind in muted and message.kind not in UNMUTABLE_KINDS:
        return "Not sent: the recipient turned this kind of notification off."
    case = message.case
    if message.kind == NotificationKind.STEP_WARNING and _target_passed(message):
        return WARNING_REPLACED
    if message.kind in VISIT_KINDS:
        if case is None or case.is_closed:
            return "Not sent: the case is closed."
        if visit_of(case) not in message.dedupe_key:
            return MOVED_ON
        if case.step_late_at is None:
            return NO_SECOND_ESCALATION
    if message.kind in OWNER_KINDS:
        if case is None or case.owner_id != recipient.pk:
            return "Not sent: the recipient no longer owns the case."
        if case.is_closed:
            return "Not sent: the case is closed."
    if case is not None and (recipient.pk, case.pk) not in visible:
        return "Not sent: the recipient can no longer see the case."
    return ""
