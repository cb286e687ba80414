"""Links to the client's promise page (cases.casework.views.promise_page)."""

import secrets

from django.db import models
from django.utils import timezone


def new_nonce() -> str:
    """A random value carried in the share's link, checked against the row."""
    return secrets.token_urlsafe(12)


class PromiseShare(models.Model):
    """A link the owner or a manager gave the client to the page of this
    case's promises. It works until `expires_at` or until it is withdrawn
    (`revoked_at`), whichever comes first. A case has at most one live share:
    casework.services.promise_page checks it under the case's row lock (a
    database constraint cannot, as "live" depends on the clock).
    """

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="promise_shares"
    )
    created_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "cases.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nonce = models.CharField(max_length=32, default=new_nonce)
    # Opened how often, and last when: by the client, or by anyone they (or
    # a mail scanner checking links) passed it to.
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="promise_share_case")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="promise_share_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | models.Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="promise_share_revoked_with_who",
            ),
        ]

    def __str__(self) -> str:
        return f"Promise page of case {self.case_id} until {self.expires_at:%Y-%m-%d}"

    def is_live(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
