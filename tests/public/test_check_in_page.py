"""The check-in page a client opens from the email: no sign-in, no cookie,
its own signed link for one contact and case, expiring, answered once."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cases import links
from cases.choices import BuyAgain, NotificationKind, Step
from cases.models import CheckIn, OutboxMessage, TimelineEntry
from cases.notifications.render import render
from tests.factories import (
    ClientFactory,
    ContactFactory,
    case_in_step,
    close_case,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def public():
    # CSRF checked as in production: the page must not need a token.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def closed(settings, account_manager, sales_manager):
    settings.MEND_COMPANY_NAME = "Acme & Sons"
    client = ClientFactory(team=account_manager.teams.first())
    contacts = [
        ContactFactory(client=client, name="Dana Reyes", email="dana@client.example"),
        ContactFactory(client=client, name="Lee Park", email="lee@client.example"),
    ]
    case = case_in_step(
        Step.FOLLOW_UP,
        owner=account_manager,
        client=client,
        contacts=contacts,
        complete=True,
    )
    close_case(case, account_manager)
    return case


def link_for(check_in) -> str:
    """The link as the client gets it: from the rendered email."""
    message = OutboxMessage.objects.select_related(
        "case__owner", "case__client", "contact"
    ).get(kind=NotificationKind.CLIENT_CHECK_IN, context__check_in=check_in.pk)
    email = render(message)
    [path] = re.findall(r"https?://[^/\s]+(/check-in/[^/\s]+/)", email.body)
    assert f'href="{settings.SITE_URL}{path}"' in email.alternatives[0][0]
    return path


def dana(case) -> CheckIn:
    return CheckIn.objects.get(case=case, contact__name="Dana Reyes")


def test_the_emailed_link_opens_the_questions_in_the_companys_name(closed, public):
    response = public.get(link_for(dana(closed)))
    assert response.status_code == 200
    text = response.content.decode()
    assert "How are things with Acme &amp; Sons now?" in text
    assert text.count('type="radio" name="score"') == 5
    assert 'name="buy_again"' in text
    assert "<legend" in text
    # Nothing of the case or of Mend's inside.
    assert closed.commitment not in text
    assert "csrfmiddlewaretoken" not in text
    assert response.cookies == {}
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "no-store" in response["Cache-Control"]


def test_answering_records_once_and_a_second_visit_says_thank_you(closed, public):
    path = link_for(dana(closed))
    data = {"score": "2", "buy_again": BuyAgain.NOT_SURE, "comment": "Still wary."}
    response = public.post(path, data)
    assert response.status_code == 200
    assert 'data-testid="check-in-thanks"' in response.content.decode()
    assert response.cookies == {}
    assert public.cookies == {}

    check_in = dana(closed)
    assert (check_in.score, check_in.buy_again, check_in.comment) == (
        2,
        BuyAgain.NOT_SURE,
        "Still wary.",
    )
    # The same form sent again, and a later visit: the first answer stands.
    again = public.post(path, {"score": "5", "buy_again": BuyAgain.YES})
    assert 'data-testid="check-in-answered"' in again.content.decode()
    later = public.get(path)
    assert 'data-testid="check-in-answered"' in later.content.decode()
    check_in.refresh_from_db()
    assert check_in.score == 2
    assert (
        TimelineEntry.objects.filter(case=closed, kind="check_in_answered").count() == 1
    )
    # Lee's check-in is untouched.
    assert CheckIn.objects.get(contact__name="Lee Park").answered_at is None


def test_an_incomplete_answer_is_shown_again_and_nothing_is_saved(closed, public):
    path = link_for(dana(closed))
    response = public.post(path, {"score": "9", "comment": "x" * 3000})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Choose yes, no or not sure." in text
    assert "Select a valid choice" in text
    assert dana(closed).answered_at is None


def test_a_token_for_another_purpose_or_another_contact_is_refused(closed, public):
    check_in = dana(closed)
    lee = CheckIn.objects.get(contact__name="Lee Park")
    for token in (
        links.make_token("promises", check_in.pk, nonce=check_in.nonce),
        links.make_token("check-in", lee.pk, nonce=check_in.nonce),
        links.make_token("check-in", check_in.pk, nonce="guess"),
        "not-a-token",
    ):
        url = reverse("check_in", kwargs={"token": token})
        for response in (public.get(url), public.post(url, {"score": "1"})):
            assert response.status_code == 404
            assert links.UNKNOWN in response.content.decode()
            assert response.cookies == {}
    assert not CheckIn.objects.filter(answered_at__isnull=False).exists()


def test_an_expired_link_gets_the_gone_page(settings, closed, public, time_machine):
    settings.MEND_CHECK_IN_LINK_DAYS = 30
    time_machine.move_to(dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC))
    path = link_for(dana(closed))
    time_machine.move_to(dt.datetime(2026, 7, 1, 9, 1, tzinfo=dt.UTC))
    response = public.post(path, {"score": "4", "buy_again": BuyAgain.YES})
    assert response.status_code == 410
    assert links.EXPIRED in response.content.decode()
    assert dana(closed).answered_at is None
