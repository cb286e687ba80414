"""Taking replies from the mailbox, and an administrator's decisions on the
ones that wait for review. The only writers of InboundMail.

Taken once, whatever happens between fetching and recording: a message is
recorded (its Message-ID is unique) in one transaction with its timeline
entry and the owner's notice and email, and only after that commits is it
marked read in the mailbox. A poll cut off in between leaves it unread; the
next poll finds it recorded and only marks it. A mailbox or a database that
is down stops the poll with a log line, and the next beat tries again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from cases import access
from cases.casework.services.attachments import AttachmentRefused, attachment_add
from cases.casework.services.notices import notice_add
from cases.casework.services.pauses import pause_end
from cases.casework.services.rows import case_touch
from cases.casework.services.timeline import timeline_record
from cases.choices import InboundStatus, NotificationKind, PauseEnd, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import (
    Case,
    Contact,
    InboundMail,
    OutboxMessage,
    TimelineEntry,
    User,
)
from cases.models.inbound import RAW_LIMIT
from cases.notifications.client import case_id_from_address
from cases.notifications.record import outbox_notify
from cases.replies import imap
from cases.replies.parse import Parsed, parse, reply_files

log = logging.getLogger(__name__)

# Messages taken in one poll; the rest wait for the next beat, so one poll
# stays well inside the task's time limit.
BATCH = 100
# How much of a reply the owner's email quotes.
EXCERPT_LENGTH = 1500


@dataclass
class Polled:
    """What one poll did: messages recorded, messages found recorded already
    (marked read again), and why it stopped early, if it did."""

    taken: int = 0
    known: int = 0
    failed: str = ""


def mailbox_poll() -> Polled:
    """Take the unread messages of the reply mailbox (settings, MEND_IMAP_*).

    Nothing when no mailbox is configured. Oldest first, at most BATCH.
    """
    account = imap.Account.from_settings()
    polled = Polled()
    if account is None:
        return polled
    try:
        with imap.opened(account) as folder:
            uids = folder.unread()[:BATCH]
            if not uids:
                return polled
            known = set(
                InboundMail.objects.filter(
                    mailbox=account.name, uidvalidity=folder.uidvalidity, uid__in=uids
                ).values_list("uid", flat=True)
            )
            # Recorded by an earlier poll that stopped before marking them.
            folder.mark_read(sorted(known))
            polled.known = len(known)
            for uid in uids:
                if uid in known:
                    continue
                raw = folder.fetch(uid)
                if raw is None:
                    continue
                _, created = inbound_take(
                    raw=raw,
                    mailbox=account.name,
                    uidvalidity=folder.uidvalidity,
                    uid=uid,
                )
                # Only now that the row is committed: stopped before this
                # line, the message stays unread and the next poll skips it.
                folder.mark_read([uid])
                polled.taken += created
                polled.known += not created
    except imap.MAILBOX_ERRORS as error:
        polled.failed = f"mailbox: {error}"
        log.warning("Reply mailbox %s not polled: %s", account.name, error)
    except DatabaseError as error:
        polled.failed = f"database: {error}"
        log.warning("Reply mailbox %s: database unavailable: %s", account.name, error)
    return polled


@transaction.atomic
def inbound_take(
    *,
    raw: bytes,
    mailbox: str = "",
    uidvalidity: int | None = None,
    uid: int | None = None,
    case_hint: Case | None = None,
) -> tuple[InboundMail, bool]:
    """Record one message from the mailbox, once: the row for its
    Message-ID, and whether it is new. A new one that names its case and
    comes from a contact of that case's client goes on the case; any other
    waits for review.

    `case_hint` is a case the message is known to answer, for messages that
    come from no mailbox (the demo); a poll never passes one.
    """
    parsed = _read(raw)
    mail, created = InboundMail.objects.get_or_create(
        message_id=parsed.key,
        defaults={
            "mailbox": mailbox,
            "uidvalidity": uidvalidity,
            "uid": uid,
            "from_address": parsed.from_address,
            "from_name": parsed.from_name,
            "subject": parsed.subject,
            "received_at": parsed.received_at,
            "text": parsed.text,
            "reply_text": parsed.reply_text,
            "status": InboundStatus.REVIEW,
            "raw": raw[:RAW_LIMIT],
            "raw_size": len(raw),
        },
    )
    if not created:
        if uid is not None and (mail.mailbox, mail.uidvalidity, mail.uid) != (
            mailbox,
            uidvalidity,
            uid,
        ):
            # Found again under other UIDs (the folder's UIDVALIDITY changed,
            # or a second copy): the next poll skips it without fetching.
            InboundMail.objects.filter(pk=mail.pk).update(
                mailbox=mailbox, uidvalidity=uidvalidity, uid=uid
            )
        return mail, False
    match = reply_match(parsed, case_hint=case_hint)
    mail.case, mail.contact, mail.reason = match.case, match.contact, match.reason
    if match.attach:
        _attach(mail, by=None, message=parsed.message)
    mail.save()
    return mail, True


def _read(raw: bytes) -> Parsed:
    try:
        return parse(raw)
    except Exception:
        # A message the parser cannot read must not block the ones after it:
        # it waits for review, kept whole, under a digest of its bytes.
        log.exception("An email in the reply mailbox could not be read")
        return Parsed(
            key="sha256:" + hashlib.sha256(raw).hexdigest(),
            from_address="",
            from_name="",
            subject="(Mend could not read this email)",
            received_at=timezone.now(),
            to=[],
            answers=[],
            text="",
            reply_text="",
            automatic=False,
            message=EmailMessage(),
        )


@dataclass(frozen=True)
class Match:
    """The case a message answers (or, for one that waits, the best guess),
    the contact who sent it, and why it waits (empty: it goes on the case)."""

    case: Case | None
    contact: Contact | None
    reason: str

    @property
    def attach(self) -> bool:
        return not self.reason and self.case is not None and self.contact is not None


def reply_match(parsed: Parsed, *, case_hint: Case | None = None) -> Match:
    """Which case a message answers: the case's own reply address among its
    recipients, else the Mend email it answers (In-Reply-To, References).
    It goes on the case only from an address of one of that client's
    contacts (compared without regard to case)."""
    case = case_hint or _case_by_address(parsed.to) or _case_by_thread(parsed.answers)
    if _from_ourselves(parsed.from_address):
        return Match(case, None, "Sent from Mend's own address (a loop or a bounce).")
    if parsed.automatic:
        contact = _contact_of(case, parsed.from_address) if case else None
        return Match(case, contact, "An automatic answer (out of office or a bounce).")
    if case is None:
        contact = (
            Contact.objects.filter(email__iexact=parsed.from_address, erased=False)
            .select_related("client")
            .first()
            if parsed.from_address
            else None
        )
        guess = None
        if contact is not None:
            guess = (
                Case.objects.filter(client=contact.client_id)
                # Its newest open case, else its newest closed one.
                .order_by(F("closed_at").desc(nulls_first=True), "-opened_at")
                .first()
            )
        return Match(
            guess,
            contact,
            "It names no case: not sent to a case's reply address, nor in answer "
            "to an email from Mend.",
        )
    contact = _contact_of(case, parsed.from_address)
    if contact is None:
        sender = parsed.from_address or "The sender"
        return Match(case, None, f"{sender} is not a contact of {case.client}.")
    return Match(case, contact, "")


def _case_by_address(addresses: list[str]) -> Case | None:
    for address in addresses:
        case_id = case_id_from_address(address)
        if case_id is not None:
            case = Case.objects.select_related("client", "owner").filter(pk=case_id)
            if found := case.first():
                return found
    return None


def _case_by_thread(answers: list[str]) -> Case | None:
    if not answers:
        return None
    sent = (
        OutboxMessage.objects.filter(message_id__in=answers, contact__isnull=False)
        .select_related("case__client", "case__owner")
        .order_by("-created_at")
        .first()
    )
    return sent.case if sent is not None else None


def _contact_of(case: Case, address: str) -> Contact | None:
    """The client's contact with this address; an affected person of the
    case first when two share it."""
    if not address:
        return None
    found = list(
        Contact.objects.filter(
            client_id=case.client_id, email__iexact=address, erased=False
        )
    )
    affected = set(case.contacts.values_list("pk", flat=True)) if found else set()
    found.sort(key=lambda contact: (contact.pk not in affected, contact.pk))
    return found[0] if found else None


def _from_ourselves(address: str) -> bool:
    ours = {
        parseaddr(settings.MEND_CLIENT_FROM_EMAIL)[1].lower(),
        parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(),
        settings.MEND_REPLY_ADDRESS.lower(),
    }
    return bool(address) and address.lower() in ours - {""}


def sender_label(mail: InboundMail) -> str:
    """How the timeline and the owner's email name the sender."""
    if mail.from_name and mail.from_address:
        return f"{mail.from_name} <{mail.from_address}>"
    return mail.from_name or mail.from_address or "Someone"


def _attach(
    mail: InboundMail, *, by: User | None, message: EmailMessage | None = None
) -> None:
    """Put the message on its case: a timeline entry with the sender and
    what they wrote (escaped where it is shown), the files attached to it
    hanging on that entry, and the owner told in the app and by email
    (following their settings). In the caller's transaction; `mail` is
    saved by the caller. `message` is the parsed email, else read again
    from the kept raw message."""
    case = mail.case
    sender = sender_label(mail)
    summary = f"{sender} replied by email"
    if mail.subject:
        summary += f": {mail.subject}"
    entry = timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.CLIENT_REPLIED,
        summary=summary,
        body=mail.reply_text or "(The email has no text.)",
    )
    _files_attach(mail, entry, message)
    _clock_resume(case, by=by)
    mail.entry = entry
    mail.status = InboundStatus.ATTACHED
    mail.reason = ""
    notice_add(
        case=case,
        to=[case.owner],
        kind=NotificationKind.CLIENT_REPLY,
        by=by,
        summary=summary,
    )
    excerpt = mail.reply_text
    if len(excerpt) > EXCERPT_LENGTH:
        excerpt = excerpt[:EXCERPT_LENGTH].rstrip() + " …"
    outbox_notify(
        case=case,
        to=case.owner,
        kind=NotificationKind.CLIENT_REPLY,
        by=by,
        key=f"inbound-{mail.pk}",
        context={"sender": sender, "excerpt": excerpt, "subject": mail.subject},
    )


def _clock_resume(case: Case, *, by: User | None) -> None:
    """A reply is the client's move: a step clock paused waiting on them runs
    again, as when a contact with the client is logged."""
    if case.step_paused_at is None:
        return
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("team")
        .get(pk=case.pk)
    )
    changed = pause_end(locked, by=by, why=PauseEnd.CLIENT_CONTACT)
    if changed:
        case_touch(locked, by, *changed)


def _files_attach(
    mail: InboundMail, entry: TimelineEntry, message: EmailMessage | None
) -> None:
    """The reply's files on its case, on its timeline entry; a file Mend does
    not take (its type, its size) is named on the entry instead, and the
    rest still land."""
    if message is None:
        message = parse(bytes(mail.raw)).message if mail.raw else EmailMessage()
    notes = []
    for name, content in reply_files(message):
        try:
            attachment_add(
                case_id=mail.case_id,
                by=None,
                file=ContentFile(content, name=name),
                entry_id=entry.pk,
            )
        except (AttachmentRefused, NotAllowed) as refused:
            notes.append(f"Not kept: “{name}”: {refused}")
    if mail.raw_truncated:
        notes.append(
            "Files beyond the first "
            f"{RAW_LIMIT // (1024 * 1024)} MB of the email were not kept."
        )
    if notes:
        entry.body = "\n\n".join([entry.body, *notes])
        entry.save(update_fields=["body"])


def _waiting(*, mail_id: int, by: User) -> InboundMail:
    """The message, locked, if it still waits for review and `by` reviews."""
    if not access.reviews_replies(by):
        raise NotAllowed("Only an administrator reviews replies.")
    mail = InboundMail.objects.select_for_update().filter(pk=mail_id).first()
    if mail is None:
        raise NotAllowed("That email is not in the review list.")
    if mail.status != InboundStatus.REVIEW:
        # A second click, or another administrator was first.
        raise NotAllowed(f"That email was already {mail.get_status_display().lower()}.")
    return mail


@transaction.atomic
def inbound_attach(*, mail_id: int, case_id: int, by: User) -> InboundMail:
    """An administrator puts a waiting message on a case they may work on;
    the owner is told as for a matched reply. The sender's contact is noted
    when the client has one with that address."""
    mail = _waiting(mail_id=mail_id, by=by)
    case = (
        Case.objects.for_user(by, "work")
        .select_related("client", "owner")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotAllowed(f"There is no case {case_id} for you to put it on.")
    mail.case = case
    mail.contact = _contact_of(case, mail.from_address)
    mail.decided_by, mail.decided_at = by, timezone.now()
    _attach(mail, by=by)
    mail.save()
    return mail


@transaction.atomic
def inbound_dismiss(*, mail_id: int, by: User) -> InboundMail:
    """An administrator sets a waiting message aside (spam, a newsletter, a
    reply not about any case). It stays recorded, so it is never taken again."""
    mail = _waiting(mail_id=mail_id, by=by)
    mail.status = InboundStatus.DISMISSED
    mail.decided_by, mail.decided_at = by, timezone.now()
    mail.save(update_fields=["status", "decided_by", "decided_at"])
    return mail
