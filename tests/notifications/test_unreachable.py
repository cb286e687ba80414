"""Someone Mend should email has no email address: instead of skipping them
silently, the outbox tells the case's owner (or, when the owner is the one
without an address, the team's managers), so they can pass it on."""

import pytest

from cases.choices import NotificationKind, OutboxStatus
from cases.models import OutboxMessage
from cases.notifications.deliver import send_due
from cases.notifications.record import outbox_add
from tests.factories import UserFactory, make_case

pytestmark = pytest.mark.django_db

K = NotificationKind


@pytest.fixture
def quiet_case(clock, account_manager):
    """Alice's case; its own alerts are out of the way."""
    case = make_case(account_manager)
    OutboxMessage.objects.all().delete()
    return case


def without_email(user):
    user.email = ""
    user.save()
    return user


def notices() -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(kind=K.RECIPIENT_UNREACHABLE)
        .select_related("recipient")
        .order_by("pk")
    )


def test_the_owner_is_told_who_could_not_be_emailed(
    smtp_sink, enqueued, quiet_case, account_manager, sales_manager
):
    without_email(sales_manager)
    outbox_add(
        case=quiet_case, kind=K.SECOND_DROP, recipients=[sales_manager], key="p1"
    )

    [notice] = notices()
    assert notice.recipient == account_manager
    assert send_due() == 1

    skipped = OutboxMessage.objects.get(kind=K.SECOND_DROP)
    assert skipped.status == OutboxStatus.SKIPPED
    assert "no email address" in skipped.last_error
    [email] = smtp_sink.messages
    assert email["To"] == account_manager.email
    assert str(sales_manager) in email["Subject"]
    text = email.get_body(("plain",)).get_content()
    assert f"could not email {sales_manager}" in text
    assert "A promise was missed" in text
    assert "no email address" in text
    assert quiet_case.client.name in text

    # Recorded again (a second sweep, a retried task): no second notice.
    outbox_add(
        case=quiet_case, kind=K.SECOND_DROP, recipients=[sales_manager], key="p1"
    )
    assert len(notices()) == 1


def test_the_managers_are_told_when_the_owner_has_no_email_address(
    enqueued, quiet_case, account_manager, sales_manager, teammate
):
    without_email(account_manager)
    outbox_add(
        case=quiet_case,
        kind=K.FOLLOW_UP_REMINDER,
        recipients=[account_manager],
        key="2026-12-03",
    )

    [notice] = notices()
    assert notice.recipient == sales_manager
    assert notice.context["unreachable"] == str(account_manager)
    assert notice.context["owner_unreachable"] is True


def test_nobody_is_told_about_what_the_person_would_not_get_anyway(
    enqueued, quiet_case, account_manager, sales_manager, team
):
    leaver = without_email(UserFactory(username="lea", teams=[team]))
    leaver.is_active = False
    leaver.save()
    muted = without_email(UserFactory(username="mo", teams=[team]))
    muted.muted_kinds = [K.SECOND_DROP]
    muted.save()

    outbox_add(case=quiet_case, kind=K.SECOND_DROP, recipients=[leaver, muted], key="p")

    assert notices() == []


def test_with_nobody_reachable_to_tell_nothing_more_is_recorded(
    enqueued, quiet_case, account_manager, sales_manager
):
    without_email(account_manager)
    without_email(sales_manager)
    outbox_add(case=quiet_case, kind=K.SECOND_DROP, recipients=[sales_manager], key="p")

    assert notices() == []
    assert OutboxMessage.objects.count() == 1
