"""The demo's check-ins: the closed demo cases asked their people as they
closed (case_close did that), some asked again months later, and answers
from some of them, one low, so the case page and Insights show the loop.

The answers go through check_in_answer, as a client's would (timeline,
low-answer alert); then everything is dated to the demo's timeline, and the
emails of the back-story are marked sent, as the builder does, so a first
`make run` does not mail it all at once. Only check-ins made by this seeding
run are touched: a check-in sent from a case someone closed in the demo is
left for its client.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from cases.casework.services.check_ins import check_in_answer, check_ins_open
from cases.choices import (
    BuyAgain,
    CheckInRound,
    OutboxStatus,
    Outcome,
    Step,
    TimelineKind,
)
from cases.models import Case, CheckIn, Notice, OutboxMessage, TimelineEntry

# What the clients' people answer, in turn, at closing; None leaves one
# unanswered. Written in our own words, as a client might put them.
AT_CLOSE = [
    (5, BuyAgain.YES, "You owned it and fixed it faster than we expected."),
    (4, BuyAgain.YES, ""),
    None,
    (4, BuyAgain.YES, "Good to have one person to call."),
    (2, BuyAgain.NOT_SURE, "The fix came, but we had to chase every step of it."),
    (3, BuyAgain.NOT_SURE, ""),
    None,
    (5, BuyAgain.YES, ""),
    (1, BuyAgain.NO, "Twice in one quarter is once too often. We are looking around."),
]

DISAGREES = (
    2,
    BuyAgain.NO,
    "Thank you for sorting it out, but we have moved the next order elsewhere.",
)
# And months later, for the cases closed long enough ago.
LATER = [
    (5, BuyAgain.YES, "We have ordered again since. Thank you."),
    None,
]


def seed_check_ins(*, since: dt.datetime) -> None:
    """Date, answer and ask again the check-ins made since `since`."""
    now = timezone.now()
    fresh = CheckIn.objects.filter(created_at__gte=since, answered_at__isnull=True)
    at_close = list(
        fresh.filter(round=CheckInRound.AT_CLOSE, case__step=Step.CLOSED)
        .select_related("case")
        .order_by("case__closed_at", "pk")
    )
    # In each team, the newest case we count as kept hears from a client who
    # would not buy again: Insights shows the two disagreeing this period.
    disagrees = {}
    for check_in in at_close:
        if check_in.case.outcome in (Outcome.RECOVERED, Outcome.RETAINED):
            disagrees[check_in.case.team_id] = check_in.pk
    for index, check_in in enumerate(at_close):
        _date(check_in, check_in.case.closed_at)
        if check_in.pk in disagrees.values():
            _answer(check_in, DISAGREES, now)
        else:
            _answer(check_in, AT_CLOSE[index % len(AT_CLOSE)], now)
    after = dt.timedelta(days=settings.MEND_CHECK_IN_AFTER_DAYS)
    asked = {c.case_id for c in at_close}
    due = Case.objects.filter(
        pk__in=asked, step=Step.CLOSED, closed_at__lte=now - after
    ).order_by("closed_at", "pk")
    index = 0
    for case in due:
        contacts = {c.contact_id for c in at_close if c.case_id == case.pk}
        for check_in in check_ins_open(case, round=CheckInRound.LATER, only=contacts):
            _date(check_in, case.closed_at + after)
            _answer(check_in, LATER[index % len(LATER)], now)
            index += 1


def _date(check_in: CheckIn, sent_at: dt.datetime) -> None:
    """Move a check-in, its email and its timeline entry to when it was sent."""
    CheckIn.objects.filter(pk=check_in.pk).update(sent_at=sent_at)
    check_in.sent_at = sent_at
    OutboxMessage.objects.filter(
        case_id=check_in.case_id, contact_id=check_in.contact_id
    ).filter(context__check_in=check_in.pk).update(
        created_at=sent_at, due_at=sent_at, status=OutboxStatus.SENT
    )
    TimelineEntry.objects.filter(
        case_id=check_in.case_id,
        kind=TimelineKind.CHECK_IN_SENT,
        at__gt=sent_at + dt.timedelta(minutes=5),
    ).update(at=sent_at)


def _answer(check_in: CheckIn, answer, now: dt.datetime) -> None:
    """Answer as the client would have, a day or two after it was sent (and
    within the link's days); dated then, its alerts marked sent."""
    if answer is None:
        return
    answered_at = check_in.sent_at + dt.timedelta(days=1 + check_in.pk % 3, hours=2)
    if answered_at >= now:
        return
    started = timezone.now()
    score, buy_again, comment = answer
    check_in_answer(
        check_in_id=check_in.pk,
        nonce=check_in.nonce,
        score=score,
        buy_again=buy_again,
        comment=comment,
    )
    CheckIn.objects.filter(pk=check_in.pk).update(answered_at=answered_at)
    fresh = {"case_id": check_in.case_id}
    TimelineEntry.objects.filter(
        **fresh, kind=TimelineKind.CHECK_IN_ANSWERED, at__gte=started
    ).update(at=answered_at)
    OutboxMessage.objects.filter(**fresh, created_at__gte=started).update(
        created_at=answered_at, due_at=answered_at, status=OutboxStatus.SENT
    )
    # Read by now: the demo's "New to you" tells other stories.
    Notice.objects.filter(**fresh, created_at__gte=started).update(
        created_at=answered_at, read_at=answered_at + dt.timedelta(hours=3)
    )
