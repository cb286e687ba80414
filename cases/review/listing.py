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
    """closed, paused, overdue, due_soon, on_time or none (no target).

    A step paused after its target passed stays overdue."""
    if step == Step.CLOSED:
        return "closed"
    if paused is not None and (due is None or due > paused):
        return "paused"
    if due is None:
        return "none"
    if due < now:
        return "overdue"
    if warn and warn <= now:
        return "due_soon"
    return "on_time"


def case_rows(values, second_drops: Counter, now: dt.datetime) -> list[dict]:
    """Each values() dict of COLUMNS with the owner's name, the step's label,
    its missed promises (`second_drops`, by case id) and its due state."""
    return [
        {
            **value,
            "owner": User.display_name(
                value["owner__first_name"],
                value["owner__last_name"],
                value["owner__username"],
            ),
            "step_label": STEP_LABELS[value["step"]],
            "second_drops": second_drops[value["pk"]],
            "due_state": due_state(
                value["step"],
                value["step_due_at"],
                value["step_warn_at"],
                now,
                value["step_paused_at"],
            ),
        }
        for value in values
    ]


def list_page(cases: QuerySet, number) -> tuple[Page, list[dict]]:
    """Page `number` of the filtered cases, as rows: three queries whatever
    the page. The count runs on the cases alone, without the joins the rows
    need; the page then reads its columns and its missed promises."""
    page = Paginator(cases, PER_PAGE).get_page(number)
    values = list(page.object_list.values(*COLUMNS))
    drops = missed_promises([value["pk"] for value in values])
    return page, case_rows(values, drops, timezone.now())
