"""Ending someone's access: users are deactivated, never deleted, so the
history they wrote keeps its author."""

from django.db import transaction

from cases import access
from cases.exceptions import NotAllowed
from cases.models import User


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
