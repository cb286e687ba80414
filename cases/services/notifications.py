"""Recording what is owed to whom. Sending comes with the reminders work."""

from django.db.models import Q

from ..models import Case, OutboxMessage, Role, User


def managers_of(case: Case) -> list[User]:
    """The team's sales managers; administrators when a team has none."""
    managers = list(
        User.objects.filter(
            role=Role.SALES_MANAGER, memberships__team=case.team, is_active=True
        )
    )
    if managers:
        return managers
    return list(
        User.objects.filter(Q(role=Role.ADMINISTRATOR) | Q(is_superuser=True)).filter(
            is_active=True
        )
    )


def outbox_add(
    *, case: Case, kind: str, recipients: list[User], key: str, context=None
):
    """Queue one message per recipient; the dedupe key makes a repeat a no-op."""
    for recipient in recipients:
        OutboxMessage.objects.get_or_create(
            dedupe_key=f"case:{case.pk}:{kind}:{key}:{recipient.pk}",
            defaults={
                "case": case,
                "kind": kind,
                "recipient": recipient,
                "context": context or {},
            },
        )
