"""End to end with a real Celery worker and the configured broker: a page
that logs a dropped ball answers at once; after its commit the worker posts
the signed event to every endpoint, each in its own task, so one that hangs
times out on its own while the others already have theirs; beat's dispatch
sends the retry later, under the same webhook-id."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from cases import tasks
from cases.choices import OutboxStatus, WebhookEvent
from cases.models import HttpDelivery
from recovery.celery import app
from tests.hooks.conftest import endpoint_for, make_due

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def wait_until(condition, what: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"Gave up waiting for {what}.")
        time.sleep(0.05)
    return value


@pytest.fixture
def worker():
    """Worker threads side by side (as a worker's processes would be), on
    this test process's own queue (tests/conftest.py)."""
    app.control.purge()
    with start_worker(
        app, pool="threads", concurrency=3, perform_ping_check=False, loglevel="WARNING"
    ) as running:
        yield running


def test_the_worker_posts_each_endpoint_apart_and_retries_the_hung_one(
    client, receivers, account_manager, sales_manager, quick_timeouts, worker
):
    hanging = receivers(hang_seconds=30)
    crm, desk = receivers(), receivers()
    endpoint_for(hanging, name="Slow", events=[WebhookEvent.CASE_LOGGED])
    endpoint_for(crm, name="CRM", events=[WebhookEvent.CASE_LOGGED])
    endpoint_for(desk, name="Desk", events=[WebhookEvent.CASE_LOGGED])
    client.force_login(account_manager)
    form = client.get(reverse("case_new")).content.decode()
    key = form.split('name="submission_key" value="')[1].split('"')[0]
    started = time.monotonic()
    response = client.post(
        reverse("case_new"),
        {
            "submission_key": key,
            "new_client_name": "Northwind",
            "commitment": "On-site training on the 12th",
            "what_happened": "The trainer's flight was cancelled.",
            "severity": "high",
        },
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 2

    crm.wait_for(1)
    desk.wait_for(1)
    assert [p["type"] for p in crm.payloads() + desk.payloads()] == [
        "case.logged",
        "case.logged",
    ]
    slow = HttpDelivery.objects.get(endpoint__name="Slow")
    wait_until(
        lambda: HttpDelivery.objects.filter(
            pk=slow.pk, status=OutboxStatus.PENDING, attempts=1
        ).exists(),
        "the hung post to time out and wait for its retry",
    )
    slow.refresh_from_db()
    assert slow.last_error == "No answer within 1 s."

    hanging.hang_seconds = 0
    hanging.release.set()
    make_due()
    tasks.dispatch_http.delay()  # what beat does every 30 s
    wait_until(
        lambda: HttpDelivery.objects.filter(
            pk=slow.pk, status=OutboxStatus.SENT
        ).exists(),
        "the retry",
    )
    received = hanging.wait_for(2)
    assert {r.headers["webhook-id"] for r in received} == {slow.message_id}
    assert all(not r.problem for r in received)
    assert len(crm.received) == len(desk.received) == 1
