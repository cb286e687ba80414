"""Personal API tokens: made on the settings page or by command, shown once,
kept as a hash, revoked, and refused for a switched-off person."""

import hashlib
import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from cases.api.throttles import TokenRateThrottle
from cases.api.tokens import api_token_create
from cases.models import ApiToken

pytestmark = pytest.mark.django_db
CASES = "/api/v1/cases/"


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def make_on_page(client, name: str, key: str = "6d9d7c4e-0a57-4d1b-9d43-4c1f4d0e1a11"):
    return client.post(
        reverse("api_tokens"), {"name": name, "submission_key": key}, follow=True
    )


def test_a_token_made_on_the_settings_page_is_shown_once_and_kept_as_a_hash(
    client, account_manager
):
    client.force_login(account_manager)
    page = make_on_page(client, "CRM sync")
    raw = page.context["new"]["token"]
    assert raw.startswith("mend_") and raw in page.content.decode()
    token = ApiToken.objects.get(user=account_manager)
    assert token.name == "CRM sync"
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values().get())

    again = client.get(reverse("api_tokens"))
    assert raw not in again.content.decode()
    assert "CRM sync" in again.content.decode()
    assert bearer(raw).get(CASES).status_code == 200


def test_a_double_click_makes_one_token_and_still_shows_it(client, account_manager):
    client.force_login(account_manager)
    make_on_page(client, "CRM sync")
    second = make_on_page(client, "CRM sync")
    assert ApiToken.objects.filter(user=account_manager).count() == 1
    assert second.status_code == 200


def test_a_name_already_in_use_is_refused_with_what_to_do(client, account_manager):
    client.force_login(account_manager)
    make_on_page(client, "CRM sync")
    page = make_on_page(client, "CRM  sync", key="0b0e1b6e-5b8a-4b8e-9a54-6a3b1f0c2d22")
    assert "already have a token named" in page.content.decode()
    assert page.context["form"]["name"].value() == "CRM  sync"
    assert ApiToken.objects.filter(user=account_manager).count() == 1


def test_a_revoked_token_stops_working(client, account_manager):
    token, raw = api_token_create(user=account_manager, name="desk")
    client.force_login(account_manager)
    client.post(reverse("api_token_revoke", args=[token.pk]))
    answer = bearer(raw).get(CASES)
    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]


def test_no_one_revokes_another_persons_token(client, account_manager, teammate):
    token, raw = api_token_create(user=account_manager, name="desk")
    client.force_login(teammate)
    client.post(reverse("api_token_revoke", args=[token.pk]))
    assert bearer(raw).get(CASES).status_code == 200


def test_a_switched_off_persons_token_is_refused(account_manager):
    _, raw = api_token_create(user=account_manager, name="desk")
    account_manager.is_active = False
    account_manager.save()
    assert bearer(raw).get(CASES).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer mend_wrong", "Bearer a b"])
def test_a_missing_or_wrong_token_is_refused(header, account_manager):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    answer = client.get(CASES)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Bearer"


def test_without_any_credentials_the_api_asks_for_them(db):
    assert APIClient().get(CASES).status_code == 401


def test_the_command_prints_a_working_token(account_manager):
    out = io.StringIO()
    call_command("api_token", "alice", "--name", "nightly export", stdout=out)
    raw = out.getvalue().strip()
    assert bearer(raw).get(CASES).status_code == 200
    assert ApiToken.objects.get(user=account_manager).name == "nightly export"


def test_the_command_refuses_an_unknown_person(db):
    with pytest.raises(CommandError, match="No one has the username"):
        call_command("api_token", "nobody", "--name", "x")


def test_last_used_is_noted(account_manager):
    token, raw = api_token_create(user=account_manager, name="desk")
    bearer(raw).get(CASES)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_requests_are_counted_per_token(account_manager, monkeypatch):
    # The rate is read once, when DRF loads; a lower one for this test.
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/minute"})
    cache.clear()
    _, busy = api_token_create(user=account_manager, name="loop")
    _, other = api_token_create(user=account_manager, name="quiet")
    answers = [bearer(busy).get(CASES).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert bearer(other).get(CASES).status_code == 200
