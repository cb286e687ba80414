"""Pages for account managers: my cases, log a dropped ball, the case page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.calendar import user_zone
from cases.casework.forms.cases import CaseOpenForm
from cases.casework.selectors import (
    case_for_page,
    cases_owned_by,
    client_history,
    owned_counts,
    second_failure_preview,
    team_open_cases,
)
from cases.casework.services.cases import case_open
from cases.casework.services.notices import notices_read
from cases.casework.views.page import case_page_context
from cases.exceptions import AlreadySubmitted, ClientExists, LooksLogged, MendError
from cases.models import Case, Client
from cases.panels import render_panel


@login_required
def my_cases(request):
    # Open cases unless the closed tab is asked for (?show=closed).
    closed = request.GET.get("show") == "closed"
    return render(
        request,
        "cases/my_cases.html",
        {
            "show": "closed" if closed else "open",
            "counts": owned_counts(request.user),
            "mine": list(cases_owned_by(request.user, closed=closed)),
            "team": [] if closed else list(team_open_cases(request.user)),
            "today": timezone.localdate(),
            # Step clocks: their state now, due moments in the viewer's zone.
            "now": timezone.now(),
            "zone": user_zone(request.user),
        },
    )


@login_required
def case_new(request):
    form = CaseOpenForm(request.POST or None, user=request.user)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = case_open(
                by=request.user,
                team=data["team"],
                client=data["client"],
                new_client_name=data["new_client_name"],
                commitment=data["commitment"],
                what_happened=data["what_happened"],
                severity=data["severity"],
                promised_on=data["promised_on"],
                detected_at=data["detected_at"],
                failure_source=data["failure_source"],
                parts=data["parts"],
                submission_key=data["submission_key"],
                ask=True,
                log_again=data["log_again"],
            )
        except AlreadySubmitted:
            return redirect("my_cases")
        except ClientExists as exc:
            form.propose(exc.client)
        except LooksLogged as exc:
            duplicate = exc.earlier
        except MendError as exc:
            form.add_error(None, str(exc))
        else:
            told = (
                f"Your sales manager already knows of case {case.alerted_with.pk}, "
                "so was not alerted again."
                if case.alerted_with
                else "Your sales manager is alerted."
            )
            if case.second_failure:
                told += (
                    " It is a second failure for this client: its severity is "
                    "at least High, and your sales manager is told so."
                )
            messages.success(
                request,
                f"Case logged. {told} Next: complete the Acknowledge step below.",
            )
            return redirect(case)
    history = warning = None
    client = form.data.get("client") if form.is_bound else None
    if client:
        found = Client.objects.one_for_user(request.user, client)
        history = client_history(request.user, found) if found else None
        warning = second_failure_preview(
            request.user, found, form.data.getlist("parts")
        )
    return render(
        request,
        "cases/case_new.html",
        {
            "form": form,
            "history": history,
            "duplicate": duplicate,
            "second_failure": warning,
        },
    )


@login_required
@require_GET
def client_history_panel(request):
    client = Client.objects.one_for_user(request.user, request.GET.get("client"))
    history = client_history(request.user, client) if client else None
    return render_panel(
        request,
        "cases/partials/_client_history.html",
        "cases/client_history.html",
        {"history": history},
    )


@login_required
@require_GET
def second_failure_panel(request):
    """The logging form's warning, as the client and "our part" are chosen
    (?client=&parts=): a second failure for this client, and why."""
    client = Client.objects.one_for_user(request.user, request.GET.get("client"))
    warning = second_failure_preview(request.user, client, request.GET.getlist("parts"))
    return render_panel(
        request,
        "cases/partials/_second_failure_warning.html",
        "cases/second_failure_warning.html",
        {"second_failure": warning},
    )


@login_required
def case_detail(request, pk: int):
    try:
        case = case_for_page(request.user, pk)
    except Case.DoesNotExist:
        raise Http404("No such case.") from None
    # Seen now: what was new to the reader about this case leaves "New to you".
    notices_read(user=request.user, case=case)
    return render(request, "cases/case_detail.html", case_page_context(request, case))
