"""Login throttling behind a load balancer: the client's address comes from
X-Forwarded-For through the trusted proxies, as under the README's deployment.

Every request here arrives from the load balancer (REMOTE_ADDR), which appends
the address it saw to X-Forwarded-For."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import PASSWORD

BALANCER = "10.0.0.1"
HOME = "198.51.100.7"
CAFE = "203.0.113.9"


@pytest.fixture(autouse=True)
def one_load_balancer(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def sign_in(client, username, password, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=BALANCER,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_a_lockout_from_one_address_leaves_that_user_free_elsewhere(
    client, account_manager, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong", HOME)

    assert sign_in(client, "alice", PASSWORD, HOME).status_code == 429
    # Before: every request was the load balancer's, so alice was locked out
    # for everyone, everywhere.
    assert sign_in(client, "alice", PASSWORD, CAFE).status_code == 302


def test_an_address_trying_many_usernames_is_locked(
    client, account_manager, teammate, settings
):
    # 28 wrong passwords over 7 users locked nothing before: 4 each.
    names = ["anna", "ben", "carl", "dora", "emil", "fay", "gus"]
    answers = [
        sign_in(client, name, f"guess-{n}", HOME).status_code
        for n in range(4)
        for name in names
    ]
    assert 429 in answers
    assert answers.index(429) == settings.AXES_ADDRESS_FAILURE_LIMIT - 1

    # Locked for every username from there, even with the right password...
    response = sign_in(client, "bob", PASSWORD, HOME)
    assert response.status_code == 429
    assert b"many different usernames were tried" in response.content
    # ...and for no one elsewhere.
    assert sign_in(client, "bob", PASSWORD, CAFE).status_code == 302


def test_one_persons_repeated_failures_do_not_lock_their_office(
    client, account_manager, teammate, settings
):
    # alice is locked out and keeps trying; her colleague behind the same NAT
    # still signs in.
    for _ in range(settings.AXES_ADDRESS_FAILURE_LIMIT + 5):
        sign_in(client, "alice", "wrong", HOME)

    assert sign_in(client, "alice", PASSWORD, HOME).status_code == 429
    assert sign_in(client, "bob", PASSWORD, HOME).status_code == 302


def test_a_few_typos_by_several_colleagues_lock_nobody(
    client, account_manager, teammate, settings
):
    for name in ["alice", "bob", "sam"]:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            sign_in(client, name, "typo", HOME)

    assert sign_in(client, "alice", PASSWORD, HOME).status_code == 302
    assert sign_in(client, "bob", PASSWORD, HOME).status_code == 302


def test_a_forged_forwarded_for_cannot_choose_the_address_that_is_locked(
    client, account_manager, settings
):
    # The attacker at HOME sends "X-Forwarded-For: <made up>"; the balancer
    # appends HOME. Each try claims another address.
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong", f"192.0.2.{n + 1}, {HOME}")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {HOME}
    assert sign_in(client, "alice", PASSWORD, f"192.0.2.99, {HOME}").status_code == 429
    # Someone really at one of the claimed addresses is not locked out.
    assert sign_in(client, "alice", PASSWORD, "192.0.2.1").status_code == 302


@pytest.mark.parametrize(
    "trusted, forwarded_for, seen_as",
    [
        (0, f"192.0.2.1, {HOME}", BALANCER),
        (1, f"192.0.2.1, {HOME}", HOME),
        (2, f"192.0.2.1, {HOME}, 10.0.0.2", HOME),
        (2, f"192.0.2.1, 192.0.2.2, {HOME}, 10.0.0.2", HOME),
        (1, f"192.0.2.1, {HOME}:51234", HOME),
        (2, HOME, HOME),
    ],
)
def test_the_trusted_proxy_count_decides_which_hop_is_the_client(
    client, account_manager, settings, trusted, forwarded_for, seen_as
):
    settings.TRUSTED_PROXY_COUNT = trusted
    sign_in(client, "alice", "wrong", forwarded_for)
    assert AccessAttempt.objects.get().ip_address == seen_as


def test_a_new_password_lifts_the_lockout(client, account_manager, settings):
    # The lockout page says "reset your password": before, the new password
    # was refused until the cool-off ended.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alice", "wrong", HOME)
    assert sign_in(client, "alice", PASSWORD, HOME).status_code == 429

    uid = urlsafe_base64_encode(force_bytes(account_manager.pk))
    token = default_token_generator.make_token(account_manager)
    start = client.get(reverse("password_reset_confirm", args=[uid, token]))
    assert start.status_code == 302  # Django moves the token into the session
    new = "a-much-better-passphrase-7"
    done = client.post(start["Location"], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302

    assert sign_in(client, "alice", new, HOME).status_code == 302
