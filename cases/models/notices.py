"""What happened to a user's cases, or to them, shown on their home page as
"New to you" until they open the case."""

from django.db import models
from django.utils import timezone

from cases.choices import NotificationKind
from cases.querysets import NoticeQuerySet


class Notice(models.Model):
    """One thing that happened to `recipient` on `case`: it was sent back or
    handed to them, their offer was decided, someone commented on their case
    or mentioned them. Written by the service that made the change, in its
    transaction; unread until the recipient opens the case (or marks all
    read). `kind` uses the email kinds, so the page and the email agree."""

    recipient = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="notices"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="notices"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    summary = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The navigation counts a user's unread notices on every page.
            models.Index(fields=["recipient", "read_at"], name="notice_recipient_read")
        ]

    def __str__(self) -> str:
        return self.summary
