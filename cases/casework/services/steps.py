"""Recording each step's work: answers, options, contacts, apologies, follow-ups."""

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from cases.casework.services.pauses import pause_end
from cases.casework.services.rows import (
    case_lock,
    case_lock_for_record,
    case_touch,
    check_version,
    ensure_open,
)
from cases.casework.services.submissions import submission_claim
from cases.casework.services.timeline import changes_between, timeline_record
from cases.casework.services.timing import timing_refresh
from cases.casework.timing import apology_moment
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    FollowUpStatus,
    PauseEnd,
    Step,
    TimelineKind,
)
from cases.exceptions import NotAllowed
from cases.models import (
    Apology,
    Case,
    ClientContact,
    Contact,
    FollowUp,
    Option,
    RootCauseAnswer,
    User,
)
from cases.querysets import tidy_name


def _answer_text(answer: str, note: str) -> str:
    return f"{answer}: {note}" if note else answer


@transaction.atomic
def root_cause_save(
    *,
    case_id: int,
    by: User,
    version: int,
    answers: dict[str, tuple[str, str]],
    client_view: str,
    our_view: str,
    client_feeling: str,
):
    """Save the pit-stop answers and both views of the real problem."""
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "root_cause")
    check_version(case, version)
    stored = {a.question: a for a in case.root_cause_answers.all()}
    before = {
        "client_view": case.client_view,
        "our_view": case.our_view,
        "client_feeling": case.client_feeling,
    }
    before.update(
        {q: _answer_text(a.get_answer_display(), a.note) for q, a in stored.items()}
    )
    after = {
        "client_view": client_view,
        "our_view": our_view,
        "client_feeling": client_feeling,
    }
    for question, (answer, note) in answers.items():
        if not answer:
            continue
        row = stored.get(question) or RootCauseAnswer(case=case, question=question)
        row.answer, row.note = answer, note
        row.save()
        after[question] = _answer_text(row.get_answer_display(), note)
    case.client_view, case.our_view, case.client_feeling = (
        client_view,
        our_view,
        client_feeling,
    )
    case_touch(case, by, "client_view", "our_view", "client_feeling")
    labels = {
        "client_view": "Client's view",
        "our_view": "Our view",
        "client_feeling": "How the client feels",
        **ROOT_CAUSE_QUESTIONS,
    }
    changes = changes_between(before, after, labels)
    if changes:
        timeline_record(
            case=case,
            by=by,
            kind=TimelineKind.ROOT_CAUSE,
            summary="Updated the root-cause answers.",
            changes=changes,
        )
    return case


@transaction.atomic
def option_add(
    *,
    case_id: int,
    by: User,
    description: str,
    cost_to_us: Decimal,
    time_to_deliver: str,
    feasibility: str,
    chosen: bool = False,
    submission_key: uuid.UUID | None = None,
) -> Option:
    case = case_lock_for_record(
        case_id=case_id, by=by, work="option", submission_key=submission_key
    )
    option = Option.objects.create(
        case=case,
        description=description,
        cost_to_us=cost_to_us,
        time_to_deliver=time_to_deliver,
        feasibility=feasibility,
        chosen=chosen,
    )
    case_touch(case, by)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.OPTION,
        summary=f"Added an option{' (chosen)' if chosen else ''}: {description}",
    )
    return option


@transaction.atomic
def option_choose(*, case_id: int, by: User, option_id: int, chosen: bool) -> Option:
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "choose_option")
    option = case.options.select_for_update().get(pk=option_id)
    if option.chosen != chosen:
        option.chosen = chosen
        option.save(update_fields=["chosen"])
        case_touch(case, by)
        timeline_record(
            case=case,
            by=by,
            kind=TimelineKind.OPTION,
            summary=f"{'Chose' if chosen else 'Set aside'} the option: "
            f"{option.description}",
            changes=[
                {
                    "field": "Chosen",
                    "old": "no" if chosen else "yes",
                    "new": "yes" if chosen else "no",
                }
            ],
        )
    return option


@transaction.atomic
def client_contact_log(
    *,
    case_id: int,
    by: User,
    happened_at: dt.datetime,
    channel: str,
    people: list[Contact],
    summary: str,
    reaction: str,
    manager_joined: bool,
    boss_permission: str,
    submission_key: uuid.UUID | None = None,
) -> ClientContact:
    case = case_lock_for_record(
        case_id=case_id, by=by, work="client_contact", submission_key=submission_key
    )
    contact = ClientContact.objects.create(
        case=case,
        happened_at=happened_at,
        channel=channel,
        summary=summary,
        reaction=reaction,
        manager_joined=manager_joined,
        boss_permission=boss_permission,
        logged_in_step=case.step,
        logged_by=by,
    )
    contact.people.set([p for p in people if p.client_id == case.client_id])
    early = case.step != Step.COMMUNICATE
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.CLIENT_CONTACT,
        summary=(
            "Acknowledged the dropped ball to the client "
            if early
            else "Logged a contact with the client "
        )
        + f"({contact.get_channel_display().lower()}).",
    )
    # Insights read the first contact from the case (the row is locked).
    if case.first_contact_at is None or happened_at < case.first_contact_at:
        case.first_contact_at = happened_at
    # We heard from the client: a clock waiting on them runs again.
    case_touch(
        case,
        by,
        "first_contact_at",
        *pause_end(case, by=by, why=PauseEnd.CLIENT_CONTACT),
        *timing_refresh(case),
    )
    return contact


def first_contact_refresh(*, case_ids) -> int:
    """Set each case's first_contact_at from its contacts, in one UPDATE; for
    rows written around client_contact_log (data loads, fixtures)."""
    first = (
        ClientContact.objects.filter(case=OuterRef("pk"))
        .order_by("happened_at")
        .values("happened_at")[:1]
    )
    return Case.objects.filter(pk__in=case_ids).update(first_contact_at=Subquery(first))


@transaction.atomic
def person_add(
    *,
    case_id: int,
    by: User,
    name: str,
    role: str,
    email: str,
    phone: str,
    affected: bool = True,
    submission_key: uuid.UUID | None = None,
) -> Contact:
    """Add a person at the client, usually someone the dropped ball affected.

    A person typed whose name matches a contact of the client (case and
    spacing ignored) is that contact: no twin is made, and only the details
    the contact lacks are filled in from what was typed.
    """
    case = case_lock_for_record(
        case_id=case_id, by=by, work="person", submission_key=submission_key
    )
    person = Contact.objects.select_for_update().named(case.client, name)
    known = person is not None
    if known:
        typed = {"role": role, "email": email, "phone": phone}
        filled = [f for f, v in typed.items() if v and not getattr(person, f)]
        for field in filled:
            setattr(person, field, typed[field])
        if filled:
            person.save(update_fields=filled)
    else:
        person = Contact.objects.create(
            client=case.client,
            name=tidy_name(name),
            role=role,
            email=email,
            phone=phone,
        )
    if affected:
        case.contacts.add(person)
    # Someone already spoken to may be named affected only now.
    case_touch(case, by, *timing_refresh(case))
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.PERSON,
        summary=(
            f"{person.name}, already a contact at {case.client}, "
            + ("is among the affected people." if affected else "was typed again.")
        )
        if known
        else f"Added {person.name} at {case.client}"
        + (" as affected." if affected else "."),
    )
    return person


@transaction.atomic
def people_affect(*, case_id: int, by: User, contacts) -> list[Contact]:
    """Name people already known at the client as affected by this case.

    Only the client's own contacts, and only those not named yet: sending the
    same ticks twice changes nothing.
    """
    case = case_lock_for_record(case_id=case_id, by=by, work="person")
    named = set(case.contacts.values_list("pk", flat=True))
    wanted = [
        contact
        for contact in Contact.objects.filter(
            client=case.client, erased=False, pk__in=[c.pk for c in contacts]
        )
        if contact.pk not in named
    ]
    if not wanted:
        return []
    case.contacts.add(*wanted)
    case_touch(case, by, *timing_refresh(case))
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.PERSON,
        summary="Named as affected: " + ", ".join(c.name for c in wanted) + ".",
    )
    return wanted


def apology_record(*, contact: Contact, **details) -> Apology:
    """One apology to one person (see apologies_record)."""
    return apologies_record(contacts=[contact], **details)[0]


@transaction.atomic
def apologies_record(
    *,
    case_id: int,
    by: User,
    contacts: list[Contact],
    method: str,
    on_behalf: str,
    asked_forgiveness: bool,
    response: str,
    apologised_on: dt.date,
    apologised_time: dt.time | None = None,
    named_impact: bool = False,
    named_impact_note: str = "",
    owned_our_part: bool = False,
    owned_our_part_note: str = "",
    fix_presented: bool = False,
    fix_presented_note: str = "",
    submission_key: uuid.UUID | None = None,
) -> list[Apology]:
    """An apology heard by one or more people at once (a call with two of
    them, say): one record per person, so each has theirs.

    The three checks say what the apology did: named how they were affected,
    owned our part without excuses, presented the fix. A tick needs its note
    (what was said, in a few words), so a tick is something one can look at
    again; the case's apology_hours move in the same transaction.
    """
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "apology")
    if not contacts:
        raise NotAllowed("Tick who heard the apology.")
    if any(contact.client_id != case.client_id for contact in contacts):
        raise NotAllowed("That person is not at this client.")
    checks = {
        "named_impact": (named_impact, named_impact_note.strip()),
        "owned_our_part": (owned_our_part, owned_our_part_note.strip()),
        "fix_presented": (fix_presented, fix_presented_note.strip()),
    }
    if any(ticked and not note for ticked, note in checks.values()):
        raise NotAllowed(
            "Each ticked check needs a few words on what was said; nothing was saved."
        )
    apologised_at = apology_moment(case, apologised_on, apologised_time)
    if apologised_at > timezone.now():
        raise NotAllowed("The apology cannot be in the future; nothing was saved.")
    submission_claim(submission_key)
    fields = {}
    for name, (ticked, note) in checks.items():
        fields[name], fields[f"{name}_note"] = ticked, note
    apologies = [
        Apology.objects.create(
            case=case,
            contact=contact,
            method=method,
            on_behalf=on_behalf,
            asked_forgiveness=asked_forgiveness,
            response=response,
            apologised_on=apologised_on,
            apologised_at=apologised_at,
            **fields,
        )
        for contact in contacts
    ]
    # Whoever heard an apology was affected, if not named so yet.
    case.contacts.add(*contacts)
    names = ", ".join(contact.name for contact in contacts)
    ticked = [name for name, (tick, _) in checks.items() if tick]
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.APOLOGY,
        summary=f"Apologised to {names} "
        f"({apologies[0].get_on_behalf_display().lower()}; "
        f"{len(ticked)} of 3 checks).",
    )
    # An apology is a contact with the client too.
    case_touch(
        case,
        by,
        *pause_end(case, by=by, why=PauseEnd.CLIENT_CONTACT),
        *timing_refresh(case),
    )
    return apologies


@transaction.atomic
def follow_up_schedule(
    *,
    case_id: int,
    by: User,
    due_on: dt.date,
    purpose: str,
    submission_key: uuid.UUID | None = None,
) -> FollowUp:
    case = case_lock_for_record(
        case_id=case_id, by=by, work="follow_up", submission_key=submission_key
    )
    follow_up = FollowUp.objects.create(case=case, due_on=due_on, purpose=purpose)
    case_touch(case, by)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.FOLLOW_UP,
        summary=f"Scheduled a follow-up for {due_on:%d %b %Y}: {purpose}",
    )
    return follow_up


@transaction.atomic
def follow_up_settle(
    *,
    case_id: int,
    by: User,
    follow_up_id: int,
    status: str,
    notes: str,
    early_reason: str = "",
) -> FollowUp:
    """Mark a follow-up done or missed. Done before its day needs a reason,
    and is recorded as early (Insights counts it apart from on time)."""
    if status not in {FollowUpStatus.DONE, FollowUpStatus.MISSED}:
        raise NotAllowed("A follow-up is settled as done or missed.")
    today = timezone.localdate()
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "settle_follow_up")
    follow_up = case.follow_ups.select_for_update().get(pk=follow_up_id)
    if status == FollowUpStatus.MISSED and follow_up.due_on >= today:
        raise NotAllowed(
            f"The follow-up of {follow_up.due_on:%d %b} cannot be missed before its "
            "day has passed. Held it early? Mark it done."
        )
    if follow_up.status != FollowUpStatus.SCHEDULED:
        raise NotAllowed(
            "That follow-up was already marked "
            f"{follow_up.get_status_display().lower()}."
        )
    early = status == FollowUpStatus.DONE and follow_up.due_on > today
    early_reason = early_reason.strip() if early else ""
    if early and not early_reason:
        raise NotAllowed(
            f"The follow-up is due on {follow_up.due_on:%d %b %Y}. To mark it done "
            "before then, say why it is early; nothing was saved."
        )
    follow_up.status = status
    follow_up.notes = notes
    follow_up.settled_at = timezone.now()
    follow_up.settled_by = by
    follow_up.settled_early = early
    follow_up.early_reason = early_reason
    follow_up.save(
        update_fields=[
            "status",
            "notes",
            "settled_at",
            "settled_by",
            "settled_early",
            "early_reason",
        ]
    )
    case_touch(case, by)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.FOLLOW_UP,
        summary=f"Follow-up of {follow_up.due_on:%d %b %Y} "
        f"{follow_up.get_status_display().lower()}"
        + (f", done early: {early_reason}" if early else "")
        + ".",
        changes=[
            {
                "field": "Follow-up",
                "old": "Scheduled",
                "new": follow_up.get_status_display(),
            }
        ],
    )
    return follow_up
