"""The demo's check-ins: closed cases asked at closing and again later,
answered and unanswered, one low at least, all dated to the demo's story, so
the case page and Insights show numbers from the first `make run`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from cases.choices import (
    BuyAgain,
    CheckInRound,
    NotificationKind,
    OutboxStatus,
    Outcome,
)
from cases.models import Case, CheckIn, OutboxMessage, TimelineEntry, User

pytestmark = pytest.mark.django_db


def seed():
    call_command("seed_demo", "--force", stdout=StringIO())


def test_the_demo_has_answered_unanswered_low_and_later_check_ins(client):
    seed()
    check_ins = CheckIn.objects.all()
    answered = check_ins.filter(answered_at__isnull=False)
    assert answered.count() >= 5
    assert check_ins.filter(answered_at__isnull=True).count() >= 3
    assert any(c.is_low for c in answered)
    assert answered.filter(buy_again=BuyAgain.NO).exists()
    assert check_ins.filter(round=CheckInRound.LATER).exists()
    # Dated to the story: asked as the case closed, answered after that. The
    # case reopened on a "would buy again" and closed on it was asked at its
    # first closing, before the last.
    at_close = check_ins.filter(round=CheckInRound.AT_CLOSE)
    reclosed = at_close.filter(case__repeat_check_in__isnull=False)
    assert reclosed.exists()
    # The other recovered cases rest on a new order.
    recovered = Case.objects.filter(outcome=Outcome.RECOVERED)
    assert recovered.filter(repeat_order_on__isnull=False).count() >= 3
    assert not recovered.filter(
        repeat_order_on__isnull=True, repeat_check_in__isnull=True
    ).exists()
    assert not reclosed.filter(sent_at__gte=F("case__closed_at")).exists()
    assert (
        not at_close.exclude(pk__in=reclosed)
        .exclude(sent_at=F("case__closed_at"))
        .exists()
    )
    assert not answered.filter(answered_at__lte=F("sent_at")).exists()
    assert TimelineEntry.objects.filter(kind="check_in_answered").count() == (
        answered.count()
    )
    # The back-story's emails count as sent: a first run mails nobody.
    assert not OutboxMessage.objects.filter(
        kind__in=[NotificationKind.CLIENT_CHECK_IN, NotificationKind.CHECK_IN_LOW],
        status=OutboxStatus.PENDING,
    ).exists()

    # Seeding again changes nothing.
    before = (check_ins.count(), answered.count(), TimelineEntry.objects.count())
    seed()
    assert before == (
        CheckIn.objects.count(),
        CheckIn.objects.filter(answered_at__isnull=False).count(),
        TimelineEntry.objects.count(),
    )

    client.force_login(User.objects.get(username="maria"))
    words = client.get(reverse("insights")).context["client_words"]
    assert words["cur"]["sent"] and words["cur"]["answered"]
    assert sum(r["value"] for r in words["scores"]["rows"]) == words["cur"]["answered"]
