"""The insights page's content: every figure, in the sections the page shows.

The figures come from `figures` (aggregate queries); `headline`, `tables`,
`breakdowns` and `chart` turn them into what each section shows. They are
read as `reads` says: on the reports database, under a statement timeout
(ReportTooSlow when it fires).
"""

from django.utils import timezone

from cases.choices import ROOT_CAUSE_QUESTIONS, OurPart, Outcome
from cases.insights import breakdowns, chart, check_ins, figures, headline, tables
from cases.insights.period import Period
from cases.insights.reads import report_reads, scope
from cases.insights.repeat_business import repeat_business_section
from cases.insights.worked import what_worked
from cases.models import User


def insights(user: User, period: Period, *, team=None, owner=None, now=None) -> dict:
    now = now or timezone.now()
    within = scope(user, team, owner)
    with report_reads(within.using):
        counts = figures.case_figures(within, period)
        through = figures.follow_through(within, period)
        money = figures.compensation_figures(within, period)
        causes = figures.cause_figures(within, period)
        people = figures.people_figures(within, period)
        steps = figures.step_figures(within, period, now)
        step_time = figures.step_time_figures(within, period)
        repeats = figures.repeat_clients(within, period)
        trend = figures.trend(within, period)
        checks = check_ins.check_in_figures(within, period)
        recovered = check_ins.recovered_in_their_words(within, period)
        worked = what_worked(within, period)  # issue 23, item 3: two queries
        currency = within.currency
        # Repeat business after a recovery: one query (insights.repeat_business).
        repeat_business = repeat_business_section(within, period, currency)
    return {
        "period": period,
        "previous": period.previous,
        "stats": headline.stats(counts, through, money, currency),
        "outcomes": tables.ranked(
            [
                (o.label, counts[f"{o.value}_cur"], counts[f"{o.value}_prev"])
                for o in Outcome
            ],
            keep_order=True,
        ),
        "steps": tables.steps(steps),
        "follow_through": tables.follow_through(through),
        "compensation": tables.compensation(money, currency),
        "currency": currency,
        # Repeat business after a recovery (insights.repeat_business).
        "repeat_business": repeat_business,
        "parts": tables.ranked(
            [(OurPart(r["part"]).label, r["cur"], r["prev"]) for r in causes["parts"]]
        ),
        "gaps": tables.ranked(
            [
                (ROOT_CAUSE_QUESTIONS[r["question"]], r["cur"], r["prev"])
                for r in causes["gaps"]
            ]
        ),
        "by_team": breakdowns.by_group(people, causes, "team", step_time),
        "by_owner": breakdowns.by_group(people, causes, "owner", step_time),
        "repeat_clients": breakdowns.repeat_clients(repeats),
        "repeating_owners": breakdowns.repeating_owners(people, causes),
        "trend": chart.trend(trend, period),
        "client_words": tables.client_words(checks, recovered),
        "what_worked": worked,
    }
