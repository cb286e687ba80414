"""The case list's rows, written in Python: they must read as the template's
filters wrote them (`date`, `truncatechars`, the owner's name, the URL)."""

import datetime as dt
from collections import Counter

import pytest
from django.template import engines
from django.template.defaultfilters import truncatechars
from django.urls import resolve
from django.utils import timezone

from cases.listing import case_rows, short_date, shorten

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
MONTHS = {n: m for n, m in enumerate(["", "Jan", "Feb", "Mar", "Apr", "May",
          "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]) if n}  # fmt: skip


def row(pk=7, *, step="options", due=None, warn=None, first="Alex", last="Kim"):
    opened = dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC)
    return (pk, opened, "Ship 40 laptops", step, "high", due, warn, "Acme",
            first, last, "alex", "Enterprise")  # fmt: skip


def written(value: dt.datetime, format: str) -> str:
    """What a template's `date` filter writes, in the current time zone."""
    template = engines["django"].from_string(f'{{{{ value|date:"{format}" }}}}')
    return template.render({"value": value})


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 0, 5, tzinfo=dt.UTC),
        dt.datetime(2027, 6, 9, 12, 0, tzinfo=dt.UTC),
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_dates_read_as_the_date_filter_writes_them(value, zone):
    with timezone.override(zone):
        assert short_date(value, MONTHS, year=True) == written(value, "j M Y")
        assert short_date(value, MONTHS) == written(value, "j M H:i")


@pytest.mark.parametrize("length", [0, 59, 60, 61, 200])
def test_the_commitment_is_cut_as_truncatechars_cuts_it(length):
    text = ("Ünïcode " * 40)[:length]
    assert shorten(text) == truncatechars(text, 60)


def test_a_row_links_to_its_case_and_names_its_owner():
    (listed,) = case_rows([row(pk=4821)], Counter({4821: 2}), NOW)
    match = resolve(listed["url"])
    assert match.url_name == "case_detail" and match.kwargs == {"pk": 4821}
    assert listed["owner"] == "Alex Kim" and listed["second_drops"] == 2
    assert listed["step"] == "Options" and listed["opened"] == "5 Jan 2026"
    (nameless,) = case_rows([row(first="", last="")], Counter(), NOW)
    assert nameless["owner"] == "alex" and nameless["second_drops"] == 0


@pytest.mark.parametrize(
    "step, due, warn, state",
    [
        ("closed", NOW - HOUR * 72, None, "closed"),
        ("options", None, None, "none"),
        ("options", NOW - HOUR / 60, NOW - HOUR * 2, "overdue"),
        ("options", NOW + HOUR, NOW - HOUR / 60, "due_soon"),
        ("options", NOW + HOUR, NOW, "due_soon"),
        ("options", NOW + HOUR * 5, NOW + HOUR, "on_time"),
    ],
)
def test_a_row_says_where_its_step_stands(step, due, warn, state):
    (listed,) = case_rows([row(step=step, due=due, warn=warn)], Counter(), NOW)
    assert listed["due_state"] == state
    assert listed["due"] == (short_date(due, MONTHS) if due else "")
