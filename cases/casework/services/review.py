"""A manager's actions on a case: comment and reassign."""

import uuid

from django.db import transaction

from cases import workflow
from cases.casework.selectors import reassign_choices
from cases.casework.services.rows import case_lock, case_touch
from cases.casework.services.submissions import submission_claim
from cases.casework.services.timeline import timeline_record
from cases.choices import NotificationKind, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import User
from cases.notifications.record import outbox_notify, submit_window, text_digest

# Long enough for a thorough note, short enough to read on the timeline.
COMMENT_MAX_LENGTH = 4000


def comment_too_long(length: int) -> str:
    return (
        f"A comment can be at most {COMMENT_MAX_LENGTH:,} characters; this one has "
        f"{length:,}. Shorten it, or split it into two comments."
    )


@transaction.atomic
def case_comment(
    *, case_id: int, by: User, text: str, submission_key: uuid.UUID | None = None
):
    """A comment on the timeline; the owner hears of it unless they wrote it.

    The form's one-time key makes the same submit, however often it arrives
    (a double click, a retried request), one comment and one email.
    """
    text = text.strip()
    if not text:
        raise NotAllowed("Write something before posting a comment.")
    if len(text) > COMMENT_MAX_LENGTH:
        raise NotAllowed(comment_too_long(len(text)))
    case = case_lock(case_id=case_id, by=by)
    submission_claim(submission_key)
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
def case_reassign(*, case_id: int, by: User, to: User, version: int):
    """Hand the case to another account manager of the same team.

    `version` is the save the manager's page showed: a hand-over decided on
    an older copy (say, before someone else reassigned it) is refused.
    """
    case = case_lock(case_id=case_id, by=by, action="manage")
    workflow.ensure_unchanged(case, version=version)
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
