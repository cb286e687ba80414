"""CSV cells: formulas never run, wherever they sit in a cell; numbers stay
numbers (issue 16, item 8)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.casework.services.steps import first_contact_refresh
from cases.choices import Channel
from cases.export import csv_stream, neutralise
from cases.models import ClientContact
from tests.factories import ClientFactory, make_case


def read(header, rows) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(csv_stream(header, rows)))))


@pytest.mark.parametrize(
    "number", [Decimal("-480.00"), -3, -2.5, "-480.00", "-24.0", 0, "12"]
)
def test_negative_numbers_stay_numbers(number):
    assert neutralise(number) == str(number)


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ('foo;=HYPERLINK("http://x")', 'foo;\'=HYPERLINK("http://x")'),
        ("a,=1+1", "a,'=1+1"),
        ("a | @SUM(A1)", "a | '@SUM(A1)"),
        ("first\tsecond -1+1", "first\tsecond -1+1"),
        ("first\t-1+1", "first\t'-1+1"),
        ("one line\n=1+1", "one line\n'=1+1"),
        ("one line\r\n+1", "one line\r\n'+1"),
        ("Acme;  =1+1", "Acme;  '=1+1"),
        ("-1+1", "'-1+1"),
        ("-", "'-"),
    ],
)
def test_a_formula_after_a_separator_or_line_break_is_neutralised(raw, safe):
    assert neutralise(raw) == safe


def test_a_cell_split_on_any_separator_holds_no_formula():
    cell = neutralise('Globex;=HYPERLINK("http://x"),+1|@A1\n-2+2\t=3')
    for separator in ",;|\t\n":
        for part in cell.split(separator):
            assert not part.lstrip(" ").startswith(("=", "+", "-", "@")), part


def test_plain_text_and_booleans_are_text():
    assert neutralise("Option A - fast, cheap") == "Option A - fast, cheap"
    assert neutralise("Plain 1+1") == "Plain 1+1"
    assert neutralise(True) == "True"
    assert neutralise(None) == ""


def test_the_stream_writes_numbers_unquoted_by_a_spreadsheet_quote():
    rows = read(["Item", "Amount"], [["Refund", Decimal("-480.00")], ["=1", -1]])
    assert rows == [["Item", "Amount"], ["Refund", "-480.00"], ["'=1", "-1"]]


@pytest.mark.django_db
def test_the_insights_export_keeps_negative_hours_and_defuses_split_formulas(
    client, account_manager, sales_manager, team
):
    evil = ClientFactory(team=team, name='Acme;=HYPERLINK("http://x")')
    now = timezone.now()
    case = make_case(account_manager, client=evil, detected_at=now - dt.timedelta(1))
    # The client called a day before we found out: a negative number of hours.
    ClientContact.objects.create(
        case=case,
        logged_by=account_manager,
        happened_at=now - dt.timedelta(days=2),
        channel=Channel.CALL,
        summary="They called first.",
    )
    first_contact_refresh(case_ids=[case.pk])
    client.force_login(sales_manager)

    response = client.get(reverse("insights_cases_export"))
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )

    assert rows[0]["Client"] == 'Acme;\'=HYPERLINK("http://x")'
    assert rows[0]["Hours to first contact"] == "-24.0"
