"""A manager's actions on a case: comment and reassign."""

from django.db import transaction
from django.db.models import QuerySet

from ..exceptions import NotAllowed
from ..models import Role, User
from .cases import case_lock, case_touch
from .notifications import outbox_notify, submit_window, text_digest
from .timeline import timeline_record


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
        kind="comment",
        summary=first_line[:280] + ("…" if len(first_line) > 280 else ""),
        body=text,
    )
    outbox_notify(
        case=case,
        to=case.owner,
        kind="case_comment",
        by=by,
        # The same text by the same person within minutes: a double submit.
        key=f"{by.pk}-{text_digest(text)}-{submit_window()}",
        context={"comment": text},
    )
    return case


def reassign_choices(case) -> QuerySet[User]:
    """Account managers of the case's team, other than the current owner."""
    return User.objects.filter(
        role=Role.ACCOUNT_MANAGER, is_active=True, memberships__team=case.team_id
    ).exclude(pk=case.owner_id)


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
        kind="reassigned",
        summary=f"Handed the case to {to}.",
        changes=[{"field": "Owner", "old": str(previous), "new": str(to)}],
    )
    outbox_notify(
        case=case,
        to=to,
        kind="case_reassigned",
        by=by,
        key=f"entry-{entry.pk}",
        context={"previous": str(previous)},
    )
    return case
