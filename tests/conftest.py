"""Shared fixtures: a team with its people, and an outsider from another team.

In CI (CI=true) nothing may be skipped: a test that would skip for a missing
service or browser fails instead, so a green run means everything ran.

`make test` runs the suite in parallel (pytest-xdist). pytest-django gives each
worker process a test database of its own (test_mend_gw0, ...; on SQLite each
has its own in-memory one); the Celery queue is made per worker here.
"""

import contextlib
import os
import shutil

import pytest
from django.conf import settings
from django.db.backends.postgresql.operations import (
    DatabaseOperations as PostgresOperations,
)

from cases.choices import Role
from recovery.celery import app
from tests.factories import TeamFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# "gw0", "gw1"... in an xdist worker; unset in a run without xdist.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
# The tasks this process sends, and the queue its test workers consume. Its own
# per xdist worker, so a worker never runs a task another one sent (with that
# one's database), and apart from the "celery" queue a development worker
# consumes (on SQLite it shares the filesystem broker's folder).
TEST_QUEUE = f"mend-tests-{XDIST_WORKER}"


def pytest_configure(config):
    app.conf.task_default_queue = TEST_QUEUE
    PostgresOperations.sql_flush = _delete_rather_than_truncate(
        PostgresOperations.sql_flush
    )


def _delete_rather_than_truncate(truncate):
    """Empty the tables after a transactional test (transaction=True, the
    live server's browser tests) with DELETE, not Django's one TRUNCATE.

    Both leave every table empty and the sequences where they were. TRUNCATE
    makes each of the ~40 tables a new file, ~0.3-1.3 s a test here; deleting
    the few rows a test wrote takes milliseconds. Django's flush runs the
    statements in one transaction, and its foreign keys are checked at commit
    (DEFERRABLE INITIALLY DEFERRED), so the order of the tables does not
    matter. Flushes that reset sequences or cascade keep TRUNCATE.
    """

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(
                self,
                style,
                tables,
                reset_sequences=reset_sequences,
                allow_cascade=allow_cascade,
            )
        delete = style.SQL_KEYWORD("DELETE FROM")
        return [
            f"{delete} {style.SQL_FIELD(self.quote_name(table))};" for table in tables
        ]

    return sql_flush


def pytest_unconfigure(config):
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    if _is_xdist_controller(config):
        return  # it ran no test, so sent nothing
    # Leave the broker as found: drop the nudges nobody consumed. A broker
    # that is down holds nothing to drop.
    with contextlib.suppress(Exception), app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        app.control.purge(connection=conn)


def _is_xdist_controller(config) -> bool:
    return not hasattr(config, "workerinput") and config.getoption("dist", "no") != "no"


def pytest_sessionstart(session):
    if not IN_CI:
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(f"CI must test against PostgreSQL, not {engine}.", returncode=3)
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.exit("CI must test against Redis as the Celery broker.", returncode=3)


# The modules whose tests each take seconds (browsers, real processes and
# servers, migrations, many-example properties, the seeded demo), run first:
# pytest-xdist then deals out the quick ones last, and no worker is left
# running a long test alone at the end while the others wait. Whole modules
# move, in their own order, so module-scoped fixtures still set up once.
LONG_FIRST = (
    "tests/browser/",
    "tests/faults/",
    "tests/properties/",
    "tests/demo/",
    "tests/notifications/test_worker.py",
    "tests/hooks/test_worker.py",
    "tests/test_migrations.py",
    "tests/insights/test_summaries.py",
    "tests/test_backup.py",
    "tests/test_dates.py",
    "tests/api/test_schema_fuzz.py",
    "tests/replies/test_polling.py",
    "tests/imports/",
    "tests/casework/test_second_failure.py",
)


@pytest.hookimpl(trylast=True)  # after pytest groups tests by their fixtures
def pytest_collection_modifyitems(config, items):
    root = config.rootpath

    def long(item) -> bool:
        path = item.path.relative_to(root).as_posix()
        return path.startswith(LONG_FIRST)

    items.sort(key=lambda item: not long(item))  # stable: order kept otherwise


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"Skipped in CI, which is not allowed: {report.longrepr}"


@pytest.fixture
def team(db):
    return TeamFactory(name="Enterprise")


@pytest.fixture
def other_team(db):
    return TeamFactory(name="Midmarket")


@pytest.fixture
def account_manager(team):
    return UserFactory(username="alice", role=Role.ACCOUNT_MANAGER, teams=[team])


@pytest.fixture
def teammate(team):
    return UserFactory(username="bob", role=Role.ACCOUNT_MANAGER, teams=[team])


@pytest.fixture
def sales_manager(team):
    return UserFactory(username="sam", role=Role.SALES_MANAGER, teams=[team])


@pytest.fixture
def outsider(other_team):
    return UserFactory(
        username="charlie", role=Role.ACCOUNT_MANAGER, teams=[other_team]
    )


@pytest.fixture
def administrator(db):
    return UserFactory(
        username="root", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )
