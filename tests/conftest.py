"""Shared fixtures: a team with its people, and an outsider from another team.

In CI (CI=true) nothing may be skipped: a test that would skip for a missing
service or browser fails instead, so a green run means everything ran.
"""

import os

import pytest

from cases.models import Role

from .factories import TeamFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_sessionstart(session):
    if not IN_CI:
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(f"CI must test against PostgreSQL, not {engine}.", returncode=3)
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.exit("CI must test against Redis as the Celery broker.", returncode=3)


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
