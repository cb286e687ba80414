"""The "Import clients" page: who gets it, the upload and its refusals, the
preview, the confirmation (once), and the history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.imports import services
from cases.models import Client, ImportRun
from tests.factories import ClientFactory, TeamFactory, UserFactory
from tests.imports.conftest import preview, sample

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, *, name="clients.csv", kind="clients", team):
    return client.post(
        reverse("import_new"),
        {"kind": kind, "team": team.pk, "file": SimpleUploadedFile(name, content)},
    )


def test_sales_managers_get_the_page_and_its_nav_link(client, sales_manager):
    client.force_login(sales_manager)
    response = client.get(reverse("imports"))
    assert response.status_code == 200
    assert f'href="{reverse("imports")}"' in response.content.decode()


def test_account_managers_get_404_and_no_link(client, account_manager, team):
    client.force_login(account_manager)
    assert client.get(reverse("imports")).status_code == 404
    assert upload(client, b"Name\nA\n", team=team).status_code == 404
    assert f'href="{reverse("imports")}"' not in client.get("/").content.decode()
    assert not ImportRun.objects.exists()


def test_a_sales_manager_imports_only_into_their_own_teams(
    client, sales_manager, other_team
):
    client.force_login(sales_manager)
    response = upload(client, b"Name\nA\n", team=other_team)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_an_administrator_chooses_among_all_teams(
    client, administrator, team, other_team
):
    client.force_login(administrator)
    page = client.get(reverse("imports")).content.decode()
    assert ">Enterprise<" in page and ">Midmarket<" in page
    response = upload(client, b"Name\nA\n", team=other_team)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "import_detail", args=[run.pk]
    )
    assert (run.team, run.by, run.status) == (other_team, administrator, "queued")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7\n...", "clients.csv", "This is a PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "clients.csv", "not a CSV or XLSX"),
        (b"PK\x03\x04" + b"\x00" * 40, "clients.xlsx", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "clients.xls", "old Excel workbook"),
        (b"Name\nCaf\xe9 Noir\n", "clients.csv", "not UTF-8 text: row 2"),
    ],
)
def test_a_file_that_is_not_csv_or_xlsx_is_refused_at_once(
    client, sales_manager, team, content, name, message
):
    client.force_login(sales_manager)
    response = upload(client, content, name=name, team=team)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_over_the_limit_is_refused_with_its_size(
    client, sales_manager, team, settings
):
    settings.MEND_IMPORT_MAX_MB = 1
    client.force_login(sales_manager)
    content = b"Name\n" + b"A client name\n" * 110_000  # 1.5 MB
    response = upload(client, content, team=team)
    assert response.status_code == 400
    assert "The file is 1.5 MB; the limit is 1 MB" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_the_upload_route_alone_accepts_a_body_over_the_form_limit(
    client, sales_manager, team, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    settings.MEND_IMPORT_MAX_MB = 1
    client.force_login(sales_manager)
    content = b"Name\n" + b"".join(b"Client %d\n" % n for n in range(20_000))
    assert upload(client, content, team=team).status_code == 302
    too_big = b"Name\n" + b"x" * (1024 * 1024 + 200 * 1024)
    assert upload(client, too_big, team=team).status_code == 413
    page = client.post(
        reverse("client_detail", args=[ClientFactory(team=team).pk]),
        {"client-notes": "x" * 100_000},
    )
    assert page.status_code == 413


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Id,Annual value\n1,100\n", "lacks a required column: name"),
        (
            b"Id,Name\n001,Acme\n002,Beta\n001,Gamma\n",
            "id 001 on rows 2, 4",
        ),
        (b"Name\n", "no rows under it"),
    ],
)
def test_a_file_the_preview_refuses_says_why_and_changes_nothing(
    client, sales_manager, team, content, message
):
    run = preview(by=sales_manager, team=team, content=content)
    assert run.status == "refused"
    client.force_login(sales_manager)
    page = client.get(run.get_absolute_url()).content.decode()
    assert message in page
    assert "Confirm import" not in page
    assert not Client.objects.exists()


def test_a_value_that_is_not_a_number_names_its_row_and_blocks_the_import(
    client, sales_manager, team
):
    run = preview(
        by=sales_manager,
        team=team,
        content=b"Name,Annual value\nAcme,1000\nBeta,about 12k\n",
    )
    assert run.error_count == 1
    assert run.rows[1]["line"] == 3
    assert "Annual value “about 12k” is not a number" in run.rows[1]["reason"]
    client.force_login(sales_manager)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "1 row cannot be imported" in page and "Confirm import" not in page
    response = client.post(reverse("import_confirm", args=[run.pk]), follow=True)
    assert "fix them in the file" in response.content.decode()
    assert not Client.objects.exists()


def test_the_preview_lists_every_row_and_a_confirmation_counts_once(
    client, sales_manager, team, people, django_assert_max_num_queries
):
    run = preview(by=sales_manager, team=team, content=sample("hubspot-companies.csv"))
    client.force_login(sales_manager)
    with django_assert_max_num_queries(12):
        page = client.get(run.get_absolute_url()).content.decode()
    for name in ["Brightwater Clinics", "Fernhill Architects", "Ironbridge Surveying"]:
        assert name in page
    assert "Confirm import" in page
    confirm = reverse("import_confirm", args=[run.pk])
    first = client.post(confirm, follow=True).content.decode()
    assert "Import confirmed" in first
    second = client.post(confirm, follow=True).content.decode()
    assert "confirmed already" in second
    run.refresh_from_db()
    assert run.status == "importing"


def test_the_progress_panel_polls_while_running_then_reloads_the_page(
    client, sales_manager, team
):
    run = preview(by=sales_manager, team=team, content=b"Name\nA\n")
    client.force_login(sales_manager)
    ImportRun.objects.filter(pk=run.pk).update(status="previewing")
    progress = reverse("import_progress", args=[run.pk])
    panel = client.get(progress, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in panel.content.decode()
    ImportRun.objects.filter(pk=run.pk).update(status="previewed")
    done = client.get(progress, headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"


def test_another_teams_manager_finds_no_import(client, sales_manager, team):
    run = preview(by=sales_manager, team=team, content=b"Name\nSecret Client\n")
    olga = UserFactory(
        username="olga", role="sales_manager", teams=[TeamFactory(name="Midmarket")]
    )
    client.force_login(olga)
    for url in [
        run.get_absolute_url(),
        reverse("import_progress", args=[run.pk]),
    ]:
        assert client.get(url).status_code == 404
    assert client.post(reverse("import_confirm", args=[run.pk])).status_code == 404
    assert "Secret Client" not in client.get(reverse("imports")).content.decode()
    run.refresh_from_db()
    assert run.status == "previewed"


def test_the_client_page_shows_its_owner_and_crm_id(client, sales_manager, people):
    acme = ClientFactory(
        team=sales_manager.memberships.get().team,
        name="Acme",
        external_id="0015g0000ACME",
        owner=people["alex"],
    )
    client.force_login(sales_manager)
    page = client.get(acme.get_absolute_url()).content.decode()
    assert "owned by Alex Murphy" in page and "CRM id 0015g0000ACME" in page


def test_a_workbook_is_known_by_its_content_not_its_name(client, sales_manager, team):
    client.force_login(sales_manager)
    response = upload(client, sample("clients.xlsx"), name="clients.csv", team=team)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    services.import_preview(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "previewed" and run.total_rows == 3


def test_a_long_preview_is_shown_in_pages_with_exact_counts(
    client, sales_manager, team
):
    content = b"Name,Annual value\n" + b"".join(
        b"Client %03d,%s\n" % (n, b"lots" if n == 7 else b"100") for n in range(250)
    )
    run = preview(by=sales_manager, team=team, content=content)
    client.force_login(sales_manager)
    page = client.get(run.get_absolute_url()).content.decode()
    assert page.count("<tr>") == 101  # the header and 100 rows
    assert "Page 1 of 3" in page
    assert 'Errors <span class="badge text-bg-light">1</span>' in page
    assert 'New <span class="badge text-bg-light">249</span>' in page
    errors = client.get(run.get_absolute_url() + "?show=error").content.decode()
    assert "Client 007" in errors and "Client 008" not in errors
