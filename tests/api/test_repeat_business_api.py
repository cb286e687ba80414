"""Closing as recovered and recording a later order through the API: the
page's forms, with the same evidence asked for and the same role rules."""

from decimal import Decimal

import pytest
from django.utils import timezone

from cases.casework.services import repeat_business
from cases.casework.services.repeat_business import team_today
from cases.choices import Outcome, Step, TimelineKind
from cases.models import Case
from tests.factories import case_in_step, close_case, version_of

pytestmark = pytest.mark.django_db


def closing(case, **fields):
    return {
        "version": version_of(case),
        "outcome": Outcome.RECOVERED,
        "client_fit": "good",
        "lessons": "Book the trainer twice.",
        **fields,
    }


def test_closing_as_recovered_needs_the_order(api, account_manager, sales_manager):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager, complete=True)
    url = f"/api/v1/cases/{case.pk}/actions/close/"
    bad = api(account_manager).post(url, closing(case), format="json")
    assert bad.status_code == 400
    assert bad.json()["order_on"][0]["message"] == repeat_business.ORDER_DATE_MISSING
    assert Case.objects.get(pk=case.pk).step == Step.FOLLOW_UP
    on = team_today(case).isoformat()
    good = api(account_manager).post(
        url, closing(case, order_on=on, order_value="4200.00"), format="json"
    )
    assert good.status_code == 200, good.json()
    body = good.json()["case"]
    assert body["step"] == Step.CLOSED
    assert (body["repeat_order_on"], body["repeat_order_value"]) == (on, "4200.00")
    assert body["repeat_check_in"] is None


def test_a_later_order_through_the_api(
    api, account_manager, teammate, sales_manager, outsider
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager, complete=True)
    close_case(case, account_manager)
    Case.objects.filter(pk=case.pk).update(
        repeat_order_on=None, repeat_order_value=None
    )
    url = f"/api/v1/cases/{case.pk}/actions/repeat_order/"
    body = {
        "version": version_of(case),
        "order_on": timezone.localdate().isoformat(),
        "order_value": 800,
    }
    assert api(teammate).post(url, body, format="json").status_code == 403
    assert api(outsider).post(url, body, format="json").status_code == 404
    stale = {**body, "version": body["version"] - 1}
    assert api(account_manager).post(url, stale, format="json").status_code == 409
    made = api(account_manager).post(url, body, format="json")
    assert made.status_code == 200, made.json()
    assert made.json()["case"]["repeat_order_value"] == "800.00"
    # Sent again: the order is there already.
    again = api(account_manager).post(url, body, format="json")
    assert again.status_code == 409
    assert again.json()["detail"] == repeat_business.ALREADY_RECORDED
    stored = Case.objects.get(pk=case.pk)
    assert stored.repeat_order_value == Decimal("800.00")
    assert (
        stored.timeline.filter(
            kind=TimelineKind.REPEAT_BUSINESS, summary__contains="800.00"
        ).count()
        == 1
    )
