"""Public links: signed per purpose with a key of their own, expiring, and
their pages set no cookie, are not indexed, and are rate-limited."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from cases import links

DAY = dt.timedelta(days=1)


def test_a_token_opens_its_row_for_its_purpose_only(settings):
    settings.MEND_LINK_KEY = "k" * 50
    token = links.make_token("check-in", 42, nonce="n1")
    assert links.read_token("check-in", token, max_age=DAY) == (42, "n1")
    with pytest.raises(links.LinkGone) as wrong:
        links.read_token("promises", token, max_age=DAY)
    assert wrong.value.status == 404
    with pytest.raises(links.LinkGone):
        links.read_token("check-in", token[:-2] + "xx", max_age=DAY)


def test_another_key_or_an_old_token_is_refused(settings, time_machine):
    settings.MEND_LINK_KEY = "k" * 50
    time_machine.move_to(dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC))
    token = links.make_token("check-in", 7)
    time_machine.move_to(dt.datetime(2026, 5, 31, 9, 1, tzinfo=dt.UTC))
    with pytest.raises(links.LinkGone) as old:
        links.read_token("check-in", token, max_age=dt.timedelta(days=30))
    assert old.value.reason == links.EXPIRED
    assert old.value.status == 410
    settings.MEND_LINK_KEY = "j" * 50
    with pytest.raises(links.LinkGone) as rotated:
        links.read_token("check-in", token, max_age=dt.timedelta(days=90))
    assert rotated.value.reason == links.UNKNOWN


def test_the_link_key_is_not_the_secret_key(settings):
    settings.MEND_LINK_KEY = ""
    assert links.link_key() != settings.SECRET_KEY
    token = links.make_token("check-in", 1)
    settings.MEND_LINK_KEY = settings.SECRET_KEY
    with pytest.raises(links.LinkGone):
        links.read_token("check-in", token, max_age=DAY)


@links.public_page
def page(request, gone=False):
    request.session_cookie_attempt = True
    if gone:
        raise links.LinkGone("This link was withdrawn.")
    response = HttpResponse("hello")
    response.set_cookie("sessionid", "x")
    return response


def test_a_public_page_sets_no_cookie_and_is_not_indexed_or_cached():
    response = page(RequestFactory().get("/p/"))
    assert response.status_code == 200
    assert response.cookies == {}
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_a_gone_link_gets_a_clear_page(settings):
    settings.MEND_COMPANY_NAME = "Acme"
    response = page(RequestFactory().get("/p/"), gone=True)
    assert response.status_code == 410
    text = response.content.decode()
    assert "This link was withdrawn." in text
    assert "Acme" in text
    assert 'name="robots" content="noindex' in text


def test_one_address_is_limited_others_are_not():
    cache.clear()
    requests = RequestFactory()
    codes = [
        page(requests.get("/p/", REMOTE_ADDR="203.0.113.5")).status_code
        for _ in range(links.RATE_PER_MINUTE + 1)
    ]
    assert codes[:-1] == [200] * links.RATE_PER_MINUTE
    assert codes[-1] == 429
    assert page(requests.get("/p/", REMOTE_ADDR="203.0.113.6")).status_code == 200
