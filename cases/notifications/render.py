"""Turning an outbox row into an email: templates/emails/<kind>/, plus a
calendar entry for reminders about a date."""

import datetime
from email.mime.text import MIMEText

import icalendar
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cases.choices import NotificationKind
from cases.links import make_token
from cases.models import CheckIn, OutboxMessage
from cases.notifications.client import client_addresses
from cases.notifications.ids import calendar_uid_for, message_id_for

# Reminders about a day: the email carries an all-day event for the calendar.
CALENDAR_KINDS = frozenset(
    {NotificationKind.FOLLOW_UP_REMINDER, NotificationKind.PROMISE_REMINDER}
)


def render(message: OutboxMessage) -> EmailMultiAlternatives:
    """The email for one outbox message; its Message-ID comes from the key.

    `message.case` and `message.recipient` (or `message.contact`, for an
    email to the client) should be loaded already (with the case's client and
    owner): templates never query.
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
        "contact": message.contact,
        "company": settings.MEND_COMPANY_NAME,
        "link": link,
        **(message.context or {}),
    }
    if message.kind == NotificationKind.PASSWORD_RESET:
        data.update(password_reset_link(message))
    if message.kind == NotificationKind.CLIENT_CHECK_IN and "check_in" in data:
        data["check_in_link"] = check_in_link(data["check_in"])
    folder = f"emails/{message.kind}"
    # A header is one line: whatever the data holds (a client's name typed
    # with a line break), the subject's whitespace becomes single spaces.
    subject = " ".join(plain_text(f"{folder}/subject.txt", data).split())
    headers = {"Message-ID": message.message_id or message_id_for(message.dedupe_key)}
    if message.contact_id is not None:
        addresses = client_addresses(message)
        # A reply to a client's email (context["in_reply_to"]) threads with it.
        if (message.context or {}).get("in_reply_to"):
            headers["In-Reply-To"] = message.context["in_reply_to"]
            headers["References"] = message.context["in_reply_to"]
    else:
        addresses = {
            "to": [message.recipient.email],
            "from_email": settings.DEFAULT_FROM_EMAIL,
        }
    email = EmailMultiAlternatives(
        subject=subject,
        body=plain_text(f"{folder}/body.txt", data),
        headers=headers,
        **addresses,
    )
    email.attach_alternative(render_to_string(f"{folder}/body.html", data), "text/html")
    if message.kind in CALENDAR_KINDS:
        event = calendar_for(message, link=link)
        if event is not None:
            email.attach(event)
    return email


def plain_text(name: str, data: dict) -> str:
    """A text template rendered without HTML escaping: a subject or a plain
    body reads "O'Brien & Sons", never "O&#x27;Brien &amp; Sons", even where
    a template forgets its {% autoescape off %}. The HTML body is escaped."""
    template = engines["django"].engine.get_template(name)
    return template.render(Context(data, autoescape=False))


def password_reset_link(message: OutboxMessage) -> dict:
    """The reset link, made when the email is written rather than stored with
    the row: the outbox never holds a working token, and the link's time
    limit starts when it is sent. Retries make a new, equally valid one."""
    user = message.recipient
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return {"link": f"{settings.SITE_URL}{path}", "user": user}


def check_in_link(check_in_id: int) -> str:
    """The check-in's link, made when the email is written (like the reset
    link: the outbox holds no working link, and its days count from sending),
    signed for this one check-in with its nonce."""
    check_in = CheckIn.objects.only("pk", "nonce").get(pk=check_in_id)
    token = make_token("check-in", check_in.pk, nonce=check_in.nonce)
    return f"{settings.SITE_URL}{reverse('check_in', kwargs={'token': token})}"


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
    title = context.get("title") or NotificationKind(message.kind).label
    event = icalendar.Event()
    event.add("uid", context.get("uid") or calendar_uid_for(message.dedupe_key))
    event.add("dtstamp", message.created_at.astimezone(datetime.UTC))
    event.add("dtstart", due_on)
    event.add("dtend", due_on + datetime.timedelta(days=1))
    event.add("summary", title)
    event.add("description", f"{title}\n{link}")
    event.add("url", link)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Mend//Reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    # A part of its own rather than Django's attach(filename, content): the
    # calendar's METHOD must be repeated as a Content-Type parameter.
    part = MIMEText(calendar.to_ical().decode(), "calendar", "utf-8")
    part.set_param("method", "PUBLISH")
    part.add_header("Content-Disposition", "attachment", filename="reminder.ics")
    return part
