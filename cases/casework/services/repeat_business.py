"""Repeat business: why a case closed as "recovered" (issue 23, item 4).

The research behind DOMAIN.md finds that a recovery lifts satisfaction more
than it lifts buying again, so "the client bought again" is recorded, not
assumed: a case closes as recovered on the evidence of a new order (its date
and value, in the team's currency) or of a check-in of this case in which the
client said they would buy from us again. A case closed on a check-in answer
(or before Mend asked for evidence) may record the order when it comes.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from cases.calendar import site_zone, zone_named
from cases.casework.services.rows import case_lock, case_touch, check_version
from cases.casework.services.timeline import timeline_record
from cases.choices import BuyAgain, Outcome, TimelineKind
from cases.exceptions import AlreadySubmitted, MendError, NotAllowed
from cases.models import Case, CheckIn, User
from cases.money import currency_of, money

# What the close form and the API say when the evidence is missing or wrong.
EVIDENCE_MISSING = (
    "Say how we know the client bought again: the new order's date and value, "
    "or the check-in in which they said they would buy again."
)
ORDER_DATE_MISSING = "Enter the date of the new order."
ORDER_VALUE_MISSING = "Enter the value of the new order."
ORDER_VALUE_NOT_POSITIVE = "Enter an amount above zero."
ORDER_IN_FUTURE = "The order date cannot be in the future."
CHECK_IN_MISSING = "Choose the check-in answer."
CHECK_IN_NOT_OURS = (
    "That check-in is not an answer from this case saying they would buy again."
)
NOT_RECOVERED = "Only a case closed as recovered records a repeat order."
ALREADY_RECORDED = "A new order is already recorded for this case."


class EvidenceRefused(MendError):
    """The evidence given does not hold (an order out of range, a check-in
    that is not this case's "yes"): nothing was saved."""


class OrderRecorded(AlreadySubmitted):
    """The case has its new order already: a second submit of the same form."""

    def __init__(self):
        super().__init__(ALREADY_RECORDED)


def order_before_opened(opened_on: dt.date) -> str:
    return (
        f"The case was opened on {date_format(opened_on, 'j M Y')}: an order "
        "before that is not business after the recovery."
    )


def team_today(case: Case) -> dt.date:
    """Today in the case's team's time zone (no query)."""
    zone = zone_named(case.team.time_zone) or site_zone()
    return timezone.now().astimezone(zone).date()


def opened_on(case: Case) -> dt.date:
    zone = zone_named(case.team.time_zone) or site_zone()
    return case.opened_at.astimezone(zone).date()


def yes_answers(case: Case) -> list[CheckIn]:
    """This case's answered check-ins saying they would buy again, oldest
    first; read from the case's prefetched check-ins when the page has them."""
    return [
        check_in
        for check_in in case.check_ins.all()
        if check_in.answered_at is not None and check_in.buy_again == BuyAgain.YES
    ]


def check_in_label(check_in: CheckIn) -> str:
    answered = timezone.localtime(check_in.answered_at).date()
    return (
        f"{check_in.contact.name} said yes, in the check-in "
        f"{check_in.get_round_display().lower()} (answered "
        f"{date_format(answered, 'j M Y')})"
    )


def order_problems(
    case: Case, *, order_on: dt.date | None, order_value: Decimal | None
) -> dict[str, str]:
    """What is wrong with a new order as typed, by field ({} when nothing)."""
    problems = {}
    if order_on is None:
        problems["order_on"] = ORDER_DATE_MISSING
    elif order_on > team_today(case):
        problems["order_on"] = ORDER_IN_FUTURE
    elif order_on < opened_on(case):
        problems["order_on"] = order_before_opened(opened_on(case))
    if order_value is None:
        problems["order_value"] = ORDER_VALUE_MISSING
    elif order_value <= 0:
        problems["order_value"] = ORDER_VALUE_NOT_POSITIVE
    return problems


def _order_summary(case: Case) -> str:
    value = money(case.repeat_order_value, currency_of(case.team))
    day = date_format(case.repeat_order_on, "j M Y")
    return f"A new order on {day}, worth {value}."


def _record_order(case: Case, by: User) -> None:
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.REPEAT_BUSINESS,
        summary=_order_summary(case),
        changes=[
            {
                "field": "Date of the new order",
                "old": "—",
                "new": date_format(case.repeat_order_on, "j M Y"),
            },
            {
                "field": "Value of the new order",
                "old": "—",
                "new": money(case.repeat_order_value, currency_of(case.team)),
            },
        ],
    )


def evidence_apply(
    case: Case,
    *,
    outcome: str,
    order_on: dt.date | None = None,
    order_value: Decimal | None = None,
    check_in_id: int | None = None,
) -> list[str]:
    """Set the case's evidence for its outcome on the locked row, not saved:
    the caller saves the returned fields with the closing, then records it
    (evidence_record). Other outcomes clear it; "recovered" without valid
    evidence raises NotAllowed."""
    fields = ["repeat_order_on", "repeat_order_value", "repeat_check_in"]
    case.repeat_order_on = case.repeat_order_value = case.repeat_check_in = None
    if outcome != Outcome.RECOVERED:
        return fields
    if check_in_id is not None:
        check_in = (
            CheckIn.objects.filter(
                case=case, answered_at__isnull=False, buy_again=BuyAgain.YES
            )
            .select_related("contact")
            .filter(pk=check_in_id)
            .first()
        )
        if check_in is None:
            raise EvidenceRefused(CHECK_IN_NOT_OURS)
        case.repeat_check_in = check_in
        return fields
    if order_on is None and order_value is None:
        raise EvidenceRefused(EVIDENCE_MISSING)
    problems = order_problems(case, order_on=order_on, order_value=order_value)
    if problems:
        raise EvidenceRefused(" ".join(problems.values()))
    case.repeat_order_on, case.repeat_order_value = order_on, order_value
    return fields


def evidence_record(case: Case, by: User) -> None:
    """The timeline's "Repeat business" entry for the evidence just set."""
    if case.repeat_order_on is not None:
        _record_order(case, by)
    elif case.repeat_check_in is not None:
        timeline_record(
            case=case,
            by=by,
            kind=TimelineKind.REPEAT_BUSINESS,
            summary="Recovered on a check-in answer: "
            f"{check_in_label(case.repeat_check_in)}.",
        )


@transaction.atomic
def repeat_order_record(
    *,
    case_id: int,
    by: User,
    version: int,
    order_on: dt.date,
    order_value: Decimal,
) -> Case:
    """A new order for a case closed as recovered without one (on a check-in
    answer, or before Mend asked): its date and value, once."""
    case = case_lock(case_id=case_id, by=by)
    if not case.is_closed or case.outcome != Outcome.RECOVERED:
        raise NotAllowed(NOT_RECOVERED)
    if case.repeat_order_on is not None:
        # A double submit lands here: the first one recorded it.
        raise OrderRecorded
    check_version(case, version)
    problems = order_problems(case, order_on=order_on, order_value=order_value)
    if problems:
        raise EvidenceRefused(" ".join(problems.values()))
    case.repeat_order_on, case.repeat_order_value = order_on, order_value
    case_touch(case, by, "repeat_order_on", "repeat_order_value")
    _record_order(case, by)
    return case
