"""Check-ins: asking the client's people, after the recovery, how they feel
about working with us now (issue 22, item 3).

Each affected contact with an email address is asked twice: as the case
closes (check_ins_open, called by case_close in its transaction) and
MEND_CHECK_IN_AFTER_DAYS later (check_ins_send_due, run by beat). One row per
contact and round (a unique constraint), so closing a reopened case again, a
second beat or a retried task asks nobody twice. The email carries a signed
link made when it is written (notifications.render), so the outbox never
holds a working link. Only the client answers, through that link
(check_in_answer); nothing in the app writes an answer for them.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from cases.casework.services.notices import notice_for
from cases.casework.services.timeline import timeline_record
from cases.choices import BuyAgain, CheckInRound, NotificationKind, Step, TimelineKind
from cases.exceptions import MendError
from cases.links import UNKNOWN, LinkGone
from cases.models import Case, CheckIn, Contact
from cases.notifications.record import (
    client_email_record,
    managers_of,
    outbox_notify,
)

# Cases the later round looks at per sweep; the next sweep takes the rest.
BATCH = 200
# How long after its moment the later round is still sent: a beat that was
# down catches up, and a case whose contacts can no longer be emailed (erased,
# address removed) stops being looked at.
CATCH_UP = dt.timedelta(days=30)


class AlreadyAnswered(MendError):
    """The check-in has its answer; a second one is not taken."""


def link_age() -> dt.timedelta:
    """How long a check-in link works: MEND_CHECK_IN_LINK_DAYS from its email."""
    return dt.timedelta(days=settings.MEND_CHECK_IN_LINK_DAYS)


def _askable(contact: Contact) -> bool:
    return bool(contact.email) and not contact.erased


def check_ins_open(
    case: Case, *, round: str = CheckInRound.AT_CLOSE, only: set[int] | None = None
) -> list[CheckIn]:
    """Ask each affected contact of `case` with an email address, once per
    round: a check-in row, its email in the outbox and a timeline entry. Call
    inside the transaction that closes the case (or that the sweep runs in).
    Returns the check-ins made now (none for a contact already asked); with
    `only`, just those of these contact ids.
    """
    now = timezone.now()
    asked = set(
        CheckIn.objects.filter(case=case, round=round).values_list(
            "contact_id", flat=True
        )
    )
    made = []
    for contact in case.contacts.order_by("name", "pk"):
        if contact.pk in asked or not _askable(contact):
            continue
        if only is not None and contact.pk not in only:
            continue
        check_in = CheckIn.objects.create(
            case=case,
            contact=contact,
            round=round,
            sent_at=now,
            nonce=secrets.token_urlsafe(16),
        )
        client_email_record(
            case=case,
            contact=contact,
            kind=NotificationKind.CLIENT_CHECK_IN,
            key=f"check-in-{check_in.pk}",
            context={
                "check_in": check_in.pk,
                "later": round == CheckInRound.LATER,
                "expires_days": settings.MEND_CHECK_IN_LINK_DAYS,
            },
        )
        made.append(check_in)
    if made:
        names = ", ".join(c.contact.name for c in made)
        when = "" if round == CheckInRound.AT_CLOSE else " (the later round)"
        timeline_record(
            case=case,
            by=None,
            kind=TimelineKind.CHECK_IN_SENT,
            summary=f"Check-in emailed to {names}{when}.",
        )
    return made


def check_ins_send_due(now: dt.datetime | None = None) -> int:
    """The later round: for each case closed MEND_CHECK_IN_AFTER_DAYS ago or
    more (and still closed), ask again each contact asked at closing.
    Returns how many check-ins were made. Safe to run twice or at once from
    two beats: cases are locked (SKIP LOCKED) and each contact and round is
    asked once.

    Only contacts asked at closing are asked later, so cases closed before
    check-ins existed bring no flood of emails on the first run.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.MEND_CHECK_IN_AFTER_DAYS)
    made = 0
    with transaction.atomic():
        cases = list(
            Case.objects.filter(
                step=Step.CLOSED,
                closed_at__lte=cutoff,
                closed_at__gt=cutoff - CATCH_UP,
            )
            .filter(_asked(CheckInRound.AT_CLOSE))
            .exclude(_asked(CheckInRound.LATER))
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("closed_at", "pk")[:BATCH]
        )
        for case in cases:
            made += len(_later_round(case))
    return made


def _asked(round: str) -> Exists:
    return Exists(CheckIn.objects.filter(case=OuterRef("pk"), round=round))


def _later_round(case: Case) -> list[CheckIn]:
    asked_at_close = set(
        case.check_ins.filter(round=CheckInRound.AT_CLOSE).values_list(
            "contact_id", flat=True
        )
    )
    # Only those asked at closing: a contact added since has no first answer
    # to compare with.
    return check_ins_open(case, round=CheckInRound.LATER, only=asked_at_close)


def check_in_for_link(*, check_in_id: int, nonce: str) -> CheckIn:
    """The check-in a link names, with its case's client; LinkGone when the
    row is gone or the nonce is not this row's (a token made for another
    check-in, or an old link replaced)."""
    check_in = (
        CheckIn.objects.select_related("case", "contact").filter(pk=check_in_id).first()
    )
    if check_in is None or not constant_time_compare(check_in.nonce, nonce):
        raise LinkGone(UNKNOWN, status=404)
    return check_in


@transaction.atomic
def check_in_answer(
    *, check_in_id: int, nonce: str, score: int, buy_again: str, comment: str = ""
) -> CheckIn:
    """The client's answer, taken once: the row is locked before it is
    checked, so two submits at once record one answer (the second raises
    AlreadyAnswered). Lands on the case's timeline; a low answer alerts the
    owner and the team's sales managers."""
    check_in = (
        CheckIn.objects.select_for_update(of=("self",))
        .select_related("case__owner", "case__team", "case__client", "contact")
        .filter(pk=check_in_id)
        .first()
    )
    if check_in is None or not constant_time_compare(check_in.nonce, nonce):
        raise LinkGone(UNKNOWN, status=404)
    if check_in.answered_at is not None:
        raise AlreadyAnswered("This check-in is already answered.")
    if score not in range(1, 6) or buy_again not in BuyAgain.values:
        raise MendError("Choose a score from 1 to 5 and whether you would buy again.")
    check_in.score = score
    check_in.buy_again = buy_again
    check_in.comment = comment.strip()
    check_in.answered_at = timezone.now()
    check_in.save(update_fields=["score", "buy_again", "comment", "answered_at"])
    case = check_in.case
    entry = timeline_record(
        case=case,
        by=None,
        kind=TimelineKind.CHECK_IN_ANSWERED,
        summary=(
            f"{check_in.contact.name} answered the check-in: {score} of 5; "
            f"would buy from us again: {check_in.get_buy_again_display()}."
        ),
        body=check_in.comment,
        # The answer, not who gave it or what they wrote.
        event_data={
            "check_in": {
                "id": check_in.pk,
                "round": check_in.round,
                "score": score,
                "buy_again": buy_again,
            }
        },
    )
    if check_in.is_low:
        _alert_low(check_in, entry)
    return check_in


def _alert_low(check_in: CheckIn, entry) -> None:
    """The owner and the team's sales managers (administrators when the team
    has none), each once, by email (their settings apply) and in the app."""
    case = check_in.case
    people = {case.owner.pk: case.owner}
    for manager in managers_of(case):
        people.setdefault(manager.pk, manager)
    context = {
        "contact_name": check_in.contact.name,
        "score": check_in.score,
        "buy_again": check_in.get_buy_again_display(),
        "comment": check_in.comment,
    }
    for person in people.values():
        outbox_notify(
            case=case,
            to=person,
            kind=NotificationKind.CHECK_IN_LOW,
            by=None,
            key=f"check-in-{check_in.pk}",
            context=context,
        )
    notice_for(entry, NotificationKind.CHECK_IN_LOW, to=list(people.values()))
