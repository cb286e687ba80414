"""The promise ledger: every promise made during the recovery, kept or missed."""

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from cases.casework.services.rows import (
    case_lock,
    case_lock_for_record,
    case_touch,
    ensure_open,
)
from cases.casework.services.timeline import timeline_record
from cases.choices import NotificationKind, OutboxStatus, PromiseStatus, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import Case, OutboxMessage, Promise, User
from cases.notifications.record import managers_of, outbox_add


@transaction.atomic
def promise_make(
    *,
    case_id: int,
    by: User,
    description: str,
    due_on: dt.date,
    submission_key: uuid.UUID | None = None,
) -> Promise:
    case = case_lock_for_record(
        case_id=case_id, by=by, work="promise", submission_key=submission_key
    )
    promise = Promise.objects.create(
        case=case,
        description=description,
        due_on=due_on,
        made_by=by,
        made_in_step=case.step,
    )
    case_touch(case, by)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.PROMISE,
        summary=f"Promised “{description}” by {due_on:%d %b %Y}.",
    )
    return promise


@transaction.atomic
def promise_settle(
    *, case_id: int, by: User, promise_id: int, kept: bool, early_reason: str = ""
) -> Promise:
    """Mark a promise kept or missed. A missed one is a second drop. Kept
    before its day needs a reason, and is recorded as early (Insights counts
    it apart from on time)."""
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "settle_promise")
    promise = case.promises.select_for_update().get(pk=promise_id)
    if promise.status != PromiseStatus.OPEN:
        raise NotAllowed(
            f"That promise is already marked {promise.get_status_display().lower()}."
        )
    early = kept and promise.due_on > timezone.localdate()
    early_reason = early_reason.strip() if early else ""
    if early and not early_reason:
        raise NotAllowed(
            f"The promise is due on {promise.due_on:%d %b %Y}. To mark it kept "
            "before then, say why it is early; nothing was saved."
        )
    promise.status = PromiseStatus.KEPT if kept else PromiseStatus.MISSED
    promise.settled_at = timezone.now()
    promise.settled_by = by
    promise.settled_early = early
    promise.early_reason = early_reason
    promise.save(
        update_fields=[
            "status",
            "settled_at",
            "settled_by",
            "settled_early",
            "early_reason",
        ]
    )
    case_touch(case, by)
    if kept:
        timeline_record(
            case=case,
            by=by,
            kind=TimelineKind.PROMISE,
            summary=f"Kept the promise “{promise.description}”"
            + (f", kept early: {early_reason}" if early else "")
            + ".",
        )
    else:
        timeline_record(
            case=case,
            by=by,
            kind=TimelineKind.SECOND_DROP,
            summary=f"Second drop: missed the promise “{promise.description}”.",
            changes=[{"field": "Promise", "old": "Due", "new": "Missed"}],
            event_data={
                "promise": {
                    "id": promise.pk,
                    "description": promise.description,
                    "due_on": str(promise.due_on),
                }
            },
        )
        outbox_add(
            case=case,
            kind=NotificationKind.SECOND_DROP,
            recipients=[case.owner, *managers_of(case)],
            key=second_drop_key(promise),
            context={"promise": promise.description, "due_on": str(promise.due_on)},
        )
    return promise


def second_drop_key(promise: Promise) -> str:
    """The alert's key names the miss, so a promise missed again after an
    undo alerts again."""
    return f"promise-{promise.pk}-missed-{promise.settled_at:%Y%m%dT%H%M%S.%f}"


def second_drop_withdraw(case: Case, promise: Promise) -> int:
    """Skip a second-drop alert about `promise` not yet sent (its miss was
    undone); how many."""
    prefix = f"case:{case.pk}:{NotificationKind.SECOND_DROP}:promise-{promise.pk}-"
    return OutboxMessage.objects.filter(
        dedupe_key__startswith=prefix, status=OutboxStatus.PENDING
    ).update(status=OutboxStatus.SKIPPED, last_error="Not sent: the miss was undone.")
