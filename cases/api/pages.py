"""Settings → API tokens: a person makes, sees and revokes their own tokens.

A new token is shown once, on the page the form's redirect leads to (held in
the session only until then), so a reload or a double click never shows it
again nor makes a second one."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cases.api.tokens import api_token_create, api_token_revoke, api_tokens_of
from cases.exceptions import AlreadySubmitted, MendError
from cases.forms import OneTimeForm
from cases.models import ApiToken

# The session key that holds a new token until its page is drawn.
JUST_MADE = "api_just_made"


class ApiTokenForm(OneTimeForm):
    name = forms.CharField(
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text="What it is for, e.g. “CRM sync” or “support desk”.",
    )


@login_required
def api_tokens(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except AlreadySubmitted:
            return redirect("api_tokens")
        except MendError as exc:
            form.add_error("name", str(exc))
        else:
            request.session[JUST_MADE] = {"id": token.pk, "token": raw}
            return redirect("api_tokens")
    new = request.session.pop(JUST_MADE, None)
    return render(
        request,
        "registration/api_tokens.html",
        {"form": form, "tokens": api_tokens_of(request.user), "new": new},
    )


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    if api_token_revoke(user=request.user, token_id=pk):
        messages.success(request, "Token revoked: it no longer works.")
    else:
        messages.info(request, "That token was already revoked.")
    return redirect("api_tokens")
