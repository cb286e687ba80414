"""Personal API tokens: made, listed, revoked and checked.

A token is random (secrets.token_urlsafe), shown once and kept only as its
SHA-256: a stolen database gives no working token. A plain hash, not a
password hasher, because the token is long and random (nothing to guess) and
every API request checks it.
"""

import datetime as dt
import hashlib
import secrets
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.casework.services.submissions import submission_claim
from cases.exceptions import MendError
from cases.models import ApiToken, User

PREFIX = "mend_"
# How stale the "last used" time may be: one write a minute, not per request.
LAST_USED_EVERY = dt.timedelta(minutes=1)
MAX_LIVE_TOKENS = 20


class TokenNameTaken(MendError):
    pass


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, submission_key: uuid.UUID | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the token, which is never
    readable again. The form's one-time key makes a double click one token."""
    name = " ".join(name.split())
    submission_claim(submission_key)
    live = ApiToken.objects.select_for_update().filter(user=user, revoked_at=None)
    if live.filter(name=name).exists():
        raise TokenNameTaken(
            f"You already have a token named “{name}”. Choose another name, or "
            "revoke that one first."
        )
    if live.count() >= MAX_LIVE_TOKENS:
        raise MendError(
            f"You have {MAX_LIVE_TOKENS} tokens; revoke one you no longer use first."
        )
    raw = PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user, name=name, key_hash=digest(raw), prefix=raw[:12]
            )
    except IntegrityError as exc:  # the same name made at the same moment
        raise TokenNameTaken(
            f"You already have a token named “{name}”. Choose another name."
        ) from exc
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of `user`'s own tokens; False if it was not theirs or was
    revoked already."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


def api_token_user(raw: str) -> tuple[User, ApiToken] | None:
    """Whose live token this is, or None: unknown, revoked, or its owner
    switched off. Notes when it was used, at most once a minute."""
    if not raw.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=digest(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


def api_tokens_of(user: User):
    return ApiToken.objects.filter(user=user, revoked_at=None)


def api_tokens_revoke(*, token_ids) -> int:
    """Revoke any tokens (an administrator's, for a token that leaked); how
    many were still live."""
    return ApiToken.objects.filter(pk__in=token_ids, revoked_at=None).update(
        revoked_at=timezone.now()
    )
