"""The import's preview and import run by a real Celery worker (through the
configured broker, Redis in CI), as on the page: upload, wait for the
preview, confirm, wait for the import."""

import time

import pytest

from cases.imports import services
from cases.models import Client, ImportRun
from tests.imports.conftest import make_people, sample

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(team, sales_manager):
    return make_people(team, sales_manager)


def wait_for(run_id: int, status: str, seconds: float = 60) -> ImportRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = ImportRun.objects.get(pk=run_id)
        if run.status == status:
            return run
        time.sleep(0.1)
    raise AssertionError(f"still {run.status}, not {status}: {run.problem}")


def test_a_worker_previews_then_imports_a_salesforce_export(
    celery_worker, team, sales_manager, people
):
    run = services.import_start(
        by=sales_manager,
        team=team,
        kind="clients",
        file_name="salesforce-accounts.csv",
        content=sample("salesforce-accounts.csv"),
    )
    run = wait_for(run.pk, "previewed")
    assert run.new_count == 5 and not Client.objects.exists()
    assert services.progress_of(run)["percent"] == 100
    services.import_confirm(run_id=run.pk, by=sales_manager)
    run = wait_for(run.pk, "done")
    assert Client.objects.filter(team=team).count() == 5
    assert Client.objects.get(name="Harbourline Logistics").owner == people["alex"]


def test_a_worker_refuses_a_file_without_the_required_column(
    celery_worker, team, sales_manager
):
    run = services.import_start(
        by=sales_manager,
        team=team,
        kind="contacts",
        file_name="contacts.csv",
        content=b"Id,Email\n1,a@b.example\n",
    )
    run = wait_for(run.pk, "refused")
    assert "lacks a required column" in run.problem
