"""Schemathesis against the API's schema, over HTTP to a live server: every
operation, as an account manager and as a sales manager, with generated
requests (valid and not); no answer may be a server error or break the
schema it promises.

The operations come from the schema drf-spectacular draws for /api/schema/
(the first test checks the live endpoint serves exactly that one): drawn here
at collection, since Schemathesis' from_fixture does not run on pytest 9."""

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis import checks

from cases.api.tokens import api_token_create
from cases.choices import Role, Step
from tests.factories import ClientFactory, ContactFactory, UserFactory, case_in_step

# Generated requests per operation and role.
EXAMPLES = 15
# No server error; status codes, content types, headers and bodies as the
# schema says; and no operation answers without credentials. Not "every
# schema-valid request is accepted": an owner id no one has is refused, as it
# should be, and no schema can list every id.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.ignored_auth,
]


def drawn_schema() -> dict:
    drawn = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(drawn))


SCHEMA = drawn_schema()
schema = schemathesis.openapi.from_dict(SCHEMA)


@pytest.fixture
def data(transactional_db, team, account_manager, sales_manager):
    client = ClientFactory(team=team, name="Acme Freight")
    ContactFactory(client=client, name="Dana")
    for step in (Step.ACKNOWLEDGE, Step.COMMUNICATE, Step.FOLLOW_UP, Step.CLOSED):
        case_in_step(step, owner=account_manager, client=client)
    UserFactory(username="olga", role=Role.ACCOUNT_MANAGER, teams=[team])
    people = {Role.ACCOUNT_MANAGER: account_manager, Role.SALES_MANAGER: sales_manager}
    return {role: bearer(person) for role, person in people.items()}


def bearer(person) -> dict:
    _, raw = api_token_create(user=person, name="schemathesis")
    return {"Authorization": f"Bearer {raw}"}


def test_the_live_schema_is_the_one_tested(live_server, data):
    import requests

    headers = {**data[Role.SALES_MANAGER], "Accept": "application/json"}
    live = requests.get(f"{live_server.url}/api/schema/", headers=headers, timeout=10)
    assert live.status_code == 200
    assert live.json() == SCHEMA


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.SALES_MANAGER])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_keeps_to_its_schema(case, role, live_server, data):
    case.call_and_validate(base_url=live_server.url, headers=data[role], checks=CHECKS)
