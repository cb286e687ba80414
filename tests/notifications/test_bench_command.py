"""`make bench-notify` end to end on a small scale, so the benchmark cannot rot:
due follow-ups swept into the outbox and delivered to its own SMTP sink."""

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from cases.models import FollowUp, OutboxMessage
from tests.bench import notify


@pytest.mark.django_db(transaction=True)
def test_the_notification_benchmark_sweeps_and_delivers_every_due_follow_up():
    out = io.StringIO()
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="runs only on PostgreSQL"):
            call_command(notify.Command(), count=30, stdout=out)
        return
    # In working hours, whenever the test runs: reminders are only sent then.
    monday_ten = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(monday_ten, tick=True):
        call_command(
            notify.Command(),
            count=30,
            senders=1,
            pool="thread",
            sink="thread",
            history=50,
            stdout=out,
        )
    report = out.getvalue()
    sweep = re.search(r"^reminders recorded +([\d,]+) +([\d,]+)$", report, re.M)
    assert sweep.groups() == ("30", "30")
    sink = re.search(r"^accepted at the sink +([\d,]+) +([\d,]+)$", report, re.M)
    assert sink.groups() == ("30", "30")
    assert re.search(r"^duplicates +0 +0$", report, re.M)
    assert 'FOR NO KEY UPDATE OF "cases_followup" SKIP LOCKED' in report
    assert re.search(
        r"30 of 30 due reminders accepted, late by p50 [\d.]+ s, p99 [\d.]+ s", report
    )
    # Its due rows and their messages are gone; the history stays for next time.
    assert not FollowUp.objects.filter(purpose__startswith="Check the fix held")
    history = OutboxMessage.objects.filter(dedupe_key__startswith="notifybench-")
    assert not OutboxMessage.objects.difference(history).exists()
    assert history.count() == 50
