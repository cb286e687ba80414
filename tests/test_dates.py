"""Dates out of range are refused at the form, the model and the database, so
no typed date can make a page answer 500 (issue 16, item 5).

A year-1 date typed in Europe/Berlin is a moment before year 1 in UTC: once
stored, every page that reads the row failed for everyone who could see it.
"""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from cases.casework.services.compensation import compensation_offer
from cases.choices import Channel, Step
from cases.forms import DateInput, DateTimeInput, MendForm
from cases.insights.period import Period
from cases.models import (
    Apology,
    Case,
    ClientContact,
    Compensation,
    FollowUp,
    Promise,
)
from cases.validators import TOO_EARLY, TOO_LATE
from tests.factories import case_in_step, make_case

pytestmark = pytest.mark.django_db

YEAR_ONE_DAY = "0001-01-01"
YEAR_ONE_MOMENT = "0001-01-01T00:00"


@pytest.fixture(autouse=True)
def in_berlin(settings):
    settings.TIME_ZONE = "Europe/Berlin"


def page_text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_pages_open(http, case, *people):
    """The case page, home and the exports open for everyone who sees the case."""
    for person in people:
        http.force_login(person)
        for url in [
            reverse("case_detail", args=[case.pk]),
            reverse("home"),
            reverse("case_list"),
            reverse("case_export"),
            reverse("insights"),
            reverse("insights_cases_export") + "?period=365",
            reverse("insights_figures_export"),
        ]:
            response = http.get(url)
            assert response.status_code == 200, (person.username, url)
            page_text(response)  # a streamed export is read to its end


# The 500s as the audit found them: each posted a year-1 date that was saved.


def test_a_year_one_contact_is_refused_and_the_case_stays_readable(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    client.force_login(account_manager)

    response = client.post(
        reverse("case_action", args=[case.pk, "client_contact"]),
        {
            "client_contact-submission_key": str(uuid.uuid4()),
            "client_contact-happened_at": YEAR_ONE_MOMENT,
            "client_contact-channel": Channel.CALL,
            "client_contact-summary": "We called them.",
            "client_contact-boss_permission": "not_asked",
        },
        follow=True,
    )

    assert TOO_EARLY in response.content.decode()
    assert not ClientContact.objects.filter(happened_at__year__lt=2000).exists()
    assert_pages_open(client, case, account_manager, sales_manager)


def test_a_year_one_detection_time_is_refused_when_logging(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)

    response = client.post(
        reverse("case_new"),
        {
            "submission_key": str(uuid.uuid4()),
            "new_client_name": "Contoso",
            "commitment": "Deliver 40 laptops",
            "what_happened": "The shipment went to the wrong city.",
            "severity": "medium",
            "detected_at": YEAR_ONE_MOMENT,
        },
    )

    assert response.status_code == 200
    assert TOO_EARLY in response.content.decode()
    assert Case.objects.count() == 0
    case = make_case(account_manager)
    assert_pages_open(client, case, account_manager, sales_manager)


def test_a_year_one_detection_time_is_refused_when_editing(
    client, account_manager, sales_manager
):
    case = make_case(account_manager)
    client.force_login(account_manager)

    response = client.post(
        reverse("case_action", args=[case.pk, "details"]),
        {
            "details-version": case.version,
            "details-commitment": case.commitment,
            "details-what_happened": case.what_happened,
            "details-severity": case.severity,
            "details-detected_at": YEAR_ONE_MOMENT,
        },
        follow=True,
    )

    assert TOO_EARLY in response.content.decode()
    case.refresh_from_db()
    assert case.detected_at.year > 2000
    assert_pages_open(client, case, account_manager, sales_manager)


def test_a_year_one_insights_period_is_refused_with_a_message(client, sales_manager):
    client.force_login(sales_manager)
    period = {"period": "custom", "start": YEAR_ONE_DAY, "end": "0001-03-31"}

    page = client.get(reverse("insights"), period)
    export = client.get(reverse("insights_cases_export"), period)

    assert page.status_code == 200
    assert TOO_EARLY in page.content.decode()
    assert export.status_code == 400
    assert TOO_EARLY in export.content.decode()


def test_a_far_future_insights_period_is_refused_with_a_message(client, sales_manager):
    client.force_login(sales_manager)
    period = {"period": "custom", "start": "9999-01-01", "end": "9999-12-31"}

    page = client.get(reverse("insights"), period)

    assert page.status_code == 200
    assert TOO_LATE in page.content.decode()


def test_a_period_is_clamped_into_the_calendar():
    period = Period(dt.date(1, 1, 1), dt.date(9999, 12, 31))

    assert period.start >= dt.date(1990, 1, 1)
    assert period.end <= dt.date(2099, 12, 31)
    # Neither the period before, nor its moments, nor its text overflow.
    start, after = period.span.bounds
    assert start <= after
    assert str(period.previous)


# Every form on the case page refuses a date out of range with the message.


RECORD_FORMS = [
    (Step.APOLOGISE, "apology", "apologised_on", Apology),
    (Step.FOLLOW_UP, "follow_up", "due_on", FollowUp),
    (Step.OPTIONS, "promise", "due_on", Promise),
]


@pytest.mark.parametrize(("step", "action", "field", "model"), RECORD_FORMS)
@pytest.mark.parametrize(
    ("typed", "message"), [("0001-01-01", TOO_EARLY), ("9999-12-31", TOO_LATE)]
)
def test_record_forms_refuse_dates_out_of_range(
    client, account_manager, sales_manager, step, action, field, model, typed, message
):
    case = case_in_step(step, owner=account_manager)
    before = model.objects.count()
    contact = case.contacts.first()
    client.force_login(account_manager)

    response = client.post(
        reverse("case_action", args=[case.pk, action]),
        {
            f"{action}-submission_key": str(uuid.uuid4()),
            f"{action}-{field}": typed,
            f"{action}-contact": contact.pk,
            f"{action}-method": "in_person",
            f"{action}-on_behalf": "company",
            f"{action}-purpose": "Check in",
            f"{action}-description": "A call every Friday",
        },
        follow=True,
    )

    assert message in response.content.decode()
    assert model.objects.count() == before


def test_a_year_one_delivery_is_refused(client, account_manager, sales_manager):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    offer = compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="training",
        description="Two seats",
        value_to_client=Decimal("200"),
        cost_to_us=Decimal("50"),
    )
    client.force_login(account_manager)

    response = client.post(
        reverse("case_action", args=[case.pk, "deliver"]),
        {"record": offer.pk, "delivered_on": YEAR_ONE_DAY},
        follow=True,
    )

    assert TOO_EARLY in response.content.decode()
    offer.refresh_from_db()
    assert offer.delivered_on is None


def test_the_case_page_tells_the_browser_the_range(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    client.force_login(account_manager)

    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()

    assert 'min="2000-01-01T00:00"' in html
    assert 'max="2099-12-31T23:59"' in html


def test_any_mend_form_refuses_dates_out_of_range_and_sets_min():
    class Form(MendForm):
        day = forms.DateField(widget=DateInput())
        moment = forms.DateTimeField(widget=DateTimeInput())

    form = Form({"day": "1999-12-31", "moment": "2100-01-01T00:00"})

    assert form.errors == {"day": [TOO_EARLY], "moment": [TOO_LATE]}
    assert 'min="2000-01-01"' in str(form["day"])
    assert Form({"day": "2000-01-01", "moment": "2000-01-01T00:00"}).is_valid()
    assert Form({"day": "2099-12-31", "moment": "2099-12-31T23:59"}).is_valid()


# The model, for the admin and any future API, and the database underneath.


def test_full_clean_refuses_a_year_one_date(account_manager):
    case = make_case(account_manager)
    year_one = dt.datetime(1, 1, 1, tzinfo=dt.UTC)

    contact = ClientContact(
        case=case,
        logged_by=account_manager,
        happened_at=year_one,
        channel=Channel.CALL,
        summary="We called.",
    )
    with pytest.raises(ValidationError) as refused:
        contact.full_clean()
    assert refused.value.message_dict["happened_at"] == [TOO_EARLY]

    case.promised_on = dt.date(1, 1, 1)
    case.opened_at = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(ValidationError) as refused:
        case.full_clean()
    assert refused.value.message_dict["promised_on"] == [TOO_EARLY]
    assert refused.value.message_dict["opened_at"] == [TOO_LATE]


def test_the_database_refuses_a_year_one_date(account_manager):
    case = make_case(account_manager)

    with pytest.raises(IntegrityError), transaction.atomic():
        ClientContact.objects.create(
            case=case,
            logged_by=account_manager,
            happened_at=dt.datetime(1, 1, 1, 12, 0, tzinfo=dt.UTC),
            channel=Channel.CALL,
            summary="We called.",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(promised_on=dt.date(9999, 12, 31))


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_stored_dates_into_the_range(
    account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    offer = compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="training",
        description="Two seats",
        value_to_client=Decimal("20"),
        cost_to_us=Decimal("5"),
    )
    graph = MigrationExecutor(connection).loader.graph
    mine = ("cases", "0014_date_minimum")
    before = sorted(graph.node_map[mine].parents)[0].key
    _migrate([before])
    try:
        # As the audit left them: typed in Berlin, before year 1 in UTC.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE cases_case SET detected_at = '0001-01-01 00:00+00:53',"
                " promised_on = '9999-12-31' WHERE id = %s",
                [case.pk],
            )
            cursor.execute(
                "UPDATE cases_compensation SET delivered_on = '0001-01-01',"
                " approval = 'not_needed' WHERE id = %s",
                [offer.pk],
            )
    finally:
        _migrate(graph.leaf_nodes())

    case.refresh_from_db()
    assert case.detected_at == dt.datetime(1999, 12, 31, 10, 0, tzinfo=dt.UTC)
    assert case.promised_on == dt.date(2099, 12, 31)
    assert Compensation.objects.get(pk=offer.pk).delivered_on == dt.date(2000, 1, 1)
    assert timezone.localtime(case.detected_at).year == 1999


def test_the_case_list_answers_a_filter_out_of_range(client, sales_manager):
    client.force_login(sales_manager)

    for dates in [{"opened_after": YEAR_ONE_DAY}, {"opened_before": "9999-12-31"}]:
        page = client.get(reverse("case_list"), dates)
        export = client.get(reverse("case_export"), dates)

        assert page.status_code == 200
        assert (TOO_EARLY if "opened_after" in dates else TOO_LATE) in page_text(page)
        assert export.status_code == 200
        page_text(export)
