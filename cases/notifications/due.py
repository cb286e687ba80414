"""What has fallen due: reminders, step warnings, escalations and the digest.

Beat calls `sweep_due` every minute. It reads what is due from the database and
records outbox rows through `outbox_record`, one batch per part; the sender
delivers them. The parts: reminders.py (follow-ups, promises, progress
reports), steps.py (step warnings, escalations and second escalations: the
escalation ladder) and digest.py (the weekly
digest); moments.py holds what they share (sensible times, CATCH_UP, the lock).

When a row is recorded: once its moment has arrived. Each message has a moment
(the recipient's opening time on a follow-up's date, a step's warning
point...), moved by `sensible_time` to the recipient's working time; the sweep
records the row when that moment is not in the future, with `due_at` set to it.
Nothing is recorded ahead of time, so a follow-up settled, a case closed or
handed to someone else, a user deactivated or a kind muted before the moment
simply means no row: there are no future rows to find and cancel. The content
is read when the message is due, and the sender sends it within a minute.

No message is recorded twice: each key names the due moment (the date of the
follow-up, the start of the progress period, the stored step deadline, the ISO
week of the digest) and `Owed.dedupe_key` adds the recipient, so a second
sweep, or two beats at once, hit the unique `dedupe_key` and record nothing.
Each part also locks the rows it reads (SKIP LOCKED), so two sweeps split the
work instead of both doing it. A new owner has a different key from the old
one, so after a reassignment the new owner gets the next reminder and the old
owner none.

Only in working hours (issue 18, item 4): a message is recorded only while it
is working time for its recipient (their own working days and hours, else
their team's, in their zone, skipping the team's holidays and closure days:
hours.py), so a follow-up scheduled at 18:51 for tomorrow brings no reminder
at 18:51; and the sender holds back a timed message it reaches outside those
hours until the next opening. A step warning is never recorded once its target has
passed, and one still waiting to go out then is skipped: the escalation
replaces it.

A moment not recorded within CATCH_UP_HOURS of working time (a working day and
a bit; days off in between do not count) is not recorded at all: a sweep
that was down for days does not send a flood of stale reminders (the case
lists and the digest show what is late).
"""

from __future__ import annotations

import datetime as dt
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from cases.notifications.digest import weekly_digests
from cases.notifications.reminders import (
    follow_up_reminders,
    progress_reminders,
    promise_reminders,
)
from cases.notifications.steps import (
    step_escalations,
    step_second_escalations,
    step_warnings,
)

logger = logging.getLogger(__name__)


def sweep_due(now: dt.datetime | None = None) -> int:
    """Record every notification whose moment has arrived; return how many.

    Safe to run at any time, twice, or from two beats at once. Each part runs
    in its own transaction, so what it records becomes visible at once and a
    worker is asked to send once per part, not once per message. Each part
    runs even if an earlier one failed; the first error is raised at the end,
    so the task still shows as failed.
    """
    now = now or timezone.now()
    created = 0
    error = None
    for part in (
        follow_up_reminders,
        promise_reminders,
        progress_reminders,
        step_warnings,
        step_escalations,
        step_second_escalations,
        weekly_digests,
    ):
        try:
            with transaction.atomic():
                created += part(now)
        except SoftTimeLimitExceeded:
            raise  # the task's time is up: the next sweep carries on
        except Exception as exc:  # the other parts still run
            logger.exception("sweep_due: %s failed", part.__name__)
            error = error or exc
    if error is not None:
        raise error
    return created
