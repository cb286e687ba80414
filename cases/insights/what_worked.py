"""What worked (issue 23, item 3): the figures behind the breakdowns of the
cases closed in the period by how their recovery went.

Three queries, whatever the number of cases, each grouping the closed cases
by what a breakdown needs and what the client said (cases alike share a
row; Python adds the rows into the groups): by their bands, flag and
apology checks; by their parts; and by the compensation each got, since the
verdict is the guideline's own (cases.guideline.judge) and is worked out in
Python. Both read the cases in scope (Scope.cases: by the team id on the
row); the apologies, parts, offers and check-ins are joined to those cases
only.

Each group counts the cases closed in it, recovered (the client bought
again), retained, lost or parted; and of the cases a client answered a
check-in for, those where they said they would buy again (check_ins: one of
their people said yes and none said no).
"""

from collections.abc import Callable
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from cases.choices import OurPart, Outcome
from cases.insights.check_ins import client_says
from cases.insights.period import Period
from cases.insights.reads import Scope
from cases.models import Apology, Compensation

# The three checks of a full apology, as Apology names its ticks (the case
# page's order: casework.timing.CHECKS, a package Insights does not import).
CHECKS = ("named_impact", "owned_our_part", "fix_presented")

# Bands of business hours (the team's calendar, from detection). Mend asks
# for a first word to every affected person within one business day (an
# 8-hour day): within half of it is "at once"; within it is on time; the next
# business day is late but close; beyond that the client has waited days.
CONTACT_BANDS = (
    ("contact_4", "Within 4 business hours", Q(acknowledged_hours__lte=4)),
    (
        "contact_8",
        "4 to 8 business hours",
        Q(acknowledged_hours__gt=4, acknowledged_hours__lte=8),
    ),
    (
        "contact_16",
        "8 to 16 (the next business day)",
        Q(acknowledged_hours__gt=8, acknowledged_hours__lte=16),
    ),
    ("contact_late", "More than 16 business hours", Q(acknowledged_hours__gt=16)),
    ("contact_none", "No word recorded", Q(acknowledged_hours__isnull=True)),
)
# The full apology comes once the fix is presented (DOMAIN.md), so later than
# the first word: within the business day, within three (the usual time to
# find and show a fix), within a working week, or later than that.
APOLOGY_BANDS = (
    ("apology_8", "Within 8 business hours", Q(apology_hours__lte=8)),
    (
        "apology_24",
        "8 to 24 (within 3 business days)",
        Q(apology_hours__gt=8, apology_hours__lte=24),
    ),
    (
        "apology_40",
        "24 to 40 (within a working week)",
        Q(apology_hours__gt=24, apology_hours__lte=40),
    ),
    ("apology_late", "More than 40 business hours", Q(apology_hours__gt=40)),
    ("apology_none", "No full apology recorded", Q(apology_hours__isnull=True)),
)
SECOND = (
    ("first", "First failure for the client", Q(second_failure=False)),
    ("second", "Second failure", Q(second_failure=True)),
)


def check_groups() -> list[tuple[str, str, Callable[[dict], bool]]]:
    """Per check of the full apology, the cases whose every apology had it
    and those with one that lacked it (cases without an apology: neither)."""
    return [
        group
        for name in CHECKS
        for group in (
            (f"{name}_yes", "yes", lambda r, n=name: r["apologised"] and not r[n]),
            (f"{name}_no", "no", lambda r, n=name: r[n]),
        )
    ]


def part_groups() -> list[tuple[str, str]]:
    return [(f"part_{p.value}", p.label) for p in OurPart]


def _band(bands) -> Case:
    return Case(*(When(where, then=Value(key)) for key, _, where in bands))


# What each group counts, beside the cases closed in it: by a case's outcome
# and what its client said (client_says), as read back from a row.
MEASURES = {
    "recovered": lambda r: r["outcome"] == Outcome.RECOVERED,
    "retained": lambda r: r["outcome"] == Outcome.RETAINED,
    "lost": lambda r: r["outcome"] in (Outcome.LOST, Outcome.PARTED),
    "answered": lambda r: r["answered"],
    "yes": lambda r: r["any_yes"] and not r["says_no"],
}
SAYS = ("outcome", "answered", "any_yes", "says_no")


def _closed(scope: Scope, period: Period):
    return client_says(scope.cases.filter(period.moments("closed_at")))


def _count(figures: dict, key: str, row: dict) -> None:
    """Add a row of alike cases to a group's counts (keys `<key>_<measure>`,
    or plain measures when key is "")."""
    prefix = f"{key}_" if key else ""
    figures[f"{prefix}closed"] += row["n"]
    for measure, holds in MEASURES.items():
        if holds(row):
            figures[f"{prefix}{measure}"] += row["n"]


def outcome_figures(scope: Scope, period: Period) -> dict:
    """Every group's counts: `<group>_closed` and `<group>_<measure>`.

    Two grouped reads, each case's facts (its bands, checks, what the client
    said) worked out once per case in the GROUP BY: filtered counts over
    annotated cases would repeat every EXISTS in every count's filter. Cases
    alike in every fact share a row; a case counts in each part it has."""
    apologies = Apology.objects.using(scope.using).filter(case=OuterRef("pk"))
    facts = (
        _closed(scope, period)
        .annotate(
            apologised=Exists(apologies),
            contact=_band(CONTACT_BANDS),
            apology=_band(APOLOGY_BANDS),
            **{name: Exists(apologies.filter(**{name: False})) for name in CHECKS},
        )
        .values(*SAYS, "second_failure", "contact", "apology", "apologised", *CHECKS)
        .annotate(n=Count("pk"))
        .order_by()
    )
    parts = (
        _closed(scope, period)
        .filter(parts__isnull=False)
        .values(*SAYS, "parts__part")
        .annotate(n=Count("pk"))
        .order_by()
    )
    groups = [key for key, _, _ in SECOND + CONTACT_BANDS + APOLOGY_BANDS]
    groups += [key for key, _, _ in check_groups()] + [k for k, _ in part_groups()]
    figures = {f"{key}_{what}": 0 for key in groups for what in ("closed", *MEASURES)}
    for row in facts:
        _count(figures, "second" if row["second_failure"] else "first", row)
        _count(figures, row["contact"], row)
        _count(figures, row["apology"], row)
        for key, _, holds in check_groups():
            if holds(row):
                _count(figures, key, row)
    for row in parts:
        _count(figures, f"part_{row['parts__part']}", row)
    return figures


def compensation_figures(scope: Scope, period: Period) -> list[dict]:
    """The closed cases by what they were given: the value of the offers
    delivered to the client, the highest acquisition floor among them (each
    offer keeps the guideline of its day) and the client's loss, each with
    the counts of MEASURES; cases given nothing have a total of 0 and no floor.
    Cases alike in all of these share a row."""
    delivered = Compensation.objects.using(scope.using).filter(
        case=OuterRef("pk"), delivered_on__isnull=False
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    total = delivered.values("case").annotate(v=Sum("value_to_client")).values("v")
    floor = delivered.values("case").annotate(g=Max("guideline")).values("g")
    given = ("given", "floor", "client_loss")
    rows = (
        _closed(scope, period)
        .annotate(
            given=Coalesce(Subquery(total, output_field=money), Value(Decimal(0))),
            floor=Subquery(floor, output_field=money),
        )
        .values(*given, *SAYS)
        .annotate(n=Count("pk"))
        .order_by()
    )
    alike: dict[tuple, dict] = {}
    for row in rows:
        key = tuple(row[k] for k in given)
        if key not in alike:
            counts = {m: 0 for m in ("closed", *MEASURES)}
            alike[key] = dict(zip(given, key, strict=True)) | counts
        _count(alike[key], "", row)
    return list(alike.values())
