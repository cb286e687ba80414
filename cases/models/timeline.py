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
    recipient = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="+"
    )
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
        ]

    def __str__(self) -> str:
        return self.dedupe_key


class Submission(models.Model):
    """A form submission already applied: a double-clicked submit hits the key."""

    key = models.UUIDField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.key)
