"""The demo's written confirmation: the invoice case at Larchmont, confirmed
in writing after the first call, as its owner would from the case page."""

import datetime as dt

from django.utils import timezone

from cases.casework.services.confirmations import PromiseLine, confirmation_send
from cases.choices import Channel, OutboxStatus, TimelineKind
from cases.models import Case

CLIENT = "Larchmont Engineering"
COMMITMENT = "Correct licence renewal invoice before their year-end"
# Written this long after the call it confirms.
AFTER_THE_CALL = dt.timedelta(minutes=20)
BODY = """Dear Dev, dear Olivia,

Thank you for your time on the phone today. As I said, the renewal invoice
charged you twice for the same fifty licences; that was our mistake, not
yours, and I am sorry your finance team had to find it on the last day.

Olivia receives a corrected invoice, checked line by line against the order
by a second person before it leaves us. Until then there is nothing to pay.

If anything in it still looks wrong, reply to this email and it comes
straight to me."""


def seed_confirmation() -> None:
    """Send the confirmation once (a case that has one is left alone), then
    date it just after the case's first call, already delivered."""
    case = (
        Case.objects.filter(client__name=CLIENT, commitment=COMMITMENT)
        .select_related("owner")
        .first()
    )
    if case is None or case.confirmations.exists():
        return
    call = case.client_contacts.filter(channel=Channel.CALL).order_by("happened_at")
    call = call.first()
    if call is None:
        return
    at = call.happened_at + AFTER_THE_CALL
    confirmation = confirmation_send(
        case_id=case.pk,
        by=case.owner,
        version=case.version,
        subject="Your renewal invoice: what happens next",
        body=BODY,
        contacts=[c for c in case.contacts.all() if c.email],
        promises=[
            PromiseLine(
                timezone.localdate() + dt.timedelta(days=12),
                "Every Larchmont invoice checked by a second person before it "
                "is sent, starting with the next one",
            )
        ],
    )
    started = confirmation.created_at
    confirmation.promises.update(created_at=at)
    confirmation.messages.update(
        created_at=at, due_at=at, sent_at=at, status=OutboxStatus.SENT
    )
    case.timeline.filter(
        at__gte=started, kind__in=[TimelineKind.CONFIRMATION_SENT, TimelineKind.PROMISE]
    ).update(at=at)
    type(confirmation).objects.filter(pk=confirmation.pk).update(created_at=at)
