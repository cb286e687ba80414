"""What the password-reset throttle counts, shared by every web process."""

from django.db import models
from django.utils import timezone


class PasswordResetRequest(models.Model):
    """One served password-reset request, kept for the throttle's window.

    The email address typed is kept only as a keyed digest: the throttle needs
    to recognise it, not to read it, and it may belong to no account.
    """

    address = models.GenericIPAddressField(null=True)
    email_digest = models.CharField(max_length=64)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["address", "requested_at"], name="reset_by_address"),
            models.Index(
                fields=["email_digest", "requested_at"], name="reset_by_account"
            ),
        ]

    def __str__(self) -> str:
        return f"password reset from {self.address} at {self.requested_at}"
