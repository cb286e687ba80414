"""Sign-in pages: Django's auth views, plus the answer to a throttled login,
a password reset whose email goes through the outbox, and single sign-on
through the OpenID Connect provider (mozilla-django-oidc's views)."""

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import (
    LoginView,
    PasswordChangeDoneView,
    PasswordChangeView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from cases.accounts import services, sso
from cases.accounts.forms import LoginForm, NotificationSettingsForm, PasswordResetForm
from cases.accounts.lockout import address_failures
from cases.addresses import client_address

log = logging.getLogger("mend.sso")


class PasswordsOnly:
    """A password page: 404 while password login is off (MEND_PASSWORD_LOGIN),
    as if it did not exist; sign-in is then the provider's alone."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.MEND_PASSWORD_LOGIN:
            raise Http404("Password login is off.")
        return super().dispatch(request, *args, **kwargs)


class MendLoginView(LoginView):
    """The password form and, with single sign-on, "Sign in with ..." beside
    it, or alone when password login is off (then a posted password is 404)."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not settings.MEND_PASSWORD_LOGIN:
            raise Http404("Password login is off.")
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "password_login": settings.MEND_PASSWORD_LOGIN,
            "sso_provider": (
                settings.MEND_OIDC_PROVIDER_NAME if sso.enabled() else None
            ),
        }


class MendPasswordChangeView(PasswordsOnly, PasswordChangeView):
    pass


class MendPasswordChangeDoneView(PasswordsOnly, PasswordChangeDoneView):
    pass


class MendPasswordResetDoneView(PasswordsOnly, PasswordResetDoneView):
    pass


class MendPasswordResetCompleteView(PasswordsOnly, PasswordResetCompleteView):
    pass


class ProviderSignInStart(OIDCAuthenticationRequestView):
    """ "Sign in with ...": off to the provider with a fresh state, nonce and
    PKCE challenge, kept in the session for the way back."""

    def __init__(self, **kwargs):
        # Not the library's __init__: it reads the authorisation endpoint,
        # which may need the discovery document, before the view can answer.
        View.__init__(self, **kwargs)

    def get(self, request):
        if not sso.enabled():
            raise Http404("Single sign-on is off.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso.endpoint("authorization_endpoint")
        except sso.ProviderUnreachable as exc:
            log.error("single sign-on: provider unreachable: %s", exc)
            return _sign_in_failed(request, unreachable=True)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class ProviderSignInCallback(OIDCAuthenticationCallbackView):
    """The provider's way back: the library checks the state against the
    session (a state is used once, so a forged or replayed callback is
    refused), exchanges the code with the PKCE verifier, checks the ID
    token's signature and nonce; sso_sign_in then decides who gets in."""

    def get(self, request):
        if not sso.enabled():
            raise Http404("Single sign-on is off.")
        state = request.GET.get("state")
        if state is None or state not in request.session.get("oidc_states", {}):
            # Not started in this browser, or already used.
            log.warning("single sign-on: callback with an unknown state refused")
            return _sign_in_failed(request, replayed=True)
        try:
            return super().get(request)
        except services.SignInRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("login")
        except (
            SuspiciousOperation,
            requests.RequestException,
            sso.ProviderUnreachable,
        ) as exc:
            log.warning("single sign-on: sign-in failed: %s", exc)
            return _sign_in_failed(request)

    def login_failure(self):
        return _sign_in_failed(self.request)


def _sign_in_failed(request, *, replayed=False, unreachable=False):
    provider = settings.MEND_OIDC_PROVIDER_NAME
    if unreachable:
        text = (
            f"Mend cannot reach {provider} just now. Try again in a few minutes; "
            "if it lasts, tell your administrator."
        )
    elif replayed:
        text = (
            "That sign-in link was not started here or has already been used. "
            f"Sign in with {provider} again."
        )
    else:
        text = f"Signing in with {provider} did not complete. Try again."
    messages.error(request, text)
    return redirect("login")


class MendPasswordResetView(PasswordsOnly, PasswordResetView):
    """Django's reset page; its email is recorded in the outbox, not sent here.
    Requests are throttled per client address and per email address typed."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        try:
            services.password_reset_request(
                email=form.cleaned_data["email"],
                address=client_address(self.request),
            )
        except services.ResetThrottled:
            minutes = int(settings.PASSWORD_RESET_WINDOW.total_seconds() // 60)
            form.add_error(
                None,
                "Too many reset links were asked for from here or for this email "
                f"address. Wait {minutes} minutes, then try again; if you still "
                "get no email, ask your Mend administrator.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class MendPasswordResetConfirmView(PasswordsOnly, PasswordResetConfirmView):
    """Django's new-password page; a new password also lifts a lockout."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.login_failures_forget(form.user)
        return response


def locked_out(request, response=None, credentials=None):
    """Axes calls this once a username has failed too often from one address,
    or the address itself has failed for too many usernames."""
    form = LoginForm(request, initial={"username": request.POST.get("username", "")})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    whole_address = address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "locked_out": "address" if whole_address else "username",
            "cooloff_minutes": minutes,
            "password_login": True,
            "sso_provider": (
                settings.MEND_OIDC_PROVIDER_NAME if sso.enabled() else None
            ),
        },
        status=429,
    )


@login_required
def notification_settings(request):
    """A person's own notification preferences (only ever their own row)."""
    form = NotificationSettingsForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Notification settings saved.")
        return redirect("notification_settings")
    return render(request, "registration/notification_settings.html", {"form": form})
