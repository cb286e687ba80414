"""Acknowledging and apologising, person by person (DOMAIN.md, principle 4).

Mend's order: acknowledge at once, give the full apology once the client has
seen the fix. Both are measured for each affected person (Case.contacts), in
business hours of the team's calendar from detection.

What counts as an acknowledgement to a person: the first logged contact with
the client that names them among the people spoken to (ClientContact.people;
one may be logged from the Acknowledge step on, for the quick word that comes
before the options), or their apology, whichever came first: an apology owns
the failure too. The Acknowledge step itself records what we know and alerts
our manager, which the client does not hear, so it does not count; nor does a
contact that names nobody, since it does not say who heard it.

Pure reads over records the case page has prefetched (the services pass a
case whose relations they read fresh).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from cases.calendar import WorkCalendar

# The checks of a full apology, in the order the form asks them.
CHECKS = ("named_impact", "owned_our_part", "fix_presented")
CHECK_WORDS = {
    "named_impact": "named how they were affected",
    "owned_our_part": "owned our part",
    "fix_presented": "presented the fix",
}
# Within one business day of detection, every affected person has heard from us.
ACKNOWLEDGE_WITHIN_DAYS = 1


@dataclass(frozen=True)
class PersonTiming:
    """When one affected person heard from us."""

    contact: object
    acknowledged_at: dt.datetime | None
    # "Phone call" (the contact's channel), or "the apology".
    acknowledged_how: str
    acknowledged_hours: Decimal | None
    apology: object | None
    apology_hours: Decimal | None
    # One business day after detection; `late` once it has passed with no word.
    acknowledge_by: dt.datetime
    late: bool

    @property
    def acknowledged_late(self) -> bool:
        return (
            self.acknowledged_at is not None
            and self.acknowledged_at > self.acknowledge_by
        )

    @property
    def checks(self) -> list[tuple[str, bool, str]]:
        """(words, ticked, note) of each check of the apology; [] without one."""
        if self.apology is None:
            return []
        return [
            (
                CHECK_WORDS[name],
                getattr(self.apology, name),
                getattr(self.apology, f"{name}_note"),
            )
            for name in CHECKS
        ]

    @property
    def checks_ticked(self) -> int:
        return sum(ticked for _, ticked, _ in self.checks)


def hours(calendar: WorkCalendar, start: dt.datetime, end: dt.datetime) -> Decimal:
    """Business hours from `start` to `end`, to the hundredth (0 if not after)."""
    value = Decimal(str(calendar.business_hours_between(start, end)))
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def acknowledge_by(case, calendar: WorkCalendar) -> dt.datetime:
    """When every affected person should have heard from us."""
    return calendar.business_days_after(case.detected_at, ACKNOWLEDGE_WITHIN_DAYS)


def person_timings(
    case, calendar: WorkCalendar, now: dt.datetime
) -> list[PersonTiming]:
    """One row per affected person, in the order the case names them.

    Reads case.contacts, case.client_contacts (with their people) and
    case.apologies with .all(): no query when prefetched.
    """
    first_word: dict[int, tuple[dt.datetime, str]] = {}
    for talk in case.client_contacts.all():
        for person in talk.people.all():
            known = first_word.get(person.pk)
            if known is None or talk.happened_at < known[0]:
                first_word[person.pk] = (talk.happened_at, talk.get_channel_display())
    first_apology: dict[int, object] = {}
    for apology in case.apologies.all():
        known = first_apology.get(apology.contact_id)
        if known is None or apology.apologised_at < known.apologised_at:
            first_apology[apology.contact_id] = apology
    due = acknowledge_by(case, calendar)
    rows = []
    for contact in case.contacts.all():
        apology = first_apology.get(contact.pk)
        word = first_word.get(contact.pk)
        if apology is not None and (word is None or apology.apologised_at < word[0]):
            word = (apology.apologised_at, "the apology")
        at, how = word if word is not None else (None, "")
        rows.append(
            PersonTiming(
                contact=contact,
                acknowledged_at=at,
                acknowledged_how=how,
                acknowledged_hours=None
                if at is None
                else hours(calendar, case.detected_at, at),
                apology=apology,
                apology_hours=None
                if apology is None
                else hours(calendar, case.detected_at, apology.apologised_at),
                acknowledge_by=due,
                late=at is None and now > due,
            )
        )
    return rows


def case_figures(rows: list[PersonTiming]) -> tuple[Decimal | None, Decimal | None]:
    """(acknowledged_hours, apology_hours) of the case: to the first of any
    affected person; None while nobody has had one."""
    acknowledged = [r.acknowledged_hours for r in rows if r.acknowledged_at]
    apologised = [r.apology_hours for r in rows if r.apology is not None]
    return (
        min(acknowledged) if acknowledged else None,
        min(apologised) if apologised else None,
    )


def apology_moment(
    case, day: dt.date, at: dt.time | None = None, now: dt.datetime | None = None
) -> dt.datetime:
    """When an apology said to be on `day` (at `at`, the team's wall time)
    happened. Without a time: now if `day` is today for the team, else the
    close of the team's working day then, the latest it can have been."""
    calendar = WorkCalendar.for_team(case.team)
    now = now or timezone.now()
    if at is not None:
        moment = dt.datetime.combine(day, at).replace(tzinfo=calendar.zone)
        return moment.astimezone(dt.UTC)
    if day == now.astimezone(calendar.zone).date():
        return now
    return min(calendar.closing(day), now)
