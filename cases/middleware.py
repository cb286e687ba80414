"""Two limits on every request: the size of its body, and how long a session
may go on (idle, and in all)."""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django_htmx.http import HttpResponseClientRedirect


def body_allowance(limit, *, file_mb):
    """Let one view take a bigger body than MAX_REQUEST_BODY_KB (a file
    upload): `limit(**url_kwargs)` gives the bytes it accepts at that address,
    or None for the usual limit; `file_mb()` the file size its 413 page names.
    Put it outermost, over the view's other decorators."""

    def allow(view):
        view.body_limit = limit
        view.body_file_mb = file_mb
        return view

    return allow


def _allowance(request) -> tuple[int, int] | None:
    """The bytes this address accepts and the file size to name, if it
    allows more than the usual limit."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    limit = getattr(match.func, "body_limit", None)
    allowed = limit(**match.kwargs) if limit is not None else None
    return None if allowed is None else (allowed, match.func.body_file_mb())


class RequestSizeLimitMiddleware:
    """Refuse a request body over DATA_UPLOAD_MAX_MEMORY_SIZE with a 413 page.

    Django holds only the form fields it keeps in memory to that limit: the
    file parts of a multipart body are streamed to disk whatever their size,
    so a 10 MB post was read and answered as usual. The whole body is held to
    the limit, before anything reads it, except where a view allows more
    (body_allowance: attaching a file, importing a CRM export).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            allowance = _allowance(request)
            if allowance is None or length > allowance[0]:
                context = {"limit_kb": limit // 1024}
                if allowance is not None:
                    context["limit_mb"] = allowance[1]
                return render(request, "413.html", context, status=413)
        return self.get_response(request)


SIGNED_IN_AT = "mend_signed_in_at"
SEEN_AT = "mend_seen_at"


def session_started(sender, request, user, **kwargs):
    """On user_logged_in (connected in cases.apps): the clocks start at sign-in,
    as the session is saved anyway, so no later request writes just for that."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours >= 48:
        return f"{round(hours / 24)} days"
    return f"{hours:g} hours" if hours != 1 else "1 hour"


class SessionTimeoutMiddleware:
    """Sign a person out after SESSION_IDLE_TIMEOUT without a request, and
    SESSION_COOKIE_AGE after they signed in however active they are.

    Django alone has one lifetime, counted from the session's last save; the
    activity notes below save it every few minutes, which would stretch that
    lifetime for ever, so both ends are checked here against the times the
    session itself records.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            reason = self._ended(request.session, time.time())
            if reason:
                logout(request)
                messages.info(request, reason)
                response = redirect_to_login(request.get_full_path())
                if getattr(request, "htmx", False):
                    return HttpResponseClientRedirect(response.url)
                return response
        response = self.get_response(request)
        if request.user.is_authenticated:
            self._note(request.session, time.time())
        return response

    def _ended(self, session, now: float) -> str | None:
        signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
        if signed_in is None or seen is None:
            return None  # a session from before these notes: it starts now
        if now - signed_in > settings.SESSION_COOKIE_AGE:
            lifetime = timedelta(seconds=settings.SESSION_COOKIE_AGE)
            return (
                f"You were signed out because sessions last at most "
                f"{_hours(lifetime)}. Sign in again to carry on."
            )
        idle = settings.SESSION_IDLE_TIMEOUT
        if now - seen > idle.total_seconds():
            return (
                f"You were signed out after {_hours(idle)} without activity. "
                "Sign in again to carry on."
            )
        return None

    def _note(self, session, now: float) -> None:
        # Each note is a session write: note activity only once a hundredth of
        # the idle time has passed (about five minutes of eight hours).
        every = settings.SESSION_IDLE_TIMEOUT.total_seconds() / 100
        if now - session.get(SEEN_AT, 0) >= every:
            session[SEEN_AT] = now
        session.setdefault(SIGNED_IN_AT, now)
