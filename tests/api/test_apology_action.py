"""The apology through the API's page actions, with its three checks."""

import pytest
from django.utils import timezone

from cases.choices import ApologyMethod, OnBehalf, Step
from tests.factories import case_in_step

pytestmark = pytest.mark.django_db


def test_the_apology_action_takes_the_three_checks(api, account_manager, sales_manager):
    """POST /api/v1/cases/{id}/actions/apology/ is the page's form: the same
    checks, the same messages, and the case's figure with the answer."""
    client = api(account_manager)
    case = case_in_step(Step.APOLOGISE, owner=account_manager)
    url = f"/api/v1/cases/{case.pk}/actions/apology/"
    dana = case.contacts.get()
    body = {
        "contacts": [dana.pk],
        "method": ApologyMethod.IN_PERSON,
        "on_behalf": OnBehalf.PERSONAL,
        "apologised_on": timezone.localdate().isoformat(),
        "named_impact": True,
    }
    bad = client.post(url, body, format="json")
    assert bad.status_code == 400
    assert "named_impact_note" in bad.json()
    body["named_impact_note"] = "Their launch slipped"
    made = client.post(url, body, format="json")
    assert made.status_code == 200, made.json()
    [apology] = made.json()["case"]["apologies"]
    assert apology["named_impact"] is True
    assert apology["named_impact_note"] == "Their launch slipped"
    assert apology["owned_our_part"] is False
    assert made.json()["case"]["apology_hours"] is not None
