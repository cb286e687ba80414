"""Sign-in pages: Django's auth views, plus the answer to a throttled login
and a password reset whose email goes through the outbox."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import (
    LoginView,
    PasswordResetConfirmView,
    PasswordResetView,
)
from django.shortcuts import redirect, render

from cases.accounts import services
from cases.accounts.forms import LoginForm, NotificationSettingsForm, PasswordResetForm
from cases.accounts.lockout import address_failures
from cases.addresses import client_address


class MendLoginView(LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class MendPasswordResetView(PasswordResetView):
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


class MendPasswordResetConfirmView(PasswordResetConfirmView):
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
