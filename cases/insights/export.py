"""The insights as CSV: the cases behind them, and the page's own tables."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from itertools import chain

from django.db.models import Q
from django.utils import timezone

from cases.choices import ClientFit, FailureSource, OurPart, Outcome, Severity
from cases.insights.period import Period
from cases.insights.reads import ReportTooSlow, Scope, report_reads
from cases.insights.text import TIMES
from cases.models import CasePart, StepPeriod
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


# The last line of a cases export cut short by the statement timeout.
STOPPED = (
    "The export stopped here: reading the next cases took too long. "
    "Export a shorter period, or one team or account manager at a time."
)


def case_rows(scope: Scope, period: Period) -> Iterator[list]:
    """Cases logged in the period, with the time spent in each step.

    Read a chunk of cases at a time, each in a short read of its own under
    the statement timeout (reads.report_reads): three queries per chunk (the
    cases, their step visits and parts), whatever its size. The first chunk
    is read before this returns, so a report too slow from the start raises
    ReportTooSlow for the page to explain; a later chunk that takes too long
    ends the file with a line saying so.
    """
    now = timezone.now()
    first, after = _chunk(scope, period, None, now)
    return chain(first, _rest(scope, period, after, now))


def _rest(scope: Scope, period: Period, after, now) -> Iterator[list]:
    while after is not None:
        try:
            rows, after = _chunk(scope, period, after, now)
        except ReportTooSlow:
            yield [STOPPED]
            return
        yield from rows


def _chunk(scope: Scope, period: Period, after, now) -> tuple[list[list], tuple]:
    """The next CHUNK cases after `after` (their logging time and id), in the
    order they were logged: a keyset, so every chunk starts from the index.
    Returns their rows, and the key to read on from (None after the last)."""
    cases = scope.cases.filter(period.moments("opened_at"))
    if after is not None:
        opened, pk = after
        cases = cases.filter(Q(opened_at__gt=opened) | Q(opened_at=opened, pk__gt=pk))
    with report_reads(scope.using):
        chunk = list(
            cases.order_by("opened_at", "pk").values_list(
                "pk",
                "client__name",
                "team__name",
                "owner__first_name",
                "owner__last_name",
                "owner__username",
                "severity",
                "failure_source",
                "detected_at",
                "first_contact_at",
                "closed_at",
                "outcome",
                "client_fit",
                "opened_at",
            )[: CHUNK + 1]
        )
        # One row beyond the chunk says whether another chunk follows.
        more = len(chunk) > CHUNK
        chunk = chunk[:CHUNK]
        ids = [row[0] for row in chunk]
        spent, over = defaultdict(dt.timedelta), defaultdict(int)
        visits = StepPeriod.objects.using(scope.using).filter(case__in=ids)
        for period_row in visits.values_list(
            "case_id", "step", "entered_at", "completed_at", "due_at"
        ):
            case_id, step, entered, completed, due = period_row
            end = completed or now
            spent[case_id, step] += end - entered
            if due is not None and end > due:
                over[case_id] += 1
        parts = defaultdict(list)
        for case_id, part in (
            CasePart.objects.using(scope.using)
            .filter(case__in=ids)
            .values_list("case_id", "part")
        ):
            parts[case_id].append(part)
    rows = []
    for row in chunk:
        (pk, client, team, first, last, username, severity, source, detected,
         contacted, closed, outcome, fit, opened) = row  # fmt: skip
        rows.append(
            [
                pk,
                client,
                team,
                f"{first} {last}".strip() or username,
                _label(Severity, severity),
                _label(FailureSource, source),
                "; ".join(OurPart(part).label for part in sorted(parts[pk])),
                _stamp(detected),
                _stamp(opened),
                _stamp(contacted),
                _stamp(closed),
                _label(Outcome, outcome),
                _label(ClientFit, fit),
                _hours(detected, opened),
                _hours(detected, contacted),
                _hours(detected, closed),
                *(
                    f"{spent[pk, step.value].total_seconds() / 3600:.1f}"
                    if (pk, step.value) in spent
                    else ""
                    for step in WORKING_STEPS
                ),
                over[pk],
            ]
        )
    return rows, ((chunk[-1][-1], chunk[-1][0]) if more else None)


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
    yield from _what_worked_rows(data["what_worked"])


def _what_worked_rows(tables: list[dict]) -> Iterator[list]:
    """The What worked tables (issue 23, item 3): one row per group."""
    for table in tables:
        for group in table["groups"]:
            yield [
                f"What worked: {table['title']}",
                group.label,
                f"{group.closed} closed, {group.recovered} recovered "
                f"({group.rate_text}), {group.retained} retained, {group.lost} lost; "
                f"would buy again: {group.buy_again_text}",
                "",
            ]
