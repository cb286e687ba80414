"""The case list's rows: the columns it shows, read as values.

A row is a dict of the columns the list shows (no Case, Client, User or Team
instances), plus what the template cannot work out itself: the owner's name,
the step's label, the missed promises and where the step stands. The template
formats dates, cuts the commitment and links the case with Django's own
filters and `{% url %}`.
"""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

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


class CappedPaginator(Paginator):
    """Pages that count the cases only as far as they must: exactly up to
    `limit` (MEND_LIST_COUNT_LIMIT), or up to the page asked for if that is
    further, and "more than" beyond. The count reads at most that many rows
    plus one (a LIMIT subquery), so it costs the same at any size of history.

    Past the limit the count goes one row beyond the page asked for, which
    is what tells whether a next page exists: every page stays reachable.
    """

    def __init__(self, object_list, per_page, *, number=1, limit: int | None = None):
        super().__init__(object_list, per_page)
        limit = limit or settings.MEND_LIST_COUNT_LIMIT
        self.counted_to = max(limit, _page_number(number) * per_page)

    @cached_property
    def count(self) -> int:
        """The rows, up to counted_to + 1 (one more: "there are more")."""
        window = self.object_list.order_by().values("pk")[: self.counted_to + 1]
        return window.count()

    @property
    def exact(self) -> bool:
        return self.count <= self.counted_to

    @property
    def total(self) -> int:
        """The exact count, or (not exact) the number there are more than."""
        return self.count if self.exact else self.counted_to


def _page_number(number) -> int:
    try:
        return max(1, int(number))
    except (TypeError, ValueError):
        return 1  # as Paginator.get_page reads it


def list_page(cases: QuerySet, number) -> tuple[Page, list[dict]]:
    """Page `number` of the filtered cases, as rows: three queries whatever
    the page. The count runs on the cases alone, without the joins the rows
    need, and stops past the limit (CappedPaginator); the page then reads its
    columns and its missed promises."""
    page = CappedPaginator(cases, PER_PAGE, number=number).get_page(number)
    values = list(page.object_list.values(*COLUMNS))
    drops = missed_promises([value["pk"] for value in values])
    return page, case_rows(values, drops, timezone.now())
