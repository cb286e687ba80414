"""Workflow races: every move carries what the page showed, and is refused once
that no longer holds; a comment sent many times at once is one comment; step
work is accepted only in its steps (issue 16, item 2).

The parallel posts are real: threads, each with its own database connection,
released at once against PostgreSQL.
"""

import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.casework.actions import ACTIONS
from cases.casework.services.compensation import compensation_offer
from cases.casework.views.page import STEP_FORMS
from cases.choices import (
    ApologyMethod,
    BossPermission,
    Channel,
    CompensationKind,
    Feasibility,
    OnBehalf,
    Step,
    TimelineKind,
)
from cases.models import Case, Compensation, Option, OutboxMessage, StepPeriod
from cases.workflow import WORK, may_do_in, missing_for
from tests.factories import ContactFactory, UserFactory, case_in_step
from tests.threads import in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def url(case, name):
    return reverse("case_action", args=[case.pk, name])


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def move_on_as_drawn(case) -> dict:
    """What the page's "Step complete: move on" button posts for the case now."""
    stored = fresh(case)
    return {"step": stored.step, "version": stored.version}


def send_back_as_drawn(case, reason="Redo this step, please") -> dict:
    return {"send_back-version": fresh(case).version, "send_back-reason": reason}


def errors(response) -> list[str]:
    return [
        m.message for m in get_messages(response.wsgi_request) if m.level_tag == "error"
    ]


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def root_cause_done(account_manager, sales_manager):
    """A case in Root cause, complete, with a chosen option already on record
    (as a case sent back from Options has), so Options is complete too."""
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager, complete=True)
    Option.objects.create(
        case=case,
        description="Send our senior trainer on Monday",
        cost_to_us=Decimal("200"),
        time_to_deliver="3 days",
        feasibility=Feasibility.HIGH,
        chosen=True,
    )
    return case


# Move on


def test_a_double_click_on_move_on_moves_one_step(
    client, account_manager, root_cause_done
):
    case = root_cause_done
    client.force_login(account_manager)
    drawn = move_on_as_drawn(case)

    first = client.post(url(case, "advance"), drawn)
    second = client.post(url(case, "advance"), drawn)

    assert first.status_code == second.status_code == 302
    assert fresh(case).step == Step.OPTIONS
    assert errors(second) == [
        "This case moved on to Options while you were looking; here it is as it is now."
    ]
    assert case.timeline.filter(kind=TimelineKind.ADVANCED).count() == 1
    assert list(
        StepPeriod.objects.filter(case=case, completed_at__isnull=True).values_list(
            "step", flat=True
        )
    ) == [Step.OPTIONS]


def test_two_move_ons_at_once_move_one_step(account_manager, root_cause_done):
    case = root_cause_done
    drawn = move_on_as_drawn(case)
    browsers = [signed_in(account_manager) for _ in range(2)]

    responses = in_threads(
        *[lambda b=b: b.post(url(case, "advance"), drawn) for b in browsers]
    )

    assert [r.status_code for r in responses] == [302, 302]
    assert fresh(case).step == Step.OPTIONS
    assert case.timeline.filter(kind=TimelineKind.ADVANCED).count() == 1


def test_a_stale_move_on_after_a_send_back_is_refused(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager, complete=True)
    owners_page = move_on_as_drawn(case)
    client.force_login(sales_manager)
    client.post(url(case, "send_back"), send_back_as_drawn(case, "Answer it again"))
    assert fresh(case).step == Step.ROOT_CAUSE  # complete: it could move on

    client.force_login(account_manager)
    response = client.post(url(case, "advance"), owners_page)

    assert fresh(case).step == Step.ROOT_CAUSE
    assert errors(response) == [
        "This case was sent back to Root cause while you were looking; here it is "
        "as it is now."
    ]
    assert not case.timeline.filter(kind=TimelineKind.ADVANCED).exists()


def test_a_stale_move_on_is_refused_even_back_in_the_same_step(
    client, account_manager, sales_manager
):
    # The owner's first tab showed Options; in a second tab they moved the
    # case on, and the manager sent it back to Options. "Move on from Options"
    # in the first tab refers to the visit before: the send-back stands.
    case = case_in_step(Step.OPTIONS, owner=account_manager, complete=True)
    first_tab = move_on_as_drawn(case)
    signed_in(account_manager).post(url(case, "advance"), move_on_as_drawn(case))
    signed_in(sales_manager).post(url(case, "send_back"), send_back_as_drawn(case))
    assert fresh(case).step == Step.OPTIONS

    client.force_login(account_manager)
    response = client.post(url(case, "advance"), first_tab)

    assert fresh(case).step == Step.OPTIONS
    [message] = errors(response)
    assert message.startswith(f"{sales_manager.get_full_name()} changed this case")
    assert "it is in Options now" in message


def test_a_move_on_without_what_the_page_showed_is_refused(
    client, account_manager, root_cause_done
):
    client.force_login(account_manager)
    response = client.post(url(root_cause_done, "advance"))
    assert fresh(root_cause_done).step == Step.ROOT_CAUSE
    assert errors(response) == [
        "This page is out of date: reload the case and try again."
    ]


# Send back and reassign


def test_a_send_back_with_an_old_version_is_refused(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager, complete=True)
    managers_page = send_back_as_drawn(case, "Call them, do not email")
    signed_in(account_manager).post(url(case, "advance"), move_on_as_drawn(case))
    assert fresh(case).step == Step.APOLOGISE

    client.force_login(sales_manager)
    response = client.post(url(case, "send_back"), managers_page)

    assert response.status_code == 200
    assert fresh(case).step == Step.APOLOGISE
    assert not case.timeline.filter(kind=TimelineKind.SENT_BACK).exists()
    assert not OutboxMessage.objects.filter(kind="case_sent_back").exists()
    html = response.content.decode()
    assert "changed this case while you were looking (it is in Apologise now)" in html
    # The reason is kept, now based on the latest save: sending again works.
    assert 'value="Call them, do not email"' in html
    again = client.post(url(case, "send_back"), send_back_as_drawn(case, "Call them"))
    assert again.status_code == 302
    assert fresh(case).step == Step.COMMUNICATE


def test_two_managers_reassigning_from_the_same_page_hand_it_over_once(
    account_manager, teammate, sales_manager, team
):
    zed = UserFactory(username="zed", role="account_manager", teams=[team])
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    version = fresh(case).version
    browser = signed_in(sales_manager)

    to_bob = browser.post(
        url(case, "reassign"),
        {"reassign-owner": teammate.pk, "reassign-version": version},
    )
    to_zed = browser.post(
        url(case, "reassign"), {"reassign-owner": zed.pk, "reassign-version": version}
    )

    assert (to_bob.status_code, to_zed.status_code) == (302, 200)
    assert fresh(case).owner == teammate
    assert "changed this case while you were looking" in to_zed.content.decode()
    assert case.timeline.filter(kind=TimelineKind.REASSIGNED).count() == 1


# Compensation decisions


def an_offer(case, by, cost="25") -> Compensation:
    return compensation_offer(
        case_id=case.pk,
        by=by,
        kind=CompensationKind.TRAINING,
        description="An extra training session",
        value_to_client=Decimal("100"),
        cost_to_us=Decimal(cost),
    )


def none_due_as_drawn(case, reason="The client asked for nothing more.") -> dict:
    """What the page's no-compensation form posts for the case now."""
    return {
        "no_compensation-version": fresh(case).version,
        "no_compensation-reason": reason,
    }


def test_a_none_due_decided_on_a_page_drawn_before_an_offer_is_refused(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    page = none_due_as_drawn(case, "Nothing is due: the client caused the delay.")
    # Made in another tab; no approval needed, so only its delivery (or a
    # none-due decided knowing of it) completes the step.
    an_offer(case, account_manager)
    stored = fresh(case)
    entries = case.timeline.count()
    client.force_login(account_manager)

    response = client.post(url(case, "no_compensation"), page)

    assert response.status_code == 200
    html = response.content.decode()
    assert "saved this case while you were editing" in html
    assert "Your changes were not saved" in html
    after = fresh(case)
    assert after.no_compensation_reason == ""
    assert after.version == stored.version
    assert case.timeline.count() == entries
    assert missing_for(after) != []
    # The reason is kept, based on the latest save: recording it again works.
    assert "Nothing is due: the client caused the delay." in html
    assert f'name="no_compensation-version" value="{stored.version}"' in html


def test_a_none_due_racing_an_offer_never_leaves_both(account_manager, sales_manager):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    page = none_due_as_drawn(case)

    def none_due():
        return signed_in(account_manager).post(url(case, "no_compensation"), page)

    def offer():
        return an_offer(case, account_manager)

    in_threads(none_due, offer)

    # Whichever went first, the offer stands and no "none due" overrides it:
    # an offer clears the reason, and a none-due drawn before it is refused.
    stored = fresh(case)
    assert stored.compensations.count() == 1
    assert stored.no_compensation_reason == ""


def test_a_none_due_without_the_version_is_refused(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    client.force_login(account_manager)
    response = client.post(
        url(case, "no_compensation"),
        {"no_compensation-reason": "The client asked for nothing more."},
    )
    assert response.status_code == 200
    assert fresh(case).no_compensation_reason == ""


def test_deciding_an_offer_outside_compensate_is_refused(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    waiting = an_offer(case, account_manager, cost="4000")
    assert waiting.approval == "pending"
    # Sent back with the offer still waiting: no decision until it returns.
    signed_in(sales_manager).post(url(case, "send_back"), send_back_as_drawn(case))
    assert fresh(case).step == Step.APOLOGISE
    client.force_login(sales_manager)
    assert (
        url(case, "decide") not in client.get(case.get_absolute_url()).content.decode()
    )

    response = client.post(
        url(case, "decide"),
        {
            "record": waiting.pk,
            "decision": "approve",
            "note": "",
            "version": fresh(case).version,
        },
    )

    assert errors(response) == [
        "Approving or declining a compensation belongs to the Compensate or Follow "
        "up steps; this case is in Apologise now, so nothing was saved. Complete "
        "the steps before it first."
    ]
    waiting.refresh_from_db()
    assert waiting.approval == "pending" and waiting.decided_by is None
    assert not OutboxMessage.objects.filter(kind="compensation_decided").exists()


def test_a_decision_on_an_out_of_date_page_is_refused(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    waiting = an_offer(case, account_manager, cost="4000")
    drawn_at = fresh(case).version
    an_offer(case, account_manager, cost="2000")  # the total grows meanwhile
    client.force_login(sales_manager)

    response = client.post(
        url(case, "decide"),
        {"record": waiting.pk, "decision": "approve", "note": "", "version": drawn_at},
    )

    [message] = errors(response)
    assert "changed this case while you were looking" in message
    waiting.refresh_from_db()
    assert waiting.approval == "pending" and waiting.decided_by is None


def test_a_decision_without_the_version_is_refused(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    waiting = an_offer(case, account_manager, cost="4000")
    client.force_login(sales_manager)
    response = client.post(
        url(case, "decide"), {"record": waiting.pk, "decision": "approve", "note": ""}
    )
    assert errors(response) == [
        "This page is out of date: reload the case and try again."
    ]
    waiting.refresh_from_db()
    assert waiting.approval == "pending"


# Comments


def test_eight_identical_comments_at_once_store_one_and_email_once(
    account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    form = {
        "comment-text": "Call them before Friday, please.",
        "comment-submission_key": str(uuid.uuid4()),
    }
    browsers = [signed_in(sales_manager) for _ in range(8)]

    responses = in_threads(
        *[lambda b=b: b.post(url(case, "comment"), form) for b in browsers]
    )

    assert [r.status_code for r in responses] == [302] * 8
    assert case.timeline.filter(kind=TimelineKind.COMMENT).count() == 1
    assert OutboxMessage.objects.filter(kind="case_comment").count() == 1


def test_a_comment_over_the_limit_is_refused_with_its_length(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(sales_manager)
    response = client.post(
        url(case, "comment"),
        {"comment-text": "x" * 4001, "comment-submission_key": str(uuid.uuid4())},
    )
    assert response.status_code == 200
    assert (
        "A comment can be at most 4,000 characters; this one has 4,001. Shorten "
        "it, or split it into two comments." in response.content.decode()
    )
    assert not case.timeline.filter(kind=TimelineKind.COMMENT).exists()


def test_a_comment_without_its_key_is_refused(client, account_manager, sales_manager):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(sales_manager)
    client.post(url(case, "comment"), {"comment-text": "Call them"})
    assert not case.timeline.filter(kind=TimelineKind.COMMENT).exists()


# Step work only in its steps


def key() -> str:
    return str(uuid.uuid4())


def out_of_step_posts():
    """(action, the step the case is in, what the form posts) for work posted
    in a step it does not belong to."""
    today = timezone.localdate().isoformat()
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    return [
        (
            "no_compensation",
            Step.FOLLOW_UP,
            {
                "no_compensation-version": "version",
                "no_compensation-reason": "The client asked for nothing more.",
            },
        ),
        (
            "no_compensation",
            Step.APOLOGISE,
            {
                "no_compensation-version": "version",
                "no_compensation-reason": "The client asked for nothing more.",
            },
        ),
        (
            "compensation",
            Step.APOLOGISE,
            {
                "compensation-submission_key": key(),
                "compensation-kind": CompensationKind.TRAINING,
                "compensation-description": "An extra session",
                "compensation-value_to_client": "100",
                "compensation-cost_to_us": "25",
            },
        ),
        (
            "person",
            Step.ROOT_CAUSE,
            {"person-submission_key": key(), "person-name": "Eve Buyer"},
        ),
        (
            "option",
            Step.COMMUNICATE,
            {
                "option-submission_key": key(),
                "option-description": "A loaner unit",
                "option-cost_to_us": "10",
                "option-time_to_deliver": "1 day",
                "option-feasibility": Feasibility.HIGH,
            },
        ),
        ("choose_option", Step.COMMUNICATE, {"record": "option", "chosen": ""}),
        (
            "client_contact",
            Step.APOLOGISE,
            {
                "client_contact-submission_key": key(),
                "client_contact-happened_at": now,
                "client_contact-channel": Channel.CALL,
                "client_contact-summary": "Called again.",
                "client_contact-boss_permission": BossPermission.NOT_ASKED,
            },
        ),
        (
            "apology",
            Step.COMPENSATE,
            {
                "apology-submission_key": key(),
                "apology-contacts": "contact",
                "apology-method": ApologyMethod.CALL,
                "apology-on_behalf": OnBehalf.COMPANY,
                "apology-apologised_on": today,
            },
        ),
        (
            "root_cause",
            Step.OPTIONS,
            {"root_cause-version": "version", "root_cause-our_view": "Rewritten."},
        ),
        ("deliver", Step.APOLOGISE, {"record": "compensation", "delivered_on": today}),
        (
            "close",
            Step.COMPENSATE,
            {
                "close-version": "version",
                "close-outcome": "retained",
                "close-client_fit": "good",
                "close-lessons": "Keep a spare trainer.",
            },
        ),
    ]


@pytest.mark.parametrize(
    "name, step, data",
    out_of_step_posts(),
    ids=[f"{name}-in-{step}" for name, step, _ in out_of_step_posts()],
)
def test_step_work_posted_in_another_step_is_refused(
    client, account_manager, sales_manager, name, step, data
):
    case = case_in_step(step, owner=account_manager)
    newcomer = ContactFactory(client=case.client, name="Eve Buyer")
    case.contacts.add(newcomer)  # not apologised to yet
    offer = Compensation.objects.create(
        case=case,
        offered_by=account_manager,
        kind=CompensationKind.TRAINING,
        description="An extra session",
        value_to_client=Decimal("100"),
        cost_to_us=Decimal("25"),
        guideline=Decimal("100"),
        approval="not_needed",
    )
    stand_ins = {
        "option": Option.objects.filter(case=case).first(),
        "contact": newcomer,
        "compensation": offer,
    }
    case = fresh(case)
    for field, value in data.items():
        if value == "version":
            data[field] = case.version
        elif value in stand_ins:
            data[field] = stand_ins[value].pk
    entries = case.timeline.count()
    client.force_login(account_manager)

    response = client.post(url(case, name), data)

    assert response.status_code == 302
    [message] = errors(response)
    assert " belongs to the " in message
    assert f"this case is in {step.label} now, so nothing was saved" in message
    stored = fresh(case)
    assert (stored.version, stored.step) == (case.version, step)
    assert case.timeline.count() == entries
    assert stored.no_compensation_reason == ""


def test_the_message_says_where_the_work_belongs(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    client.force_login(account_manager)
    response = client.post(
        url(case, "no_compensation"),
        {
            "no_compensation-version": fresh(case).version,
            "no_compensation-reason": "The client asked for nothing more.",
        },
    )
    assert errors(response) == [
        "Recording that no compensation is due belongs to the Compensate step; this "
        "case is in Follow up now, so nothing was saved. If it needs redoing, ask "
        "your sales manager to send the case back."
    ]


@pytest.mark.parametrize("step", list(Step))
def test_each_step_offers_only_the_work_that_belongs_to_it(step):
    for name in STEP_FORMS[step]:
        assert may_do_in(name, step), (name, step)


def test_the_follow_up_page_offers_no_compensation_forms(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert url(case, "no_compensation") not in html
    assert url(case, "compensation") not in html
    assert url(case, "follow_up") in html


def test_someone_met_while_communicating_can_be_added_there(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    client.force_login(account_manager)
    assert url(case, "person") in client.get(case.get_absolute_url()).content.decode()
    response = client.post(
        url(case, "person"),
        {"person-submission_key": key(), "person-name": "Olivia Hart"},
    )
    assert response.status_code == 302 and errors(response) == []
    assert "Olivia Hart" in [c.name for c in fresh(case).contacts.all()]


def test_every_piece_of_step_work_has_its_steps_in_one_table():
    # Moves have their own table (FORWARD, BACK); comments and hand-overs
    # are not step work, nor are files (attached in any step). Deciding on an
    # offer is (it belongs to Compensate). A manager's override of the second
    # failure's measures is not either: it may come in any step.
    not_step_work = {
        "second_failure_override",
        "advance",
        "send_back",
        "comment",
        "reassign",
        "attach",
        "remove_attachment",
    }
    assert set(WORK) == set(ACTIONS) - not_step_work
