"""Webhook endpoints and the HTTP deliveries to them and to teams' chats.

Like the email outbox (OutboxMessage), a delivery is recorded in the same
transaction as the change that makes it owed and posted by a worker after
commit (cases.hooks.deliver), so a slow or dead receiver never slows a page.
"""

import base64
import secrets
import uuid

from django.db import models
from django.utils import timezone

from cases.choices import DeliveryChannel, OutboxStatus
from cases.validators import SINGLE_LINE, validate_outbound_url


def new_signing_secret() -> str:
    """A Standard Webhooks secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    """The webhook-id a delivery keeps through all its attempts."""
    return f"msg_{uuid.uuid4().hex}"


class WebhookEndpoint(models.Model):
    """An address an administrator registered to be told about events."""

    name = models.CharField(
        max_length=80, validators=SINGLE_LINE, help_text="e.g. CRM or Support desk."
    )
    url = models.URLField(
        "URL",
        max_length=500,
        validators=[validate_outbound_url],
        help_text="Where Mend posts each event: https://, or http:// to localhost.",
    )
    # Given to the receiver, which checks each delivery's signature with it.
    secret = models.CharField(max_length=100, default=new_signing_secret)
    # WebhookEvent values; a JSON list so SQLite (make run) stores it too.
    events = models.JSONField(default=list, blank=True)
    active = models.BooleanField(
        default=True, help_text="Switched off, nothing more is sent to it."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.active and isinstance(self.events, list) and event in self.events


class HttpDelivery(models.Model):
    """One message to post: a signed webhook event, or a Slack or Teams post.

    The address is read from the endpoint or the team when it is posted (never
    stored here), so the log holds no chat webhook's secret path, and a
    changed address is the one used. Retries are new attempts of this row,
    under the same message_id (the webhook-id header).
    """

    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    team = models.ForeignKey(
        "cases.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chat_deliveries",
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="http_deliveries",
    )
    # A webhook's event type, or the notification kind posted to a chat.
    event = models.CharField(max_length=60)
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id)
    dedupe_key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(
        "last response", null=True, blank=True
    )
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = "webhook or chat delivery"
        verbose_name_plural = "webhook and chat deliveries"
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                name="delivery_pending_due",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["claimed_at"],
                name="delivery_sending_claimed",
                condition=models.Q(status="sending"),
            ),
            # The log: newest first, by status, endpoint or team.
            models.Index(fields=["-created_at", "-id"], name="delivery_created"),
            models.Index(fields=["status", "-created_at"], name="delivery_status"),
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint"),
            models.Index(fields=["team", "-created_at"], name="delivery_team"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        channel=DeliveryChannel.WEBHOOK,
                        endpoint__isnull=False,
                        team__isnull=True,
                    )
                    | (
                        models.Q(endpoint__isnull=True, team__isnull=False)
                        & ~models.Q(channel=DeliveryChannel.WEBHOOK)
                    )
                ),
                name="delivery_one_target",
            )
        ]

    def __str__(self) -> str:
        # Short: it heads the log's page, narrow screens too.
        return f"{self.event} #{self.pk}"

    @property
    def target(self) -> str:
        if self.endpoint_id:
            return str(self.endpoint)
        return f"{self.team} on {self.get_channel_display()}"
