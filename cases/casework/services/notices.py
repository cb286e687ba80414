"""Writing "New to you": one notice per person a change happened to.

The services that make those changes (a send-back, a hand-over, a decided
offer, a comment) call notice_add in their own transaction, so a rolled-back
change leaves no notice. Opening the case reads its notices.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models.functions import Lower
from django.utils import timezone

from cases.mentions import mentioned_names
from cases.models import Case, Notice, TimelineEntry, User


def notice_add(
    *, case: Case, to: Iterable[User], kind: str, by: User | None, summary: str
) -> int:
    """A notice of `kind` on `case` for each person in `to`, once each; none
    for the actor (nobody is told of their own action) or someone
    deactivated. How many were written."""
    recipients = {
        person.pk: person
        for person in to
        if person is not None
        and person.is_active
        and (by is None or person.pk != by.pk)
    }
    Notice.objects.bulk_create(
        Notice(
            recipient=person,
            case=case,
            kind=kind,
            actor=by,
            summary=summary[:300],
        )
        for person in recipients.values()
    )
    return len(recipients)


def notice_for(entry: TimelineEntry, kind: str, *, to: Iterable[User]) -> int:
    """notice_add for a change its timeline entry describes: its case, its
    actor and its summary."""
    return notice_add(
        case=entry.case, to=to, kind=kind, by=entry.actor, summary=entry.summary
    )


def notices_read(*, user: User, case: Case) -> int:
    """The user opened the case: its notices to them are read now."""
    if not user.is_authenticated:
        return 0
    return Notice.objects.filter(recipient=user, case=case, read_at=None).update(
        read_at=timezone.now()
    )


def notices_read_all(*, user: User) -> int:
    """ "Mark all read" on the home page."""
    return Notice.objects.filter(recipient=user, read_at=None).update(
        read_at=timezone.now()
    )


@dataclass
class Mentions:
    """Who a comment's @names reach: `told` may see the case; `unknown` names
    nobody active in Mend; `cannot_see` are people the case is hidden from
    (not on its team), so they are not told."""

    told: list[User] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    cannot_see: list[User] = field(default_factory=list)


def mentions_in(*, case: Case, text: str) -> Mentions:
    """Look up the people a comment mentions, and whether each may see the case
    (Case.objects.for_user decides, as for every page)."""
    names = mentioned_names(text)
    found = Mentions()
    if not names:
        return found
    people = {
        person.lower_username: person
        for person in User.objects.annotate(lower_username=Lower("username")).filter(
            lower_username__in=names, is_active=True
        )
    }
    for name in names:
        person = people.get(name)
        if person is None:
            found.unknown.append(name)
        elif Case.objects.for_user(person, "view").filter(pk=case.pk).exists():
            found.told.append(person)
        else:
            found.cannot_see.append(person)
    return found
