"""Webhooks (issue 21, item 3): each event, recorded with the change that
caused it, reaches a real local receiver signed per Standard Webhooks; a
receiver that fails, hangs or is not there is retried under the same
webhook-id, and never holds up a page or the other endpoints."""

import datetime as dt
import time

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from cases.casework.services import cases as services
from cases.casework.services import check_ins, promises
from cases.casework.services.repeat_business import team_today
from cases.choices import OutboxStatus, Step, WebhookEvent
from cases.hooks import deliver
from cases.models import Case, CheckIn, HttpDelivery
from tests.factories import case_in_step, make_case, version_of, walk_to
from tests.hooks.conftest import deliver_due, endpoint_for, make_due
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.django_db
E = WebhookEvent


def types(receiver) -> list[str]:
    return [payload["type"] for payload in receiver.payloads()]


def test_every_event_arrives_signed_with_its_case(
    receivers, account_manager, sales_manager, settings
):
    receiver = receivers()
    endpoint_for(receiver)
    case = make_case(account_manager)
    case = walk_to(case, Step.ROOT_CAUSE, account_manager)
    services.case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="Name the person who was affected first.",
        version=version_of(case),
    )
    promise = promises.promise_make(
        case_id=case.pk,
        by=account_manager,
        description="Call back with the new trainer's date",
        due_on=timezone.localdate(),
    )
    promises.promise_settle(
        case_id=case.pk, by=account_manager, promise_id=promise.pk, kept=False
    )
    case = walk_to(case, Step.CLOSED, account_manager)
    check_in = CheckIn.objects.get(case=case)
    check_ins.check_in_answer(
        check_in_id=check_in.pk, nonce=check_in.nonce, score=4, buy_again="yes"
    )

    assert set(deliver_due()) == {OutboxStatus.SENT}
    got = types(receiver)
    assert got[0] == E.CASE_LOGGED
    assert set(got) == set(E.values)
    assert got.count(E.CASE_LOGGED) == 1
    # Acknowledge→Root cause, back, then on through Follow up (six moves);
    # the close is its own event.
    assert got.count(E.STEP_CHANGED) == 8
    for received in receiver.received:
        assert received.headers["Content-Type"] == "application/json"
        assert received.headers["webhook-id"].startswith("msg_")
        data = received.payload["data"]
        assert data["case"]["id"] == case.pk
        assert data["case"]["url"] == f"{settings.SITE_URL}/cases/{case.pk}/"
        assert data["case"]["client"]["name"] == case.client.name
    by_type = {p["type"]: p["data"] for p in receiver.payloads()}
    assert by_type[E.PROMISE_MISSED]["promise"] == {
        "id": promise.pk,
        "description": "Call back with the new trainer's date",
        "due_on": str(promise.due_on),
    }
    assert by_type[E.CHECK_IN_ANSWERED]["check_in"]["score"] == 4
    assert by_type[E.CASE_CLOSED]["outcome"] == "retained"
    back = [
        p["data"]["step_change"]
        for p in receiver.payloads()
        if p["type"] == E.STEP_CHANGED
    ][1]
    assert back == {"direction": "back", "from": "Root cause", "to": "Acknowledge"}
    # No names or addresses of the client's people.
    assert "Dana Client" not in str(receiver.payloads())
    assert "@client.example.com" not in str(receiver.payloads())
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(set(ids)) == len(ids)


def test_an_endpoint_hears_only_the_events_it_chose(
    receivers, account_manager, sales_manager
):
    closing, off = receivers(), receivers()
    endpoint_for(closing, events=[E.CASE_CLOSED])
    endpoint_for(off, active=False)
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager, complete=True)
    services.case_close(
        case_id=case.pk,
        by=account_manager,
        version=version_of(case),
        outcome="recovered",
        lessons="Book two trainers.",
        client_fit="good",
        order_on=team_today(case),
        order_value=500,
    )
    deliver_due()
    assert types(closing) == [E.CASE_CLOSED]
    assert off.received == []
    assert HttpDelivery.objects.count() == 1


def test_nothing_is_recorded_when_the_change_rolls_back(
    receivers, account_manager, sales_manager
):
    receiver = receivers()
    endpoint_for(receiver)
    case = make_case(account_manager)
    HttpDelivery.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_advance(
            case_id=case.pk, by=account_manager, version=version_of(case)
        )
        assert HttpDelivery.objects.count() == 1
        raise RuntimeError("something later in the same request failed")
    assert not HttpDelivery.objects.exists()
    assert Case.objects.get(pk=case.pk).step == Step.ACKNOWLEDGE


def test_a_case_logged_twice_on_purpose_is_one_event_per_case(
    receivers, account_manager, sales_manager
):
    receiver = receivers()
    endpoint_for(receiver, events=[E.CASE_LOGGED])
    first = make_case(account_manager)
    second = make_case(account_manager, client=first.client, ask=True, log_again=True)
    deliver_due()
    assert sorted(p["data"]["case"]["id"] for p in receiver.payloads()) == [
        first.pk,
        second.pk,
    ]


def test_a_receiver_answering_500_gets_it_again_with_the_same_webhook_id(
    receivers, account_manager, sales_manager, time_machine
):
    receiver = receivers(answers=[500])
    endpoint_for(receiver, events=[E.CASE_LOGGED])
    make_case(account_manager)
    started = timezone.now()
    assert deliver_due() == [OutboxStatus.PENDING]
    delivery = HttpDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status) == (1, 500)
    assert delivery.last_error == "HTTP 500: receiver says no"
    assert delivery.due_at >= started + dt.timedelta(minutes=1)
    assert deliver_due() == [""]  # not due yet: nothing is posted

    time_machine.move_to(delivery.due_at + dt.timedelta(seconds=1), tick=False)
    assert deliver_due() == [OutboxStatus.SENT]
    first, second = receiver.wait_for(2)
    assert not first.problem and not second.problem
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.headers["webhook-id"] == delivery.message_id
    assert int(second.headers["webhook-timestamp"]) > int(
        first.headers["webhook-timestamp"]
    )
    assert first.body == second.body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status) == (
        OutboxStatus.SENT,
        2,
        200,
    )
    assert delivery.last_error == ""


def test_a_wrong_secret_does_not_verify(receivers, account_manager, sales_manager):
    """The receiver's check is real: signed with another secret, it refuses."""
    receiver = receivers()
    endpoint = endpoint_for(receiver, events=[E.CASE_LOGGED])
    receiver.secret = "whsec_" + "A" * 43 + "="
    make_case(account_manager)
    assert deliver_due() == [OutboxStatus.PENDING]
    assert receiver.received[0].problem == "No matching signature found"
    body = receiver.received[0].body
    Webhook(endpoint.secret).verify(body, receiver.received[0].headers)


def test_a_dead_port_is_retried_then_fails_after_the_last_attempt(
    receivers, account_manager, sales_manager, quick_timeouts
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, events=[E.CASE_LOGGED])
    endpoint.url = f"http://127.0.0.1:{free_port()}/nobody-here"
    endpoint.save()
    make_case(account_manager)
    assert deliver_due() == [OutboxStatus.PENDING]
    delivery = HttpDelivery.objects.get()
    assert delivery.last_status is None
    assert delivery.last_error == "Could not connect: refused, unreachable or cut off."
    assert "127.0.0.1" not in delivery.last_error

    HttpDelivery.objects.update(attempts=deliver.MAX_ATTEMPTS - 1)
    make_due()
    assert deliver_due() == [OutboxStatus.FAILED]
    delivery.refresh_from_db()
    assert delivery.attempts == deliver.MAX_ATTEMPTS
    assert delivery.last_error.startswith(
        f"Gave up after {deliver.MAX_ATTEMPTS} attempts."
    )


def test_a_hanging_receiver_times_out_and_the_others_still_get_theirs(
    receivers, account_manager, sales_manager, quick_timeouts
):
    hanging = receivers(hang_seconds=30)
    quick = receivers()
    endpoint_for(hanging, name="Slow desk", events=[E.CASE_LOGGED])
    endpoint_for(quick, name="CRM", events=[E.CASE_LOGGED])
    make_case(account_manager)
    started = time.monotonic()
    outcomes = deliver_due()
    assert time.monotonic() - started < 10
    assert sorted(outcomes) == [OutboxStatus.PENDING, OutboxStatus.SENT]
    slow = HttpDelivery.objects.get(endpoint__name="Slow desk")
    assert slow.last_error == "No answer within 1 s."
    assert slow.due_at > timezone.now()
    assert types(quick) == [E.CASE_LOGGED]

    # Later the desk answers again: the retry goes, same id.
    hanging.hang_seconds = 0
    hanging.release.set()
    make_due()
    assert deliver_due() == [OutboxStatus.SENT]
    ids = {r.headers["webhook-id"] for r in hanging.wait_for(2)}
    assert ids == {slow.message_id}


def test_a_redirect_is_not_followed(receivers, account_manager, sales_manager):
    receiver = receivers(answers=[302])
    endpoint_for(receiver, events=[E.CASE_LOGGED])
    make_case(account_manager)
    deliver_due()
    delivery = HttpDelivery.objects.get()
    assert delivery.last_status == 302
    assert "redirects are not followed" in delivery.last_error


def test_a_switched_off_endpoint_gets_nothing_more(
    receivers, account_manager, sales_manager
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, events=[E.CASE_LOGGED])
    make_case(account_manager)
    endpoint.active = False
    endpoint.save()
    assert deliver_due() == [OutboxStatus.SKIPPED]
    assert receiver.received == []


def test_a_claim_left_by_a_dead_worker_is_taken_back_and_sent_once(
    receivers, account_manager, sales_manager
):
    receiver = receivers()
    endpoint_for(receiver, events=[E.CASE_LOGGED])
    make_case(account_manager)
    delivery = HttpDelivery.objects.get()
    assert deliver._claim(delivery.pk) is not None  # the worker dies here
    assert deliver.delivery_send(delivery.pk) == ""  # held: not sent twice
    assert deliver.release_stuck(lease_seconds=0) == 1
    assert deliver_due() == [OutboxStatus.SENT]
    assert deliver_due() == []
    assert len(receiver.received) == 1


def test_the_page_answers_at_once_whatever_the_endpoint_does(
    client, receivers, account_manager, sales_manager
):
    """Logging a dropped ball only records the delivery: the page never
    talks to the endpoint, however long it hangs."""
    hanging = receivers(hang_seconds=30)
    endpoint_for(hanging, events=[E.CASE_LOGGED])
    client.force_login(account_manager)
    form = client.get(reverse("case_new")).content.decode()
    key = form.split('name="submission_key" value="')[1].split('"')[0]
    started = time.monotonic()
    response = client.post(
        reverse("case_new"),
        {
            "submission_key": key,
            "new_client_name": "Northwind",
            "commitment": "On-site training on the 12th",
            "what_happened": "The trainer's flight was cancelled.",
            "severity": "high",
        },
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 2
    assert hanging.received == [] and not hanging.hanging.is_set()
    assert HttpDelivery.objects.get().status == OutboxStatus.PENDING
