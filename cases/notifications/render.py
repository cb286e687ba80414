"""Turning an outbox row into an email: templates/emails/<kind>/, plus a
calendar entry for reminders about a date."""

import datetime
import hashlib
from email.mime.text import MIMEText
from email.policy import Compat32

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from ..models import NotificationKind, OutboxMessage
from .outbox import message_domain, message_id_for

# Reminders about a day: the email carries an all-day event for the calendar.
CALENDAR_KINDS = frozenset(
    {NotificationKind.FOLLOW_UP_REMINDER, NotificationKind.PROMISE_REMINDER}
)


def render(message: OutboxMessage) -> EmailMultiAlternatives:
    """The email for one outbox message; its Message-ID comes from the key.

    `message.case` and `message.recipient` should be loaded already (with the
    case's client and owner): templates never query.
    """
    case = message.case
    if case is not None:
        link = f"{settings.SITE_URL}{case.get_absolute_url()}"
    else:
        link = f"{settings.SITE_URL}/"
    data = {
        "message": message,
        "case": case,
        "recipient": message.recipient,
        "link": link,
        **(message.context or {}),
    }
    folder = f"emails/{message.kind}"
    subject = " ".join(render_to_string(f"{folder}/subject.txt", data).split())
    message_id = message_id_for(message.dedupe_key)
    email = OutboxEmail(
        subject=subject,
        body=render_to_string(f"{folder}/body.txt", data),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient.email],
        headers={"Message-ID": message_id},
        boundary_seed=message_id[1:17],
    )
    email.attach_alternative(render_to_string(f"{folder}/body.html", data), "text/html")
    if message.kind in CALENDAR_KINDS:
        event = calendar_for(message, link=link)
        if event is not None:
            email.attach(event)
    return email


class QuickFolding(Compat32):
    """The email package's compat32 policy, which Django's messages use, with
    a short cut for the usual header: one short line of printable ASCII is
    written as it is, which is what the full folding algorithm (a Header
    object per header, the larger part of writing out a message) makes of it
    too. Anything else takes the full algorithm."""

    def fold(self, name, value):
        if self._plain(name, value):
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if self._plain(name, value):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)

    def _plain(self, name, value) -> bool:
        limit = self.max_line_length
        return (
            isinstance(value, str)
            and value.isascii()
            and value.isprintable()
            and (not limit or len(name) + 2 + len(value) <= limit)
        )


QUICK_FOLDING = QuickFolding()


class OutboxEmail(EmailMultiAlternatives):
    """Django's email, cheaper to write out: its MIME boundaries are set in
    advance from `boundary_seed` (the email package would otherwise make up
    each one and compile a regular expression to look for it in the text),
    and its headers are written with QUICK_FOLDING."""

    def __init__(self, *args, boundary_seed: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.boundary_seed = boundary_seed

    def message(self):
        msg = super().message()
        multiparts, texts = [], []
        for part in msg.walk():
            if part.is_multipart():
                multiparts.append(part)
            elif isinstance(payload := part.get_payload(), str):
                texts.append(payload)
        for number, part in enumerate(multiparts):
            # "=_" never occurs in quoted-printable or base64 text, and an
            # unencoded part is looked at: a boundary must not occur in it.
            boundary = f"=_{self.boundary_seed}.{number}"
            if any(boundary in text for text in texts):
                continue
            kind = part["Content-Type"]
            if ";" in kind:
                part.set_boundary(boundary)
            else:  # the usual bare "multipart/...": no parameters to parse
                part.replace_header("Content-Type", f'{kind}; boundary="{boundary}"')
        msg.policy = QUICK_FOLDING
        return msg


def calendar_for(message: OutboxMessage, *, link: str) -> MIMEText | None:
    """An all-day event on context["due_on"], as a text/calendar attachment.

    The UID comes from context["uid"] (or the message's key) and DTSTAMP from
    when the message was recorded, so sending the same notification again
    produces the same event, and a calendar updates it instead of adding one.
    """
    context = message.context or {}
    try:
        due_on = datetime.date.fromisoformat(context["due_on"])
    except (KeyError, TypeError, ValueError):
        return None
    uid = context.get("uid") or (
        hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:32]
        + f"@{message_domain()}"
    )
    title = context.get("title") or NotificationKind(message.kind).label
    stamp = message.created_at.astimezone(datetime.UTC)
    text = calendar_text(
        uid=uid,
        stamp=stamp,
        day=due_on,
        summary=title,
        description=f"{title}\n{link}",
        url=link,
    )
    part = MIMEText(text, "calendar", "utf-8")
    part.set_param("method", "PUBLISH")
    part.add_header("Content-Disposition", "attachment", filename="reminder.ics")
    return part


def calendar_text(
    *,
    uid: str,
    stamp: datetime.datetime,
    day: datetime.date,
    summary: str,
    description: str,
    url: str,
) -> str:
    """A VCALENDAR with one all-day VEVENT, as RFC 5545 writes it.

    Written directly: building it with icalendar's objects cost more than the
    rest of the email together. The tests read it back with icalendar.
    """
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Mend//Reminders//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        "UID:" + _ical_text(uid),
        "DTSTAMP:" + stamp.strftime("%Y%m%dT%H%M%SZ"),
        "DTSTART;VALUE=DATE:" + day.strftime("%Y%m%d"),
        "DTEND;VALUE=DATE:" + (day + datetime.timedelta(days=1)).strftime("%Y%m%d"),
        "SUMMARY:" + _ical_text(summary),
        "DESCRIPTION:" + _ical_text(description),
        "URL:" + url,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_ical_fold(line) + "\r\n" for line in lines)


_ICAL_ESCAPES = str.maketrans(
    {"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n", "\r": ""}
)


def _ical_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newline escaped."""
    return value.translate(_ICAL_ESCAPES)


def _ical_fold(line: str, limit: int = 75) -> str:
    """Fold a content line to at most `limit` octets per line (RFC 5545 3.1),
    never inside a UTF-8 character."""
    data = line.encode()
    if len(data) <= limit:
        return line
    pieces = []
    start, width = 0, limit
    while start < len(data):
        end = min(start + width, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1  # a continuation byte: fold before its character
        pieces.append(data[start:end].decode())
        start, width = end, limit - 1  # a folded line starts with a space
    return "\r\n ".join(pieces)
