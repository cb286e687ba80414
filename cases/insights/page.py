"""The insights page's content: every figure, in the sections the page shows.

The figures come from `figures` (aggregate queries); `headline`, `tables`,
`breakdowns` and `chart` turn them into what each section shows.
"""

from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases.choices import ROOT_CAUSE_QUESTIONS, OurPart, Outcome
from cases.insights import breakdowns, chart, check_ins, figures, headline, tables
from cases.insights.period import Period
from cases.models import Case, Team, User
from cases.money import currency_of_teams


def scope(user: User, team=None, owner=None) -> QuerySet:
    cases = Case.objects.for_insights(user)
    if team is not None:
        cases = cases.filter(team=team)
    if owner is not None:
        cases = cases.filter(owner=owner)
    return cases


def scope_currency(cases: QuerySet) -> str:
    """The currency of the teams whose cases are in view; "" when they count
    in different ones. Without a case in view, the team asked for or Mend's."""
    return currency_of_teams(Team.objects.filter(pk__in=cases.values("team")))


def insights(user: User, period: Period, *, team=None, owner=None, now=None) -> dict:
    now = now or timezone.now()
    cases = scope(user, team, owner)
    with _analytic_settings():
        counts = figures.case_figures(cases, period)
        through = figures.follow_through(cases, period)
        money = figures.compensation_figures(cases, period)
        causes = figures.cause_figures(cases, period)
        people = figures.people_figures(cases, period)
        steps = figures.step_figures(cases, period, now)
        step_time = figures.step_time_figures(cases, period)
        repeats = figures.repeat_clients(cases, period)
        trend = figures.trend(cases, period)
        checks = check_ins.check_in_figures(cases, period)
        recovered = check_ins.recovered_in_their_words(cases, period)
        currency = scope_currency(cases)
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
    }


@contextmanager
def _analytic_settings():
    """Settings for these aggregates alone, inside one transaction.

    PostgreSQL's JIT compiler takes longer to compile them (hundreds of
    milliseconds at 100,000 cases) than they take to run; and the medians sort
    their rows, which spill to disk under the default work_mem.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")
        yield
