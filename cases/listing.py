"""The case list's rows: the columns it shows, read as values, written once.

The list used to load a Case, its Client, owner and Team per row and let the
template format them (two `date` filters, a URL reverse and `truncatechars`
per row); that cost more than the page's whole SQL. A row is now read as a
tuple of the columns shown and turned into plain strings here.
"""

import datetime as dt
from collections import Counter
from typing import TypedDict

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

from .models import User
from .selectors import missed_promises
from .workflow import Step

PER_PAGE = 25
COMMITMENT_CHARS = 60
STEP_LABELS = dict(Step.choices)

# What a row shows, in the order `case_rows` reads it.
COLUMNS = (
    "pk",
    "opened_at",
    "commitment",
    "step",
    "severity",
    "step_due_at",
    "step_warn_at",
    "client__name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "team__name",
)


class CaseRow(TypedDict):
    """A dict rather than an object: the template finds a key at its first try."""

    url: str
    client: str
    commitment: str
    second_drops: int
    owner: str
    team: str
    step: str
    severity: str
    opened: str
    due: str  # "" when the step has no target
    due_state: str  # closed, overdue, due_soon, on_time or none


def month_names() -> dict[int, str]:
    """ "Jan".."Dec" in the active language, looked up once per page."""
    return {number: str(name).title() for number, name in MONTHS_3.items()}


def short_date(value: dt.datetime, months: dict[int, str], *, year=False) -> str:
    """'5 Jan 2026' or '5 Jan 14:05' in the current time zone, as the `date`
    filter writes "j M Y" and "j M H:i"."""
    local = timezone.localtime(value)
    day = f"{local.day} {months[local.month]}"
    return f"{day} {local.year}" if year else f"{day} {local:%H:%M}"


def shorten(text: str, limit: int = COMMITMENT_CHARS) -> str:
    """`truncatechars`: at most `limit` characters, the last one an ellipsis."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def detail_urls():
    """pk -> the case page's URL, with one reverse() a page instead of one a
    row (reverse costs more than everything else a row needs)."""
    marker = 2_147_483_647
    head, tail = reverse("case_detail", args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _due_state(step: str, due, warn, now: dt.datetime) -> str:
    if step == Step.CLOSED:
        return "closed"
    if due is None:
        return "none"
    if due < now:
        return "overdue"
    if warn and warn <= now:
        return "due_soon"
    return "on_time"


def case_rows(values, second_drops: Counter, now: dt.datetime):
    """One CaseRow per tuple of COLUMNS; `second_drops` by case id."""
    months, url = month_names(), detail_urls()
    rows = []
    for value in values:
        pk, opened, commitment, step, severity, due, warn, client, *owner, team = value
        rows.append(
            CaseRow(
                url=url(pk),
                client=client,
                commitment=shorten(commitment),
                second_drops=second_drops[pk],
                owner=User.display_name(*owner),
                team=team,
                step=STEP_LABELS[step],
                severity=severity,
                opened=short_date(opened, months, year=True),
                due=short_date(due, months) if due else "",
                due_state=_due_state(step, due, warn, now),
            )
        )
    return rows


def list_page(cases: QuerySet, number) -> tuple[Page, list[CaseRow]]:
    """Page `number` of the filtered cases, as rows. The count runs on the
    cases alone, without the joins the rows need; the page reads its columns."""
    page = Paginator(cases, PER_PAGE).get_page(number)
    values = list(page.object_list.values_list(*COLUMNS))
    drops = missed_promises([value[0] for value in values])
    return page, case_rows(values, drops, timezone.now())
