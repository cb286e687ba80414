"""The check-in page a client opens from the email's link: no sign-in, no
cookie, answered once (cases.links has the rules every public page keeps)."""

from django.views.decorators.http import require_http_methods

from cases.casework.forms.check_ins import CheckInAnswerForm
from cases.casework.services.check_ins import (
    AlreadyAnswered,
    check_in_answer,
    check_in_for_link,
    link_age,
)
from cases.exceptions import MendError
from cases.links import public_page, public_render, read_token

TEMPLATE = "public/check_in.html"


@public_page
@require_http_methods(["GET", "POST"])
def check_in(request, token):
    check_in_id, nonce = read_token("check-in", token, max_age=link_age())
    found = check_in_for_link(check_in_id=check_in_id, nonce=nonce)
    if found.answered_at is not None:
        return public_render(request, TEMPLATE, {"answered": True})
    form = CheckInAnswerForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            check_in_answer(check_in_id=found.pk, nonce=nonce, **form.cleaned_data)
        except AlreadyAnswered:
            # A double submit, or a second tab: the first answer stands.
            return public_render(request, TEMPLATE, {"answered": True})
        except MendError as exc:
            form.add_error(None, str(exc))
        else:
            return public_render(request, TEMPLATE, {"thanks": True})
    status = 400 if form.is_bound else 200
    return public_render(request, TEMPLATE, {"form": form}, status=status)
