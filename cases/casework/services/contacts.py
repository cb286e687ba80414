"""Erasing a client contact's personal details on request, history kept."""

import re

from django.db import transaction

from cases import access
from cases.casework.services.rows import case_touch
from cases.casework.services.timeline import timeline_record
from cases.choices import TimelineKind
from cases.exceptions import NotAllowed
from cases.models import (
    Apology,
    Case,
    CheckIn,
    ClientContact,
    Compensation,
    Confirmation,
    Contact,
    FollowUp,
    Notice,
    Option,
    OutboxMessage,
    ProgressReport,
    Promise,
    RootCauseAnswer,
    TimelineEntry,
    User,
)
from cases.models.search import search_text_refresh

ERASED_NAME = "erased contact"

# Free text a person may have typed the contact's name, email or phone into.
CASE_TEXTS = ["commitment", "what_happened", "client_view", "our_view"]
CASE_TEXTS += ["client_feeling", "lessons", "no_compensation_reason"]
RECORD_TEXTS = [
    (RootCauseAnswer, ["note"]),
    (Option, ["description"]),
    (ClientContact, ["summary", "reaction"]),
    (
        Apology,
        ["response", "named_impact_note", "owned_our_part_note", "fix_presented_note"],
    ),
    (Compensation, ["description", "decision_note"]),
    (FollowUp, ["purpose", "notes"]),
    (Promise, ["description"]),
    (ProgressReport, ["summary", "others"]),
    (Confirmation, ["subject", "body"]),
    (CheckIn, ["comment"]),
]


def _pattern(contact: Contact) -> re.Pattern | None:
    """The contact's details as whole words: full name, email and phone in any
    case; the first name and surname on their own as written ("Colin is
    angry"), unless another contact of the client shares them."""
    details = {d.strip() for d in (contact.name, contact.email, contact.phone)}
    details.discard("")
    others = Contact.objects.filter(client=contact.client_id).exclude(pk=contact.pk)
    shared = {
        part
        for other in others.values_list("name", flat=True)
        for part in other.split()
    }
    parts = {p for p in contact.name.split() if len(p) > 1} - shared - details
    if not details and not parts:
        return None

    def words(found):
        # Longest first: "Dana Client" before "Dana".
        return "|".join(re.escape(d) for d in sorted(found, key=len, reverse=True))

    alternatives = [rf"(?i:{words(details)})"] if details else []
    if parts:
        alternatives.append(words(parts))
    return re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")


def _scrub(value, pattern: re.Pattern):
    """`value` with every detail replaced; JSON lists and dicts walked."""
    if isinstance(value, str):
        return pattern.sub(ERASED_NAME, value)
    if isinstance(value, list):
        return [_scrub(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, pattern) for key, item in value.items()}
    return value


def _scrub_rows(rows, fields: list[str], pattern: re.Pattern) -> set[int]:
    """Rewrite the fields of each row that mention the contact; their case ids."""
    touched = set()
    for row in rows.select_for_update(of=("self",)).order_by("pk"):
        changed = []
        for name in fields:
            before = getattr(row, name)
            after = _scrub(before, pattern)
            if after != before:
                setattr(row, name, after)
                changed.append(name)
        if changed:
            row.save(update_fields=changed)
            touched.add(row.case_id)
    return touched


@transaction.atomic
def contact_erase(*, contact_id: int, by: User) -> list[int]:
    """Replace a contact's name, email and phone everywhere Mend shows them.

    Every record stays; where it named the person it now says "erased
    contact". Each case the person was part of, or mentioned in, gets a
    timeline entry saying so (without the details). Returns those case ids.
    """
    if not access.may_use_admin(by):
        raise NotAllowed("Only an administrator can erase a contact's details.")
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    if contact.erased:
        raise NotAllowed(f"The details of contact #{contact.pk} are erased already.")
    pattern = _pattern(contact)
    # The client's cases, locked in id order as the case services lock them.
    cases = list(
        Case.objects.filter(client=contact.client_id).select_for_update().order_by("pk")
    )
    case_ids = [case.pk for case in cases]
    linked = set(
        Case.objects.filter(pk__in=case_ids, contacts=contact).values_list(
            "pk", flat=True
        )
    )
    linked |= set(
        ClientContact.objects.filter(people=contact).values_list("case_id", flat=True)
    )
    linked |= set(
        Apology.objects.filter(contact=contact).values_list("case_id", flat=True)
    )
    linked |= set(
        ProgressReport.objects.filter(people=contact).values_list("case_id", flat=True)
    )
    linked |= set(
        Confirmation.objects.filter(contacts=contact).values_list("case_id", flat=True)
    )
    linked |= set(
        CheckIn.objects.filter(contact=contact).values_list("case_id", flat=True)
    )
    touched = set()
    if pattern is not None:
        for case in cases:
            changed = [
                name
                for name in CASE_TEXTS
                if _scrub(getattr(case, name), pattern) != getattr(case, name)
            ]
            for name in changed:
                setattr(case, name, _scrub(getattr(case, name), pattern))
            if changed:
                case.save(update_fields=changed)
                touched.add(case.pk)
        entries = TimelineEntry.objects.filter(case__in=case_ids)
        touched |= _scrub_rows(entries, ["summary", "body", "changes"], pattern)
        messages = OutboxMessage.objects.filter(case__in=case_ids)
        _scrub_rows(messages, ["context"], pattern)
        _scrub_rows(Notice.objects.filter(case__in=case_ids), ["summary"], pattern)
        for model, fields in RECORD_TEXTS:
            rows = model.objects.filter(case__in=case_ids)
            touched |= _scrub_rows(rows, fields, pattern)
    if touched:
        # Nobody finds these cases by the erased name any more.
        search_text_refresh(Case.objects.filter(pk__in=touched))
    contact.name, contact.email, contact.phone = ERASED_NAME, "", ""
    contact.erased = True
    contact.save(update_fields=["name", "email", "phone", "erased"])
    concerned = [case for case in cases if case.pk in linked | touched]
    client = contact.client
    for case in concerned:
        case_touch(case, by)
        timeline_record(
            case=case,
            by=by,
            kind=TimelineKind.CONTACT_ERASED,
            summary=f"Erased the personal details of a contact at {client} "
            "on request; the history now says “erased contact”.",
        )
    return [case.pk for case in concerned]
