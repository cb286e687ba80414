"""The case list's search: one folded column per case, kept by every writer,
read through its trigram index on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.casework.services import cases as services
from cases.casework.services import contacts as erasure
from cases.casework.services.admin_edits import case_admin_edit
from cases.clients.services import client_update
from cases.models import Case, Client
from cases.models.search import search_text_refresh
from cases.review.filters import CaseFilter
from cases.review.selectors import cases_for_review
from tests.factories import ClientFactory, make_case
from tests.imports.conftest import imported

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def found(user, q: str) -> set[int]:
    """The ids the All cases page (and the API, same FilterSet) finds for q."""
    search = CaseFilter({"q": q}, cases_for_review(user), user=user)
    assert search.is_valid(), search.errors
    return set(search.qs.values_list("pk", flat=True))


@pytest.fixture
def acme(team):
    return ClientFactory(team=team, name="Acme Mills")


@pytest.fixture
def laptops(account_manager, acme):
    return make_case(
        account_manager,
        client=acme,
        commitment="Ship 40 laptops by Friday",
        what_happened="The courier lost the pallet.",
    )


@pytest.fixture
def training(account_manager, acme):
    return make_case(
        account_manager,
        client=acme,
        commitment="Train the sales desk",
        what_happened="The trainer was double-booked.",
    )


def test_each_word_must_appear_in_the_client_commitment_or_what_happened(
    sales_manager, laptops, training
):
    assert found(sales_manager, "acme") == {laptops.pk, training.pk}
    assert found(sales_manager, "LAPTOPS") == {laptops.pk}
    assert found(sales_manager, "courier") == {laptops.pk}
    # A substring, as before the column: "mill" is in "Acme Mills".
    assert found(sales_manager, "mill desk") == {training.pk}
    assert found(sales_manager, "acme nowhere") == set()
    # A word never spans two texts: "mills\nship" is not "millsship".
    assert found(sales_manager, "millsship") == set()


def test_like_wildcards_typed_are_plain_characters(sales_manager, laptops):
    assert found(sales_manager, "%") == set()
    assert found(sales_manager, "_hip") == set()


def test_a_number_finds_that_case_and_still_the_texts_that_hold_it(
    sales_manager, laptops, training
):
    assert found(sales_manager, f"#{training.pk}") == {training.pk}
    assert training.pk in found(sales_manager, str(training.pk))
    assert laptops.pk in found(sales_manager, "40")


def test_another_teams_case_is_not_found_by_its_number(sales_manager, outsider):
    foreign = make_case(outsider, commitment="Another team's secret")
    assert found(sales_manager, f"#{foreign.pk}") == set()
    assert found(sales_manager, "secret") == set()


def test_accents_are_ignored_on_postgresql(sales_manager, account_manager, team):
    case = make_case(
        account_manager,
        client=ClientFactory(team=team, name="Müller Café"),
        commitment="Répondre à temps",
    )
    assert found(sales_manager, "müller") == {case.pk}
    if POSTGRES:  # SQLite's lower() and LIKE fold ASCII letters only
        assert found(sales_manager, "MÜLLER") == {case.pk}
        assert found(sales_manager, "muller cafe repondre") == {case.pk}


def test_the_column_follows_an_edit_of_the_details(
    sales_manager, account_manager, laptops
):
    services.case_update_details(
        case_id=laptops.pk,
        by=account_manager,
        version=laptops.version,
        commitment="Ship 40 tablets by Friday",
        what_happened="The warehouse mislabelled them.",
        severity=laptops.severity,
        promised_on=None,
        detected_at=laptops.detected_at,
        failure_source=laptops.failure_source,
        parts=[],
        contacts=[],
    )
    assert found(sales_manager, "laptops") == set()
    assert found(sales_manager, "courier") == set()
    assert found(sales_manager, "tablets mislabelled") == {laptops.pk}


def test_renaming_a_client_renames_it_in_every_case_of_it(
    sales_manager, laptops, training, acme, team
):
    other = make_case(sales_manager, client=ClientFactory(team=team, name="Globex"))
    client_update(
        client_id=acme.pk,
        by=sales_manager,
        version=acme.version,
        name="Zenith Foods",
        segment="",
        annual_value=None,
        notes="",
    )
    assert found(sales_manager, "acme") == set()
    assert found(sales_manager, "zenith") == {laptops.pk, training.pk}
    assert found(sales_manager, "globex") == {other.pk}


def test_renaming_a_client_in_the_admin_renames_it_in_its_cases(
    client, administrator, sales_manager, laptops, acme
):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:cases_client_change", args=[acme.pk]),
        {
            "name": "Zenith Foods",
            "team": acme.team_id,
            "segment": "",
            "annual_value": "",
            "notes": "",
            "external_id": "",
            "owner": "",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Client.objects.get(pk=acme.pk).name == "Zenith Foods"
    assert found(sales_manager, "zenith") == {laptops.pk}
    assert found(sales_manager, "acme") == set()


def test_a_client_import_renaming_a_client_renames_it_in_its_cases(
    sales_manager, account_manager, team
):
    renamed = ClientFactory(team=team, name="Old Name Ltd", external_id="A1")
    kept = ClientFactory(team=team, name="Corvina Labs")
    moved = make_case(account_manager, client=renamed)
    stays = make_case(account_manager, client=kept)
    imported(
        by=sales_manager,
        team=team,
        content=b"Id,Name\nA1,New Name Ltd\nB2,Corvina Labs\n",
    )
    assert found(sales_manager, "old") == set()
    assert found(sales_manager, "new name") == {moved.pk}
    assert found(sales_manager, "corvina") == {stays.pk}


def test_moving_a_case_to_another_client_in_the_admin_follows(
    administrator, sales_manager, account_manager, acme, team
):
    # No one at Acme recorded yet, so the case may move.
    case = make_case(
        account_manager, client=acme, commitment="Ship laptops", acknowledged=False
    )
    case_admin_edit(
        case_id=case.pk,
        by=administrator,
        owner=account_manager,
        team=team,
        client=ClientFactory(team=team, name="Globex"),
        version=case.version,
    )
    assert found(sales_manager, "globex laptops") == {case.pk}
    assert found(sales_manager, "acme laptops") == set()


def test_an_erased_contact_is_no_longer_found_by_name(
    administrator, sales_manager, account_manager, acme
):
    case = make_case(
        account_manager,
        client=acme,
        what_happened="Dana Client waited all day for the trainer.",
    )
    assert found(sales_manager, "dana") == {case.pk}
    erasure.contact_erase(
        contact_id=case.contacts.get(name="Dana Client").pk, by=administrator
    )
    assert found(sales_manager, "dana") == set()
    assert found(sales_manager, "erased trainer") == {case.pk}


def test_the_search_reads_the_one_column(client, sales_manager, laptops):
    client.force_login(sales_manager)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("case_list"), {"q": "laptops friday"})
    assert "Ship 40 laptops" in response.content.decode()
    searched = [q["sql"] for q in captured if "LIKE" in q["sql"]]
    assert searched, "no search query ran"
    for sql in searched:
        assert sql.count('"search_text"') >= 2  # both words, one column each
        assert '"commitment"::text LIKE' not in sql
        assert "UPPER(" not in sql  # folded once, stored: no per-row fold


@pytest.mark.skipif(not POSTGRES, reason="the trigram index is PostgreSQL's")
def test_postgresql_answers_a_rare_word_from_the_trigram_index(
    sales_manager, account_manager, acme, laptops, team
):
    # Enough cases of the same team that reading them all costs more than
    # the index: the planner then takes it on its own.
    Case.objects.bulk_create(
        Case(
            team=team,
            owner=account_manager,
            client=acme,
            commitment=f"Deliver order {i} complete",
            what_happened=f"Batch {i % 97} left the depot late.",
            severity="low",
        )
        for i in range(5000)
    )
    search_text_refresh(Case.objects.all())
    with connection.cursor() as cursor:
        # What autovacuum does in time: the statistics, and the index's
        # pending list (GIN takes fresh rows in a list first) merged.
        cursor.execute("ANALYZE cases_case")
        cursor.execute("SELECT gin_clean_pending_list('case_search_trgm')")
    search = CaseFilter(
        {"q": "laptops"}, cases_for_review(sales_manager), user=sales_manager
    )
    plan = search.qs.explain()
    assert "Bitmap Index Scan on case_search_trgm" in plan, plan
    assert set(search.qs.values_list("pk", flat=True)) == {laptops.pk}


def test_the_refresh_is_one_update_whatever_the_number_of_cases(
    django_assert_num_queries, account_manager, acme, laptops, training
):
    Case.objects.update(search_text="")
    with django_assert_num_queries(1):
        assert search_text_refresh(Case.objects.filter(client=acme)) == 2
    assert found(account_manager, "acme") == {laptops.pk, training.pk}
