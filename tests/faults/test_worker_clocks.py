"""Worker clocks that disagree. Claims are stamped, and leases measured, by the
database's clock: a worker six minutes fast used to take back three claims
other workers were still sending under (and a slow worker's claims looked old
to everyone else)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection

from cases.choices import NotificationKind, OutboxStatus
from cases.models import OutboxMessage
from cases.notifications.deliver import claim_batch
from cases.notifications.record import outbox_add
from cases.notifications.requeue import release_stuck
from tests.factories import make_case

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

SIX_MINUTES = dt.timedelta(minutes=6)


def three_due(owner) -> list[int]:
    if connection.vendor != "postgresql":
        pytest.skip("On SQLite the sender reads the worker's clock (one machine).")
    case = make_case(owner)
    OutboxMessage.objects.all().delete()  # the case's own alerts
    for n in range(3):
        outbox_add(
            case=case,
            kind=NotificationKind.SECOND_DROP,
            recipients=[owner],
            key=f"p{n}",
        )
    return list(OutboxMessage.objects.values_list("pk", flat=True))


def sending() -> int:
    return OutboxMessage.objects.filter(status=OutboxStatus.SENDING).count()


def test_a_worker_six_minutes_fast_takes_back_no_live_claim(enqueued, account_manager):
    due = three_due(account_manager)
    assert sorted(claim_batch()) == sorted(due)  # a worker with the right time

    # Beat's release-stuck runs on a worker whose clock is six minutes fast.
    with time_machine.travel(dt.datetime.now(dt.UTC) + SIX_MINUTES, tick=True):
        assert release_stuck() == 0
    assert sending() == 3


def test_a_slow_worker_s_claims_do_not_look_old_to_the_others(
    enqueued, account_manager
):
    due = three_due(account_manager)
    with time_machine.travel(dt.datetime.now(dt.UTC) - SIX_MINUTES, tick=True):
        # Due by the slow worker's clock too (recorded before it looked).
        OutboxMessage.objects.update(due_at=dt.datetime.now(dt.UTC))
        assert sorted(claim_batch()) == sorted(due)

    assert release_stuck() == 0
    assert sending() == 3
