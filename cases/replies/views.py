"""The review list: emails that reached the reply mailbox but went on no
case, for an administrator to attach to one or dismiss. Anyone else: 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from cases import access
from cases.exceptions import NotAllowed
from cases.replies.forms import ReviewForm
from cases.replies.selectors import PAGE, replies_decided, replies_waiting
from cases.replies.services import inbound_attach, inbound_dismiss


@login_required
def review_page(request):
    if not access.reviews_replies(request.user):
        raise Http404("No such page.")
    failed = None
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == "attach":
                    mail = inbound_attach(
                        mail_id=data["mail"], case_id=data["case"], by=request.user
                    )
                    messages.success(
                        request, f"Put on case {mail.case_id}; its owner is told."
                    )
                else:
                    inbound_dismiss(mail_id=data["mail"], by=request.user)
                    messages.success(request, "Dismissed.")
                return redirect("replies_review")
            except NotAllowed as refused:
                messages.error(request, str(refused))
                return redirect("replies_review")
        failed = form
        messages.error(request, "Please correct the field marked below.")
    waiting = replies_waiting(request.user)
    return render(
        request,
        "cases/replies_review.html",
        {
            "waiting": list(waiting[:PAGE]),
            "waiting_count": waiting.count(),
            "decided": replies_decided(request.user),
            "failed": failed,
        },
        status=400 if failed is not None else 200,
    )
