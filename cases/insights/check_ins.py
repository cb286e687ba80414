"""Recovered in the client's own words: the figures of the check-ins
(issue 22, item 5), in the manner of figures.py: each an aggregate query
over the period and the one before it at once, so the count of queries is
fixed however many cases and check-ins there are.

A check-in counts in the period its email went; a case in the period it
closed. A client "says they would buy again" when one of its people answered
yes and none answered no.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from cases.choices import BuyAgain, Outcome
from cases.insights.figures import KEPT_OUTCOMES, WINDOWS
from cases.insights.period import Period
from cases.insights.reads import Scope
from cases.models import CheckIn
from cases.models.check_ins import LOW_SCORE

SCORES = range(1, 6)


def _windows(period: Period) -> dict[str, Period]:
    return dict(zip(WINDOWS, (period, period.previous), strict=True))


def check_in_figures(scope: Scope, period: Period) -> dict:
    """Check-ins sent in each period, how many of them were answered, and
    those answers by score and by "would buy again". A check-in counts in the
    period its email went in, answered or not yet."""
    aggregates = {}
    for name, window in _windows(period).items():
        sent = window.moments("sent_at")
        answered = sent & Q(answered_at__isnull=False)
        aggregates |= {
            f"sent_{name}": Count("pk", filter=sent),
            f"answered_{name}": Count("pk", filter=answered),
        }
        for score in SCORES:
            aggregates[f"score_{score}_{name}"] = Count(
                "pk", filter=answered & Q(score=score)
            )
        for answer in BuyAgain:
            aggregates[f"{answer.value}_{name}"] = Count(
                "pk", filter=answered & Q(buy_again=answer)
            )
    return (
        scope.records(CheckIn)
        .filter(period.span.moments("sent_at"))
        .aggregate(**aggregates)
    )


def client_says(cases: QuerySet) -> QuerySet:
    """Cases with what their clients answered in any check-in: `answered`,
    `any_yes` (SAYS_YES: and nobody said no), `says_no` and `low`
    (a score of LOW_SCORE or less, or a no)."""
    answers = CheckIn.objects.using(cases.db).filter(
        case=OuterRef("pk"), answered_at__isnull=False
    )
    return cases.annotate(
        answered=Exists(answers),
        any_yes=Exists(answers.filter(buy_again=BuyAgain.YES)),
        says_no=Exists(answers.filter(buy_again=BuyAgain.NO)),
        low=Exists(answers.filter(Q(score__lte=LOW_SCORE) | Q(buy_again=BuyAgain.NO))),
    )


SAYS_YES = Q(any_yes=True, says_no=False)


# Where our outcome and the client's answer part ways.
WE_KEPT_THEY_LOW = Q(outcome__in=KEPT_OUTCOMES, low=True)
WE_LOST_THEY_YES = Q(outcome__in=(Outcome.LOST, Outcome.PARTED)) & SAYS_YES


def recovered_in_their_words(scope: Scope, period: Period, limit: int = 15) -> dict:
    """For the cases closed in each period: those we marked recovered, how
    many of them have an answer from the client, and how many of those say
    they would buy again; where our outcome and their answer differ (counts
    for both periods, and the cases of this one, with their answers)."""
    said = client_says(scope.cases.filter(period.span.moments("closed_at")))
    aggregates = {}
    for name, window in _windows(period).items():
        closed = window.moments("closed_at")
        recovered = closed & Q(outcome=Outcome.RECOVERED)
        aggregates |= {
            f"recovered_{name}": Count("pk", filter=recovered),
            f"recovered_answered_{name}": Count(
                "pk", filter=recovered & Q(answered=True)
            ),
            f"recovered_yes_{name}": Count("pk", filter=recovered & SAYS_YES),
            f"kept_low_{name}": Count("pk", filter=closed & WE_KEPT_THEY_LOW),
            f"lost_yes_{name}": Count("pk", filter=closed & WE_LOST_THEY_YES),
        }
    differ = list(
        said.filter(period.moments("closed_at"))
        .filter(WE_KEPT_THEY_LOW | WE_LOST_THEY_YES)
        .values("pk", "client__name", "outcome", "closed_at")
        .order_by("-closed_at", "-pk")[:limit]
    )
    answers = (
        CheckIn.objects.using(scope.using)
        .filter(case__in=[row["pk"] for row in differ], answered_at__isnull=False)
        .values("case", "contact__name", "round", "score", "buy_again")
        .order_by("answered_at", "pk")
    )
    by_case: dict[int, list] = {}
    for answer in answers if differ else ():
        by_case.setdefault(answer["case"], []).append(answer)
    for row in differ:
        row["answers"] = by_case.get(row["pk"], [])
    return {**said.aggregate(**aggregates), "differ": differ}
