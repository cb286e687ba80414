"""Email to people about a case, sent once the change that caused it commits."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from ..models import Case, User


def case_link(case: Case) -> str:
    return f"{settings.SITE_URL}{case.get_absolute_url()}"


def email_about_case(
    *, case: Case, to: User, kind: str, by: User | None, context: dict | None = None
) -> None:
    """Send templates/emails/<kind>/ to one person, after the transaction commits.

    Nobody is emailed about their own action, and nothing is sent for a change
    that rolls back.
    """
    if not to.email or not to.is_active or (by is not None and to.pk == by.pk):
        return
    data = {"case": case, "recipient": to, "by": by, "link": case_link(case)}
    data.update(context or {})
    subject = render_to_string(f"emails/{kind}/subject.txt", data).strip()
    text = render_to_string(f"emails/{kind}/body.txt", data)
    html = render_to_string(f"emails/{kind}/body.html", data)

    def send():
        message = EmailMultiAlternatives(subject, text, to=[to.email])
        message.attach_alternative(html, "text/html")
        message.send()

    transaction.on_commit(send)
