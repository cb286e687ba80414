"""The case list's rows: what Python adds to each values() row, and how the
list template writes a row with Django's own filters and {% url %}."""

import datetime as dt
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.review.listing import COLUMNS, case_rows, due_state
from tests.factories import make_case

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def row(
    pk=7, *, step="options", due=None, warn=None, paused=None, first="Alex", last="Kim"
):
    opened = dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC)
    values = (pk, opened, "Ship 40 laptops", step, "high", due, warn, paused,
              "Acme", first, last, "alex", "Enterprise")  # fmt: skip
    return dict(zip(COLUMNS, values, strict=True))


def test_a_row_names_its_owner_step_and_missed_promises():
    (listed,) = case_rows([row(pk=4821)], Counter({4821: 2}), NOW)
    assert listed["owner"] == "Alex Kim" and listed["second_drops"] == 2
    assert listed["step_label"] == "Options" and listed["client__name"] == "Acme"
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
        ("options", NOW + HOUR * 5, NOW + HOUR, "on_track"),
    ],
)
def test_a_row_says_where_its_step_stands(step, due, warn, state):
    assert due_state(step, due, warn, NOW) == state
    (listed,) = case_rows([row(step=step, due=due, warn=warn)], Counter(), NOW)
    assert listed["due_state"] == state


@pytest.mark.parametrize(
    "due, paused, state",
    [
        # Paused before its target: no deadline while it waits.
        (None, NOW - HOUR, "paused"),
        (NOW + HOUR, NOW - HOUR, "paused"),
        # Paused after the target had passed: still overdue.
        (NOW - HOUR * 2, NOW - HOUR, "overdue"),
    ],
)
def test_a_paused_row_is_paused_unless_it_was_already_late(due, paused, state):
    assert due_state("options", due, None, NOW, paused) == state
    (listed,) = case_rows([row(due=due, paused=paused)], Counter(), NOW)
    assert listed["due_state"] == state


@pytest.mark.django_db
def test_the_list_writes_a_row_with_djangos_filters(
    client, account_manager, sales_manager
):
    case = make_case(account_manager, commitment="Ship 40 laptops " * 10)
    opened = dt.datetime(2026, 1, 5, 23, 30, tzinfo=dt.UTC)
    due = timezone.now() + dt.timedelta(days=3)
    Case.objects.filter(pk=case.pk).update(opened_at=opened, step_due_at=due)
    client.force_login(sales_manager)
    html = client.get(reverse("case_list")).content.decode()
    assert f'href="{case.get_absolute_url()}"' in html
    local_open, local_due = timezone.localtime(opened), timezone.localtime(due)
    assert f"<td>{local_open.day} {local_open:%b %Y}</td>" in html
    assert f"{local_due.day} {local_due:%b %H:%M}</span>" in html
    assert f">{case.commitment[:59]}…</div>" in html
    assert account_manager.get_full_name() in html
