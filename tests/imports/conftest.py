"""People for the import tests: the demo's names, so the sample files in
docs/import/ match them."""

from pathlib import Path

import pytest

from cases.choices import Role
from cases.imports import services
from cases.models import ImportRun
from tests.factories import UserFactory

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "import"


@pytest.fixture
def people(team, sales_manager):
    return make_people(team, sales_manager)


def make_people(team, sales_manager) -> dict:
    """Enterprise's account managers Alex Murphy and Priya Shah, and its
    sales manager (sam) renamed Maria Santos."""
    sales_manager.first_name, sales_manager.last_name = "Maria", "Santos"
    sales_manager.save()
    return {
        "alex": UserFactory(
            username="alex",
            first_name="Alex",
            last_name="Murphy",
            role=Role.ACCOUNT_MANAGER,
            teams=[team],
        ),
        "priya": UserFactory(
            username="priya",
            first_name="Priya",
            last_name="Shah",
            role=Role.ACCOUNT_MANAGER,
            teams=[team],
        ),
        "maria": sales_manager,
    }


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def preview(*, by, team, content: bytes, kind="clients", name="file.csv"):
    """Upload and preview, the worker's part run here, in the test's thread."""
    run = services.import_start(
        by=by, team=team, kind=kind, file_name=name, content=content
    )
    services.import_preview(run_id=run.pk)
    return ImportRun.objects.get(pk=run.pk)


def confirm_and_apply(run, by):
    services.import_confirm(run_id=run.pk, by=by)
    services.import_apply(run_id=run.pk)
    return ImportRun.objects.get(pk=run.pk)


def imported(*, by, team, content: bytes, kind="clients", name="file.csv"):
    run = preview(by=by, team=team, content=content, kind=kind, name=name)
    assert run.status == "previewed", (run.problem, run.rows)
    return confirm_and_apply(run, by)
