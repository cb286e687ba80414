"""A manager's actions on a case: comment (with @mentions) and reassign."""

import uuid
from dataclasses import dataclass

from django.db import transaction

from cases import workflow
from cases.casework.selectors import reassign_choices
from cases.casework.services.notices import Mentions, mentions_in, notice_add
from cases.casework.services.rows import case_lock, case_touch
from cases.casework.services.submissions import submission_claim
from cases.casework.services.timeline import timeline_record
from cases.choices import NotificationKind, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import Case, User
from cases.notifications.record import outbox_notify, submit_window, text_digest

# Long enough for a thorough note, short enough to read on the timeline.
COMMENT_MAX_LENGTH = 4000


def comment_too_long(length: int) -> str:
    return (
        f"A comment can be at most {COMMENT_MAX_LENGTH:,} characters; this one has "
        f"{length:,}. Shorten it, or split it into two comments."
    )


@dataclass(frozen=True)
class Posted:
    """A comment posted, and whom its @mentions reached (the writer is told
    of any that reached nobody)."""

    case: Case
    mentions: Mentions


@transaction.atomic
def case_comment(
    *, case_id: int, by: User, text: str, submission_key: uuid.UUID | None = None
) -> Posted:
    """A comment on the timeline; the owner hears of it unless they wrote it,
    and so does each teammate it mentions by @username who may see the case.

    A mentioned owner gets the mention alone: one email and one notice, not
    two. The form's one-time key makes the same submit, however often it
    arrives (a double click, a retried request), one comment and one email.
    """
    text = text.strip()
    if not text:
        raise NotAllowed("Write something before posting a comment.")
    if len(text) > COMMENT_MAX_LENGTH:
        raise NotAllowed(comment_too_long(len(text)))
    case = case_lock(case_id=case_id, by=by)
    submission_claim(submission_key)
    first_line = text.splitlines()[0]
    summary = first_line[:280] + ("…" if len(first_line) > 280 else "")
    timeline_record(
        case=case, by=by, kind=TimelineKind.COMMENT, summary=summary, body=text
    )
    mentions = mentions_in(case=case, text=text)
    # The same text by the same person within minutes: a double submit.
    key = f"{by.pk}-{text_digest(text)}-{submit_window()}"
    told = [person for person in mentions.told if person.pk != by.pk]
    if all(person.pk != case.owner_id for person in told):
        outbox_notify(
            case=case,
            to=case.owner,
            kind=NotificationKind.CASE_COMMENT,
            by=by,
            key=key,
            context={"comment": text},
        )
        notice_add(
            case=case,
            to=[case.owner],
            kind=NotificationKind.CASE_COMMENT,
            by=by,
            summary=f"Commented: {summary}",
        )
    for person in told:
        outbox_notify(
            case=case,
            to=person,
            kind=NotificationKind.MENTION,
            by=by,
            key=key,
            context={"comment": text},
        )
    notice_add(
        case=case,
        to=told,
        kind=NotificationKind.MENTION,
        by=by,
        summary=f"Mentioned you: {summary}",
    )
    return Posted(case=case, mentions=mentions)


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
    notice_add(
        case=case,
        to=[to],
        kind=NotificationKind.CASE_REASSIGNED,
        by=by,
        summary=f"Handed the case to you (it was {previous}'s).",
    )
    return case
