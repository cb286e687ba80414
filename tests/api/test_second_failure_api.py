"""The API shows whether a case is treated as a second failure, read-only."""

import pytest

from cases.choices import OurPart, Severity
from tests.factories import ClientFactory, make_case

pytestmark = pytest.mark.django_db


def log(owner, client):
    return make_case(
        owner,
        client=client,
        severity=Severity.MEDIUM,
        parts=[OurPart.NO_BUFFER],
        second_failure_rule=True,
    )


def test_the_api_shows_the_flag_read_only(api, account_manager, sales_manager, team):
    acme = ClientFactory(team=team, name="Acme Freight")
    first = log(account_manager, acme)
    case = log(account_manager, acme)
    answer = api(account_manager).get(f"/api/v1/cases/{case.pk}/")
    assert answer.status_code == 200
    assert answer.json()["second_failure"] is True
    assert answer.json()["earlier_case_id"] == first.pk
    listed = api(account_manager).get("/api/v1/cases/").json()["results"]
    assert {row["id"]: row["second_failure"] for row in listed} == {
        first.pk: False,
        case.pk: True,
    }
    # Nothing the API takes sets it: a new case is judged by the rule alone.
    answer = api(account_manager).post(
        "/api/v1/cases/",
        {
            "team": team.pk,
            "new_client_name": "Brand new client",
            "commitment": "x",
            "what_happened": "y",
            "severity": Severity.LOW,
            "second_failure": True,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["second_failure"] is False
