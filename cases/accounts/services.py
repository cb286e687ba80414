"""Account writes: deactivating users (never deleting them, so the history they
wrote keeps its author), the password-reset throttle's record of requests, and
forgetting a person's failed sign-ins once they have reset their password."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from cases import access
from cases.exceptions import NotAllowed
from cases.models import PasswordResetRequest, User


@transaction.atomic
def users_deactivate(*, user_ids, by: User) -> int:
    """Deactivate these users (not `by`); how many were active."""
    if not access.may_use_admin(by):
        raise NotAllowed("Only an administrator can deactivate users.")
    if by.pk in set(user_ids):
        raise NotAllowed(
            "You cannot deactivate yourself: ask another administrator to."
        )
    return User.objects.filter(pk__in=user_ids, is_active=True).update(is_active=False)


class ResetThrottled(Exception):
    """Too many reset requests from this address, or for this email address."""


def _digest(email: str) -> str:
    return salted_hmac("mend.password-reset", email.strip().lower()).hexdigest()


def password_reset_request(*, email: str, address: str | None) -> None:
    """Count a reset request against its client address and the email typed,
    or raise ResetThrottled when either has used up its requests for the
    window. The email counts whether or not an account has it, so a refusal
    tells nobody which addresses belong to an account."""
    now = timezone.now()
    since = now - settings.PASSWORD_RESET_WINDOW
    digest = _digest(email)
    with transaction.atomic():
        PasswordResetRequest.objects.filter(requested_at__lt=since).delete()
        recent = PasswordResetRequest.objects.filter(requested_at__gte=since)
        # Two requests at the same instant may both pass: one over the limit
        # at worst, which a throttle can live with.
        if address and (
            recent.filter(address=address).count()
            >= settings.PASSWORD_RESET_ADDRESS_LIMIT
        ):
            raise ResetThrottled
        if recent.filter(email_digest=digest).count() >= (
            settings.PASSWORD_RESET_ACCOUNT_LIMIT
        ):
            raise ResetThrottled
        PasswordResetRequest.objects.create(
            address=address, email_digest=digest, requested_at=now
        )


def login_failures_forget(user: User) -> None:
    """After a password reset, the lockout page's advice holds: the person's
    failed sign-ins are forgotten, wherever they came from. An address locked
    for trying many usernames stays locked: that lock is not about them."""
    axes_reset(username=user.get_username())
