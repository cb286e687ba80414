"""The case list's rows: the columns it shows, read as values.

A row is a dict of the columns the list shows (no Case, Client, User or Team
instances), plus what the template cannot work out itself: the owner's name,
the step's label, the missed promises and where the step stands. The template
formats dates, cuts the commitment and links the case with Django's own
filters and `{% url %}`.
"""

import datetime as dt
from collections import Counter

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone

from cases.calendar import clock_badge, clock_state
from cases.choices import Step
from cases.models import User
from cases.review.selectors import missed_promises

PER_PAGE = 25
STEP_LABELS = dict(Step.choices)

# What a row reads of a case.
COLUMNS = (
    "pk",
    "opened_at",
    "commitment",
    "step",
    "severity",
    "step_due_at",
    "step_warn_at",
    "step_paused_at",
    "client__name",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "team__name",
)


def due_state(step: str, due, warn, now: dt.datetime, paused=None) -> str:
    """closed, paused, overdue, due_soon, on_track or none (no target): the
    case page's clock states, from the same stored moments. A step paused
    after its target passed stays overdue."""
    if step == Step.CLOSED:
        return "closed"
    return clock_state(warn, due, now, paused)


def case_rows(values, second_drops: Counter, now: dt.datetime) -> list[dict]:
    """Each values() dict of COLUMNS with the owner's name, the step's label,
    its missed promises (`second_drops`, by case id) and its due state, with
    the state's words and badge colour under "due"."""
    return [_row(value, second_drops[value["pk"]], now) for value in values]


def _row(value: dict, second_drops: int, now: dt.datetime) -> dict:
    state = due_state(
        value["step"],
        value["step_due_at"],
        value["step_warn_at"],
        now,
        value["step_paused_at"],
    )
    return {
        **value,
        "owner": User.display_name(
            value["owner__first_name"],
            value["owner__last_name"],
            value["owner__username"],
        ),
        "step_label": STEP_LABELS[value["step"]],
        "second_drops": second_drops,
        "due_state": state,
        "due": clock_badge(state),
    }


def list_page(cases: QuerySet, number) -> tuple[Page, list[dict]]:
    """Page `number` of the filtered cases, as rows: three queries whatever
    the page. The count runs on the cases alone, without the joins the rows
    need; the page then reads its columns and its missed promises."""
    page = Paginator(cases, PER_PAGE).get_page(number)
    values = list(page.object_list.values(*COLUMNS))
    drops = missed_promises([value["pk"] for value in values])
    return page, case_rows(values, drops, timezone.now())
