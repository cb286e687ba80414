"""Sign-in pages: Django's auth views, plus the answer to a throttled login."""

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.shortcuts import render

from ..forms import LoginForm


class MendLoginView(LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


def locked_out(request, response=None, credentials=None):
    """Axes calls this once a username has failed too often from one address."""
    form = LoginForm(request, initial={"username": request.POST.get("username", "")})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": True, "cooloff_minutes": minutes},
        status=429,
    )
