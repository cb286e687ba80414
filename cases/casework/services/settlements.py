"""Undoing a wrong click: a follow-up's Done or Missed, a promise's Kept or
Missed, a compensation's Delivered.

Its author may undo it for a few minutes (settings.UNDO_WINDOW); after that,
or for someone else's click, only a sales manager or an administrator may,
and they say why (cases.access.may_undo_settlement). Each undo is on the
timeline, with the record's state before and after.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cases import access
from cases.casework.services.promises import second_drop_withdraw
from cases.casework.services.rows import case_lock, case_touch, ensure_open
from cases.casework.services.timeline import timeline_record
from cases.choices import FollowUpStatus, PromiseStatus, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import Case, Compensation, FollowUp, Promise, User


def undo_allowed(user: User, *, author_id, settled_at, may_manage: bool) -> str | None:
    """ "author", "manager" (a reason is needed) or None, for the page and
    the services alike; `may_manage` is the user's reach over the case."""
    who = access.may_undo_settlement(
        user,
        author_id=author_id,
        settled_at=settled_at,
        now=timezone.now(),
        window=settings.UNDO_WINDOW,
    )
    if who == "manager" and not may_manage:
        return None
    return who


def _check(case: Case, by: User, *, author_id, settled_at, reason: str) -> str:
    may_manage = Case.objects.for_user(by, "manage").filter(pk=case.pk).exists()
    who = undo_allowed(
        by, author_id=author_id, settled_at=settled_at, may_manage=may_manage
    )
    minutes = int(settings.UNDO_WINDOW.total_seconds() // 60)
    if who is None:
        raise NotAllowed(
            f"Only the person who clicked may undo it, within {minutes} minutes; "
            "after that, ask your sales manager."
        )
    if who == "manager" and not reason.strip():
        raise NotAllowed(
            "Say why you undo it: after the first "
            f"{minutes} minutes, an undo needs a reason. Nothing was changed."
        )
    return reason.strip()


def _record(case: Case, by: User, summary: str, reason: str, old: str, new: str):
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.UNDONE,
        summary=summary + (f" Why: {reason}" if reason else ""),
        changes=[{"field": "Status", "old": old, "new": new}],
    )


def _unsettle(record: FollowUp | Promise, status: str) -> None:
    """A follow-up or a promise back to `status`, as if never settled (its
    notes stay, as written)."""
    record.status = status
    record.settled_at = None
    record.settled_by = None
    record.settled_early = False
    record.early_reason = ""
    record.save(
        update_fields=[
            "status",
            "settled_at",
            "settled_by",
            "settled_early",
            "early_reason",
        ]
    )


@transaction.atomic
def follow_up_undo(
    *, case_id: int, by: User, follow_up_id: int, reason: str = ""
) -> FollowUp:
    """Back to scheduled; the notes stay, as written."""
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "undo_follow_up")
    follow_up = case.follow_ups.select_for_update().get(pk=follow_up_id)
    if follow_up.status == FollowUpStatus.SCHEDULED:
        raise NotAllowed("That follow-up is not marked done or missed.")
    reason = _check(
        case,
        by,
        author_id=follow_up.settled_by_id,
        settled_at=follow_up.settled_at,
        reason=reason,
    )
    before = follow_up.get_status_display()
    _unsettle(follow_up, FollowUpStatus.SCHEDULED)
    case_touch(case, by)
    _record(
        case,
        by,
        f"Undid “{before.lower()}” on the follow-up of "
        f"{follow_up.due_on:%d %b %Y}: it is scheduled again.",
        reason,
        before,
        follow_up.get_status_display(),
    )
    return follow_up


@transaction.atomic
def promise_undo(
    *, case_id: int, by: User, promise_id: int, reason: str = ""
) -> Promise:
    """Back to due. Undoing a Missed withdraws its second drop (the count of
    second drops is read from the promises' status)."""
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "undo_promise")
    promise = case.promises.select_for_update().get(pk=promise_id)
    if promise.status == PromiseStatus.OPEN:
        raise NotAllowed("That promise is not marked kept or missed.")
    reason = _check(
        case,
        by,
        author_id=promise.settled_by_id,
        settled_at=promise.settled_at,
        reason=reason,
    )
    before = promise.get_status_display()
    was_missed = promise.status == PromiseStatus.MISSED
    _unsettle(promise, PromiseStatus.OPEN)
    if was_missed:
        # Its second-drop alert, if still waiting to go out, would now be
        # untrue.
        second_drop_withdraw(case, promise)
    case_touch(case, by)
    _record(
        case,
        by,
        f"Undid “{before.lower()}” on the promise “{promise.description}”: "
        "it is due again"
        + (", and no longer counts as a second drop." if was_missed else "."),
        reason,
        before,
        promise.get_status_display(),
    )
    return promise


@transaction.atomic
def compensation_undo_delivery(
    *, case_id: int, by: User, compensation_id: int, reason: str = ""
) -> Compensation:
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "undo_delivery")
    compensation = case.compensations.select_for_update(of=("self",)).get(
        pk=compensation_id
    )
    if compensation.delivered_on is None:
        raise NotAllowed("That compensation is not marked delivered.")
    reason = _check(
        case,
        by,
        author_id=compensation.delivered_by_id,
        settled_at=compensation.delivered_at,
        reason=reason,
    )
    delivered_on = compensation.delivered_on
    compensation.delivered_on = None
    compensation.delivered_by = None
    compensation.delivered_at = None
    compensation.save(update_fields=["delivered_on", "delivered_by", "delivered_at"])
    case_touch(case, by)
    _record(
        case,
        by,
        f"Undid the delivery of the compensation: {compensation.description}.",
        reason,
        f"Delivered {delivered_on:%d %b %Y}",
        "Not delivered",
    )
    return compensation
