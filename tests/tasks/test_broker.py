import time
import uuid

import pytest
from django.core.cache import cache

from cases.tasks import ping


@pytest.mark.celery
def test_a_task_makes_the_round_trip_through_the_broker(celery_worker):
    token = uuid.uuid4().hex
    ping.delay(token)
    deadline = time.monotonic() + 20
    while cache.get(f"ping:{token}") is None and time.monotonic() < deadline:
        time.sleep(0.1)
    # The worker thread shares this process's in-memory cache.
    assert cache.get(f"ping:{token}") == "pong"
