"""Email subjects are plain text on one line: "O'Brien & Sons", never
"O&#x27;Brien &amp; Sons"; severity and step by their labels (issue 17,
item 14). Every kind of email goes through the real render path."""

from email import message_from_bytes, policy

import pytest

from cases.choices import NotificationKind, Severity, Step
from cases.models import CLIENT_KINDS, OutboxMessage
from cases.notifications.record import client_email_record, outbox_add
from cases.notifications.render import render
from tests.factories import ClientFactory, ContactFactory, make_case

pytestmark = pytest.mark.django_db

NAME = "O'Brien & Sons <Ltd>"
PERSON = "Seán O'Neil & Co"
STEP = Step.ROOT_CAUSE.label

# Each kind's context, shaped as the code that records it shapes it (the
# step by its label, people by their names). A kind added to
# NotificationKind without an entry here fails the test below.
CONTEXTS = {
    NotificationKind.CASE_LOGGED: {},
    NotificationKind.APPROVAL_NEEDED: {
        "offered_by": PERSON,
        "description": "Free <b>seats</b> & more",
        "cost_to_us": "EUR 600.00",
        "value_to_client": "EUR 1,200.00",
    },
    NotificationKind.FOLLOW_UP_REMINDER: {
        "days_left": 2,
        "due_on": "2026-12-04",
        "due_on_text": "Friday 4 December",
        "purpose": "Check the <new> desk",
    },
    NotificationKind.PROMISE_REMINDER: {
        "days_left": -1,
        "due_on": "2026-12-01",
        "due_on_text": "Tuesday 1 December",
        "promise": "Send the report",
    },
    NotificationKind.SECOND_DROP: {"promise": "Call Dana & Co"},
    NotificationKind.PROGRESS_REPORT: {"cadence_days": 7},
    NotificationKind.STEP_WARNING: {"step": STEP, "late": False},
    NotificationKind.STEP_ESCALATION: {"step": STEP},
    NotificationKind.STEP_SECOND_ESCALATION: {"step": STEP, "late_hours": 9},
    NotificationKind.WEEKLY_DIGEST: {
        "week": "30 Nov to 6 Dec",
        "open_count": 3,
        "overdue_count": 1,
        "teams": ["Sales & Service"],
    },
    NotificationKind.CASE_COMMENT: {"by": PERSON, "comment": "A <note> & more"},
    NotificationKind.CASE_REASSIGNED: {"by": PERSON, "previous": PERSON},
    NotificationKind.CASE_SENT_BACK: {
        "by": PERSON,
        "reason": "Redo <it>",
        "step": STEP,
    },
    NotificationKind.COMPENSATION_DECIDED: {
        "by": PERSON,
        "approved": True,
        "note": "",
        "description": "Seats & more",
    },
    NotificationKind.SECOND_FAILURE: {
        "earlier": [{"pk": 3, "reasons": "still open, the same <part> of ours"}],
        "raised_from": "Medium",
        "factor": "0.5",
    },
    NotificationKind.PASSWORD_RESET: {},
    NotificationKind.RECIPIENT_UNREACHABLE: {"unreachable": PERSON, "about": "x"},
    NotificationKind.CLOCK_RESUMED: {
        "step": STEP,
        "until": "4 December",
        "reason": "Waiting for the client",
    },
    NotificationKind.MENTION: {"by": PERSON, "comment": "@sam can you <call>?"},
    NotificationKind.CLIENT_REPLY: {"sender": PERSON, "excerpt": "Thanks <all> & more"},
    NotificationKind.CHECK_IN_LOW: {
        "contact_name": PERSON,
        "score": 2,
        "buy_again": "No",
        "comment": "Still <waiting> & more",
    },
    # To a contact at the client: the owner writes the subject.
    NotificationKind.CLIENT_CONFIRMATION: {
        "subject": f"Our call about {NAME}",
        "body": "As agreed",
        "promises": [],
    },
    NotificationKind.CLIENT_CHECK_IN: {
        "check_in_link": "https://mend.example.com/c/x/",
        "expires_days": 30,
    },
}

# Kinds about no case.
CASELESS = {NotificationKind.PASSWORD_RESET, NotificationKind.WEEKLY_DIGEST}


def test_every_kind_has_a_context_here():
    assert set(CONTEXTS) == set(NotificationKind)


def test_every_subject_is_plain_text_with_labels(account_manager, sales_manager, team):
    client = ClientFactory(team=team, name=NAME)
    case = make_case(
        account_manager,
        client=client,
        severity=Severity.HIGH,
        commitment="Ship 40 <laptops> & docks",
    )
    contact = ContactFactory(client=client, name=PERSON, email="sean@client.example")
    for kind, context in CONTEXTS.items():
        if kind in CLIENT_KINDS:
            client_email_record(
                case=case,
                contact=contact,
                kind=kind,
                key=f"subject-test-{kind}",
                context=context,
            )
            continue
        outbox_add(
            case=None if kind in CASELESS else case,
            kind=kind,
            recipients=[account_manager],
            key=f"subject-test-{kind}",
            context=context,
        )
    messages = OutboxMessage.objects.filter(
        dedupe_key__contains="subject-test"
    ).select_related("case__client", "case__owner", "recipient", "contact")
    assert {m.kind for m in messages} == set(NotificationKind)

    for message in messages:
        email = render(message)
        subject = email.subject
        kind = message.kind
        for escaped in ("&#x27;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;"):
            assert escaped not in subject, (kind, subject)
        assert "\n" not in subject and "\r" not in subject, kind
        assert subject == " ".join(subject.split()), kind
        if message.case_id and kind != NotificationKind.CLIENT_CHECK_IN:
            assert NAME in subject, (kind, subject)
        # Codes never show, their labels do.
        assert "root_cause" not in subject, kind
        if "step" in CONTEXTS[kind]:
            assert STEP in subject, (kind, subject)
        # The subject survives the trip through a real mail header.
        raw = email.message().as_bytes()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert " ".join(parsed["Subject"].split()) == subject, kind

    logged = messages.get(kind=NotificationKind.CASE_LOGGED)
    assert f"({Severity.HIGH.label})" in render(logged).subject
    comment = messages.get(kind=NotificationKind.CASE_COMMENT)
    assert render(comment).subject.startswith(f"{PERSON} commented on {NAME}")
    assert "Ship 40 <laptops> & docks" in render(comment).subject


def test_plain_text_bodies_are_not_escaped_but_html_bodies_are(
    account_manager, sales_manager, team
):
    client = ClientFactory(team=team, name=NAME)
    case = make_case(account_manager, client=client)
    outbox_add(
        case=case,
        kind=NotificationKind.CASE_COMMENT,
        recipients=[account_manager],
        key="body-test",
        context={"by": PERSON, "comment": "A <note> & more"},
    )
    message = OutboxMessage.objects.select_related(
        "case__client", "case__owner", "recipient"
    ).get(dedupe_key__contains="body-test")
    email = render(message)
    assert NAME in email.body and "A <note> & more" in email.body
    html = email.alternatives[0][0]
    assert "O&#x27;Brien &amp; Sons &lt;Ltd&gt;" in html
    assert "<note>" not in html
