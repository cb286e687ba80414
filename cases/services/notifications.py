"""Recording what is owed to whom; cases.notifications.outbox sends it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from ..models import Case, OutboxMessage, Role, User
from ..notifications.outbox import enqueue_send_after_commit

# Keys looked up and rows inserted per query (SQLite allows 32,766 variables).
CHUNK = 1000


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


@dataclass(frozen=True)
class Owed:
    """One message owed to one person, not yet recorded.

    `key` names the due moment within the case and kind (say a follow-up's
    date); the stored key adds the case, the kind and the recipient.
    """

    case: Case | None
    kind: str
    recipient: User
    key: str
    due_at: dt.datetime | None = None
    context: dict = field(default_factory=dict)

    @property
    def dedupe_key(self) -> str:
        scope = f"case:{self.case.pk}" if self.case is not None else "team"
        return f"{scope}:{self.kind}:{self.key}:{self.recipient.pk}"


def outbox_record(owed: Iterable[Owed]) -> int:
    """Record each owed message whose key is not recorded yet; how many.

    Two queries per thousand messages: which keys exist, then one INSERT of
    the rest that skips any key recorded meanwhile (ON CONFLICT DO NOTHING),
    so the unique key, not this check, is what keeps a message single. Only
    a writer racing this one over the same keys can make the count too high;
    the sweep locks the rows it reads (SKIP LOCKED), so two sweeps do not.
    When recorded messages are due already, workers are asked to send them
    once the transaction commits (beat would, a little later).
    """
    now = timezone.now()
    wanted = {}
    for message in owed:
        wanted.setdefault(message.dedupe_key, message)
    created = 0
    due_now = 0
    pending = list(wanted)
    for start in range(0, len(pending), CHUNK):
        keys = pending[start : start + CHUNK]
        recorded = set(
            OutboxMessage.objects.filter(dedupe_key__in=keys).values_list(
                "dedupe_key", flat=True
            )
        )
        rows = [
            # By id: setting the related objects costs more, and is not needed.
            OutboxMessage(
                case_id=message.case.pk if message.case is not None else None,
                kind=message.kind,
                recipient_id=message.recipient.pk,
                dedupe_key=key,
                due_at=message.due_at or now,
                context=message.context,
                created_at=now,
            )
            for key in keys
            if key not in recorded
            for message in [wanted[key]]
        ]
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)
        due_now += sum(row.due_at <= now for row in rows)
    if due_now:
        enqueue_send_after_commit(due_now)
    return created


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
    many new messages were recorded.
    """
    return outbox_record(
        Owed(case, kind, recipient, key, due_at, context or {})
        for recipient in recipients
    )
