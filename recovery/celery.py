"""The Celery app and the whole beat schedule."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recovery.settings")

app = Celery("recovery")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Keep remote control on (the default): when Redis is down at the moment a
# worker acknowledges a task, kombu keeps that delivery counted against the
# prefetch limit and the task channel stops polling; remote control's own
# channel is what notices the broker is back (tests/faults/test_celery_faults.py).

# Beat only nudges: every task reads what is due from the database and is
# harmless to run twice, so a second beat or a missed tick loses nothing.
app.conf.beat_schedule = {
    # Find what has fallen due (reminders, warnings, digests) every minute, so
    # a reminder is at most a minute late.
    "sweep-due": {"task": "cases.tasks.sweep_due", "schedule": 60.0},
    # Send whatever is pending; also enqueued right after each commit that
    # records an alert, so this is the safety net, not the main path.
    "send-outbox": {"task": "cases.tasks.send_outbox", "schedule": 30.0},
    # Webhook and chat posts: asked for after each commit that records one,
    # so this catches retries as they fall due (the first waits a minute)
    # and posts whose nudge the broker lost; also takes back stuck ones.
    "dispatch-http": {"task": "cases.tasks.dispatch_http", "schedule": 30.0},
    # Take back claims whose sender died mid-send (the lease has run out).
    "release-stuck": {"task": "cases.tasks.release_stuck", "schedule": 120.0},
    # Restart the clocks paused until a day that has come (their owners are
    # emailed); the pause says the time, so a late tick loses nothing.
    "resume-paused-clocks": {
        "task": "cases.tasks.resume_paused_clocks",
        "schedule": 60.0,
    },
    # The later round of check-ins: due days after closing, so hourly is
    # soon enough; each contact and round is asked once however often it runs.
    "send-later-check-ins": {
        "task": "cases.tasks.send_later_check_ins",
        "schedule": 3600.0,
    },
    # An import's preview and import are asked for once, on upload and on
    # confirmation; this takes back those whose task the broker lost (a
    # Redis restart). Five minutes: a 10,000-row import takes seconds.
    "imports-resend-stuck": {
        "task": "cases.tasks.imports_resend_stuck",
        "schedule": 300.0,
    },
}


@app.on_after_configure.connect
def _poll_mailbox_schedule(sender, **kwargs) -> None:
    """Poll the reply mailbox every MEND_IMAP_POLL_SECONDS (default 60: a
    client's reply reaches the case within a minute). Added once the
    settings are read, which the cadence comes from; the task returns at
    once when no mailbox is configured, and a message it already took is
    skipped, so a late or repeated tick loses and repeats nothing."""
    from django.conf import settings

    sender.conf.beat_schedule["poll-mailbox"] = {
        "task": "cases.tasks.poll_mailbox",
        "schedule": float(settings.MEND_IMAP_POLL_SECONDS),
    }
