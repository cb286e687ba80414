"""The cases CSV as a spreadsheet reads it: a byte-order mark first, the
screen's labels, numbers as numbers, compensation, "our part" and lessons
(issue 17, item 11)."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.casework.services import compensation as comp
from cases.choices import (
    ClientFit,
    CompensationKind,
    FailureSource,
    OurPart,
    Outcome,
    Severity,
    Step,
)
from cases.export import neutralise
from cases.models import Case, CasePart
from tests.factories import ClientFactory, case_in_step, make_case, version_of

pytestmark = pytest.mark.django_db


def download(http, name="case_export") -> bytes:
    response = http.get(reverse(name))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def rows_of(raw: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def offer(case, by, value, cost):
    return comp.compensation_offer(
        case_id=case.pk,
        by=by,
        kind=CompensationKind.TRAINING,
        description="Two extra seats",
        value_to_client=Decimal(value),
        cost_to_us=Decimal(cost),
    )


@pytest.fixture
def compensated(account_manager, sales_manager, team, settings):
    settings.MEND_CURRENCY = "EUR"
    client = ClientFactory(team=team, name="Société Générale — café")
    case = case_in_step(Step.COMPENSATE, owner=account_manager, client=client)
    CasePart.objects.get_or_create(case=case, part=OurPart.NO_BACKUP)
    offer(case, account_manager, "1000", "200")
    offer(case, account_manager, "250.50", "50")
    declined = offer(case, account_manager, "9000", "900")
    comp.compensation_decide(
        case_id=case.pk,
        by=sales_manager,
        compensation_id=declined.pk,
        approve=False,
        note="Too much",
        version=version_of(case),
    )
    comp.client_loss_record(
        case_id=case.pk,
        by=account_manager,
        loss=Decimal("1250"),
        version=version_of(case),
    )
    return case


def test_both_case_exports_start_with_a_byte_order_mark(
    client, sales_manager, compensated
):
    client.force_login(sales_manager)
    for name in ("case_export", "insights_cases_export", "insights_figures_export"):
        raw = download(client, name)
        assert raw.startswith(b"\xef\xbb\xbf"), name
        # Once: the header follows at once.
        assert not raw[3:].startswith(b"\xef\xbb\xbf"), name
    # Accents survive as UTF-8.
    assert "Société Générale — café".encode() in download(client)


def test_the_export_uses_the_screens_labels(client, sales_manager, compensated):
    Case.objects.filter(pk=compensated.pk).update(severity=Severity.HIGH)
    client.force_login(sales_manager)

    [row] = rows_of(download(client))

    assert row["Step"] == "Compensate"
    assert row["Severity"] == Severity.HIGH.label
    assert row["Source"] == FailureSource.PROCESS.label
    assert OurPart.NO_BACKUP.label in row["Our part"].split("; ")
    assert "no_backup" not in row["Our part"]


def test_compensation_is_counted_as_numbers_without_declined_offers(
    client, sales_manager, compensated
):
    client.force_login(sales_manager)

    [row] = rows_of(download(client))

    assert row["Compensation offers (not declined)"] == "2"
    assert row["Compensation value to the client"] == "1250.50"
    assert row["Compensation cost to us"] == "250.00"
    assert row["Loss to the client"] == "1250.00"
    assert row["Currency"] == "EUR"


def test_a_closed_case_shows_its_outcome_and_lessons(
    client, account_manager, sales_manager, team
):
    closed = case_in_step(Step.CLOSED, owner=account_manager)
    Case.objects.filter(pk=closed.pk).update(
        outcome=Outcome.RECOVERED,
        client_fit=ClientFit.GOOD,
        lessons="=cmd; keep a buffer of two days",
    )
    client.force_login(sales_manager)

    [row] = rows_of(download(client))

    assert row["Step"] == "Closed"
    assert row["Outcome"] == Outcome.RECOVERED.label
    # Text that a spreadsheet would run is neutralised.
    assert row["Lessons learned"] == "'=cmd; keep a buffer of two days"
    offers = closed.compensations.exclude(approval="declined")
    assert row["Compensation offers (not declined)"] == str(offers.count())
    value = sum(o.value_to_client for o in offers)
    assert row["Compensation value to the client"] == f"{value:.2f}"
    assert row["Loss to the client"] == ""


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        (-5, "-5"),
        (Decimal("-5.00"), "-5.00"),
        ("-5", "-5"),
        (Decimal("1250.00"), "1250.00"),
        ("-2+3", "'-2+3"),
        ("=cmd", "'=cmd"),
        ("+1", "'+1"),
    ],
)
def test_a_real_number_is_never_quoted_but_formula_text_is(cell, written):
    assert neutralise(cell) == written


def test_the_export_keeps_its_query_count_however_many_offers_and_parts(
    client, account_manager, sales_manager, team
):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            download(client)
        return len(captured)

    def add_case():
        case = case_in_step(Step.COMPENSATE, owner=account_manager, team=team)
        CasePart.objects.get_or_create(case=case, part=OurPart.NO_BACKUP)
        offer(case, account_manager, "100", "10")
        offer(case, account_manager, "200", "20")

    client.force_login(sales_manager)
    add_case()
    few = count()
    for _ in range(4):
        add_case()
        make_case(account_manager)
    assert count() == few
    assert len(rows_of(download(client))) == 9
