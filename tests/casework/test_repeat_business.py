"""Repeat business: "recovered" rests on a new order or a check-in answer of
the case; a closed recovered case may record its order later (issue 23,
item 4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse

from cases.casework.services import repeat_business
from cases.casework.services.cases import case_send_back
from cases.casework.services.check_ins import check_in_answer
from cases.casework.services.repeat_business import (
    EvidenceRefused,
    OrderRecorded,
    repeat_order_record,
    team_today,
)
from cases.choices import BuyAgain, Outcome, Step, TimelineKind
from cases.exceptions import NotAllowed, StepIncomplete
from cases.models import Case, CheckIn
from tests.factories import (
    ClientFactory,
    ContactFactory,
    case_in_step,
    close_case,
    version_of,
)

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def url(case, name):
    return reverse("case_action", args=[case.pk, name])


def errors(response) -> list[str]:
    return [
        m.message for m in get_messages(response.wsgi_request) if m.level_tag == "error"
    ]


def closable(owner, name="Dana Reyes"):
    client = ClientFactory(team=owner.teams.first())
    dana = ContactFactory(client=client, name=name, email="dana@client.example.com")
    return case_in_step(
        Step.FOLLOW_UP, owner=owner, client=client, contacts=[dana], complete=True
    )


def close_post(case, **fields):
    data = {
        "version": version_of(case),
        "outcome": Outcome.RECOVERED,
        "client_fit": "good",
        "lessons": "Keep a spare trainer.",
        **fields,
    }
    return {f"close-{k}": v for k, v in data.items()}


def reopened_with_answer(owner, manager, buy_again=BuyAgain.YES, name="Dana Reyes"):
    """Closed as retained, its check-in answered, then sent back to Follow up:
    a case with an answer it may close on."""
    case = closable(owner, name=name)
    close_case(case, owner, Outcome.RETAINED)
    check_in = CheckIn.objects.get(case=case)
    check_in_answer(
        check_in_id=check_in.pk,
        nonce=check_in.nonce,
        score=5,
        buy_again=buy_again,
        comment="",
    )
    case_send_back(
        case_id=case.pk, by=manager, reason="One more call", version=version_of(case)
    )
    return fresh(case), CheckIn.objects.get(pk=check_in.pk)


# Closing as recovered


@pytest.mark.parametrize(
    ("order_on", "order_value", "field", "message"),
    [
        ("", "", "order_on", repeat_business.ORDER_DATE_MISSING),
        ("", "", "order_value", repeat_business.ORDER_VALUE_MISSING),
        ("tomorrow", "900", "order_on", repeat_business.ORDER_IN_FUTURE),
        ("before", "900", "order_on", "an order before that is not business"),
        ("today", "0", "order_value", repeat_business.ORDER_VALUE_NOT_POSITIVE),
        ("today", "-5", "order_value", repeat_business.ORDER_VALUE_NOT_POSITIVE),
        ("today", "", "order_value", repeat_business.ORDER_VALUE_MISSING),
        ("", "900", "order_on", repeat_business.ORDER_DATE_MISSING),
    ],
)
def test_recovered_without_a_proper_order_is_refused_with_the_typing_kept(
    client, account_manager, sales_manager, order_on, order_value, field, message
):
    case = closable(account_manager)
    today = team_today(case)
    days = {
        "today": today,
        "tomorrow": today + DAY,
        "before": repeat_business.opened_on(case) - DAY,
    }
    typed = days[order_on].isoformat() if order_on in days else order_on
    client.force_login(account_manager)
    response = client.post(
        url(case, "close"),
        close_post(case, order_on=typed, order_value=order_value),
    )
    assert response.status_code == 200
    form = response.context["forms"]["close"]
    assert any(message in e for e in form.errors[field])
    html = response.content.decode()
    assert "Keep a spare trainer." in html  # the other inputs are kept
    stored = fresh(case)
    assert stored.step == Step.FOLLOW_UP and stored.outcome == ""
    assert stored.repeat_order_on is None and stored.repeat_order_value is None
    assert not stored.timeline.filter(kind=TimelineKind.REPEAT_BUSINESS).exists()
    assert not CheckIn.objects.filter(case=case).exists()


def test_recovered_with_a_new_order_closes_and_says_so_on_the_timeline(
    client, account_manager, sales_manager
):
    case = closable(account_manager)
    on = team_today(case)
    client.force_login(account_manager)
    response = client.post(
        url(case, "close"),
        close_post(case, order_on=on.isoformat(), order_value="12500.50"),
    )
    assert response.status_code == 302, errors(response)
    stored = fresh(case)
    assert stored.step == Step.CLOSED and stored.outcome == Outcome.RECOVERED
    assert (stored.repeat_order_on, stored.repeat_order_value) == (
        on,
        Decimal("12500.50"),
    )
    [entry] = stored.timeline.filter(kind=TimelineKind.REPEAT_BUSINESS)
    assert entry.summary == (
        f"A new order on {on.day} {on:%b %Y}, worth EUR 12,500.50."
    )
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Repeat business" in html
    assert "EUR\N{NO-BREAK SPACE}12,500.50" in html
    # It has its order: no form to record another.
    assert url(case, "repeat_order") not in html


def test_other_outcomes_ignore_and_clear_the_evidence(
    client, account_manager, sales_manager
):
    case = closable(account_manager)
    client.force_login(account_manager)
    response = client.post(
        url(case, "close"),
        close_post(
            case,
            outcome=Outcome.RETAINED,
            evidence="check_in",
            check_in="999",
            order_on="not a date",
            order_value="-3",
        ),
    )
    assert response.status_code == 302, errors(response)
    stored = fresh(case)
    assert stored.outcome == Outcome.RETAINED
    assert stored.repeat_order_on is None and stored.repeat_check_in is None
    assert not stored.timeline.filter(kind=TimelineKind.REPEAT_BUSINESS).exists()


def test_reclosing_as_lost_clears_the_earlier_evidence(account_manager, sales_manager):
    case = closable(account_manager)
    close_case(case, account_manager)
    case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="It fell through",
        version=version_of(case),
    )
    close_case(case, account_manager, Outcome.LOST)
    stored = fresh(case)
    assert (stored.repeat_order_on, stored.repeat_order_value) == (None, None)


def test_the_service_refuses_recovered_without_evidence(account_manager, sales_manager):
    case = closable(account_manager)
    with pytest.raises(StepIncomplete, match="how we know the client bought again"):
        repeat_business_close(case, account_manager)
    with pytest.raises(EvidenceRefused, match="in the future"):
        repeat_business_close(
            case,
            account_manager,
            order_on=team_today(case) + DAY,
            order_value=Decimal("10"),
        )
    assert fresh(case).step == Step.FOLLOW_UP


def repeat_business_close(case, by, **evidence):
    from cases.casework.services.cases import case_close

    return case_close(
        case_id=case.pk,
        by=by,
        version=version_of(case),
        outcome=Outcome.RECOVERED,
        lessons="Ask early.",
        client_fit="good",
        **evidence,
    )


# Check-in answers as the evidence


def test_a_yes_answer_of_this_case_can_be_the_evidence_and_is_escaped(
    client, account_manager, sales_manager
):
    case, answer = reopened_with_answer(
        account_manager, sales_manager, name="Dana <b>Reyes</b>"
    )
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "They told us in a check-in" in html
    assert "Dana &lt;b&gt;Reyes&lt;/b&gt;" in html
    response = client.post(
        url(case, "close"),
        close_post(case, evidence="check_in", check_in=str(answer.pk)),
    )
    assert response.status_code == 302, errors(response)
    stored = fresh(case)
    assert stored.repeat_check_in == answer
    assert stored.repeat_order_on is None
    [entry] = stored.timeline.filter(kind=TimelineKind.REPEAT_BUSINESS)
    assert entry.summary.startswith(
        "Recovered on a check-in answer: Dana <b>Reyes</b> said yes"
    )
    html = client.get(case.get_absolute_url()).content.decode()
    assert "<b>Reyes</b>" not in html
    assert "They said in a check-in they would buy again" in html
    # Closed on an answer: its order may follow.
    assert url(case, "repeat_order") in html


def test_a_check_in_of_another_case_or_a_no_is_refused(
    client, account_manager, sales_manager
):
    case, _ = reopened_with_answer(account_manager, sales_manager)
    _, elsewhere = reopened_with_answer(account_manager, sales_manager, name="Eli")
    client.force_login(account_manager)
    response = client.post(
        url(case, "close"),
        close_post(case, evidence="check_in", check_in=str(elsewhere.pk)),
    )
    assert response.status_code == 200
    assert "check_in" in response.context["forms"]["close"].errors
    assert fresh(case).step == Step.FOLLOW_UP
    # The service, asked directly, says the same.
    with pytest.raises(EvidenceRefused):
        repeat_business_close(case, account_manager, check_in_id=elsewhere.pk)
    assert fresh(case).step == Step.FOLLOW_UP


def test_without_a_yes_answer_the_check_in_way_is_not_offered(
    client, account_manager, sales_manager
):
    case, answer = reopened_with_answer(
        account_manager, sales_manager, buy_again=BuyAgain.NOT_SURE
    )
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "They told us in a check-in" not in html
    assert "Date of the new order" in html
    response = client.post(
        url(case, "close"),
        close_post(case, evidence="check_in", check_in=str(answer.pk)),
    )
    # No way by check-in here: what counts is the order, and there is none.
    assert response.status_code == 200
    assert "order_on" in response.context["forms"]["close"].errors
    with pytest.raises(EvidenceRefused):
        repeat_business_close(case, account_manager, check_in_id=answer.pk)


def test_a_check_in_chosen_needs_an_answer_picked(
    client, account_manager, sales_manager
):
    case, _ = reopened_with_answer(account_manager, sales_manager)
    client.force_login(account_manager)
    response = client.post(url(case, "close"), close_post(case, evidence="check_in"))
    assert response.status_code == 200
    assert response.context["forms"]["close"].errors["check_in"] == [
        repeat_business.CHECK_IN_MISSING
    ]


# The database's own check


def test_the_database_keeps_an_order_whole(account_manager, sales_manager):
    case = closable(account_manager)
    for fields in (
        {"repeat_order_on": dt.date(2026, 12, 1)},
        {"repeat_order_value": Decimal("10")},
        {"repeat_order_on": dt.date(2026, 12, 1), "repeat_order_value": 0},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Case.objects.filter(pk=case.pk).update(**fields)
    # Neither is fine: cases closed before Mend asked stay valid.
    Case.objects.filter(pk=case.pk).update(
        repeat_order_on=None, repeat_order_value=None
    )


# A later repeat order


def recovered_without_order(owner):
    """A case closed as recovered before Mend asked for evidence."""
    case = closable(owner)
    close_case(case, owner)
    Case.objects.filter(pk=case.pk).update(
        repeat_order_on=None, repeat_order_value=None
    )
    return fresh(case)


def order_post(case, **fields):
    data = {"version": version_of(case), **fields}
    return {f"repeat_order-{k}": v for k, v in data.items()}


def test_a_later_order_is_recorded_once_with_a_timeline_entry(
    client, account_manager, sales_manager
):
    case = recovered_without_order(account_manager)
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Record a repeat order" in html
    on = team_today(case)
    post = order_post(case, order_on=on.isoformat(), order_value="3000")
    response = client.post(url(case, "repeat_order"), post)
    assert response.status_code == 302, errors(response)
    stored = fresh(case)
    assert stored.repeat_order_value == Decimal("3000.00")
    assert stored.version == case.version + 1
    # The same form sent again (a double click): nothing more, no error.
    again = client.post(url(case, "repeat_order"), post)
    assert again.status_code == 302 and errors(again) == []
    later = fresh(case).timeline.filter(
        kind=TimelineKind.REPEAT_BUSINESS, summary__contains="3,000.00"
    )
    assert later.count() == 1
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Record a repeat order" not in html
    assert "EUR\N{NO-BREAK SPACE}3,000.00" in html


def test_a_later_order_is_checked_like_the_close_form(
    client, account_manager, sales_manager
):
    case = recovered_without_order(account_manager)
    client.force_login(account_manager)
    response = client.post(
        url(case, "repeat_order"),
        order_post(
            case, order_on=(team_today(case) + DAY).isoformat(), order_value="0"
        ),
    )
    assert response.status_code == 200
    form = response.context["forms"]["repeat_order"]
    assert form.errors["order_on"] == [repeat_business.ORDER_IN_FUTURE]
    assert form.errors["order_value"] == [repeat_business.ORDER_VALUE_NOT_POSITIVE]
    assert fresh(case).repeat_order_on is None


def test_a_later_order_on_a_stale_page_is_refused_with_the_typing_kept(
    client, account_manager, sales_manager
):
    case = recovered_without_order(account_manager)
    stale = version_of(case)
    Case.objects.filter(pk=case.pk).update(version=stale + 1)
    client.force_login(account_manager)
    response = client.post(
        url(case, "repeat_order"),
        order_post(case, version=stale, order_on=team_today(case), order_value="77"),
    )
    assert response.status_code == 200
    assert response.context["problem"]
    assert 'value="77"' in response.content.decode()
    assert fresh(case).repeat_order_on is None


def test_only_a_recovered_closed_case_records_a_later_order(
    account_manager, sales_manager
):
    case = closable(account_manager)
    with pytest.raises(NotAllowed):
        repeat_order_record(
            case_id=case.pk,
            by=account_manager,
            version=version_of(case),
            order_on=team_today(case),
            order_value=Decimal("5"),
        )
    close_case(case, account_manager, Outcome.RETAINED)
    with pytest.raises(NotAllowed, match="closed as recovered"):
        repeat_order_record(
            case_id=case.pk,
            by=account_manager,
            version=version_of(case),
            order_on=team_today(case),
            order_value=Decimal("5"),
        )
    close_case_again = closable(account_manager)
    close_case(close_case_again, account_manager)  # with its order
    with pytest.raises(OrderRecorded):
        repeat_order_record(
            case_id=close_case_again.pk,
            by=account_manager,
            version=version_of(close_case_again),
            order_on=team_today(case),
            order_value=Decimal("5"),
        )


def test_who_may_record_a_later_order(
    client, account_manager, teammate, sales_manager, outsider
):
    case = recovered_without_order(account_manager)
    post = order_post(case, order_on=team_today(case).isoformat(), order_value="10")
    client.force_login(teammate)
    assert client.post(url(case, "repeat_order"), post).status_code == 403
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Record a repeat order" not in page
    client.force_login(outsider)
    assert client.post(url(case, "repeat_order"), post).status_code == 404
    assert fresh(case).repeat_order_on is None
    client.force_login(sales_manager)
    assert client.post(url(case, "repeat_order"), post).status_code == 302
    assert fresh(case).repeat_order_value == Decimal("10.00")


def test_who_may_close_with_evidence(
    client, account_manager, teammate, sales_manager, outsider
):
    case = closable(account_manager)
    post = close_post(case, order_on=team_today(case).isoformat(), order_value="10")
    client.force_login(teammate)
    assert client.post(url(case, "close"), post).status_code == 403
    client.force_login(outsider)
    assert client.post(url(case, "close"), post).status_code == 404
    assert fresh(case).step == Step.FOLLOW_UP


def test_a_double_submitted_close_saves_once(client, account_manager, sales_manager):
    case = closable(account_manager)
    post = close_post(case, order_on=team_today(case).isoformat(), order_value="10")
    client.force_login(account_manager)
    assert client.post(url(case, "close"), post).status_code == 302
    client.post(url(case, "close"), post)
    stored = fresh(case)
    assert stored.step == Step.CLOSED
    assert stored.timeline.filter(kind=TimelineKind.REPEAT_BUSINESS).count() == 1
