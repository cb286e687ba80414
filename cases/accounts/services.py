"""Account writes: deactivating users (never deleting them, so the history they
wrote keeps its author), the password-reset throttle's record of requests,
forgetting a person's failed sign-ins once they have reset their password, and
a single sign-on's person, created or placed by their provider's groups."""

import logging

from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from cases import access
from cases.accounts import sso
from cases.exceptions import NotAllowed
from cases.models import Membership, PasswordResetRequest, Team, User

log = logging.getLogger("mend.sso")


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


class SignInRefused(Exception):
    """The provider vouched for someone Mend does not let in; the message
    says why, in words for the person on the sign-in page."""


def _refuse(message: str, *, why: str, email: str) -> SignInRefused:
    log.warning("single sign-on refused for %s: %s", email, why)
    return SignInRefused(message)


def _one_line(value) -> str:
    """A name from the provider on one line (names go into email headers)."""
    return " ".join(str(value or "").split())[:150]


@transaction.atomic
def sso_sign_in(*, claims: dict) -> User:
    """The Mend user for a person the provider has just vouched for.

    Their email domain must be allowed and their groups mapped
    (MEND_OIDC_GROUP_MAP): then they are created on their first sign-in, and
    at every sign-in their role and teams are set from their groups again, so
    a person moved in the provider is moved in Mend. A deactivated person, or
    one no longer in any mapped group, is refused (SignInRefused) and nothing
    of theirs changes.
    """
    provider = settings.MEND_OIDC_PROVIDER_NAME
    email = (claims.get("email") or "").strip()
    if not email or claims.get("email_verified") is False:
        raise _refuse(
            f"{provider} did not give Mend a verified email address for you, so "
            "Mend cannot tell who you are. Ask your administrator.",
            why="no verified email",
            email=email or "(no email)",
        )
    if not sso.email_domain_allowed(email):
        raise _refuse(
            f"{email} is not an address of a company that uses this Mend. Sign "
            f"in with your work account at {provider}.",
            why="domain not allowed",
            email=email,
        )
    # Locked, so two sign-ins at once cannot both create the person.
    users = list(User.objects.select_for_update().filter(email__iexact=email))
    if len(users) > 1:
        raise _refuse(
            f"More than one Mend account has the address {email}. Ask your "
            "administrator to keep only one.",
            why="several accounts share the address",
            email=email,
        )
    user = users[0] if users else None
    if user is not None and not user.is_active:
        raise _refuse(
            "Your Mend account is switched off. Ask your administrator.",
            why="deactivated",
            email=email,
        )
    place = sso.placement(sso.groups_of(claims))
    if place is None:
        raise _refuse(
            f"{provider} does not give you access to Mend: you are in none of the "
            "groups Mend admits. Ask your administrator to add you to your team's "
            "group.",
            why="in no mapped group",
            email=email,
        )
    teams = list(Team.objects.filter(name__in=place.teams))
    missing = sorted(set(place.teams) - {team.name for team in teams})
    if missing:
        raise _refuse(
            f"Your group in {provider} points to the team {', '.join(missing)}, "
            "which Mend does not have. Ask your administrator to create it or to "
            "correct MEND_OIDC_GROUP_MAP.",
            why=f"team(s) not in Mend: {missing}",
            email=email,
        )
    if user is None and User.objects.filter(username__iexact=email).exists():
        raise _refuse(
            f"A Mend account already has the username {email} with another email "
            "address. Ask your administrator to correct it.",
            why="username taken",
            email=email,
        )
    if user is None:
        user = User(username=email[:150], email=email)
        # Signing in only through the provider: no password works.
        user.set_unusable_password()
        log.info("single sign-on created %s", email)
    user.first_name = _one_line(claims.get("given_name")) or user.first_name
    user.last_name = _one_line(claims.get("family_name")) or user.last_name
    if user.role != place.role:
        log.info("single sign-on moved %s from %s to %s", email, user.role, place.role)
    user.role = place.role
    user.save()
    kept = {team.pk for team in teams}
    Membership.objects.filter(user=user).exclude(team__in=kept).delete()
    have = set(Membership.objects.filter(user=user).values_list("team", flat=True))
    Membership.objects.bulk_create(
        Membership(user=user, team=team) for team in teams if team.pk not in have
    )
    return user
