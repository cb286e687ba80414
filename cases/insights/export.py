"""The insights as CSV: the cases behind them, and the page's own tables."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from itertools import islice

from django.db.models import Min, QuerySet
from django.utils import timezone

from cases.choices import ClientFit, FailureSource, OurPart, Outcome, Severity
from cases.insights.period import Period
from cases.insights.text import TIMES
from cases.models import CasePart, ClientContact, StepPeriod
from cases.workflow import WORKING_STEPS

CHUNK = 1000

CASES_HEADER = [
    "Case",
    "Client",
    "Team",
    "Owner",
    "Severity",
    "Source",
    "Our part",
    "Detected",
    "Logged",
    "First client contact",
    "Closed",
    "Outcome",
    "Client fit",
    "Hours to manager alert",
    "Hours to first contact",
    "Hours to close",
    *(f"Hours in {step.label}" for step in WORKING_STEPS),
    "Steps over target",
]


def _hours(start, end) -> str:
    if start is None or end is None:
        return ""
    return f"{(end - start).total_seconds() / 3600:.1f}"


def _label(choices, value) -> str:
    """A stored code as the screen shows it ("" when empty)."""
    return choices(value).label if value else ""


def _stamp(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def case_rows(cases: QuerySet, period: Period) -> Iterator[list]:
    """Cases logged in the period, with the time spent in each step.

    Read a chunk of cases at a time; each chunk adds three queries (step
    visits, first contacts, parts) whatever its size.
    """
    rows = (
        cases.filter(period.moments("opened_at"))
        .order_by("opened_at", "pk")
        .values_list(
            "pk",
            "client__name",
            "team__name",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
            "severity",
            "failure_source",
            "detected_at",
            "opened_at",
            "closed_at",
            "outcome",
            "client_fit",
        )
        .iterator(chunk_size=CHUNK)
    )
    now = timezone.now()
    while chunk := list(islice(rows, CHUNK)):
        ids = [row[0] for row in chunk]
        spent, over = defaultdict(dt.timedelta), defaultdict(int)
        for period_row in StepPeriod.objects.filter(case__in=ids).values_list(
            "case_id", "step", "entered_at", "completed_at", "due_at"
        ):
            case_id, step, entered, completed, due = period_row
            end = completed or now
            spent[case_id, step] += end - entered
            if due is not None and end > due:
                over[case_id] += 1
        contacts = dict(
            ClientContact.objects.filter(case__in=ids)
            .values_list("case")
            .annotate(first=Min("happened_at"))
            .order_by()
        )
        parts = defaultdict(list)
        for case_id, part in CasePart.objects.filter(case__in=ids).values_list(
            "case_id", "part"
        ):
            parts[case_id].append(part)
        for row in chunk:
            (pk, client, team, first, last, username, severity, source, detected,
             opened, closed, outcome, fit) = row  # fmt: skip
            yield [
                pk,
                client,
                team,
                f"{first} {last}".strip() or username,
                _label(Severity, severity),
                _label(FailureSource, source),
                "; ".join(OurPart(part).label for part in sorted(parts[pk])),
                _stamp(detected),
                _stamp(opened),
                _stamp(contacts.get(pk)),
                _stamp(closed),
                _label(Outcome, outcome),
                _label(ClientFit, fit),
                _hours(detected, opened),
                _hours(detected, contacts.get(pk)),
                _hours(detected, closed),
                *(
                    f"{spent[pk, step.value].total_seconds() / 3600:.1f}"
                    if (pk, step.value) in spent
                    else ""
                    for step in WORKING_STEPS
                ),
                over[pk],
            ]


FIGURES_HEADER = ["Section", "Item", "This period", "Previous period"]


def figure_rows(data: dict) -> Iterator[list]:
    """Every table of the page, one row per figure, this period beside the last."""
    yield ["Period", "Dates", str(data["period"]), str(data["previous"])]
    for stat in data["stats"]:
        yield ["Headline", stat.label, stat.shown, stat.shown_previous]
    for section, key in (
        ("Outcomes of cases closed", "outcomes"),
        ("Our part, cases logged", "parts"),
        ("Root-cause questions answered No", "gaps"),
    ):
        for row in data[key]["rows"]:
            yield [section, row["label"], row["value"], row["previous"]]
    for row in data["steps"]["rows"]:
        yield [
            "Median time in step",
            row["label"],
            row["median"],
            row["median_previous"],
        ]
        yield ["Step visits", row["label"], row["visits"], row["visits_previous"]]
        yield [
            "Step visits over target",
            row["label"],
            f"{row['over']} ({row['over_share']})",
            f"{row['over_previous']} ({row['over_share_previous']})",
        ]
    for row in data["follow_through"]:
        yield [
            f"{row['label']} ({row['window']})",
            "due / on time / early / late / missed / not settled",
            f"{row['due']} / {row['on_time']} / {row['early']} / {row['late']} / "
            f"{row['missed']} / {row['open']}",
            "",
        ]
    money = data["compensation"]
    for key, label in (
        ("count", "Compensations delivered"),
        ("value", "Value to clients"),
        ("cost", "Cost to us"),
        ("guideline", "Guideline total"),
        ("against_guideline", "Value against the guideline"),
        ("under", "Delivered under the guideline"),
    ):
        yield ["Compensation", label, money["cur"][key], money["prev"][key]]
    for group, key in (("Team", "by_team"), ("Account manager", "by_owner")):
        for row in data[key]:
            yield [
                f"By {group.lower()}",
                row["name"],
                f"{row['logged']} logged, {row['closed']} closed, "
                f"{row['kept_share']} kept; "
                + "; ".join(
                    f"{c['label']} {TIMES}{c['n']}"
                    for c in row["top_parts"] + row["top_gaps"]
                ),
                "",
            ]
    for row in data["repeat_clients"]:
        verdicts = "; ".join(f"{v['label']} {TIMES}{v['n']}" for v in row["verdicts"])
        yield [
            "Clients with repeated incidents",
            row["client__name"],
            f"{row['n']} cases ({row['still_open']} open); "
            f"verdicts: {verdicts or 'none yet'}",
            "",
        ]
    words = data["client_words"]
    for section, key in (
        ("Check-in answers: how they feel now", "scores"),
        ("Check-in answers: would buy again", "buy_again"),
    ):
        for row in words[key]["rows"]:
            yield [section, row["label"], row["value"], row["previous"]]
    for key, label in (
        ("answered_text", "Check-ins answered, of those sent"),
        ("recovered", "Cases marked recovered"),
        ("recovered_yes_text", "Recovered and the client would buy again"),
        ("kept_low", "Kept, but the client's answer is low"),
        ("lost_yes", "Lost, but the client would buy again"),
    ):
        yield [
            "In the client's own words",
            label,
            words["cur"][key],
            words["prev"][key],
        ]
    for row in data["repeating_owners"]:
        yield [
            "Causes repeating in one person's cases",
            row["name"],
            "; ".join(row["causes"]),
            "",
        ]
