"""Recording what is owed to whom; cases.notifications.outbox sends it."""

from django.db.models import Q
from django.utils import timezone

from ..models import Case, OutboxMessage, Role, User
from ..notifications.outbox import enqueue_send_after_commit


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
    *,
    case: Case | None,
    kind: str,
    recipients: list[User],
    key: str,
    due_at=None,
    context=None,
) -> int:
    """Record one message per recipient; the dedupe key makes a repeat a no-op.

    The key names the case, the kind and the due moment, so a second sweep, a
    retried task or a double submit never records a second message. Returns how
    many new messages were recorded. When one is due already, a worker is
    asked to send once the transaction commits (beat would, a little later).
    """
    now = timezone.now()
    due_at = due_at or now
    scope = f"case:{case.pk}" if case is not None else "team"
    created = 0
    for recipient in recipients:
        _, new = OutboxMessage.objects.get_or_create(
            dedupe_key=f"{scope}:{kind}:{key}:{recipient.pk}",
            defaults={
                "case": case,
                "kind": kind,
                "recipient": recipient,
                "due_at": due_at,
                "context": context or {},
            },
        )
        created += new
    if created and due_at <= now:
        enqueue_send_after_commit()
    return created
