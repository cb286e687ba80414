"""The emails people's actions cause (comments, hand-overs, send-backs,
compensation decisions, password resets) go through the outbox: the request
records them with the change and answers; the sender delivers them, however
the mail server is doing at the time."""

import datetime as dt
import socket
import time
import uuid

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from cases.choices import OutboxStatus, Step
from cases.models import Case, OutboxMessage
from cases.notifications.deliver import send_due
from cases.notifications.ids import message_id_for
from tests.factories import ClientFactory, case_in_step, make_case
from tests.notifications.conftest import Sink, free_port, use_smtp_at

# Far below the 30 s a hanging SMTP conversation would cost.
QUICK_SECONDS = 5


@pytest.fixture
def closed_port(settings):
    """The mail server is down: nothing listens where the backend points."""
    port = free_port()
    use_smtp_at(settings, port)
    return port


@pytest.fixture
def silent_server(settings):
    """A mail server that takes connections and never answers: any SMTP
    conversation with it would hang until its timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        use_smtp_at(settings, listener.getsockname()[1])
        yield listener


def timed_post(client, url, data):
    started = time.monotonic()
    response = client.post(url, data)
    return response, time.monotonic() - started


def action(case, name: str) -> str:
    return reverse("case_action", args=[case.pk, name])


def comment_form(text: str) -> dict:
    """The comment form as the page draws it, with its one-time key."""
    return {"comment-text": text, "comment-submission_key": str(uuid.uuid4())}


def keys(kind: str) -> list[str]:
    return list(
        OutboxMessage.objects.filter(kind=kind).values_list("dedupe_key", flat=True)
    )


@pytest.mark.django_db(transaction=True)
def test_with_the_mail_server_down_actions_answer_and_their_emails_follow_later(
    client, clock, closed_port, account_manager, sales_manager, teammate
):
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager)
    client.force_login(sales_manager)
    answers = [
        timed_post(client, action(case, "comment"), comment_form("Call them")),
        timed_post(
            client,
            action(case, "send_back"),
            {
                "send_back-version": case.version,
                "send_back-reason": "Name the whole team",
            },
        ),
        timed_post(
            client,
            action(case, "reassign"),
            # The send-back just before changed the case: a fresh page's version.
            {
                "reassign-owner": teammate.pk,
                "reassign-version": Case.objects.get(pk=case.pk).version,
            },
        ),
    ]
    client.logout()
    answers.append(
        timed_post(client, reverse("password_reset"), {"email": teammate.email})
    )

    assert [response.status_code for response, _ in answers] == [302] * 4
    assert max(seconds for _, seconds in answers) < QUICK_SECONDS
    kinds = ["case_comment", "case_sent_back", "case_reassigned", "password_reset"]
    for kind in kinds:
        assert len(keys(kind)) == 1, kind

    # The worker's first try finds the server down: everything waits.
    assert send_due() == 0
    waiting = OutboxMessage.objects.all()
    assert {m.status for m in waiting} == {OutboxStatus.PENDING}
    assert all("Could not connect" in m.last_error for m in waiting)

    sink = Sink()
    server = Controller(sink, hostname="127.0.0.1", port=closed_port)
    server.start()
    try:
        clock.shift(dt.timedelta(minutes=2))  # past the first retry's wait
        assert send_due() == waiting.count()
    finally:
        server.stop()

    assert {m.status for m in OutboxMessage.objects.all()} == {OutboxStatus.SENT}
    by_id = {m["Message-ID"]: m for m in sink.messages}
    assert len(by_id) == len(sink.messages)  # each once
    comment, sent_back, reassigned, reset = (
        by_id[message_id_for(key)] for kind in kinds for key in keys(kind)
    )
    assert (comment["To"], sent_back["To"]) == (account_manager.email,) * 2
    assert "Call them" in comment.get_body(("plain",)).get_content()
    assert "Name the whole team" in sent_back.get_body(("plain",)).get_content()
    assert (reassigned["To"], reset["To"]) == (teammate.email,) * 2
    assert "/accounts/reset/" in reset.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_a_mail_server_that_never_answers_is_not_asked_during_the_request(
    client, silent_server, account_manager, sales_manager
):
    case = make_case(account_manager)
    client.force_login(sales_manager)

    response, seconds = timed_post(
        client, action(case, "comment"), comment_form("Call them")
    )

    assert response.status_code == 302 and seconds < QUICK_SECONDS
    # Nobody knocked: the request never opened an SMTP connection.
    silent_server.setblocking(False)
    with pytest.raises(BlockingIOError):
        silent_server.accept()
    assert len(keys("case_comment")) == 1


@pytest.mark.django_db
def test_a_client_name_with_a_line_break_never_breaks_an_email(
    client, smtp_sink, account_manager, sales_manager, team
):
    name = "Harbour\nLogistics\r\nLtd"
    case = case_in_step(
        Step.ROOT_CAUSE,
        owner=account_manager,
        client=ClientFactory(team=team, name=name),
    )
    client.force_login(sales_manager)

    comment = client.post(action(case, "comment"), comment_form("Call them"))
    back = client.post(
        action(case, "send_back"),
        {"send_back-version": case.version, "send_back-reason": "Name the whole team"},
    )

    assert (comment.status_code, back.status_code) == (302, 302)
    send_due()
    assert {m.status for m in OutboxMessage.objects.all()} == {OutboxStatus.SENT}
    subjects = [m["Subject"] for m in smtp_sink.messages]
    assert len(subjects) == 3  # the manager's alert, the comment, the send-back
    assert all("Harbour Logistics Ltd" in subject for subject in subjects)
    assert not any("\n" in subject or "\r" in subject for subject in subjects)


@pytest.mark.django_db
def test_a_comment_submitted_twice_emails_once(
    client, clock, smtp_sink, account_manager, sales_manager
):
    case = make_case(account_manager)
    client.force_login(sales_manager)
    twice = comment_form("Call them today")
    for _ in range(2):
        client.post(action(case, "comment"), twice)
    client.post(action(case, "comment"), comment_form("And tomorrow"))

    send_due()

    comments = [m for m in smtp_sink.messages if "commented" in m["Subject"]]
    assert len(comments) == 2
    assert [m["To"] for m in comments] == [account_manager.email] * 2


@pytest.mark.django_db
def test_an_owner_who_muted_comments_is_not_emailed_about_them(
    client, smtp_sink, account_manager, sales_manager
):
    account_manager.muted_kinds = ["case_comment"]
    account_manager.save()
    case = make_case(account_manager)
    client.force_login(sales_manager)
    client.post(action(case, "comment"), comment_form("Call them"))

    send_due()

    [comment] = OutboxMessage.objects.filter(kind="case_comment")
    assert comment.status == OutboxStatus.SKIPPED
    assert not [m for m in smtp_sink.messages if m["To"] == account_manager.email]
