"""The promise ledger: every promise made during a recovery, kept or missed."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from cases import workflow
from cases.casework.services import cases as services
from cases.casework.services import promises, steps
from cases.choices import ClientFit, FollowUpStatus, Outcome, PromiseStatus, Step
from cases.exceptions import AlreadySubmitted, NotAllowed, StepIncomplete
from cases.models import Case, OutboxMessage, Promise
from tests.factories import case_in_step, make_case

DUE = dt.date(2026, 4, 1)


@pytest.fixture
def case(account_manager, sales_manager):
    return make_case(account_manager)


def promise(case, by, description="Send the revised schedule", **extra):
    return promises.promise_make(
        case_id=case.pk, by=by, description=description, due_on=DUE, **extra
    )


def settle(case, by, item, *, kept):
    return promises.promise_settle(
        case_id=case.pk, by=by, promise_id=item.pk, kept=kept
    )


def second_drops(case):
    return OutboxMessage.objects.filter(case=case, kind="second_drop")


def test_making_a_promise_records_it_as_due_in_the_current_step(
    account_manager, sales_manager
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    made = promise(case, account_manager)
    made.refresh_from_db()
    assert made.status == PromiseStatus.OPEN
    assert made.made_by == account_manager
    assert made.made_in_step == Step.COMMUNICATE
    assert made.due_on == DUE
    assert made.settled_at is None
    entry = case.timeline.get(kind="promise")
    assert entry.summary == "Promised “Send the revised schedule” by 01 Apr 2026."
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_making_a_promise_twice_with_the_same_submission_key_saves_one(
    case, account_manager
):
    key = uuid.uuid4()
    promise(case, account_manager, submission_key=key)
    with pytest.raises(AlreadySubmitted):
        promise(case, account_manager, submission_key=key)
    assert Promise.objects.filter(case=case).count() == 1


def test_a_closed_case_takes_no_new_promises(account_manager, sales_manager):
    case = case_in_step(Step.CLOSED, owner=account_manager)
    with pytest.raises(NotAllowed, match="closed"):
        promise(case, account_manager)
    assert not case.promises.exists()


def test_keeping_a_promise_settles_it_without_alarm(case, account_manager):
    made = promise(case, account_manager)
    settle(case, account_manager, made, kept=True)
    made.refresh_from_db()
    assert made.status == PromiseStatus.KEPT
    assert made.settled_by == account_manager
    assert made.settled_at is not None
    assert case.timeline.filter(
        kind="promise", summary="Kept the promise “Send the revised schedule”."
    ).exists()
    assert not case.timeline.filter(kind="second_drop").exists()
    assert not second_drops(case).exists()


def test_missing_a_promise_is_a_second_drop_on_the_timeline(case, account_manager):
    made = promise(case, account_manager)
    settle(case, account_manager, made, kept=False)
    made.refresh_from_db()
    assert made.status == PromiseStatus.MISSED
    entry = case.timeline.get(kind="second_drop")
    assert entry.actor == account_manager
    assert "Send the revised schedule" in entry.summary
    assert entry.changes == [{"field": "Promise", "old": "Due", "new": "Missed"}]


def test_missing_a_promise_alerts_the_owner_and_the_manager_once_each(
    case, account_manager, sales_manager
):
    made = promise(case, account_manager)
    settle(case, account_manager, made, kept=False)
    recipients = sorted(
        second_drops(case).values_list("recipient__username", flat=True)
    )
    assert recipients == ["alice", "sam"]


def test_a_missed_promise_on_a_managers_own_case_alerts_them_once(sales_manager, team):
    case = make_case(sales_manager)
    made = promise(case, sales_manager)
    settle(case, sales_manager, made, kept=False)
    assert list(second_drops(case).values_list("recipient", flat=True)) == [
        sales_manager.pk
    ]


@pytest.mark.parametrize("first", [True, False], ids=["kept", "missed"])
@pytest.mark.parametrize("second", [True, False], ids=["kept", "missed"])
def test_a_promise_is_settled_only_once(case, account_manager, first, second):
    made = promise(case, account_manager)
    settle(case, account_manager, made, kept=first)
    version = Case.objects.get(pk=case.pk).version

    with pytest.raises(NotAllowed, match="already marked"):
        settle(case, account_manager, made, kept=second)

    made.refresh_from_db()
    assert made.status == (PromiseStatus.KEPT if first else PromiseStatus.MISSED)
    assert Case.objects.get(pk=case.pk).version == version
    assert case.timeline.filter(kind="second_drop").count() == (0 if first else 1)
    assert second_drops(case).count() == (0 if first else 2)


def test_a_teammate_cannot_settle_someone_elses_promise(
    case, account_manager, teammate
):
    made = promise(case, account_manager)
    with pytest.raises(Case.DoesNotExist):
        settle(case, teammate, made, kept=False)
    made.refresh_from_db()
    assert made.status == PromiseStatus.OPEN


def test_follow_up_cannot_complete_while_a_promise_is_open(
    account_manager, sales_manager
):
    # A promise made while communicating is still owed in follow-up.
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    made = Promise.objects.create(
        case=case,
        description="Send the revised schedule",
        due_on=DUE,
        made_by=account_manager,
        made_in_step=Step.COMMUNICATE,
    )
    follow_up = steps.follow_up_schedule(
        case_id=case.pk, by=account_manager, due_on=DUE, purpose="Check in"
    )
    steps.follow_up_settle(
        case_id=case.pk,
        by=account_manager,
        follow_up_id=follow_up.pk,
        status=FollowUpStatus.DONE,
        notes="",
    )
    assert workflow.missing_for(case) == ["Settle 1 open promise: kept or missed."]

    def close():
        return services.case_close(
            case_id=case.pk,
            by=account_manager,
            version=Case.objects.get(pk=case.pk).version,
            outcome=Outcome.RETAINED,
            lessons="Write promises down.",
            client_fit=ClientFit.GOOD,
        )

    with pytest.raises(StepIncomplete) as refused:
        close()
    assert refused.value.missing == ["Settle 1 open promise: kept or missed."]
    assert Case.objects.get(pk=case.pk).step == Step.FOLLOW_UP

    settle(case, account_manager, made, kept=True)
    assert workflow.missing_for(case) == []
    close()
    assert Case.objects.get(pk=case.pk).step == Step.CLOSED


def test_a_follow_up_cannot_be_missed_before_its_day(account_manager, sales_manager):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    later = steps.follow_up_schedule(
        case_id=case.pk,
        by=account_manager,
        due_on=timezone.localdate() + dt.timedelta(days=7),
        purpose="Review",
    )
    with pytest.raises(NotAllowed):
        steps.follow_up_settle(
            case_id=case.pk,
            by=account_manager,
            follow_up_id=later.pk,
            status="missed",
            notes="",
        )
    # Held early, it is done: with the reason why, recorded as early.
    with pytest.raises(NotAllowed, match="say why it is early"):
        steps.follow_up_settle(
            case_id=case.pk,
            by=account_manager,
            follow_up_id=later.pk,
            status="done",
            notes="Early",
        )
    done = steps.follow_up_settle(
        case_id=case.pk,
        by=account_manager,
        follow_up_id=later.pk,
        status="done",
        notes="Early",
        early_reason="They had time on Monday",
    )
    assert (done.status, done.settled_early) == ("done", True)


def test_a_second_drop_is_flagged_at_the_top_of_the_case_page(
    client, account_manager, sales_manager
):
    case = make_case(account_manager)
    client.force_login(account_manager)
    assert (
        'data-testid="second-drop-flag"'
        not in client.get(case.get_absolute_url()).content.decode()
    )
    promise = promises.promise_make(
        case_id=case.pk,
        by=account_manager,
        description="Call back",
        due_on=timezone.localdate(),
    )
    promises.promise_settle(
        case_id=case.pk, by=account_manager, promise_id=promise.pk, kept=False
    )
    html = client.get(case.get_absolute_url()).content.decode()
    flag = html.split('data-testid="second-drop-flag"')[1].split("</span>")[0]
    assert "1 promise missed" in flag
