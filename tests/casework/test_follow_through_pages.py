"""The case page's follow-through buttons, posted as a browser posts them:
kept early with a reason, undo while allowed, send back to a chosen step,
decline and withdraw an offer; and who may press them."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.casework.services import compensation, promises
from cases.choices import Approval, PromiseStatus, Step
from cases.models import Case, Compensation, Promise
from tests.factories import case_in_step, version_of

NOW = timezone.make_aware(dt.datetime(2026, 6, 10, 10, 0))
LATER = NOW.date() + dt.timedelta(days=5)


@pytest.fixture
def at_ten(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def case(at_ten, account_manager, sales_manager):
    return case_in_step(Step.FOLLOW_UP, owner=account_manager)


def url(case, name):
    return reverse("case_action", args=[case.pk, name])


def errors(response):
    return [m.message for m in response.context["messages"] if m.level_tag == "error"]


def test_kept_early_asks_for_a_reason_and_shows_it(client, case, account_manager):
    made = promises.promise_make(
        case_id=case.pk, by=account_manager, description="Send the plan", due_on=LATER
    )
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert f'id="id_settlepromise_{made.pk}_early_reason"' in page

    refused = client.post(
        url(case, "settle_promise"), {"record": made.pk, "outcome": "kept"}, follow=True
    )
    assert errors(refused) == [
        "The promise is due on 15 Jun 2026. To mark it kept before then, say why "
        "it is early; nothing was saved."
    ]
    assert Promise.objects.get(pk=made.pk).status == PromiseStatus.OPEN

    kept = client.post(
        url(case, "settle_promise"),
        {"record": made.pk, "outcome": "kept", "early_reason": "Ready on Monday"},
        follow=True,
    )
    assert not errors(kept)
    page = kept.content.decode()
    assert "Kept early: Ready on Monday" in page
    assert "kept early: Ready on Monday" in page  # the timeline
    # Its author may undo it for now: the button is drawn, the reason optional.
    (box,) = re.findall(rf'<input[^>]*id="id_undopromise_{made.pk}_reason"[^>]*>', page)
    assert "required" not in box


def test_undo_by_the_author_then_only_by_a_manager_with_a_reason(
    client, case, account_manager, sales_manager, at_ten
):
    made = promises.promise_make(
        case_id=case.pk, by=account_manager, description="Call", due_on=NOW.date()
    )
    promises.promise_settle(
        case_id=case.pk, by=account_manager, promise_id=made.pk, kept=True
    )
    undo_box = f'id="id_undopromise_{made.pk}_reason"'
    at_ten.move_to(NOW + dt.timedelta(minutes=11), tick=False)
    client.force_login(account_manager)
    assert undo_box not in client.get(case.get_absolute_url()).content.decode()
    late = client.post(url(case, "undo_promise"), {"record": made.pk}, follow=True)
    assert "ask your sales manager" in errors(late)[0]
    assert Promise.objects.get(pk=made.pk).status == PromiseStatus.KEPT

    client.force_login(sales_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    (box,) = re.findall(rf"<input[^>]*{undo_box}[^>]*>", page)
    assert "required" in box  # the manager, after the window: a reason
    without = client.post(url(case, "undo_promise"), {"record": made.pk}, follow=True)
    assert "needs a reason" in errors(without)[0]
    done = client.post(
        url(case, "undo_promise"),
        {"record": made.pk, "reason": "Marked on the wrong case"},
        follow=True,
    )
    assert not errors(done)
    assert Promise.objects.get(pk=made.pk).status == PromiseStatus.OPEN
    assert "Why: Marked on the wrong case" in done.content.decode()


def test_another_team_gets_404_and_a_read_only_teammate_403(
    client, case, account_manager, teammate, outsider
):
    made = promises.promise_make(
        case_id=case.pk, by=account_manager, description="Call", due_on=NOW.date()
    )
    promises.promise_settle(
        case_id=case.pk, by=account_manager, promise_id=made.pk, kept=True
    )
    posts = [
        ("undo_promise", {"record": made.pk}),
        ("settle_promise", {"record": made.pk, "outcome": "kept"}),
        ("withdraw_offer", {"record": 1, "version": version_of(case)}),
    ]
    for user, status in ((outsider, 404), (teammate, 403)):
        client.force_login(user)
        for name, data in posts:
            assert client.post(url(case, name), data).status_code == status
    assert Promise.objects.get(pk=made.pk).status == PromiseStatus.KEPT


def test_a_manager_sends_back_to_the_step_chosen_on_the_page(
    client, at_ten, account_manager, sales_manager
):
    case = case_in_step(Step.APOLOGISE, owner=account_manager)
    client.force_login(sales_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    # Earlier steps only, nearest first, the one before chosen.
    assert re.search(r"<option value=\"communicate\"\s+selected>Communicate<", page)
    assert '<option value="compensate"' not in page
    response = client.post(
        url(case, "send_back"),
        {
            "send_back-version": version_of(case),
            "send_back-to": "root_cause",
            "send_back-reason": "Ask them again",
        },
        follow=True,
    )
    assert "Case sent back to Root cause." in [
        m.message for m in response.context["messages"]
    ]
    assert Case.objects.get(pk=case.pk).step == Step.ROOT_CAUSE


def test_decline_any_offer_and_withdraw_one_from_the_page(
    client, at_ten, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    offers = [
        compensation.compensation_offer(
            case_id=case.pk,
            by=account_manager,
            kind="training",
            description=text,
            value_to_client=Decimal("200"),
            cost_to_us=Decimal("20"),
        )
        for text in ("A session", "A credit")
    ]
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert f'id="id_withdrawoffer_{offers[0].pk}_reason"' in page
    client.post(
        url(case, "withdraw_offer"),
        {"record": offers[0].pk, "version": version_of(case), "reason": ""},
    )
    assert Compensation.objects.get(pk=offers[0].pk).approval == Approval.WITHDRAWN

    client.force_login(sales_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert f'id="id_decide_{offers[1].pk}_note"' in page
    assert f'id="id_decide_{offers[0].pk}_note"' not in page  # withdrawn
    client.post(
        url(case, "decide"),
        {
            "record": offers[1].pk,
            "version": version_of(case),
            "decision": "decline",
            "note": "",
        },
    )
    assert Compensation.objects.get(pk=offers[1].pk).approval == Approval.DECLINED
