"""The case timeline (audit trail) and the outbox of notifications."""

from django.db import models
from django.utils import timezone

from cases.choices import NotificationKind, OutboxStatus, TimelineKind


class TimelineEntry(models.Model):
    """Who did what to a case, when, with old and new values.

    Written by services in the same transaction as the change it records,
    and never deleted: neither the case nor the actor can be deleted under it.
    No actor means Mend itself (reminders, escalations).
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="timeline"
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=TimelineKind.choices)
    summary = models.CharField(max_length=300)
    body = models.TextField(blank=True, help_text="A comment's full text.")
    # [{"field": label, "old": text, "new": text}, ...]
    changes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "-at"], name="timeline_case_at")]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return self.summary


# Sent whatever the recipient muted: they asked for it, and muting it would
# lock them out.
UNMUTABLE_KINDS = frozenset({NotificationKind.PASSWORD_RESET})

# Addressed to a contact at the client (OutboxMessage.contact), not a user:
# no mail hours, mutes or case visibility apply; the owner chose to send.
CLIENT_KINDS = frozenset(
    {NotificationKind.CLIENT_CONFIRMATION, NotificationKind.CLIENT_CHECK_IN}
)


class OutboxMessage(models.Model):
    """A notification owed to someone, recorded in the same transaction as the
    change that made it due, and delivered by cases.notifications.deliver."""

    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="outbox_messages",
        null=True,
        blank=True,
        help_text="Empty for messages about no one case, such as the digest "
        "or a password reset.",
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    # A user, or (for CLIENT_KINDS) a contact at the client: exactly one.
    recipient = models.ForeignKey(
        "cases.User",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    contact = models.ForeignKey(
        "cases.Contact",
        on_delete=models.PROTECT,
        related_name="outbox_messages",
        null=True,
        blank=True,
    )
    # The Message-ID the email goes out with, stored where a reply must find
    # its way back (client emails); others derive it from the key.
    message_id = models.CharField(max_length=250, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    due_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Delivery: a sender claims the row (sending + claimed_at) before talking
    # to SMTP; a claim older than the lease is taken back and retried.
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # What claim_batch() reads: the due rows in order (due time, then
            # id), up to a batch, without sorting every row due at once.
            models.Index(
                fields=["due_at", "id"],
                name="outbox_pending_due_id",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["claimed_at"],
                name="outbox_sending_claimed",
                condition=models.Q(status="sending"),
            ),
            models.Index(fields=["status", "-created_at"], name="outbox_status"),
            models.Index(
                fields=["message_id"],
                name="outbox_message_id",
                condition=~models.Q(message_id=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(recipient__isnull=False, contact__isnull=True)
                    | models.Q(recipient__isnull=True, contact__isnull=False)
                ),
                name="outbox_one_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.dedupe_key


class Submission(models.Model):
    """A form submission already applied: a double-clicked submit hits the key."""

    key = models.UUIDField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.key)
