"""The case row as every service takes it: locked, checked, and saved with a
new version. Each change to a case goes through these."""

import uuid

from cases import workflow
from cases.casework.services.submissions import submission_claim
from cases.exceptions import ConcurrentEdit, NotAllowed
from cases.models import Case, User


def case_lock(*, case_id: int, by: User, action: str = "work") -> Case:
    """The case row, locked, if this user may act on it; else Case.DoesNotExist."""
    return (
        Case.objects.for_user(by, action)
        .select_for_update(of=("self",))
        .select_related("team", "client")
        .get(pk=case_id)
    )


def ensure_open(case: Case, work: str | None = None) -> None:
    """Refuse changes to a closed case; with `work` (a name in workflow.WORK),
    also refuse it outside the steps it belongs to."""
    if case.is_closed:
        raise NotAllowed(
            "This case is closed. A manager can reopen it by sending it back."
        )
    if work is not None:
        workflow.ensure_in_step(case, work)


def case_lock_for_record(
    *,
    case_id: int,
    by: User,
    work: str | None = None,
    submission_key: uuid.UUID | None = None,
) -> Case:
    """Lock an open case the user may work on, before adding a record to it.

    `work` names the step work (workflow.WORK) the record belongs to. The
    one-time key is claimed after the checks, so a refused submit can be sent
    again once corrected.
    """
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, work)
    submission_claim(submission_key)
    return case


def check_version(case: Case, version: int | None) -> None:
    """Refuse a save based on an older copy of the case than the one stored."""
    if version is not None and version != case.version:
        who = case.updated_by.get_full_name() if case.updated_by else "Someone"
        raise ConcurrentEdit(by=who or "Someone", at=case.updated_at)


def case_touch(case: Case, by: User, *fields: str) -> None:
    """Bump the version after any change, so stale forms are caught."""
    case.version += 1
    case.updated_by = by
    case.save(update_fields=[*fields, "version", "updated_by", "updated_at"])
