"""Progress reports to the client: recording one sent, and how often they go.

When the next one is due is cases.notifications.progress, for the page, the
home and the reminders alike.
"""

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from cases.casework.services.rows import case_lock, case_lock_for_record, case_touch
from cases.casework.services.timeline import changes_between, timeline_record
from cases.choices import NotificationKind, OutboxStatus, TimelineKind
from cases.exceptions import NotAllowed
from cases.models import Contact, OutboxMessage, ProgressReport, User
from cases.notifications.progress import MAX_CADENCE_DAYS, MIN_CADENCE_DAYS
from cases.workflow import ensure_in_step

# What a reminder still waiting to go out says once a report makes it moot.
REPORT_SENT = "Not sent: a progress report was recorded for this period."


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


@transaction.atomic
def progress_report_record(
    *,
    case_id: int,
    by: User,
    sent_at: dt.datetime,
    channel: str,
    summary: str,
    people: list[Contact],
    others: str = "",
    submission_key: uuid.UUID | None = None,
) -> ProgressReport:
    """Record a progress report sent to the client; the clock restarts from it.

    Only the client's own contacts are kept as recipients (a form offers no
    others; anyone else is refused). A reminder of this case's report still
    waiting to go out is not sent.
    """
    if sent_at > timezone.now():
        raise NotAllowed("A report cannot be sent in the future: nothing was saved.")
    case = case_lock_for_record(
        case_id=case_id, by=by, work="progress_report", submission_key=submission_key
    )
    strangers = [p for p in people if p.client_id != case.client_id]
    if strangers:
        raise NotAllowed(
            f"{strangers[0]} is not one of {case.client}'s people: nothing was saved."
        )
    if not people and not others.strip():
        raise NotAllowed("Say whom the report went to: nothing was saved.")
    report = ProgressReport.objects.create(
        case=case,
        sent_at=sent_at,
        channel=channel,
        summary=summary,
        others=others.strip(),
        sent_by=by,
    )
    report.people.set(people)
    # The reminder is about the report just sent: moot now.
    OutboxMessage.objects.filter(
        case=case,
        kind=NotificationKind.PROGRESS_REPORT,
        status=OutboxStatus.PENDING,
    ).update(status=OutboxStatus.SKIPPED, last_error=REPORT_SENT)
    names = [p.name for p in people] + ([others.strip()] if others.strip() else [])
    if len(names) > 3:
        names = [*names[:2], f"{len(names) - 2} more"]
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.PROGRESS_REPORT,
        summary=f"Sent a progress report ({report.get_channel_display().lower()}) "
        f"to {_listed(names)}.",
        body=summary,
    )
    case_touch(case, by)
    return report


@transaction.atomic
def report_cadence_set(*, case_id: int, by: User, days: int) -> bool:
    """Set how often the client gets a progress report; False if unchanged.

    The next report is then due that many days after the last one (or after
    the clock started): a shorter cadence may make it due at once.
    """
    if not MIN_CADENCE_DAYS <= days <= MAX_CADENCE_DAYS:
        raise NotAllowed(
            f"A report every {_days(days)} is not a cadence Mend keeps: choose "
            f"{MIN_CADENCE_DAYS} to {MAX_CADENCE_DAYS} days. Nothing was saved."
        )
    case = case_lock(case_id=case_id, by=by)
    if case.is_closed:
        raise NotAllowed(
            "This case is closed. A manager can reopen it by sending it back."
        )
    ensure_in_step(case, "report_cadence")
    before = case.progress_cadence_days
    if before == days:
        return False
    case.progress_cadence_days = days
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.REPORT_CADENCE,
        summary=f"Progress reports now every {_days(days)} "
        f"(were every {_days(before)}).",
        changes=changes_between(
            {"days": before}, {"days": days}, {"days": "Progress report every (days)"}
        ),
    )
    case_touch(case, by, "progress_cadence_days")
    return True
