"""Reading one email as it came from the mailbox: who sent it, to which
addresses, which of our messages it answers, its text with and without the
earlier quoted text, and its attached files. Pure: no database, no network."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

from django.utils import timezone
from django.utils.html import strip_tags
from mailparser_reply import EmailReplyParser

# The languages whose "On ... wrote:" and "-----Original Message-----" lines
# mail-parser-reply knows; English is always among them.
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "da", "sv", "pl", "cs"]
# Stored lengths (the model's columns).
ID_LENGTH = 255
SUBJECT_LENGTH = 300
NAME_LENGTH = 200
# Text kept from one email: a whole thread quoted below a reply can be long.
TEXT_LIMIT = 100_000
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Parsed:
    """What Mend reads from one email."""

    key: str
    from_address: str
    from_name: str
    subject: str
    received_at: dt.datetime
    to: list[str]
    answers: list[str]
    text: str
    reply_text: str
    automatic: bool
    message: EmailMessage = field(repr=False, compare=False)


def parse(raw: bytes) -> Parsed:
    """Read one raw message (RFC 5322 bytes) with the standard library's
    modern policy; a malformed header reads as empty rather than failing."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    name, address = parseaddr(_header(message, "From"))
    text = body_text(message)
    return Parsed(
        key=message_key(message, raw),
        from_address=address.strip().lower()[:254],
        from_name=" ".join(name.split())[:NAME_LENGTH],
        subject=" ".join(_header(message, "Subject").split())[:SUBJECT_LENGTH],
        received_at=_date(message),
        to=recipients(message),
        answers=answered_ids(message),
        text=text,
        reply_text=reply_text(text),
        automatic=is_automatic(message, address),
        message=message,
    )


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):
        # A header the modern parser cannot fold into its structure.
        return ""
    return str(value) if value is not None else ""


def message_key(message: EmailMessage, raw: bytes) -> str:
    """The Message-ID, which is what makes one email one row however often it
    is fetched; a digest of the whole message when it has none (or one too
    long to index), so the same bytes still make one row."""
    found = _MESSAGE_ID.search(_header(message, "Message-ID"))
    if found is not None and len(found.group()) <= ID_LENGTH:
        return found.group()
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def recipients(message: EmailMessage) -> list[str]:
    """Every address the email was sent or delivered to, lowercased: where a
    case's own reply address would be."""
    values = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        values += [_header(message, name)] if name in message else []
    return [address.lower() for _, address in getaddresses(values) if address]


def answered_ids(message: EmailMessage) -> list[str]:
    """The Message-IDs the email answers: In-Reply-To first, then References
    from the newest back."""
    ids = _MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    ids += reversed(_MESSAGE_ID.findall(_header(message, "References")))
    return list(dict.fromkeys(ids))


def _date(message: EmailMessage) -> dt.datetime:
    """When it was sent by its Date header; now if that is missing, malformed
    or in the future (a sender's clock cannot reorder the timeline)."""
    now = timezone.now()
    try:
        value = message["Date"]
        moment = value.datetime if value is not None else None
    except (ValueError, IndexError, TypeError, AttributeError):
        moment = None
    if moment is None:
        return now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return min(moment, now)


def body_text(message: EmailMessage) -> str:
    """The plain text of the email: its text/plain body, else its HTML body
    with the markup taken out."""
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        content = body.get_content() if body is not None else ""
    except (KeyError, LookupError, ValueError, AttributeError):
        # An unknown charset or a broken part: nothing readable.
        return ""
    if body is not None and body.get_content_subtype() == "html":
        content = html.unescape(strip_tags(content))
    lines = [line.rstrip() for line in content.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()[:TEXT_LIMIT]


def reply_text(text: str) -> str:
    """What the sender wrote this time: the earlier messages quoted below it
    ("On ... wrote:", "> ..." lines, Outlook's header block) removed by
    mail-parser-reply. The whole text if nothing is left (a reply written
    inside the quote)."""
    if not text:
        return ""
    latest = EmailReplyParser(languages=REPLY_LANGUAGES).parse_reply(text)
    return (latest or "").strip() or text


def is_automatic(message: EmailMessage, address: str) -> bool:
    """An out-of-office answer or a bounce, not a person replying (RFC 3834's
    Auto-Submitted, the older Precedence and X-Autoreply, a mailer daemon)."""
    auto = _header(message, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return True
    if _header(message, "Precedence").strip().lower() in {"auto_reply", "bulk", "junk"}:
        return True
    if _header(message, "X-Autoreply") or _header(message, "X-Autorespond"):
        return True
    local = address.partition("@")[0].lower()
    return local in {"mailer-daemon", "postmaster"} or not address


def reply_files(message: EmailMessage) -> list[tuple[str, bytes]]:
    """The files attached to the email, as (name, content) pairs: the parts
    marked as attachments, and inline parts that are not the text itself
    (an image pasted into the reply). Names are the sender's; whoever stores
    them checks the content."""
    files = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        try:
            content = part.get_content()
        except (KeyError, LookupError, ValueError):
            continue
        if isinstance(content, str):
            content = content.encode()
        elif isinstance(content, EmailMessage):
            content = content.as_bytes()
        name = part.get_filename() or f"attachment-{len(files) + 1}"
        files.append((name, content))
    return files
