"""Personal API tokens: how a script or another system acts as one person."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.validators import SINGLE_LINE


class ApiToken(models.Model):
    """A token a person made for a script. Only its SHA-256 is kept: the token
    itself is shown once, when made. It acts with its owner's rights, no more,
    and stops working when revoked or when its owner is deactivated."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, validators=SINGLE_LINE)
    key_hash = models.CharField(max_length=64, unique=True)
    # The token's first characters, so a person can tell their tokens apart.
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=models.Q(revoked_at=None),
                name="api_token_name_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
