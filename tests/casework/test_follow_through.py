"""Honest follow-through: settling early needs a reason and is recorded as
early; a wrong click can be undone (by its author for a few minutes, then by
a sales manager with a reason); managers send back to a chosen step, decline
any offer; the owner withdraws an offer not yet delivered."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.casework.services import cases as case_services
from cases.casework.services import compensation, promises, settlements, steps
from cases.casework.services.compensation import offered_total
from cases.choices import Approval, FollowUpStatus, PromiseStatus, Step
from cases.exceptions import NotAllowed, TransitionNotAllowed
from cases.models import Case, Compensation, FollowUp, OutboxMessage, Promise
from tests.factories import case_in_step, version_of

NOW = timezone.make_aware(dt.datetime(2026, 6, 10, 10, 0))
TODAY = NOW.date()
LATER = TODAY + dt.timedelta(days=5)


@pytest.fixture
def at_ten(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def follow_up_case(at_ten, account_manager, sales_manager):
    return case_in_step(Step.FOLLOW_UP, owner=account_manager)


def follow_up(case, due=LATER):
    return FollowUp.objects.create(case=case, due_on=due, purpose="Check in")


def promise(case, by, due=LATER):
    return promises.promise_make(
        case_id=case.pk, by=by, description="Send the new plan", due_on=due
    )


def done(case, by, item, **extra):
    return steps.follow_up_settle(
        case_id=case.pk,
        by=by,
        follow_up_id=item.pk,
        status=FollowUpStatus.DONE,
        notes="Went well",
        **extra,
    )


# Early, with a reason


def test_a_follow_up_done_before_its_day_needs_a_reason(
    follow_up_case, account_manager
):
    item = follow_up(follow_up_case)
    with pytest.raises(NotAllowed, match="say why it is early; nothing was saved"):
        done(follow_up_case, account_manager, item, early_reason="  ")
    item.refresh_from_db()
    assert item.status == FollowUpStatus.SCHEDULED

    done(follow_up_case, account_manager, item, early_reason="They called first")
    item.refresh_from_db()
    assert (item.status, item.settled_early, item.early_reason) == (
        FollowUpStatus.DONE,
        True,
        "They called first",
    )
    assert item.settled_by == account_manager
    entry = follow_up_case.timeline.get(kind="follow_up")
    assert entry.summary == (
        "Follow-up of 15 Jun 2026 done, done early: They called first."
    )


def test_on_its_day_a_follow_up_is_done_without_a_reason_and_not_early(
    follow_up_case, account_manager
):
    item = follow_up(follow_up_case, due=TODAY)
    done(follow_up_case, account_manager, item, early_reason="ignored on the day")
    item.refresh_from_db()
    assert (item.settled_early, item.early_reason) == (False, "")


def test_a_promise_kept_early_needs_a_reason_and_says_so(
    follow_up_case, account_manager
):
    made = promise(follow_up_case, account_manager)
    with pytest.raises(NotAllowed, match="due on 15 Jun 2026"):
        promises.promise_settle(
            case_id=follow_up_case.pk, by=account_manager, promise_id=made.pk, kept=True
        )
    assert Promise.objects.get(pk=made.pk).status == PromiseStatus.OPEN
    promises.promise_settle(
        case_id=follow_up_case.pk,
        by=account_manager,
        promise_id=made.pk,
        kept=True,
        early_reason="The plan was ready",
    )
    made.refresh_from_db()
    assert (made.status, made.settled_early, made.early_reason) == (
        PromiseStatus.KEPT,
        True,
        "The plan was ready",
    )
    assert follow_up_case.timeline.filter(
        summary="Kept the promise “Send the new plan”, kept early: The plan was ready."
    ).exists()


# Undo


def test_the_author_undoes_a_done_within_the_window_without_a_reason(
    follow_up_case, account_manager, at_ten
):
    item = follow_up(follow_up_case, due=TODAY)
    done(follow_up_case, account_manager, item)
    at_ten.move_to(NOW + dt.timedelta(minutes=9), tick=False)
    before = version_of(follow_up_case)
    settlements.follow_up_undo(
        case_id=follow_up_case.pk, by=account_manager, follow_up_id=item.pk
    )
    item.refresh_from_db()
    assert (item.status, item.settled_at, item.settled_by) == (
        FollowUpStatus.SCHEDULED,
        None,
        None,
    )
    assert item.notes == "Went well"
    assert version_of(follow_up_case) == before + 1
    entry = follow_up_case.timeline.get(kind="undone")
    assert entry.summary == (
        "Undid “done” on the follow-up of 10 Jun 2026: it is scheduled again."
    )
    assert entry.changes == [{"field": "Status", "old": "Done", "new": "Scheduled"}]


def test_after_the_window_the_author_may_not_undo_but_a_manager_may_with_a_reason(
    follow_up_case, account_manager, sales_manager, at_ten
):
    item = follow_up(follow_up_case, due=TODAY)
    done(follow_up_case, account_manager, item)
    at_ten.move_to(NOW + dt.timedelta(minutes=11), tick=False)
    with pytest.raises(NotAllowed, match="ask your sales manager"):
        settlements.follow_up_undo(
            case_id=follow_up_case.pk, by=account_manager, follow_up_id=item.pk
        )
    with pytest.raises(NotAllowed, match="needs a reason"):
        settlements.follow_up_undo(
            case_id=follow_up_case.pk, by=sales_manager, follow_up_id=item.pk
        )
    assert FollowUp.objects.get(pk=item.pk).status == FollowUpStatus.DONE
    settlements.follow_up_undo(
        case_id=follow_up_case.pk,
        by=sales_manager,
        follow_up_id=item.pk,
        reason="Held with the wrong client",
    )
    assert FollowUp.objects.get(pk=item.pk).status == FollowUpStatus.SCHEDULED
    entry = follow_up_case.timeline.get(kind="undone")
    assert entry.actor == sales_manager
    assert entry.summary.endswith("Why: Held with the wrong client")


def test_undoing_a_missed_promise_withdraws_its_second_drop(
    follow_up_case, account_manager, at_ten
):
    made = promise(follow_up_case, account_manager, due=TODAY)
    promises.promise_settle(
        case_id=follow_up_case.pk, by=account_manager, promise_id=made.pk, kept=False
    )
    assert follow_up_case.promises.filter(status=PromiseStatus.MISSED).count() == 1
    settlements.promise_undo(
        case_id=follow_up_case.pk, by=account_manager, promise_id=made.pk
    )
    made.refresh_from_db()
    assert (made.status, made.settled_by) == (PromiseStatus.OPEN, None)
    assert not follow_up_case.promises.filter(status=PromiseStatus.MISSED).exists()
    assert "no longer counts as a second drop" in (
        follow_up_case.timeline.get(kind="undone").summary
    )
    # Settled again, it is a promise like any other.
    promises.promise_settle(
        case_id=follow_up_case.pk, by=account_manager, promise_id=made.pk, kept=True
    )
    assert Promise.objects.get(pk=made.pk).status == PromiseStatus.KEPT


def test_an_undone_miss_cancels_its_waiting_alert_and_a_new_miss_alerts_again(
    follow_up_case, account_manager, sales_manager, at_ten, time_machine
):
    made = promise(follow_up_case, account_manager, due=TODAY)

    def alerts(status):
        return OutboxMessage.objects.filter(
            case=follow_up_case, kind="second_drop", status=status
        ).count()

    promises.promise_settle(
        case_id=follow_up_case.pk, by=account_manager, promise_id=made.pk, kept=False
    )
    waiting = alerts("pending")
    assert waiting == 2  # the owner and the manager
    settlements.promise_undo(
        case_id=follow_up_case.pk, by=account_manager, promise_id=made.pk
    )
    assert (alerts("pending"), alerts("skipped")) == (0, waiting)
    assert (
        OutboxMessage.objects.filter(
            last_error="Not sent: the miss was undone."
        ).count()
        == waiting
    )
    # Missed again for real: the alert goes out again, under its own key.
    time_machine.shift(dt.timedelta(minutes=1))
    promises.promise_settle(
        case_id=follow_up_case.pk, by=account_manager, promise_id=made.pk, kept=False
    )
    assert (alerts("pending"), alerts("skipped")) == (waiting, waiting)


def test_someone_else_may_not_undo_within_the_window_unless_a_manager(
    follow_up_case, account_manager, sales_manager, at_ten
):
    made = promise(follow_up_case, sales_manager, due=TODAY)
    promises.promise_settle(
        case_id=follow_up_case.pk, by=sales_manager, promise_id=made.pk, kept=True
    )
    # The owner did not click it: only the manager's own few minutes count.
    with pytest.raises(NotAllowed, match="Only the person who clicked"):
        settlements.promise_undo(
            case_id=follow_up_case.pk, by=account_manager, promise_id=made.pk
        )
    settlements.promise_undo(
        case_id=follow_up_case.pk, by=sales_manager, promise_id=made.pk
    )
    assert Promise.objects.get(pk=made.pk).status == PromiseStatus.OPEN


def test_nothing_to_undo_is_refused(follow_up_case, account_manager):
    item = follow_up(follow_up_case)
    with pytest.raises(NotAllowed, match="not marked done or missed"):
        settlements.follow_up_undo(
            case_id=follow_up_case.pk, by=account_manager, follow_up_id=item.pk
        )


def offer(case, by, cost="50"):
    return compensation.compensation_offer(
        case_id=case.pk,
        by=by,
        kind="training",
        description="A free session",
        value_to_client=Decimal("200"),
        cost_to_us=Decimal(cost),
    )


@pytest.fixture
def compensate(at_ten, account_manager, sales_manager):
    return case_in_step(Step.COMPENSATE, owner=account_manager)


def test_a_delivery_is_undone_by_its_author_and_records_who_delivered(
    compensate, account_manager
):
    made = offer(compensate, account_manager)
    compensation.compensation_deliver(
        case_id=compensate.pk,
        by=account_manager,
        compensation_id=made.pk,
        delivered_on=TODAY,
    )
    made.refresh_from_db()
    assert (made.delivered_by, made.delivered_at) == (account_manager, NOW)
    settlements.compensation_undo_delivery(
        case_id=compensate.pk, by=account_manager, compensation_id=made.pk
    )
    made.refresh_from_db()
    assert (made.delivered_on, made.delivered_by, made.delivered_at) == (
        None,
        None,
        None,
    )
    entry = compensate.timeline.get(kind="undone")
    assert entry.changes == [
        {"field": "Status", "old": "Delivered 10 Jun 2026", "new": "Not delivered"}
    ]


# Managers act precisely


def test_a_manager_sends_back_to_a_chosen_earlier_step(
    at_ten, account_manager, sales_manager
):
    case = case_in_step(Step.APOLOGISE, owner=account_manager)
    moved = case_services.case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="The options were thin",
        version=version_of(case),
        to=Step.OPTIONS,
    )
    assert moved.step == Step.OPTIONS
    entry = case.timeline.get(kind="sent_back")
    assert entry.summary == "Sent the case back to Options: The options were thin"
    assert entry.changes == [{"field": "Step", "old": "Apologise", "new": "Options"}]
    mail = OutboxMessage.objects.get(case=case, kind="case_sent_back")
    assert mail.context["step"] == "Options"
    assert mail.recipient == account_manager


def test_send_back_defaults_to_the_step_before_and_refuses_a_later_one(
    at_ten, account_manager, sales_manager
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    with pytest.raises(TransitionNotAllowed, match="earlier step"):
        case_services.case_send_back(
            case_id=case.pk,
            by=sales_manager,
            reason="x",
            version=version_of(case),
            to=Step.COMPENSATE,
        )
    with pytest.raises(TransitionNotAllowed, match="earlier step"):
        case_services.case_send_back(
            case_id=case.pk,
            by=sales_manager,
            reason="x",
            version=version_of(case),
            to=Step.COMMUNICATE,
        )
    assert Case.objects.get(pk=case.pk).step == Step.COMMUNICATE
    moved = case_services.case_send_back(
        case_id=case.pk, by=sales_manager, reason="Redo", version=version_of(case)
    )
    assert moved.step == Step.OPTIONS


def test_a_manager_declines_an_offer_that_needed_no_approval(
    compensate, account_manager, sales_manager
):
    made = offer(compensate, account_manager)
    assert made.approval == Approval.NOT_NEEDED
    compensation.compensation_decide(
        case_id=compensate.pk,
        by=sales_manager,
        compensation_id=made.pk,
        approve=False,
        note="Not for this client",
        version=version_of(compensate),
    )
    made.refresh_from_db()
    assert made.approval == Approval.DECLINED
    assert offered_total(compensate) == 0
    entry = compensate.timeline.get(kind="approval")
    assert entry.changes == [
        {"field": "Approval", "old": "No approval needed", "new": "Declined"}
    ]
    assert OutboxMessage.objects.filter(
        case=compensate, kind="compensation_decided", recipient=account_manager
    ).exists()
    # Only a pending offer is approved; a declined one stays declined.
    with pytest.raises(NotAllowed, match="already declined"):
        compensation.compensation_decide(
            case_id=compensate.pk,
            by=sales_manager,
            compensation_id=made.pk,
            approve=False,
            note="",
            version=version_of(compensate),
        )


def test_a_delivered_offer_cannot_be_declined_and_four_eyes_hold(
    compensate, account_manager, sales_manager
):
    made = offer(compensate, account_manager)
    own = offer(compensate, sales_manager, cost="10")
    with pytest.raises(NotAllowed, match="someone else decides"):
        compensation.compensation_decide(
            case_id=compensate.pk,
            by=sales_manager,
            compensation_id=own.pk,
            approve=False,
            note="",
            version=version_of(compensate),
        )
    compensation.compensation_deliver(
        case_id=compensate.pk,
        by=account_manager,
        compensation_id=made.pk,
        delivered_on=TODAY,
    )
    with pytest.raises(NotAllowed, match="already delivered"):
        compensation.compensation_decide(
            case_id=compensate.pk,
            by=sales_manager,
            compensation_id=made.pk,
            approve=False,
            note="",
            version=version_of(compensate),
        )


def test_the_owner_withdraws_an_offer_not_yet_delivered(compensate, account_manager):
    made = offer(compensate, account_manager)
    kept = offer(compensate, account_manager, cost="30")
    assert offered_total(compensate) == Decimal("80")
    compensation.compensation_withdraw(
        case_id=compensate.pk,
        by=account_manager,
        compensation_id=made.pk,
        reason="The client prefers a credit",
        version=version_of(compensate),
    )
    made.refresh_from_db()
    assert (made.approval, made.decided_by, made.decision_note) == (
        Approval.WITHDRAWN,
        account_manager,
        "The client prefers a credit",
    )
    assert offered_total(compensate) == Decimal("30")
    assert compensate.timeline.filter(
        summary="Withdrew the offer: A free session (The client prefers a credit)."
    ).exists()
    with pytest.raises(NotAllowed, match="withdrawn; offer something else"):
        compensation.compensation_deliver(
            case_id=compensate.pk,
            by=account_manager,
            compensation_id=made.pk,
            delivered_on=TODAY,
        )
    compensation.compensation_deliver(
        case_id=compensate.pk,
        by=account_manager,
        compensation_id=kept.pk,
        delivered_on=TODAY,
    )
    with pytest.raises(NotAllowed, match="already delivered"):
        compensation.compensation_withdraw(
            case_id=compensate.pk,
            by=account_manager,
            compensation_id=kept.pk,
            reason="",
            version=version_of(compensate),
        )
    assert Compensation.objects.get(pk=kept.pk).approval == Approval.NOT_NEEDED
