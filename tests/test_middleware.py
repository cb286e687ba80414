"""The request limits of cases/middleware.py: body size and session lifetimes."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, make_case

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def case(account_manager):
    return make_case(account_manager)


def comment_url(case):
    return reverse("case_action", args=[case.pk, "comment"])


def test_a_10_mb_post_is_refused_with_a_clear_page_and_saves_nothing(
    client, case, sales_manager
):
    client.force_login(sales_manager)
    # A short comment carrying a 10 MB file part: Django streams file parts
    # to disk without a limit, so this was read and the comment saved.
    padding = SimpleUploadedFile("padding.bin", b"x" * (10 * MB))
    junk = encode_multipart(
        "BoUnDaRy", {"comment-text": "Call them today.", "padding": padding}
    )
    response = client.post(
        comment_url(case), junk, content_type="multipart/form-data; boundary=BoUnDaRy"
    )
    assert response.status_code == 413
    assert b"more than Mend accepts in one go" in response.content
    assert b"at most 1024 KB" in response.content
    assert not case.timeline.filter(kind="comment").exists()


def test_a_10_mb_comment_is_refused_with_the_same_page(client, case, sales_manager):
    client.force_login(sales_manager)
    response = client.post(comment_url(case), {"comment-text": "x" * (10 * MB)})
    assert response.status_code == 413
    assert b"Nothing was saved" in response.content
    assert not case.timeline.filter(kind="comment").exists()


def test_an_ordinary_comment_is_still_accepted(client, case, sales_manager):
    client.force_login(sales_manager)
    response = client.post(
        comment_url(case),
        {
            "comment-text": "Call them today.",
            "comment-submission_key": "0b6f1f5e-2c1d-4d7e-8a51-3c9d2f0e7a44",
        },
    )
    assert response.status_code == 302
    assert case.timeline.filter(kind="comment").count() == 1


# Session lifetimes. The clock is moved with time-machine; each request is a
# sign of activity.


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def sign_in(client):
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_a_session_idle_past_the_limit_ends_with_a_message(
    client, account_manager, clock, settings
):
    sign_in(client)
    clock.shift(settings.SESSION_IDLE_TIMEOUT + timedelta(minutes=2))

    response = client.get(reverse("my_cases"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('my_cases')}"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert b"You were signed out after 8 hours without activity" in page.content


def test_an_active_session_stays_signed_in_beyond_the_idle_limit(
    client, account_manager, clock, settings
):
    sign_in(client)
    for _ in range(4):  # 28 hours in all, never 8 without a request
        clock.shift(timedelta(hours=7))
        assert client.get(reverse("home")).status_code == 200
    assert client.session["_auth_user_id"] == str(account_manager.pk)


def test_the_fixed_lifetime_ends_even_an_active_session(
    client, account_manager, clock, settings
):
    settings.SESSION_COOKIE_AGE = int(timedelta(hours=20).total_seconds())
    sign_in(client)
    for _ in range(2):
        clock.shift(timedelta(hours=7))
        assert client.get(reverse("home")).status_code == 200

    clock.shift(timedelta(hours=7))  # 21 hours after signing in
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert b"sessions last at most 20 hours" in page.content


def test_an_idle_htmx_request_sends_the_whole_page_to_sign_in(
    client, account_manager, clock, settings, case
):
    sign_in(client)
    clock.shift(settings.SESSION_IDLE_TIMEOUT + timedelta(minutes=2))
    url = reverse("case_detail", args=[case.pk])
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_a_session_from_before_the_timeouts_starts_its_clocks_instead_of_ending(
    client, account_manager, clock, settings
):
    client.force_login(account_manager)
    session = client.session
    for key in ("mend_signed_in_at", "mend_seen_at"):
        del session[key]
    session.save()

    assert client.get(reverse("home")).status_code == 200
    clock.shift(settings.SESSION_IDLE_TIMEOUT - timedelta(minutes=10))
    assert client.get(reverse("home")).status_code == 200
    clock.shift(settings.SESSION_IDLE_TIMEOUT + timedelta(minutes=2))
    assert client.get(reverse("home")).status_code == 302
