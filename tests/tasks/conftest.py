import pytest
from celery.contrib.testing.worker import start_worker

from recovery.celery import app


@pytest.fixture
def celery_worker():
    """A real worker thread consuming from the configured broker (Redis in CI),
    on this test process's own queue (tests/conftest.py), emptied first so the
    worker runs only what the test sends."""
    app.control.purge()
    with start_worker(
        app, perform_ping_check=False, pool="solo", loglevel="WARNING"
    ) as worker:
        yield worker
