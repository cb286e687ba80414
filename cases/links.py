"""Public links: pages a client opens without signing in (a check-in, the
promise page). One place for what every such link and page must do:

- the token is signed with MEND_LINK_KEY (a key of its own, so rotating it
  ends every public link and nothing else), salted per purpose, so a token
  made for one kind of page opens no other, and it carries its own age;
- the token names one row (a check-in, a share) that the page reads again,
  so a link can also be revoked or used up in the database;
- the page sets no cookie (no session, no CSRF cookie: the unguessable token
  in the address is what a forged request cannot know), is not indexed or
  cached, sends no Referer onwards, and is rate-limited per address;
- a link that is expired, revoked, used up or mistyped gets a clear page,
  never an error.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.views.decorators.csrf import csrf_exempt

from cases.addresses import client_address

# Requests one address may make to public pages in a minute.
RATE_PER_MINUTE = 30


class LinkGone(Exception):
    """The link cannot be used; `reason` is what its page says."""

    def __init__(self, reason: str, *, status: int = 410):
        super().__init__(reason)
        self.reason = reason
        self.status = status


EXPIRED = "This link has expired."
UNKNOWN = "This link is not valid. Check that it was copied whole."


def link_key() -> str:
    """MEND_LINK_KEY, or one derived from SECRET_KEY (still not SECRET_KEY)."""
    if settings.MEND_LINK_KEY:
        return settings.MEND_LINK_KEY
    return salted_hmac("mend.links", "key", secret=settings.SECRET_KEY).hexdigest()


def make_token(purpose: str, row_id: int, *, nonce: str = "") -> str:
    """A signed token for one row (with its nonce, a random value stored on
    the row, so a row's link can be replaced without changing its id)."""
    return signing.dumps(
        [row_id, nonce], key=link_key(), salt=f"mend.links.{purpose}", compress=False
    )


def read_token(purpose: str, token: str, *, max_age: dt.timedelta) -> tuple[int, str]:
    """(row id, nonce) from a token made by make_token for this purpose.

    Raises LinkGone when it is older than max_age or not one of ours.
    """
    try:
        row_id, nonce = signing.loads(
            token, key=link_key(), salt=f"mend.links.{purpose}", max_age=max_age
        )
    except signing.SignatureExpired:
        raise LinkGone(EXPIRED) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise LinkGone(UNKNOWN, status=404) from None
    if not isinstance(row_id, int) or not isinstance(nonce, str):
        raise LinkGone(UNKNOWN, status=404)
    return row_id, nonce


def public_page(view):
    """For a view of a public link: rate-limited, uncached, unindexed, with
    no cookie, and a clear page (gone.html) when the view raises LinkGone.

    CSRF is off for these views only: they set no cookie to check against,
    and a forged form cannot post to a link it does not know.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _over_rate(request):
            response = public_render(
                request,
                "public/gone.html",
                {"reason": "Too many requests. Wait a minute and try again."},
                status=429,
            )
            response["Retry-After"] = "60"
        else:
            try:
                response = view(request, *args, **kwargs)
            except LinkGone as gone:
                response = public_render(
                    request,
                    "public/gone.html",
                    {"reason": gone.reason},
                    status=gone.status,
                )
        response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "no-store, private"
        # Whatever middleware had in mind, a public page sets no cookie.
        response.cookies.clear()
        return response

    return csrf_exempt(wrapper)


def public_render(
    request: HttpRequest, template: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """A public page (templates/public/), in the company's name."""
    context = {"company": settings.MEND_COMPANY_NAME, **context}
    return render(request, template, context, status=status)


def _over_rate(request: HttpRequest) -> bool:
    """Counts this address's requests in the current minute (Django's cache:
    shared across processes once a shared cache is configured)."""
    address = client_address(request) or "unknown"
    key = f"mend.links.rate:{address}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window ran out between add and incr.
        cache.add(key, 1, timeout=60)
        count = 1
    return count > RATE_PER_MINUTE
