"""Recording what is owed to whom; cases.notifications.deliver sends it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone

from cases import access
from cases.choices import NotificationKind
from cases.hooks.chat import chat_posts_record
from cases.models import CLIENT_KINDS, Case, Contact, OutboxMessage, User
from cases.notifications.ids import message_id_for
from cases.notifications.nudge import enqueue_send_after_commit

# Keys looked up and rows inserted per query (SQLite allows 32,766 variables).
CHUNK = 1000
# Two submits of the same thing within one window of this many minutes (a
# double click, a resent form) record one email.
SUBMIT_WINDOW_MINUTES = 5


def managers_of(case: Case) -> list[User]:
    """The team's sales managers; administrators when a team has none."""
    managers = list(
        User.objects.filter(
            access.sales_managers_q(), memberships__team=case.team, is_active=True
        )
    )
    if managers:
        return managers
    return list(User.objects.filter(access.administrators_q()).filter(is_active=True))


def managers_by_team(team_ids: Iterable[int]) -> dict[int, list[User]]:
    """managers_of for many teams at once: two queries however many."""
    team_ids = set(team_ids)
    found: dict[int, list[User]] = {team_id: [] for team_id in team_ids}
    rows = User.objects.filter(
        access.sales_managers_q(), memberships__team__in=team_ids, is_active=True
    ).annotate(alert_team=F("memberships__team"))
    for user in rows:
        found[user.alert_team].append(user)
    if any(not managers for managers in found.values()):
        administrators = list(
            User.objects.filter(access.administrators_q()).filter(is_active=True)
        )
        for team_id, managers in found.items():
            if not managers:
                found[team_id] = administrators
    return found


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
    so the unique key, not this check, is what keeps a message single. A
    message to someone with no email address brings a notice to whoever can
    tell them instead (see _unreachable_notices). Only
    a writer racing this one over the same keys can make the count too high;
    the sweep locks the rows it reads (SKIP LOCKED), so two sweeps do not.
    When recorded messages are due already, workers are asked to send them
    once the transaction commits (beat would, a little later).
    Messages of a kind a team posts to Slack or Teams bring that post too
    (cases.hooks.chat).
    """
    now = timezone.now()
    wanted = {}
    for message in owed:
        wanted.setdefault(message.dedupe_key, message)
    for notice in _unreachable_notices(list(wanted.values())):
        wanted.setdefault(notice.dedupe_key, notice)
    # The team's chat hears of the routed kinds too, once per team.
    chat_posts_record(wanted.values())
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


def _unreachable_notices(owed: list[Owed]) -> list[Owed]:
    """For each message to someone who would get it but has no email address:
    a notice to the case's owner (or, when that is who has no address, the
    team's managers) saying who could not be told, so they can tell them
    another way. The original is still recorded, and skipped when sent."""
    notices = []
    managers: dict[int, list[User]] = {}
    for message in owed:
        person, case = message.recipient, message.case
        if (
            case is None
            or message.kind == NotificationKind.RECIPIENT_UNREACHABLE
            or person.email
            or not person.is_active
            or message.kind in _muted(person)
        ):
            continue
        owner = case.owner
        if owner.pk != person.pk and _reachable(owner):
            told = [owner]
        else:
            if case.team_id not in managers:
                managers[case.team_id] = managers_of(case)
            told = [m for m in managers[case.team_id] if m.pk != person.pk]
        notices += [
            Owed(
                case=case,
                kind=NotificationKind.RECIPIENT_UNREACHABLE,
                recipient=recipient,
                key=f"no-email:{text_digest(message.dedupe_key)}",
                due_at=message.due_at,
                context={
                    "unreachable": str(person),
                    "about": NotificationKind(message.kind).label,
                    "owner_unreachable": owner.pk == person.pk,
                },
            )
            for recipient in told
            if _reachable(recipient)
        ]
    return notices


def _reachable(user: User) -> bool:
    return user.is_active and bool(user.email)


def _muted(user: User) -> list:
    return user.muted_kinds if isinstance(user.muted_kinds, list) else []


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


def outbox_notify(
    *,
    case: Case,
    to: User,
    kind: str,
    by: User | None,
    key: str,
    context: dict | None = None,
) -> int:
    """Record an email about `case` to one person, in the caller's transaction;
    the worker sends it once that commits, and nothing if it rolls back.

    Nobody is emailed about their own action. `key` names the change (a
    timeline entry, a decision), so recording it twice is a no-op. The
    context is stored as JSON: names and texts, not objects; `by` is kept as
    the actor's name.
    """
    if by is not None and to.pk == by.pk:
        return 0
    data = {"by": str(by) if by is not None else "", **(context or {})}
    return outbox_add(case=case, kind=kind, recipients=[to], key=key, context=data)


def password_reset_record(*, user: User) -> int:
    """Record the password-reset email `user` asked for; the worker sends it.

    The link is made when the email is written (see notifications.render), so
    no working token is stored. Asks within one SUBMIT_WINDOW_MINUTES window
    share one email, so a double submit does not send two.
    """
    return outbox_add(
        case=None,
        kind=NotificationKind.PASSWORD_RESET,
        recipients=[user],
        key=f"reset-{submit_window()}",
    )


def submit_window(moment: dt.datetime | None = None) -> str:
    """The window a moment falls in, for keys that should not repeat within
    a few minutes of each other."""
    seconds = int((moment or timezone.now()).timestamp())
    return str(seconds // (SUBMIT_WINDOW_MINUTES * 60))


def text_digest(text: str) -> str:
    """A short digest of a text, for a key that names it without holding it."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def client_email_record(
    *,
    case: Case,
    contact: Contact,
    kind: str,
    key: str,
    context: dict | None = None,
    due_at: dt.datetime | None = None,
) -> OutboxMessage:
    """Record one email to `contact` about `case`; the row already recorded
    under the same key, if any (a double click sends one email).

    `key` names the email within the case and kind (a confirmation's id, a
    check-in's id). Call inside the transaction that makes the email owed.
    """
    if kind not in CLIENT_KINDS:
        raise ValueError(f"{kind} is not an email to the client")
    dedupe_key = f"case:{case.pk}:{kind}:{key}:contact:{contact.pk}"
    now = timezone.now()
    message, created = OutboxMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "case": case,
            "contact": contact,
            "kind": kind,
            "due_at": due_at or now,
            "context": context or {},
            "created_at": now,
            "message_id": message_id_for(dedupe_key),
        },
    )
    if created and message.due_at <= now:
        enqueue_send_after_commit(1)
    return message
