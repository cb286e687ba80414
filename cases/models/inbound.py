"""Email that came into the reply mailbox (README, "Replies by email")."""

from django.db import models
from django.utils import timezone

from cases.choices import InboundStatus

# The raw message is kept (an administrator looks into a match; a reply put
# on a case from the review list brings its files from it) up to this many
# bytes: the largest message Microsoft 365 and Google Workspace accept.
RAW_LIMIT = 25 * 1024 * 1024


class InboundMail(models.Model):
    """One email taken from the reply mailbox, taken once: `message_id` is
    unique, and the poller records the row before it marks the message read
    (cases/replies/services.py). Either on its case (with the timeline entry
    that shows it), waiting for an administrator's review, or dismissed."""

    # The Message-ID header; a digest of the whole message when it has none
    # (or one too long to index).
    message_id = models.CharField(max_length=255, unique=True)
    # Where it was found: which mailbox and folder, and its UID there, valid
    # while the folder's UIDVALIDITY stays the same.
    mailbox = models.CharField(max_length=255, blank=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    recorded_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True, help_text="The whole text of the email.")
    reply_text = models.TextField(
        blank=True, help_text="What the sender wrote, earlier quoted text removed."
    )
    # The case it was matched to (or, while waiting, guessed); the contact
    # whose address sent it.
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_mail",
    )
    contact = models.ForeignKey(
        "cases.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_mail",
    )
    status = models.CharField(max_length=10, choices=InboundStatus.choices)
    # Why it waits for review, in words for the review page.
    reason = models.CharField(max_length=200, blank=True)
    entry = models.OneToOneField(
        "cases.TimelineEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbound_mail",
    )
    decided_by = models.ForeignKey(
        "cases.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    raw = models.BinaryField(blank=True, help_text=f"Up to {RAW_LIMIT} bytes.")
    raw_size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["mailbox", "uidvalidity", "uid"], name="inbound_mailbox_uid"
            ),
            models.Index(
                fields=["received_at"],
                name="inbound_waiting",
                condition=models.Q(status="review"),
            ),
        ]
        verbose_name = "inbound email"
        verbose_name_plural = "inbound email"

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"

    @property
    def raw_truncated(self) -> bool:
        return self.raw_size > len(self.raw or b"")
