"""Check-ins: asked as a case closes and again later, once per contact and
round; answered once, by the client; a low answer alerts the owner and the
sales manager, who may reopen the case into Follow up."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import tasks
from cases.casework.services.cases import case_close, case_send_back
from cases.casework.services.check_ins import (
    AlreadyAnswered,
    check_in_answer,
    check_ins_send_due,
)
from cases.casework.services.contacts import contact_erase
from cases.choices import (
    BuyAgain,
    CheckInRound,
    ClientFit,
    NotificationKind,
    Outcome,
    Step,
    TimelineKind,
)
from cases.links import LinkGone
from cases.models import CheckIn, Notice, OutboxMessage
from recovery.celery import app
from tests.factories import (
    ClientFactory,
    ContactFactory,
    case_in_step,
    close_case,
    version_of,
)

pytestmark = pytest.mark.django_db

CHECK_IN = NotificationKind.CLIENT_CHECK_IN
DAY = dt.timedelta(days=1)


def closable(owner, *, emails=("dana@client.example.com",), no_email=0):
    client = ClientFactory(team=owner.teams.first())
    contacts = [
        ContactFactory(client=client, name=f"Person {n}", email=email)
        for n, email in enumerate(emails)
    ] + [ContactFactory(client=client, email="") for _ in range(no_email)]
    return case_in_step(
        Step.FOLLOW_UP, owner=owner, client=client, contacts=contacts, complete=True
    )


def answer(check_in, score=4, buy_again=BuyAgain.YES, comment=""):
    return check_in_answer(
        check_in_id=check_in.pk,
        nonce=check_in.nonce,
        score=score,
        buy_again=buy_again,
        comment=comment,
    )


def test_closing_asks_each_affected_contact_with_an_email_once(
    account_manager, sales_manager
):
    case = closable(
        account_manager,
        emails=("a@client.example.com", "b@client.example.com"),
        no_email=1,
    )
    close_case(case, account_manager)

    check_ins = list(CheckIn.objects.filter(case=case))
    assert [c.round for c in check_ins] == [CheckInRound.AT_CLOSE] * 2
    assert {c.contact.email for c in check_ins} == {
        "a@client.example.com",
        "b@client.example.com",
    }
    emails = OutboxMessage.objects.filter(case=case, kind=CHECK_IN)
    assert {m.contact_id for m in emails} == {c.contact_id for c in check_ins}
    assert all(m.context["check_in"] in {c.pk for c in check_ins} for m in emails)
    # The outbox holds no working link: it is made when the email is written.
    assert all("token" not in str(m.context) for m in emails)
    [sent] = case.timeline.filter(kind=TimelineKind.CHECK_IN_SENT)
    assert sent.summary == "Check-in emailed to Person 0, Person 1."

    # Reopened and closed again: nobody is asked a second time.
    case_send_back(
        case_id=case.pk, by=sales_manager, reason="More to do", version=version_of(case)
    )
    close_case(case, account_manager)
    assert CheckIn.objects.filter(case=case).count() == 2
    assert OutboxMessage.objects.filter(case=case, kind=CHECK_IN).count() == 2
    assert case.timeline.filter(kind=TimelineKind.CHECK_IN_SENT).count() == 1


def test_a_failed_close_asks_nobody(account_manager, sales_manager):
    case = closable(account_manager)
    with pytest.raises(Exception, match="Still missing"):
        case_close(
            case_id=case.pk,
            by=account_manager,
            version=version_of(case),
            outcome=Outcome.RECOVERED,
            lessons="",
            client_fit=ClientFit.GOOD,
        )
    assert not CheckIn.objects.exists()
    assert not OutboxMessage.objects.filter(kind=CHECK_IN).exists()


def test_the_later_round_is_due_the_set_number_of_days_after_closing(
    settings, time_machine, account_manager, sales_manager
):
    settings.MEND_CHECK_IN_AFTER_DAYS = 90
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
    case = closable(account_manager)
    close_case(case, account_manager)
    # A contact added after closing was never asked, so is not asked later.
    case.contacts.add(ContactFactory(client=case.client, name="Newcomer"))

    time_machine.move_to(dt.datetime(2026, 5, 31, 9, tzinfo=dt.UTC))  # day 89
    assert check_ins_send_due() == 0
    time_machine.move_to(dt.datetime(2026, 5, 31, 10, 1, tzinfo=dt.UTC))  # day 90
    assert check_ins_send_due() == 1
    assert check_ins_send_due() == 0

    later = CheckIn.objects.get(case=case, round=CheckInRound.LATER)
    assert later.contact.name == "Person 0"
    message = OutboxMessage.objects.get(
        case=case, kind=CHECK_IN, context__check_in=later.pk
    )
    assert message.context["later"] is True
    [entry] = case.timeline.filter(
        kind=TimelineKind.CHECK_IN_SENT, summary__contains="later"
    )
    assert entry.summary == "Check-in emailed to Person 0 (the later round)."


def test_a_reopened_case_gets_no_later_round_until_closed_again(
    settings, time_machine, account_manager, sales_manager
):
    settings.MEND_CHECK_IN_AFTER_DAYS = 10
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
    case = closable(account_manager)
    close_case(case, account_manager)
    case_send_back(
        case_id=case.pk, by=sales_manager, reason="Low answer", version=version_of(case)
    )
    time_machine.move_to(dt.datetime(2026, 3, 20, 10, tzinfo=dt.UTC))
    assert check_ins_send_due() == 0
    close_case(case, account_manager)
    time_machine.move_to(dt.datetime(2026, 3, 30, 10, 1, tzinfo=dt.UTC))
    assert check_ins_send_due() == 1


def test_an_answer_is_taken_once_and_lands_on_the_timeline(
    account_manager, sales_manager
):
    case = closable(account_manager)
    close_case(case, account_manager)
    check_in = CheckIn.objects.get(case=case)
    answer(check_in, score=5, buy_again=BuyAgain.YES, comment="Much better now.")

    check_in.refresh_from_db()
    assert (check_in.score, check_in.buy_again) == (5, BuyAgain.YES)
    assert check_in.answered_at is not None
    [entry] = case.timeline.filter(kind=TimelineKind.CHECK_IN_ANSWERED)
    assert entry.actor is None
    assert entry.summary == (
        "Person 0 answered the check-in: 5 of 5; would buy from us again: Yes."
    )
    assert entry.body == "Much better now."
    # Not low: nobody is alerted.
    assert not OutboxMessage.objects.filter(kind=NotificationKind.CHECK_IN_LOW)

    with pytest.raises(AlreadyAnswered):
        answer(check_in, score=1, buy_again=BuyAgain.NO)
    check_in.refresh_from_db()
    assert check_in.score == 5
    assert case.timeline.filter(kind=TimelineKind.CHECK_IN_ANSWERED).count() == 1


def test_an_answer_needs_the_rows_own_nonce(account_manager, sales_manager):
    case = closable(account_manager, emails=("a@x.example.com", "b@x.example.com"))
    close_case(case, account_manager)
    first, second = CheckIn.objects.filter(case=case)
    with pytest.raises(LinkGone):
        check_in_answer(
            check_in_id=second.pk, nonce=first.nonce, score=3, buy_again=BuyAgain.YES
        )
    assert not CheckIn.objects.filter(answered_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("score", "buy_again", "low"),
    [
        (2, BuyAgain.YES, True),
        (5, BuyAgain.NO, True),
        (3, BuyAgain.NOT_SURE, False),
    ],
)
def test_a_low_answer_alerts_the_owner_and_the_sales_manager(
    account_manager, sales_manager, score, buy_again, low
):
    case = closable(account_manager)
    close_case(case, account_manager)
    answer(CheckIn.objects.get(case=case), score=score, buy_again=buy_again)

    alerts = OutboxMessage.objects.filter(kind=NotificationKind.CHECK_IN_LOW)
    notices = Notice.objects.filter(kind=NotificationKind.CHECK_IN_LOW)
    if not low:
        assert not alerts.exists() and not notices.exists()
        return
    assert {m.recipient for m in alerts} == {account_manager, sales_manager}
    assert {n.recipient for n in notices} == {account_manager, sales_manager}
    assert alerts.first().context["score"] == score


def test_a_manager_reopens_a_case_after_a_low_answer_into_follow_up(
    account_manager, sales_manager
):
    case = closable(account_manager)
    close_case(case, account_manager)
    answer(CheckIn.objects.get(case=case), score=1, buy_again=BuyAgain.NO)
    reopened = case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="The client answered 1 of 5",
        version=version_of(case),
    )
    assert reopened.step == Step.FOLLOW_UP
    assert reopened.closed_at is None
    assert case.timeline.filter(
        kind=TimelineKind.SENT_BACK, summary__contains="answered 1 of 5"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_record_one(account_manager, sales_manager):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")  # CI runs PostgreSQL only
    case = closable(account_manager)
    close_case(case, account_manager)
    check_in = CheckIn.objects.get(case=case)
    results = []
    start = threading.Barrier(2)

    def submit(score):
        start.wait()
        try:
            answer(check_in, score=score)
            results.append("taken")
        except AlreadyAnswered:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(s,)) for s in (2, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["refused", "taken"]
    assert case.timeline.filter(kind=TimelineKind.CHECK_IN_ANSWERED).count() == 1


def test_the_case_page_shows_the_check_ins_and_offers_no_way_to_answer(
    client, account_manager, sales_manager
):
    case = closable(account_manager, emails=("a@x.example.com", "b@x.example.com"))
    close_case(case, account_manager)
    first, _unanswered = CheckIn.objects.filter(case=case)
    answer(first, score=1, buy_again=BuyAgain.NO, comment="Not <b>again</b>.")

    client.force_login(account_manager)
    text = client.get(case.get_absolute_url()).content.decode()
    card = text[text.index('data-testid="check-ins"') :]
    card = card[: card.index("</section>")]
    assert "Client check-ins" in card
    assert "1 of 5" in card and "Would buy again: <strong>No</strong>" in card
    assert "Not &lt;b&gt;again&lt;/b&gt;." in card
    assert "Not answered yet" in card
    assert 'data-testid="check-in-low"' in card
    assert "your sales manager, who can reopen" in card
    # No form anywhere on the page writes an answer for the client.
    assert 'name="score"' not in text and 'name="buy_again"' not in text

    client.force_login(sales_manager)
    card = client.get(case.get_absolute_url()).content.decode()
    assert 'reopen the case into Follow up with <a href="#manager-heading">' in card


def test_the_case_page_costs_the_same_queries_with_many_check_ins(
    client, account_manager, sales_manager
):
    def queries(case) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(case.get_absolute_url()).status_code == 200
        return len(captured)

    client.force_login(account_manager)
    few = closable(account_manager)
    close_case(few, account_manager)
    many = closable(account_manager, emails=[f"p{n}@x.example.com" for n in range(6)])
    close_case(many, account_manager)
    for check_in in CheckIn.objects.filter(case=many)[:3]:
        answer(check_in, score=2)
    assert queries(many) == queries(few)


def test_erasing_a_contact_scrubs_their_check_in(
    account_manager, sales_manager, administrator
):
    case = closable(account_manager)
    close_case(case, account_manager)
    check_in = CheckIn.objects.get(case=case)
    answer(check_in, score=4, comment="Person 0 here: better now.")
    contact_erase(contact_id=check_in.contact_id, by=administrator)
    check_in.refresh_from_db()
    assert "Person 0" not in check_in.comment
    assert check_in.score == 4
    assert not case.timeline.filter(summary__contains="Person 0").exists()


def test_beat_runs_the_later_round_hourly(
    settings, time_machine, account_manager, sales_manager
):
    entry = app.conf.beat_schedule["send-later-check-ins"]
    assert entry["task"] == tasks.send_later_check_ins.name
    assert entry["schedule"] == 3600.0
    settings.MEND_CHECK_IN_AFTER_DAYS = 5
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))
    close_case(closable(account_manager), account_manager)
    time_machine.move_to(dt.datetime(2026, 3, 7, 11, tzinfo=dt.UTC))
    assert tasks.send_later_check_ins() == 1
    assert tasks.send_later_check_ins() == 0
