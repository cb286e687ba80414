"""Turning an outbox row into an email: templates/emails/<kind>/, plus a
calendar entry for reminders about a date."""

import datetime
import hashlib
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from icalendar import Calendar, Event

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
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{folder}/body.txt", data),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient.email],
        headers={"Message-ID": message_id_for(message.dedupe_key)},
    )
    email.attach_alternative(render_to_string(f"{folder}/body.html", data), "text/html")
    if message.kind in CALENDAR_KINDS:
        event = calendar_for(message, link=link)
        if event is not None:
            email.attach(event)
    return email


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

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", message.created_at)
    event.add("dtstart", due_on)
    event.add("dtend", due_on + datetime.timedelta(days=1))
    event.add("summary", title)
    event.add("description", f"{title}\n{link}")
    event.add("url", link)
    calendar = Calendar()
    calendar.add("prodid", "-//Mend//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)

    part = MIMEText(calendar.to_ical().decode(), "calendar", "utf-8")
    part.set_param("method", "PUBLISH")
    part.add_header("Content-Disposition", "attachment", filename="reminder.ics")
    return part
