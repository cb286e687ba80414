"""Importing clients and contacts: each CRM's sample file, matching by CRM
id then by name, idempotence, owners and teams, and a stale preview."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.imports import services
from cases.models import Client, Contact, ImportRun
from tests.factories import ClientFactory, ContactFactory, TeamFactory, UserFactory
from tests.imports.conftest import confirm_and_apply, imported, preview, sample

pytestmark = pytest.mark.django_db


def results(run) -> list[str]:
    return [r["result"] for r in run.rows]


def test_salesforce_accounts_and_contacts_import_with_owners(
    team, sales_manager, people
):
    larchmont = ClientFactory(team=team, name="Larchmont Engineering")
    run = imported(
        by=sales_manager, team=team, content=sample("salesforce-accounts.csv")
    )
    assert run.status == "done"
    assert (run.new_count, run.update_count, run.error_count) == (4, 1, 0)
    assert run.rows[0]["reason"] == (
        "Found by name; changes its CRM id, annual value, owner."
    )
    assert run.rows[2]["reason"] == (
        "New client: annual value 92000.00, owner Alex Murphy."
    )
    larchmont.refresh_from_db()
    assert larchmont.external_id == "0015g00000Lq7AbAAJ"
    assert larchmont.annual_value == Decimal("260000")
    assert larchmont.owner == people["alex"]
    saltmarsh = Client.objects.get(name="Saltmarsh Analytics")
    assert saltmarsh.annual_value is None and saltmarsh.owner == people["maria"]
    assert saltmarsh.team == team

    run = imported(
        by=sales_manager,
        team=team,
        content=sample("salesforce-contacts.csv"),
        kind="contacts",
    )
    assert run.status == "done" and run.new_count == 5, run.rows
    amara = Contact.objects.get(external_id="0035g00000Ab1XcAAJ")
    assert amara.name == "Amara Osei" and amara.role == "Procurement Lead"
    assert amara.client.name == "Harbourline Logistics"


def test_hubspot_companies_and_contacts_import(team, sales_manager, people):
    run = imported(by=sales_manager, team=team, content=sample("hubspot-companies.csv"))
    assert run.new_count == 4
    assert Client.objects.get(external_id="9012345604").owner is None
    run = imported(
        by=sales_manager,
        team=team,
        content=sample("hubspot-contacts.csv"),
        kind="contacts",
    )
    assert run.new_count == 4, run.rows
    # Several associated companies: the first is the person's own.
    saskia = Contact.objects.get(external_id="7700011103")
    assert saskia.client.name == "Glasswing Media"


def test_an_xlsx_file_imports_with_teams_by_name(team, sales_manager, people):
    run = imported(
        by=sales_manager, team=team, content=sample("clients.xlsx"), name="c.xlsx"
    )
    assert run.new_count == 3, run.rows
    assert Client.objects.get(name="Marrowby Textiles").annual_value == Decimal(
        "72000.50"
    )
    assert Client.objects.get(name="Larchmont Engineering").owner == people["alex"]


def test_importing_the_same_file_twice_changes_nothing(team, sales_manager, people):
    content = sample("salesforce-accounts.csv")
    imported(by=sales_manager, team=team, content=content)
    before = list(Client.objects.values().order_by("pk"))
    again = imported(by=sales_manager, team=team, content=content)
    assert results(again) == ["unchanged"] * 5
    assert again.unchanged_count == 5
    assert list(Client.objects.values().order_by("pk")) == before
    contacts = sample("salesforce-contacts.csv")
    imported(by=sales_manager, team=team, content=contacts, kind="contacts")
    people_before = list(Contact.objects.values().order_by("pk"))
    again = imported(by=sales_manager, team=team, content=contacts, kind="contacts")
    assert results(again) == ["unchanged"] * 5
    assert list(Contact.objects.values().order_by("pk")) == people_before


def test_rows_match_by_crm_id_first_then_by_name(team, sales_manager):
    renamed = ClientFactory(team=team, name="Old Name Ltd", external_id="A1")
    by_name = ClientFactory(team=team, name="Corvina Labs")
    run = preview(
        by=sales_manager,
        team=team,
        content=b"Id,Name,Annual value\nA1,New Name Ltd,10\nB2,  CORVINA   labs ,20\n",
    )
    assert results(run) == ["updated", "updated"]
    assert run.rows[0]["reason"].startswith("Found by CRM id")
    assert run.rows[1]["reason"].startswith("Found by name")
    confirm_and_apply(run, sales_manager)
    renamed.refresh_from_db()
    by_name.refresh_from_db()
    assert renamed.name == "New Name Ltd"
    # Found by name: Mend's spelling stays, the CRM id is learnt.
    assert (by_name.name, by_name.external_id) == ("Corvina Labs", "B2")
    assert Client.objects.count() == 2


def test_a_name_with_another_crm_id_is_refused(team, sales_manager):
    ClientFactory(team=team, name="Corvina Labs", external_id="X9")
    run = preview(by=sales_manager, team=team, content=b"Id,Name\nB2,Corvina Labs\n")
    assert results(run) == ["error"]
    assert "with CRM id X9, not B2" in run.rows[0]["reason"]


def test_an_empty_cell_leaves_what_mend_has(team, sales_manager):
    client = ClientFactory(team=team, name="Acme", annual_value=Decimal("500"))
    run = imported(by=sales_manager, team=team, content=b"Name,Annual value\nAcme,\n")
    assert results(run) == ["unchanged"]
    client.refresh_from_db()
    assert client.annual_value == Decimal("500")


def test_an_owner_must_be_a_manager_of_the_rows_team(team, other_team, sales_manager):
    UserFactory(username="olga", first_name="Olga", teams=[other_team])
    run = preview(by=sales_manager, team=team, content=b"Name,Owner\nAcme,olga\n")
    assert results(run) == ["error"]
    assert "is not an account or sales manager of Enterprise" in run.rows[0]["reason"]


def test_a_team_column_reaches_only_the_importers_teams(
    team, other_team, sales_manager, administrator
):
    content = b"Name,Team\nAcme,Midmarket\n"
    run = preview(by=sales_manager, team=team, content=content)
    assert results(run) == ["error"]
    assert "not one you can import into" in run.rows[0]["reason"]
    run = imported(by=administrator, team=team, content=content)
    assert Client.objects.get(name="Acme").team == other_team


def test_an_erased_contact_is_not_brought_back(team, sales_manager):
    client = ClientFactory(team=team, name="Acme", external_id="C1")
    ContactFactory(
        client=client, name="erased contact", email="", erased=True, external_id="P1"
    )
    run = imported(
        by=sales_manager,
        team=team,
        kind="contacts",
        content=b"Id,AccountId,FirstName,LastName,Email\nP1,C1,Jo,Doe,jo@x.example\n",
    )
    assert results(run) == ["unchanged"]
    assert "erased on request" in run.rows[0]["reason"]
    assert not Contact.objects.filter(email="jo@x.example").exists()


def test_a_contact_needs_a_known_client(team, sales_manager):
    run = preview(
        by=sales_manager,
        team=team,
        kind="contacts",
        content=b"Name,Company name\nJo Doe,Nowhere Ltd\n",
    )
    assert results(run) == ["error"]
    assert "import the clients file first" in run.rows[0]["reason"]


def test_a_changed_client_since_the_preview_imports_nothing_and_previews_again(
    team, sales_manager
):
    client = ClientFactory(team=team, name="Acme", annual_value=Decimal("10"))
    run = preview(
        by=sales_manager,
        team=team,
        content=b"Name,Annual value\nAcme,10\nNewco,5\n",
    )
    assert results(run) == ["unchanged", "new"]
    client.annual_value = Decimal("99")
    client.save()
    run = confirm_and_apply(run, sales_manager)
    assert run.status == "previewed"
    assert "changed since the preview" in run.problem
    assert results(run) == ["updated", "new"]
    assert not Client.objects.filter(name="Newco").exists()
    run = confirm_and_apply(run, sales_manager)
    assert run.status == "done"
    assert Client.objects.filter(name="Newco").exists()


def test_a_second_confirmation_is_refused(team, sales_manager):
    run = preview(by=sales_manager, team=team, content=b"Name\nAcme\n")
    services.import_confirm(run_id=run.pk, by=sales_manager)
    with pytest.raises(services.NotAllowed, match="confirmed already"):
        services.import_confirm(run_id=run.pk, by=sales_manager)
    services.import_apply(run_id=run.pk)
    services.import_apply(run_id=run.pk)
    assert Client.objects.filter(name="Acme").count() == 1


def test_an_import_is_recorded(team, sales_manager):
    run = imported(by=sales_manager, team=team, content=b"Name\nAcme\n", name="x.csv")
    run = ImportRun.objects.get(pk=run.pk)
    assert (run.by, run.team, run.file_name, run.kind) == (
        sales_manager,
        team,
        "x.csv",
        "clients",
    )
    assert run.finished_at is not None and run.new_count == 1
    assert bytes(run.content) == b""


def test_another_teams_manager_cannot_import_into_the_team(team, other_team):
    olga = UserFactory(username="olga", role="sales_manager", teams=[other_team])
    with pytest.raises(services.NotAllowed):
        services.import_start(
            by=olga, team=team, kind="clients", file_name="a.csv", content=b"Name\nA\n"
        )
    assert TeamFactory(name="Enterprise") == team


def test_a_preview_or_import_whose_task_was_lost_is_asked_for_again(
    team, sales_manager
):
    run = services.import_start(
        by=sales_manager, team=team, kind="clients", file_name="a.csv", content=b"N"
    )
    assert services.imports_resend_stuck() == 0
    ImportRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - timedelta(minutes=6)
    )
    assert services.imports_resend_stuck() == 1
    ImportRun.objects.filter(pk=run.pk).update(status="done")
    assert services.imports_resend_stuck() == 0


def test_a_preview_delivered_twice_writes_the_same_results(team, sales_manager):
    run = preview(by=sales_manager, team=team, content=b"Name\nAcme\n")
    ImportRun.objects.filter(pk=run.pk).update(status="previewing")
    services.import_preview(run_id=run.pk)
    again = ImportRun.objects.get(pk=run.pk)
    assert (again.status, again.rows) == ("previewed", run.rows)
    assert not Client.objects.exists()


def test_two_rows_with_other_ids_but_one_name_are_refused_before_saving(
    team, sales_manager
):
    run = preview(
        by=sales_manager,
        team=team,
        content=b"Id,Name\nA1,Acme Ltd\nA2,ACME ltd\n",
    )
    assert results(run) == ["new", "error"]
    assert "Row 2 of this file already has a client called" in run.rows[1]["reason"]
    with pytest.raises(services.NotAllowed, match="fix them in the file"):
        services.import_confirm(run_id=run.pk, by=sales_manager)


def test_a_rename_onto_another_clients_name_is_refused(team, sales_manager):
    ClientFactory(team=team, name="Acme Ltd", external_id="A1")
    ClientFactory(team=team, name="Beta Ltd", external_id="B1")
    run = preview(by=sales_manager, team=team, content=b"Id,Name\nB1,acme ltd\n")
    assert results(run) == ["error"]
    assert "Acme Ltd is already another client" in run.rows[0]["reason"]


def test_an_import_whose_author_lost_the_team_meanwhile_imports_nothing(
    team, sales_manager
):
    run = preview(by=sales_manager, team=team, content=b"Name\nAcme\n")
    services.import_confirm(run_id=run.pk, by=sales_manager)
    sales_manager.is_active = False
    sales_manager.save()
    services.import_apply(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "can no longer import" in run.problem
    assert not Client.objects.exists()
