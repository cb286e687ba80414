"""The cases API does what the pages do: the same list, the same logging
service, the same checks and the same timeline."""

import uuid

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from cases.choices import PromiseStatus, Step, TimelineKind
from cases.models import Case, OutboxMessage, Promise
from cases.review.filters import CaseFilter
from tests.factories import ClientFactory, ContactFactory, case_in_step, make_case

pytestmark = pytest.mark.django_db


NEW = {"new_client_name": "N", "commitment": "x", "what_happened": "y"}


def ids(answer) -> list[int]:
    return [row["id"] for row in answer.json()["results"]]


def test_the_list_is_the_all_cases_pages_list_for_the_same_filters(
    api, account_manager, sales_manager, team
):
    acme = ClientFactory(team=team, name="Acme Freight")
    make_case(account_manager, client=acme, commitment="Ship the pallets")
    make_case(account_manager, commitment="Train the warehouse team")
    case_in_step(Step.CLOSED, owner=account_manager, client=acme)
    queries = ["", "q=acme", "status=closed", "status=open&sort=client", "sort=-opened"]
    visible = Case.objects.for_user(sales_manager)
    for query in queries:
        data = dict(pair.split("=") for pair in query.split("&") if pair)
        page = CaseFilter(data or None, visible, user=sales_manager)
        answer = api(sales_manager).get(f"/api/v1/cases/?{query}")
        assert answer.status_code == 200
        assert ids(answer) == list(page.qs.values_list("pk", flat=True)), query


def test_a_bad_filter_gets_the_pages_message(api, account_manager):
    answer = api(account_manager).get("/api/v1/cases/?q=a+b+c+d+e+f&status=nope")
    assert answer.status_code == 400
    errors = answer.json()
    assert "5 words at most" in errors["q"][0]
    assert "status" in errors


def test_the_list_reads_a_fixed_number_of_queries(api, account_manager, sales_manager):
    client = api(account_manager)
    make_case(account_manager)
    client.get("/api/v1/cases/")  # the token's first use is noted once
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/cases/")
    for _ in range(5):
        make_case(account_manager)
    with CaptureQueriesContext(connection) as many:
        answer = client.get("/api/v1/cases/")
    assert len(answer.json()["results"]) == 6
    assert len(many) == len(few)


def test_logging_a_dropped_ball_opens_the_case_and_alerts_the_manager(
    api, account_manager, sales_manager, team
):
    client = ClientFactory(team=team, name="Acme Freight")
    dana = ContactFactory(client=client, name="Dana")
    answer = api(account_manager).post(
        "/api/v1/cases/",
        {
            "client": client.pk,
            "commitment": "Deliver 40 pallets by Friday",
            "what_happened": "The truck never left the depot.",
            "severity": "high",
            "failure_source": "process",
            "parts": ["no_buffer"],
            "contacts": [dana.pk],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    case = Case.objects.get(pk=body["id"])
    assert body["step"] == Step.ACKNOWLEDGE and body["owner"] == "alice"
    assert body["clock"]["state"] in {"on_track", "due_soon"}
    assert case.timeline.filter(kind=TimelineKind.LOGGED).exists()
    assert list(case.contacts.all()) == [dana]
    assert OutboxMessage.objects.filter(case=case, recipient=sales_manager).exists()


def test_the_same_idempotency_key_logs_once(api, account_manager, team):
    client = api(account_manager)
    body = {
        "new_client_name": "Brand New Ltd",
        "commitment": "Install the kiosk",
        "what_happened": "Nobody came.",
        "severity": "medium",
    }
    key = str(uuid.uuid4())
    first = client.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201
    assert again.status_code == 409
    assert Case.objects.filter(commitment="Install the kiosk").count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"commitment": "x", "what_happened": "y", "severity": "high"}, "client"),
        (
            {"new_client_name": "N", "what_happened": "y", "severity": "high"},
            "commitment",
        ),
        ({**NEW, "severity": "huge"}, "severity"),
    ],
)
def test_bad_input_says_which_field_and_saves_nothing(
    api, account_manager, body, field
):
    answer = api(account_manager).post("/api/v1/cases/", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Case.objects.exists()


def test_another_teams_client_cannot_be_used(api, account_manager, other_team):
    theirs = ClientFactory(team=other_team)
    answer = api(account_manager).post(
        "/api/v1/cases/",
        {"client": theirs.pk, **NEW, "severity": "low"},
        format="json",
    )
    assert answer.status_code == 400
    assert not Case.objects.exists()


def test_a_case_reads_with_its_records_and_ledger(api, account_manager, sales_manager):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    answer = api(account_manager).get(f"/api/v1/cases/{case.pk}/")
    body = answer.json()
    assert body["step"] == Step.FOLLOW_UP and body["version"] == case.version
    assert body["client_contacts"] and body["apologies"] and body["options"]
    assert [p["description"] for p in body["promises"]] == list(
        case.promises.values_list("description", flat=True)
    )


def test_advance_checks_the_version_and_the_step(api, account_manager, sales_manager):
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager)
    client = api(account_manager)
    url = f"/api/v1/cases/{case.pk}/advance/"
    seen = case.version
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)  # a teammate
    stale = client.post(url, {"version": seen}, format="json")
    assert stale.status_code == 409
    incomplete = client.post(url, {"version": seen + 1}, format="json")
    assert incomplete.status_code == 400
    assert "not complete yet" in incomplete.json()["detail"]
    ready = case_in_step(Step.ROOT_CAUSE, owner=account_manager, complete=True)
    moved = client.post(
        f"/api/v1/cases/{ready.pk}/advance/", {"version": ready.version}, format="json"
    )
    assert moved.status_code == 200
    assert moved.json()["step"] == Step.OPTIONS


def test_only_a_manager_sends_a_case_back(api, account_manager, sales_manager):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    body = {"version": case.version, "reason": "Ask the client again"}
    url = f"/api/v1/cases/{case.pk}/send-back/"
    assert api(account_manager).post(url, body, format="json").status_code == 403
    answer = api(sales_manager).post(url, body, format="json")
    assert answer.status_code == 200 and answer.json()["step"] == Step.ROOT_CAUSE


def test_a_page_action_by_name_makes_a_promise_or_says_what_is_wrong(
    api, account_manager, sales_manager
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    client = api(account_manager)
    url = f"/api/v1/cases/{case.pk}/actions/promise/"
    before = case.promises.count()
    bad = client.post(url, {"description": "Call", "due_on": "soon"}, format="json")
    assert bad.status_code == 400
    assert "due_on" in bad.json()
    assert case.promises.count() == before
    made = client.post(
        url,
        {"description": "Call back with the new date", "due_on": "2030-01-15"},
        format="json",
    )
    assert made.status_code == 200, made.json()
    promise = Promise.objects.get(case=case, description="Call back with the new date")
    assert promise.status == PromiseStatus.OPEN
    assert any(p["id"] == promise.pk for p in made.json()["case"]["promises"])


def test_an_unknown_action_is_404(api, account_manager, sales_manager):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    answer = api(account_manager).post(f"/api/v1/cases/{case.pk}/actions/fly/", {})
    assert answer.status_code == 404


def test_a_comment_lands_on_the_timeline(api, account_manager, sales_manager):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    answer = api(sales_manager).post(
        f"/api/v1/cases/{case.pk}/comments/",
        {"text": "Call them today, @alice and @nobody"},
        format="json",
    )
    assert answer.status_code == 201
    assert answer.json()["unknown_mentions"] == ["nobody"]
    timeline = api(account_manager).get(f"/api/v1/cases/{case.pk}/timeline/").json()
    assert timeline["results"][0]["kind"] == TimelineKind.COMMENT
    assert timeline["results"][0]["actor"] == "sam"


def test_clients_come_with_their_contacts(api, account_manager, team, other_team):
    acme = ClientFactory(team=team, name="Acme")
    ContactFactory(client=acme, name="Dana")
    ClientFactory(team=other_team, name="Hidden")
    answer = api(account_manager).get("/api/v1/clients/").json()
    names = [c["name"] for c in answer["results"]]
    assert "Acme" in names and "Hidden" not in names
    acme_row = next(c for c in answer["results"] if c["name"] == "Acme")
    assert [c["name"] for c in acme_row["contacts"]] == ["Dana"]


def test_the_schema_and_docs_are_served(api, client, account_manager):
    schema = api(account_manager).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/cases/" in paths and "post" in paths["/api/v1/cases/"]
    client.force_login(account_manager)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.content.decode()
