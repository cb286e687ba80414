"""Celery tasks: thin and idempotent; each calls one function and returns.

The database is the source of truth for what is due: no reminder lives only as
a queued task, so a lost or repeated task loses or duplicates nothing. Every
task has the time limits of CELERY_TASK_SOFT_TIME_LIMIT and
CELERY_TASK_TIME_LIMIT (settings), so none holds a worker process for long.
"""

from celery import shared_task
from django.core.cache import cache

from cases.casework.services import check_ins, pauses
from cases.hooks import deliver as hooks
from cases.imports import services as imports
from cases.notifications import deliver, due, requeue
from cases.replies import services as replies


@shared_task
def ping(token: str) -> None:
    """Answer a round trip through the broker by leaving the token in the cache."""
    cache.set(f"ping:{token}", "pong", timeout=300)


@shared_task(ignore_result=True)
def sweep_due() -> int:
    """Record every notification that has fallen due (reminders, digests...)."""
    return due.sweep_due()


@shared_task(ignore_result=True)
def send_outbox() -> int:
    """Send a batch of due outbox messages over one SMTP connection."""
    return deliver.send_due()


@shared_task(ignore_result=True)
def release_stuck() -> int:
    """Put messages whose sender died mid-send back in the queue."""
    return requeue.release_stuck()


@shared_task(ignore_result=True)
def resume_paused_clocks() -> int:
    """Start again the step clocks paused until a day that has come."""
    return pauses.clocks_resume_due()


@shared_task(ignore_result=True)
def poll_mailbox() -> int:
    """Take the replies waiting in the reply mailbox (nothing when none is
    configured); a mailbox or database that is down waits for the next beat."""
    return replies.mailbox_poll().taken


@shared_task(ignore_result=True)
def send_later_check_ins() -> int:
    """Ask again, MEND_CHECK_IN_AFTER_DAYS after closing, those asked at closing."""
    return check_ins.check_ins_send_due()


@shared_task(ignore_result=True)
def import_preview(run_id: int) -> None:
    """Check an uploaded file row by row (a dry run) for its preview."""
    imports.import_preview(run_id=run_id)


@shared_task(ignore_result=True)
def import_apply(run_id: int) -> None:
    """Import a confirmed file, in one transaction."""
    imports.import_apply(run_id=run_id)


@shared_task(ignore_result=True)
def imports_resend_stuck() -> int:
    """Ask again for previews and imports whose task was lost."""
    return imports.imports_resend_stuck()


@shared_task(ignore_result=True)
def dispatch_http() -> int:
    """Ask for a delivery task per due webhook or chat post, after taking
    back posts whose worker died mid-post."""
    hooks.release_stuck()
    return hooks.dispatch_due()


@shared_task(ignore_result=True)
def deliver_http(delivery_id: int) -> str:
    """Post one webhook event or chat message, if it is still due."""
    return hooks.delivery_send(delivery_id)
