import re

import pytest
from django.core import mail
from django.urls import reverse

from cases.models import OutboxMessage, User
from cases.notifications.deliver import send_due
from tests.factories import PASSWORD


@pytest.fixture
def login_url():
    return reverse("login")


def test_login_page_renders_a_styled_form(client, db, login_url):
    response = client.get(login_url)
    assert response.status_code == 200
    assert b"Sign in to Mend" in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_correct_password_signs_in_and_lands_on_home(
    client, account_manager, login_url
):
    response = client.post(login_url, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_says_so_and_keeps_the_username(
    client, account_manager, login_url
):
    response = client.post(login_url, {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"That username and password do not match" in response.content
    assert b'value="alice"' in response.content


def test_repeated_failures_lock_that_username_from_that_address(
    client, account_manager, login_url, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login_url, {"username": "alice", "password": "wrong"})

    # Now even the right password is refused, with a clear message.
    response = client.post(login_url, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed attempts" in response.content
    assert b"15 minutes" in response.content
    assert "_auth_user_id" not in client.session


def test_lockout_does_not_spill_onto_other_usernames(
    client, account_manager, teammate, login_url, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(login_url, {"username": "alice", "password": "wrong"})

    response = client.post(login_url, {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302


def test_lockout_is_per_address(client, account_manager, login_url, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            login_url,
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="10.0.0.1",
        )
    response = client.post(
        login_url, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 302


def test_logout_needs_a_post_and_ends_the_session(client, account_manager):
    client.force_login(account_manager)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_a_signed_in_user_stays_signed_in_across_requests(
    client, account_manager, login_url
):
    client.post(login_url, {"username": "alice", "password": PASSWORD})
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["user"] == account_manager


@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_a_deactivated_or_deleted_user_is_signed_out_at_the_next_request(
    client, account_manager, change
):
    client.force_login(account_manager)
    assert client.get(reverse("home")).status_code == 200
    if change == "deactivate":
        User.objects.filter(pk=account_manager.pk).update(is_active=False)
    else:
        account_manager.delete()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_password_reset_mails_a_link_that_sets_a_new_password(client, account_manager):
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    # The request records the email; the worker sends it.
    assert mail.outbox == []
    assert send_due() == 1
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Choose a new Mend password"
    assert message.alternatives[0][1] == "text/html"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)

    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    response = client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "a-fresh-passphrase-42",
            "new_password2": "a-fresh-passphrase-42",
        },
    )
    assert response.status_code == 302
    account_manager.refresh_from_db()
    assert account_manager.check_password("a-fresh-passphrase-42")


def test_password_reset_for_unknown_address_sends_nothing_and_reveals_nothing(
    client, db
):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert not OutboxMessage.objects.exists()
    assert send_due() == 0
    assert mail.outbox == []


def test_asking_twice_in_a_row_sends_one_reset_email(client, account_manager):
    for _ in range(2):
        client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert send_due() == 1
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_a_reset_email_arrives_even_if_every_kind_was_muted(client, account_manager):
    account_manager.muted_kinds = ["password_reset", "case_comment"]
    account_manager.save()
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert send_due() == 1
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert OutboxMessage.objects.get().case is None


def test_password_change_rejects_a_wrong_current_password(client, account_manager):
    client.force_login(account_manager)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not-it",
            "new_password1": "another-passphrase-7",
            "new_password2": "another-passphrase-7",
        },
    )
    assert response.status_code == 200
    assert b"Your old password was entered incorrectly" in response.content
    account_manager.refresh_from_db()
    assert account_manager.check_password(PASSWORD)


def test_password_change_saves_the_new_password(client, account_manager):
    client.force_login(account_manager)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-passphrase-7",
            "new_password2": "another-passphrase-7",
        },
    )
    assert response.status_code == 302
    account_manager.refresh_from_db()
    assert account_manager.check_password("another-passphrase-7")
