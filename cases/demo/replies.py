"""Replies by email in the demo, with no mailbox: a client's reply on an
open case's timeline (taken as the poller takes one, so its owner has the
notice), and an email from a stranger waiting for review. Keyed on their
Message-IDs, so loading the demo again adds nothing."""

from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone

from cases.choices import Step
from cases.models import Case
from cases.replies.services import inbound_take

LATER_STEPS = [Step.COMMUNICATE, Step.APOLOGISE, Step.COMPENSATE, Step.FOLLOW_UP]


def seed_replies() -> None:
    case = (
        Case.objects.filter(step__in=LATER_STEPS, contacts__email__gt="")
        .select_related("client", "owner")
        .order_by("opened_at", "pk")
        .first()
    )
    if case is not None:
        contact = case.contacts.exclude(email="").order_by("pk").first()
        first_name = contact.name.split()[0]
        inbound_take(
            raw=_email(
                sender=f"{contact.name} <{contact.email}>",
                subject=f"Re: {case.commitment}",
                message_id="<demo-reply-1@mend.demo>",
                text=(
                    "Thank you for putting the new plan in writing. It works for"
                    " us; please confirm the names of the people coming and we"
                    f" will have the room ready.\n\n{first_name}\n\n"
                    f"On the day before, {case.owner.get_full_name()} wrote:\n"
                    "> As agreed on the phone, here is what we will do next.\n"
                ),
            ),
            case_hint=case,
        )
    inbound_take(
        raw=_email(
            sender="Jordan Fielding <j.fielding@newcomer-logistics.example>",
            subject="Question about our order",
            message_id="<demo-waiting-1@mend.demo>",
            text="Hello, who should we talk to about a late delivery? Jordan",
        )
    )


def _email(*, sender: str, subject: str, message_id: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "replies@mend.demo"
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id
    message.set_content(text)
    return message.as_bytes()
