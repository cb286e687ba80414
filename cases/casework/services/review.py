"""A manager's actions on a case: comment and reassign."""

from django.db import transaction

from cases.casework.selectors import reassign_choices
from cases.casework.services.cases import case_lock, case_touch
from cases.casework.services.timeline import timeline_record
from cases.choices import NotificationKind, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import User
from cases.notifications.record import outbox_notify, submit_window, text_digest


@transaction.atomic
def case_comment(*, case_id: int, by: User, text: str):
    """A comment on the timeline; the owner hears of it unless they wrote it."""
    text = text.strip()
    if not text:
        raise NotAllowed("Write something before posting a comment.")
    case = case_lock(case_id=case_id, by=by)
    first_line = text.splitlines()[0]
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.COMMENT,
        summary=first_line[:280] + ("…" if len(first_line) > 280 else ""),
        body=text,
    )
    outbox_notify(
        case=case,
        to=case.owner,
        kind=NotificationKind.CASE_COMMENT,
        by=by,
        # The same text by the same person within minutes: a double submit.
        key=f"{by.pk}-{text_digest(text)}-{submit_window()}",
        context={"comment": text},
    )
    return case


@transaction.atomic
def case_reassign(*, case_id: int, by: User, to: User):
    """Hand the case to another account manager of the same team."""
    case = case_lock(case_id=case_id, by=by, action="manage")
    if not reassign_choices(case).filter(pk=to.pk).exists():
        raise NotAllowed(f"{to} is not an account manager of {case.team}.")
    previous = case.owner
    case.owner = to
    case_touch(case, by, "owner")
    entry = timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.REASSIGNED,
        summary=f"Handed the case to {to}.",
        changes=[{"field": "Owner", "old": str(previous), "new": str(to)}],
    )
    outbox_notify(
        case=case,
        to=to,
        kind=NotificationKind.CASE_REASSIGNED,
        by=by,
        key=f"entry-{entry.pk}",
        context={"previous": str(previous)},
    )
    return case
