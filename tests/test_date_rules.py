"""Dates that cannot be right are refused with a message that says why: any
date before 2000, a promised date years before we found out, a delivery
before the case was opened (issue 17, item 10)."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.casework.actions import ACTIONS
from cases.casework.services.compensation import compensation_deliver
from cases.choices import Approval, Step
from cases.exceptions import NotAllowed
from cases.validators import TOO_EARLY
from tests.factories import case_in_step, make_case
from tests.posts import new_case

pytestmark = pytest.mark.django_db

TWO_YEARS_AND_A_DAY = dt.timedelta(days=2 * 365 + 2)


# Every date a user types on the case page, the last day before 2000 in it.
DATE_FIELDS = [
    ("details", "promised_on", "1999-12-31"),
    ("details", "detected_at", "1999-12-31T12:00"),
    ("client_contact", "happened_at", "1999-12-31T12:00"),
    ("apology", "apologised_on", "1999-12-31"),
    ("follow_up", "due_on", "1999-12-31"),
    ("promise", "due_on", "1999-12-31"),
    ("pause", "until", "1999-12-31"),
    ("deliver", "delivered_on", "1999-12-31"),
]


@pytest.mark.parametrize(("action", "field", "value"), DATE_FIELDS)
def test_every_date_before_2000_gets_the_same_clear_message(
    account_manager, sales_manager, action, field, value
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    act = ACTIONS[action]
    key = f"{action}-{field}" if act.prefixed else field

    form = act.build(case, data={key: value}, name=action)

    assert not form.is_valid()
    assert form.errors[field] == [TOO_EARLY]
    assert "before 2000 cannot be right" in TOO_EARLY
    drawn = str(act.build(case, name=action)[field])
    assert 'min="2000-01-01' in drawn


def test_a_promised_date_years_before_we_found_out_is_refused_when_logging(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    found = timezone.localtime().replace(second=0, microsecond=0)
    promised = found.date() - TWO_YEARS_AND_A_DAY

    response = new_case(
        client,
        promised_on=promised.isoformat(),
        detected_at=found.strftime("%Y-%m-%dT%H:%M"),
    )

    assert response.status_code == 200
    assert (
        "The promised date is more than 2 years before we found out "
        f"({found.day} {found:%B %Y}): check the year." in response.content.decode()
    )


def test_a_promised_date_a_year_before_we_found_out_is_fine(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)
    promised = timezone.localdate() - dt.timedelta(days=400)

    response = new_case(client, promised_on=promised.isoformat())

    assert response.status_code == 302


def test_a_promised_date_years_before_is_refused_when_editing_the_details(
    client, account_manager, sales_manager
):
    case = make_case(account_manager)
    found = timezone.localtime(case.detected_at)
    client.force_login(account_manager)

    response = client.post(
        reverse("case_action", args=[case.pk, "details"]),
        {
            "details-version": case.version,
            "details-commitment": case.commitment,
            "details-what_happened": case.what_happened,
            "details-severity": case.severity,
            "details-detected_at": found.strftime("%Y-%m-%dT%H:%M"),
            "details-promised_on": (found.date() - TWO_YEARS_AND_A_DAY).isoformat(),
        },
    )

    assert response.status_code == 200
    assert "more than 2 years before we found out" in response.content.decode()
    case.refresh_from_db()
    assert case.promised_on is None


def test_a_delivery_before_the_case_was_opened_is_refused(
    client, account_manager, sales_manager
):
    opened = timezone.now() - dt.timedelta(days=30)
    case = case_in_step(Step.COMPENSATE, owner=account_manager, at=opened)
    offer = case.compensations.create(
        kind="training",
        description="Two extra training seats",
        value_to_client=500,
        cost_to_us=200,
        guideline=400,
        offered_by=account_manager,
        approval=Approval.NOT_NEEDED,
    )
    day_before = timezone.localtime(case.opened_at).date() - dt.timedelta(days=1)
    client.force_login(account_manager)

    response = client.post(
        reverse("case_action", args=[case.pk, "deliver"]),
        {"record": offer.pk, "delivered_on": day_before.isoformat()},
        follow=True,
    )

    assert f"The delivery date, {day_before:%d %b %Y}, is before the case was " in (
        response.content.decode()
    )
    offer.refresh_from_db()
    assert offer.delivered_on is None
    with pytest.raises(NotAllowed, match="before the case was opened"):
        compensation_deliver(
            case_id=case.pk,
            by=account_manager,
            compensation_id=offer.pk,
            delivered_on=day_before,
        )
    compensation_deliver(
        case_id=case.pk,
        by=account_manager,
        compensation_id=offer.pk,
        delivered_on=day_before + dt.timedelta(days=1),
    )
    offer.refresh_from_db()
    assert offer.delivered_on == day_before + dt.timedelta(days=1)


def test_a_follow_up_date_before_2000_is_refused_on_the_page(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    client.force_login(account_manager)

    response = client.post(
        reverse("case_action", args=[case.pk, "follow_up"]),
        {
            "follow_up-submission_key": str(uuid.uuid4()),
            "follow_up-due_on": "1999-06-01",
            "follow_up-purpose": "Check the new schedule",
        },
    )

    assert response.status_code == 200
    assert TOO_EARLY in response.content.decode()
    assert not case.follow_ups.exists()
