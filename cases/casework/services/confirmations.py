"""The written confirmation: the owner's email confirming a call, sent from
Mend to the affected people, with the promises it makes put on the ledger."""

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cases import workflow
from cases.casework.services.promises import promise_make
from cases.casework.services.rows import case_lock, case_touch, ensure_open
from cases.casework.services.submissions import submission_claim
from cases.casework.services.timeline import timeline_record
from cases.choices import NotificationKind, Step, TimelineKind
from cases.exceptions import CaseMoved, NotAllowed
from cases.models import Case, Confirmation, Contact, User
from cases.notifications.record import client_email_record


@dataclass(frozen=True)
class PromiseLine:
    """A promise as marked in the email: what, and by when."""

    due_on: dt.date
    description: str


def due_on_text(day: dt.date) -> str:
    """A promise's date as the client reads it: "Tuesday 15 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


@transaction.atomic
def confirmation_send(
    *,
    case_id: int,
    by: User,
    version: int,
    subject: str,
    body: str,
    contacts: list[Contact],
    promises: list[PromiseLine],
    step: str | None = None,
    submission_key: uuid.UUID | None = None,
) -> Confirmation:
    """Send the written confirmation to `contacts` and put `promises` on the
    ledger, in one transaction: the emails (one outbox row per contact) go
    out only if every promise is recorded, and none of it if one is refused.

    `version` (and `step`) are the case as the page showed it: a case that
    changed meanwhile is refused, since the email may promise what no longer
    holds. The one-time key is claimed before that check, so a double click
    is an AlreadySubmitted, not a conflict.
    """
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case)
    submission_claim(submission_key)
    _ensure_as_shown(case, version=version, step=step)
    workflow.ensure_in_step(case, "confirmation")
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        raise NotAllowed("Write a subject and the email itself: nothing was sent.")
    recipients = _recipients(case, contacts)
    today = timezone.localdate()
    for line in promises:
        if line.due_on < today:
            raise NotAllowed(
                f"The promise “{line.description}” is dated in the past: nothing "
                "was sent."
            )
    confirmation = Confirmation.objects.create(
        case=case, sent_by=by, step=case.step, subject=subject, body=body
    )
    confirmation.contacts.set(recipients)
    made = [
        promise_make(
            case_id=case.pk, by=by, description=line.description, due_on=line.due_on
        )
        for line in sorted(promises, key=lambda line: line.due_on)
    ]
    confirmation.promises.set(made)
    context = {
        "subject": subject,
        "body": body,
        "promises": [
            {"description": p.description, "due_on_text": due_on_text(p.due_on)}
            for p in made
        ],
        "sender_name": by.get_full_name() or by.username,
    }
    messages = [
        client_email_record(
            case=case,
            contact=contact,
            kind=NotificationKind.CLIENT_CONFIRMATION,
            key=f"confirmation-{confirmation.pk}",
            context=context,
        )
        for contact in recipients
    ]
    confirmation.messages.set(messages)
    # promise_make saved the case; read the version it left before touching.
    case.refresh_from_db(fields=["version"])
    case_touch(case, by)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.CONFIRMATION_SENT,
        summary=_summary(subject, recipients, made),
        body=email_text(body, made),
    )
    return confirmation


def email_text(body: str, promises) -> str:
    """What the client reads, as the timeline keeps it: the text, then the
    promises with their dates."""
    if not promises:
        return body
    lines = [f"- {p.description}, by {due_on_text(p.due_on)}" for p in promises]
    return "\n".join([body, "", "What we will do, and by when:", *lines])


def _ensure_as_shown(case: Case, *, version: int, step: str | None) -> None:
    if version == case.version:
        return
    who = case.updated_by.get_full_name() if case.updated_by else ""
    moved = ""
    if step and Step(step) != Step(case.step):
        now = Step(case.step)
        went = (
            "on"
            if workflow.ORDER.index(now) > workflow.ORDER.index(Step(step))
            else "back"
        )
        moved = f" and it moved {went} to {now.label}"
    raise CaseMoved(
        f"{who or 'Someone'} changed this case since you opened it{moved}, so "
        "nothing was sent. Your email is kept below: check the case as it is "
        "now, then send it again if it still holds."
    )


def _recipients(case: Case, contacts: list[Contact]) -> list[Contact]:
    """The chosen people, each one affected by this case and with an email
    address; refused whole otherwise, saying who."""
    if not contacts:
        raise NotAllowed("Choose at least one person to send it to: nothing was sent.")
    affected = {c.pk: c for c in case.contacts.filter(pk__in=[c.pk for c in contacts])}
    chosen = []
    for contact in contacts:
        found = affected.get(contact.pk)
        if found is None:
            raise NotAllowed(
                f"{contact.name} is not named as affected on this case: nothing "
                "was sent."
            )
        if found.erased or not found.email:
            raise NotAllowed(
                f"{found.name} has no email address on file: add it on the "
                "client's page, or leave them out. Nothing was sent."
            )
        chosen.append(found)
    return chosen


def _summary(subject: str, recipients: list[Contact], promises) -> str:
    names = [c.name for c in recipients]
    if len(names) > 3:
        names = [*names[:2], f"{len(names) - 2} more"]
    to = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
    if not promises:
        return (
            f"Sent the written confirmation “{subject}” to {to}, with no dated promise."
        )
    listed = "; ".join(f"“{p.description}” by {p.due_on:%d %b}" for p in promises)
    return (
        f"Sent the written confirmation “{subject}” to {to}, with "
        f"{len(promises)} promise{'' if len(promises) == 1 else 's'}: {listed}."
    )
