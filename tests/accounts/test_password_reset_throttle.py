"""Password-reset requests are throttled per client address and per email
address, behind the load balancer (X-Forwarded-For through one trusted proxy)."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases.models import OutboxMessage

BALANCER = "10.0.0.1"
HOME = "198.51.100.7"
CAFE = "203.0.113.9"
REFUSAL = b"Too many reset links were asked for"


@pytest.fixture(autouse=True)
def one_load_balancer(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def ask(client, email, forwarded_for):
    return client.post(
        reverse("password_reset"),
        {"email": email},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_one_address_asking_for_many_accounts_is_refused_after_the_limit(
    client, account_manager, settings
):
    for n in range(settings.PASSWORD_RESET_ADDRESS_LIMIT):
        assert ask(client, f"person{n}@example.com", HOME).status_code == 302

    response = ask(client, "alice@example.com", HOME)
    assert response.status_code == 429
    assert REFUSAL in response.content
    assert b"Wait 60 minutes" in response.content
    assert not OutboxMessage.objects.exists()
    # The same request from elsewhere is served.
    assert ask(client, "alice@example.com", CAFE).status_code == 302
    assert OutboxMessage.objects.filter(kind="password_reset").count() == 1


def test_one_account_asked_for_from_many_addresses_is_refused_after_the_limit(
    client, account_manager, settings
):
    for n in range(settings.PASSWORD_RESET_ACCOUNT_LIMIT):
        assert ask(client, "alice@example.com", f"192.0.2.{n + 1}").status_code == 302

    response = ask(client, "Alice@Example.com ", "192.0.2.99")
    assert response.status_code == 429
    assert REFUSAL in response.content
    # Another account from the same address is still served.
    assert ask(client, "bob@example.com", "192.0.2.99").status_code == 302


def test_an_unknown_email_is_refused_just_like_a_known_one(client, db, settings):
    # The refusal must not tell which addresses have an account.
    answers = [
        ask(client, "nobody@example.com", f"192.0.2.{n + 1}").status_code
        for n in range(settings.PASSWORD_RESET_ACCOUNT_LIMIT + 1)
    ]
    assert answers == [302] * settings.PASSWORD_RESET_ACCOUNT_LIMIT + [429]


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(
    client, account_manager, settings
):
    for n in range(settings.PASSWORD_RESET_ADDRESS_LIMIT):
        ask(client, f"person{n}@example.com", f"192.0.2.{n + 1}, {HOME}")

    response = ask(client, "alice@example.com", f"192.0.2.200, {HOME}")
    assert response.status_code == 429


def test_requests_are_served_again_once_the_window_has_passed(
    client, account_manager, settings
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(settings.PASSWORD_RESET_ACCOUNT_LIMIT):
            ask(client, "alice@example.com", f"192.0.2.{n + 1}")
        assert ask(client, "alice@example.com", CAFE).status_code == 429

        clock.shift(settings.PASSWORD_RESET_WINDOW + timedelta(minutes=1))
        assert ask(client, "alice@example.com", CAFE).status_code == 302
