"""Reading the replies that wait for review."""

from django.db.models import QuerySet

from cases import access
from cases.choices import InboundStatus
from cases.models import InboundMail

# The review page lists this many at once, oldest first.
PAGE = 50


def replies_waiting(user) -> QuerySet[InboundMail]:
    """The emails waiting for review, oldest first, with their guessed case
    and contact; none for anyone who does not review replies."""
    if not access.reviews_replies(user):
        return InboundMail.objects.none()
    return (
        InboundMail.objects.filter(status=InboundStatus.REVIEW)
        .select_related("case__client", "case__owner", "contact")
        .defer("raw", "text")
        .order_by("received_at", "id")
    )


def replies_decided(user, limit: int = 10) -> list[InboundMail]:
    """The latest emails an administrator attached or dismissed."""
    if not access.reviews_replies(user):
        return []
    return list(
        InboundMail.objects.filter(decided_at__isnull=False)
        .select_related("case__client", "decided_by")
        .defer("raw", "text", "reply_text")
        .order_by("-decided_at", "-id")[:limit]
    )
