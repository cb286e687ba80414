"""Reads for All cases and its export: scoped by the user."""

from collections import Counter

from django.db.models import QuerySet
from django.utils import timezone

from cases.choices import PromiseStatus
from cases.models import Case, Promise, User


def missed_promises(case_ids: list[int]) -> Counter:
    """Missed promises (second drops) per case id, for one page of cases."""
    return Counter(
        Promise.objects.filter(case_id__in=case_ids, status=PromiseStatus.MISSED)
        .order_by()
        .values_list("case_id", flat=True)
    )


def cases_for_review(user: User) -> QuerySet:
    """Every case the user may see; the list adds its figures per page."""
    return Case.objects.for_user(user, "view")


def case_export_rows(cases: QuerySet):
    """The export's rows, read in chunks from the filtered queryset."""
    rows = cases.values_list(
        "pk",
        "client__name",
        "team__name",
        "owner__first_name",
        "owner__last_name",
        "step",
        "severity",
        "failure_source",
        "commitment",
        "what_happened",
        "opened_at",
        "step_due_at",
        "outcome",
        "closed_at",
    )
    for row in rows.iterator(chunk_size=2000):
        (pk, client, team, first, last, step, severity, source, commitment, happened,
         opened, due, outcome, closed) = row  # fmt: skip
        yield [
            pk,
            client,
            team,
            f"{first} {last}".strip(),
            step,
            severity,
            source,
            commitment,
            happened,
            _stamp(opened),
            _stamp(due),
            outcome,
            _stamp(closed),
        ]


def _stamp(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""
