"""Reads for All cases and its export: scoped by the user."""

from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from cases.choices import (
    Approval,
    FailureSource,
    OurPart,
    Outcome,
    PromiseStatus,
    Severity,
    Step,
)
from cases.models import Case, CasePart, Compensation, Promise, User


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


CENT = Decimal("0.01")


def _label(choices, value) -> str:
    """A stored code as the screen shows it ("" when empty)."""
    return choices(value).label if value else ""


def _offers(column: str, aggregate):
    """One figure over a case's offers that were not declined, as a subquery,
    so the export stays one query however many offers there are."""
    return Subquery(
        Compensation.objects.filter(case=OuterRef("pk"))
        .exclude(approval=Approval.DECLINED)
        .order_by()
        .values("case")
        .annotate(figure=aggregate(column))
        .values("figure")[:1]
    )


def case_export_rows(cases: QuerySet):
    """The export's rows, read in chunks from the filtered queryset: the
    labels the screen shows, numbers as plain numbers (1250.00), and one
    query for all of it (each figure over related rows is a subquery)."""
    rows = cases.annotate(
        offers=_offers("pk", Count),
        offered_value=_offers("value_to_client", Sum),
        offered_cost=_offers("cost_to_us", Sum),
        **{
            f"part_{part.value}": Exists(
                CasePart.objects.filter(case=OuterRef("pk"), part=part.value)
            )
            for part in OurPart
        },
    ).values_list(
        "pk",
        "client__name",
        "team__name",
        "team__currency",
        "owner__first_name",
        "owner__last_name",
        "owner__username",
        "step",
        "severity",
        "failure_source",
        "commitment",
        "what_happened",
        "opened_at",
        "step_due_at",
        "outcome",
        "closed_at",
        "client_loss",
        "offers",
        "offered_value",
        "offered_cost",
        "lessons",
        *(f"part_{part.value}" for part in OurPart),
    )
    for row in rows.iterator(chunk_size=2000):
        (pk, client, team, currency, first, last, username, step, severity, source,
         commitment, happened, opened, due, outcome, closed, loss, offers, value,
         cost, lessons) = row[:21]  # fmt: skip
        parts = [
            part.label for part, ticked in zip(OurPart, row[21:], strict=True) if ticked
        ]
        yield [
            pk,
            client,
            team,
            f"{first} {last}".strip() or username,
            _label(Step, step),
            _label(Severity, severity),
            _label(FailureSource, source),
            commitment,
            happened,
            _stamp(opened),
            _stamp(due),
            _label(Outcome, outcome),
            _stamp(closed),
            "; ".join(parts),
            currency or settings.MEND_CURRENCY,
            _amount(loss) if loss is not None else "",
            offers or 0,
            _amount(value),
            _amount(cost),
            lessons,
        ]


def _amount(value) -> Decimal:
    """A plain number with cents, as a spreadsheet reads it: 1250.00."""
    return Decimal(value or 0).quantize(CENT)


def _stamp(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""
