"""The escalation ladder (issue 18, item 3): the warning to the owner, the
escalation to the sales managers at the target and, when the case is still in
that step the team's second_escalation_hours later, a second escalation to the
person the team named or else the administrators; each once per step visit.
And what a recomputation of the deadlines does to messages not sent yet
(item 1): they wait for their new moment, under the same key.

In November 2026 London is on GMT (= UTC). 23 Nov is a Monday. The team works
09:00-17:30; a case logged Monday 10:00 is due in Acknowledge by 12:00 (warned
at 11:30), and 8 business hours later, Tuesday 11:30, goes up a second time.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.casework.services.targets import (
    closure_day_add,
    closure_day_remove,
    team_deadlines_refresh,
    team_holidays_set,
)
from cases.choices import NotificationKind, OutboxStatus, Role, Step
from cases.models import Case, OutboxMessage, Team
from cases.notifications.deliver import send_due
from cases.notifications.skip import MOVED_ON, NO_SECOND_ESCALATION
from cases.notifications.steps import step_messages_refresh
from tests.factories import UserFactory, make_case, walk_to

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
K = NotificationKind


def at(*args, zone=LONDON) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


MONDAY_TEN = at(2026, 11, 23, 10, 0)
TARGET = at(2026, 11, 23, 12, 0)
LATE = at(2026, 11, 24, 11, 30)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MONDAY_TEN, tick=False)
    return time_machine


def rows(kind) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(kind=kind)
        .select_related("recipient")
        .order_by("due_at", "pk")
    )


def recipients(kind) -> list[str]:
    return [m.recipient.username for m in rows(kind)]


def only(*kinds):
    """Drop the messages of other kinds, so the sender sends just these."""
    OutboxMessage.objects.exclude(kind__in=kinds).delete()


def set_ladder(team, **fields):
    Team.objects.filter(pk=team.pk).update(**fields)
    team.refresh_from_db()
    return team_deadlines_refresh(team=team)


# Who gets it, and when.


def test_a_case_still_past_its_target_goes_to_the_administrators_once(
    sweep, case, team, administrator, sales_manager
):
    UserFactory(username="gone", role=Role.ADMINISTRATOR, is_active=False)
    assert case.step_due_at == TARGET
    assert case.step_late_at == LATE  # 5.5 h on Monday, 2.5 h on Tuesday

    sweep(TARGET)
    assert recipients(K.STEP_ESCALATION) == ["sam"]
    sweep(at(2026, 11, 24, 11, 29))
    assert rows(K.STEP_SECOND_ESCALATION) == []

    sweep(LATE)
    [second] = rows(K.STEP_SECOND_ESCALATION)
    assert second.recipient == administrator
    assert second.due_at == LATE
    assert second.dedupe_key == (
        f"case:{case.pk}:step_second_escalation:late:acknowledge:"
        f"{case.step_entered_at.isoformat()}:{administrator.pk}"
    )
    assert second.context["step_late_text"] == "Tue 24 Nov 11:30 (Europe/London)"
    assert second.context["late_hours"] == "8"

    for moment in (at(2026, 11, 24, 12, 0), at(2026, 11, 25, 9, 0)):
        sweep(moment)
    assert recipients(K.STEP_SECOND_ESCALATION) == ["root"]
    assert recipients(K.STEP_ESCALATION) == ["sam"]


def test_the_person_the_team_named_gets_it_instead_of_the_administrators(
    sweep, case, team, administrator, sales_manager
):
    head = UserFactory(username="heidi", role=Role.SALES_MANAGER, teams=[team])
    set_ladder(team, second_escalation_to=head, second_escalation_hours=Decimal(4))
    case.refresh_from_db()
    # 4 business hours after Monday's 12:00 target: 16:00.
    assert case.step_late_at == at(2026, 11, 23, 16, 0)
    sweep(at(2026, 11, 23, 15, 59))
    assert rows(K.STEP_SECOND_ESCALATION) == []
    sweep(at(2026, 11, 23, 16, 0))
    sweep(at(2026, 11, 24, 9, 0))
    assert recipients(K.STEP_SECOND_ESCALATION) == ["heidi"]


def test_a_named_person_who_left_is_replaced_by_the_administrators(
    sweep, case, team, administrator
):
    head = UserFactory(username="heidi", role=Role.SALES_MANAGER, teams=[team])
    set_ladder(team, second_escalation_to=head)
    head.is_active = False
    head.save()
    sweep(LATE)
    assert recipients(K.STEP_SECOND_ESCALATION) == ["root"]


def test_the_next_morning_in_the_recipients_time_zone(sweep, case, team, administrator):
    administrator.time_zone = "Asia/Tokyo"
    administrator.save()
    # Tuesday 11:30 in London is 20:30 in Tokyo: it waits for 09:00 there
    # (an administrator in no team keeps the default hours).
    sweep(LATE)
    assert rows(K.STEP_SECOND_ESCALATION) == []
    sweep(at(2026, 11, 24, 23, 59))
    assert rows(K.STEP_SECOND_ESCALATION) == []
    sweep(at(2026, 11, 25, 0, 0))
    [second] = rows(K.STEP_SECOND_ESCALATION)
    assert second.due_at == at(2026, 11, 25, 9, 0, zone=ZoneInfo("Asia/Tokyo"))


def test_a_case_that_moved_on_gets_no_second_escalation_for_the_old_step(
    sweep, clock, case, account_manager, administrator
):
    clock.move_to(at(2026, 11, 24, 10, 0), tick=False)
    walk_to(case, Step.ROOT_CAUSE, account_manager)
    sweep(LATE)
    sweep(at(2026, 11, 24, 15, 0))
    assert rows(K.STEP_SECOND_ESCALATION) == []
    # Root cause, entered Tuesday 10:00: due Wednesday 09:30, and a second
    # escalation 8 business hours later, Wednesday 17:30; for that visit, once.
    case.refresh_from_db()
    assert case.step_late_at == at(2026, 11, 25, 17, 30)
    sweep(at(2026, 11, 25, 17, 30))
    sweep(at(2026, 11, 26, 9, 0))
    [second] = rows(K.STEP_SECOND_ESCALATION)
    assert second.context["step"] == "Root cause"


def test_one_recorded_before_the_case_moved_on_or_closed_is_not_sent(
    sweep, clock, case, account_manager, administrator, smtp_sink, team
):
    other = make_case(account_manager)
    sweep(LATE)
    assert len(rows(K.STEP_SECOND_ESCALATION)) == 2
    only(K.STEP_SECOND_ESCALATION)
    # Workers were down; meanwhile one case moved on and the other closed.
    clock.move_to(at(2026, 11, 24, 11, 40), tick=False)
    walk_to(case, Step.ROOT_CAUSE, account_manager)
    walk_to(other, Step.CLOSED, account_manager)
    only(K.STEP_SECOND_ESCALATION)
    assert send_due() == 0
    reasons = {m.case_id: m.last_error for m in rows(K.STEP_SECOND_ESCALATION)}
    assert reasons == {case.pk: MOVED_ON, other.pk: "Not sent: the case is closed."}
    assert {m.status for m in rows(K.STEP_SECOND_ESCALATION)} == {OutboxStatus.SKIPPED}
    assert smtp_sink.messages == []


def test_it_is_sent_and_reads_well(sweep, case, administrator, smtp_sink):
    sweep(LATE)
    only(K.STEP_SECOND_ESCALATION)
    assert send_due() == 1
    [email] = smtp_sink.messages
    assert email["To"] == administrator.email
    assert email["Subject"] == (
        f"Still overdue: {case.client} is 8 business hours past its Acknowledge target"
    )
    text = email.get_body(("plain",)).get_content()
    assert "passed the target for the Acknowledge step at Mon 23 Nov 12:00" in text
    assert f"{settings.SITE_URL}{case.get_absolute_url()}" in text


def test_the_template_renders_without_gaps(sweep, case, administrator):
    sweep(LATE)
    [message] = OutboxMessage.objects.filter(
        kind=K.STEP_SECOND_ESCALATION
    ).select_related("case__client", "case__owner", "recipient")
    link = f"{settings.SITE_URL}{case.get_absolute_url()}"
    data = {
        "message": message,
        "case": message.case,
        "recipient": message.recipient,
        "link": link,
        **message.context,
    }
    folder = "emails/step_second_escalation"
    for name in ("subject.txt", "body.txt", "body.html"):
        text = render_to_string(f"{folder}/{name}", data)
        assert "None" not in text and str(case.client) in text
    assert link in render_to_string(f"{folder}/body.html", data)


def test_no_second_escalation_when_the_team_leaves_the_hours_empty(
    sweep, case, team, administrator
):
    assert set_ladder(team, second_escalation_hours=None) == 1
    case.refresh_from_db()
    assert case.step_late_at is None
    for moment in (LATE, at(2026, 11, 25, 12, 0)):
        sweep(moment)
    assert rows(K.STEP_SECOND_ESCALATION) == []


def test_turning_it_off_withdraws_one_not_sent_yet(
    sweep, case, team, administrator, smtp_sink
):
    sweep(LATE)
    only(K.STEP_SECOND_ESCALATION)
    set_ladder(team, second_escalation_hours=None)
    [second] = rows(K.STEP_SECOND_ESCALATION)
    assert second.status == OutboxStatus.SKIPPED
    assert second.last_error == NO_SECOND_ESCALATION
    assert send_due() == 0
    assert smtp_sink.messages == []


def test_the_settings_page_offers_it_to_managers_only(
    client, account_manager, sales_manager, administrator
):
    label = K.STEP_SECOND_ESCALATION.label.replace("'", "&#x27;")
    for user, listed in (
        (account_manager, False),
        (sales_manager, True),
        (administrator, True),
    ):
        client.force_login(user)
        page = client.get(reverse("notification_settings")).content.decode()
        assert (label in page) is listed, user.username


# Recomputing deadlines with messages not sent yet (item 1).


def test_closure_days_move_pending_warnings_and_escalations_later_sent_once(
    sweep, clock, case, team, account_manager, sales_manager, smtp_sink
):
    def send_steps():
        only(K.STEP_WARNING, K.STEP_ESCALATION)  # not the digest, say
        return send_due()

    # Warned at 11:30; the workers are down, so the warning waits.
    sweep(at(2026, 11, 23, 11, 30))
    only(K.STEP_WARNING)
    [warning] = rows(K.STEP_WARNING)
    # Today is made a closure day: the step's clock starts Tuesday 09:00, due
    # soon at 10:30, due at 11:00. The warning may not go out today.
    clock.move_to(at(2026, 11, 23, 11, 35), tick=False)
    closure_day_add(team=team, date=dt.date(2026, 11, 23), name="Flood")
    case.refresh_from_db()
    assert case.step_due_at == at(2026, 11, 24, 11, 0)
    warning.refresh_from_db()
    assert warning.due_at == at(2026, 11, 24, 10, 30)
    assert warning.context["step_due_text"] == "Tue 24 Nov 11:00 (Europe/London)"
    assert send_steps() == 0
    sweep(TARGET)
    assert rows(K.STEP_ESCALATION) == []

    # Tuesday: the warning goes at its new moment, the escalation at 11:00;
    # the workers are down again before it is sent.
    sweep(at(2026, 11, 24, 10, 30))
    assert send_steps() == 1
    sweep(at(2026, 11, 24, 11, 0))
    [escalation] = rows(K.STEP_ESCALATION)
    # Tuesday is closed as well: the step now runs from Wednesday 09:00.
    clock.move_to(at(2026, 11, 24, 11, 5), tick=False)
    closure_day_add(team=team, date=dt.date(2026, 11, 24), name="Flood")
    escalation.refresh_from_db()
    assert escalation.due_at == at(2026, 11, 25, 11, 0)
    assert escalation.context["step_due_text"] == "Wed 25 Nov 11:00 (Europe/London)"
    assert escalation.status == OutboxStatus.PENDING
    assert send_steps() == 0

    # Wednesday: the new warning point and target pass. The warning already
    # sent is not sent again; the escalation goes once, under its old key.
    for moment in (at(2026, 11, 25, 10, 30), at(2026, 11, 25, 11, 0)):
        sweep(moment)
        send_steps()
    sweep(at(2026, 11, 25, 15, 0))
    send_steps()
    assert [m.pk for m in rows(K.STEP_ESCALATION)] == [escalation.pk]
    assert [m.pk for m in rows(K.STEP_WARNING)] == [warning.pk]
    assert [m["To"] for m in smtp_sink.messages] == [
        account_manager.email,
        sales_manager.email,
    ]


def test_a_day_closed_later_moves_a_pending_second_escalation_later(
    sweep, clock, case, team, administrator, smtp_sink
):
    sweep(LATE)
    only(K.STEP_SECOND_ESCALATION)
    [second] = rows(K.STEP_SECOND_ESCALATION)
    # Tuesday is closed after all: 5.5 h on Monday, then Wednesday 09:00 +
    # 2.5 h.
    clock.move_to(at(2026, 11, 24, 11, 35), tick=False)
    closure_day_add(team=team, date=dt.date(2026, 11, 24), name="Strike")
    second.refresh_from_db()
    assert second.due_at == at(2026, 11, 25, 11, 30)
    assert second.status == OutboxStatus.PENDING
    assert send_due() == 0
    sweep(at(2026, 11, 25, 11, 30))
    # Tuesday closed, Monday's first escalation is still within its catch-up
    # time: recorded again here only because only() dropped it.
    only(K.STEP_SECOND_ESCALATION)
    assert send_due() == 1
    sweep(at(2026, 11, 25, 14, 0))
    assert send_due() == 0
    assert len(rows(K.STEP_SECOND_ESCALATION)) == 1
    assert len(smtp_sink.messages) == 1


def test_public_holidays_set_later_move_a_pending_second_escalation(
    sweep, clock, team, account_manager, administrator, smtp_sink
):
    # Logged Wednesday 25 November 15:00: due 17:00, and a second escalation
    # 8 business hours on, Thursday 16:30 (Thanksgiving in the US).
    clock.move_to(at(2026, 11, 25, 15, 0), tick=False)
    make_case(account_manager)
    sweep(at(2026, 11, 26, 16, 30))
    only(K.STEP_SECOND_ESCALATION)
    [second] = rows(K.STEP_SECOND_ESCALATION)
    # The team takes the US public holidays before it is sent: Thursday no
    # longer counts, so it waits for Friday 16:30.
    clock.move_to(at(2026, 11, 26, 16, 35), tick=False)
    team_holidays_set(team=team, country="US")
    second.refresh_from_db()
    assert second.due_at == at(2026, 11, 27, 16, 30)
    assert send_due() == 0
    for moment in (at(2026, 11, 27, 16, 30), at(2026, 11, 30, 9, 0)):
        sweep(moment)
        only(K.STEP_SECOND_ESCALATION)
        send_due()
    assert [m.pk for m in rows(K.STEP_SECOND_ESCALATION)] == [second.pk]
    assert [m["To"] for m in smtp_sink.messages] == [administrator.email]


def test_removing_the_closure_again_brings_it_back_to_its_first_moment(
    sweep, clock, case, team, sales_manager
):
    sweep(TARGET)
    [escalation] = rows(K.STEP_ESCALATION)
    clock.move_to(at(2026, 11, 23, 12, 5), tick=False)
    closure = closure_day_add(team=team, date=dt.date(2026, 11, 23), name="Flood")
    escalation.refresh_from_db()
    assert escalation.due_at == at(2026, 11, 24, 11, 0)
    closure_day_remove(team=team, closure_id=closure.pk)
    escalation.refresh_from_db()
    assert escalation.due_at == TARGET
    assert escalation.status == OutboxStatus.PENDING


def test_refreshing_messages_costs_the_same_queries_however_many(
    sweep, clock, team, account_manager, sales_manager, administrator
):
    cases = [make_case(account_manager) for _ in range(4)]
    sweep(LATE)
    assert len(rows(K.STEP_SECOND_ESCALATION)) == 4

    def queries(case_ids):
        with CaptureQueriesContext(connection) as captured:
            step_messages_refresh(case_ids)
        return len(captured)

    Case.objects.update(step_late_at=at(2026, 11, 25, 9, 0))
    one = queries([cases[0].pk])
    Case.objects.update(step_late_at=at(2026, 11, 25, 10, 0))
    many = queries([case.pk for case in cases])
    assert one == many <= 3


# The setting.


@pytest.mark.parametrize(
    ("hours", "error"),
    [
        (Decimal(0), "Enter more than 0 hours"),
        (Decimal(-2), "Enter more than 0 hours"),
        (Decimal(2001), "less than or equal to 2000"),
    ],
)
def test_hours_that_make_no_sense_are_refused(team, hours, error):
    team.second_escalation_hours = hours
    with pytest.raises(ValidationError) as refused:
        team.full_clean()
    assert error in " ".join(refused.value.message_dict["second_escalation_hours"])


def test_empty_hours_and_a_fraction_are_fine(team):
    for hours in (None, Decimal("0.5"), Decimal(40)):
        team.second_escalation_hours = hours
        team.full_clean()


def test_the_person_must_be_able_to_open_the_teams_cases(
    team, account_manager, sales_manager, administrator, other_team
):
    elsewhere = UserFactory(username="mia", role=Role.SALES_MANAGER, teams=[other_team])
    gone = UserFactory(username="old", role=Role.ADMINISTRATOR, is_active=False)
    for person in (account_manager, elsewhere, gone):
        team.second_escalation_to = person
        with pytest.raises(ValidationError) as refused:
            team.full_clean()
        assert (
            "Choose an active administrator"
            in (refused.value.message_dict["second_escalation_to"][0])
        ), person.username
    for person in (sales_manager, administrator, None):
        team.second_escalation_to = person
        team.full_clean()


def test_a_new_team_can_name_only_an_administrator(sales_manager, administrator):
    team = Team(name="New", second_escalation_to=sales_manager)
    with pytest.raises(ValidationError):
        team.full_clean()
    team.second_escalation_to = administrator
    team.full_clean()


def test_the_database_refuses_zero_hours(team):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.filter(pk=team.pk).update(second_escalation_hours=0)
