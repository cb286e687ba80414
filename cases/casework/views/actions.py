"""Every change made from the case page goes through this one view.

It finds the case the user may see (else 404), checks they may do this (else
403), validates the action's form and calls its service (see casework.actions).
A refused or conflicting save re-renders the page with the form as it was
typed, so nothing is lost; a button pressed on an out-of-date page (a double
click, a case moved meanwhile) shows the case as it is now and says why.

Without JavaScript each post ends in a redirect back to the part of the page
the form was in (its anchor). With htmx the answer is the changed parts of
the page, swapped in place (templates/cases/partials/_case_update.html), so
the reader keeps their place and what they typed elsewhere.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cases.casework.actions import ACTIONS
from cases.casework.selectors import case_for_page, may
from cases.casework.services.attachments import max_bytes
from cases.casework.services.cases import case_advance
from cases.casework.views.page import case_page_context
from cases.exceptions import AlreadySubmitted, MendError, Stale, StepIncomplete
from cases.middleware import body_allowance
from cases.models import Case, Contact

# The second submit button of a step's form: save, then move the case on.
THEN_ADVANCE = "advance"
# Room for the multipart wrapping and the form's other fields around a file.
FORM_ROOM = 64 * 1024


def _upload_allowance(pk: int, name: str) -> int | None:
    """The body an action that posts a file may send: the file limit, plus room."""
    action = ACTIONS.get(name)
    if action is None or not action.takes_files:
        return None
    return max_bytes() + FORM_ROOM


@body_allowance(_upload_allowance, file_mb=lambda: settings.MEND_ATTACHMENT_MAX_MB)
@login_required
@require_http_methods(["GET", "POST"])
def case_action(request, pk: int, name: str):
    action = ACTIONS.get(name)
    if action is None:
        raise Http404("No such action.")
    if request.method == "GET":
        # The address a refused form was shown at, reloaded or bookmarked:
        # the case page is what the user wants (it checks their access).
        return redirect("case_detail", pk=pk)
    # Only what the form and the checks need; the whole page is read again
    # only when it has to be shown.
    visible = Case.objects.for_user(request.user, "view").select_related(
        "client", "team"
    )
    case = visible.filter(pk=pk).first()
    if case is None:
        raise Http404("No such case.")
    if not may(request.user, case, action.needs):
        raise PermissionDenied
    step_before = case.step
    files = request.FILES if action.takes_files else None
    form = action.build(case, request.POST, name, files=files)
    if not form.is_valid():
        if not action.prefixed:
            # A small button form has no field on the page to mark: say it here.
            problems = [e for errors in form.errors.values() for e in errors]
            messages.error(request, " ".join(dict.fromkeys(problems)))
            return _done(request, case, action, name, step_before)
        messages.error(request, "Please correct the fields marked below.")
        return _page(request, case, name, form)
    try:
        message = action.run(case, request.user, form.cleaned_data, form)
    except AlreadySubmitted:
        return _done(request, case, action, name, step_before)
    except Stale as exc:
        # The case changed since the page was drawn: show it as it is now.
        if not action.prefixed:  # a button: nothing typed to keep
            messages.error(request, str(exc))
            return _done(request, case, action, name, step_before)
        if hasattr(form, "refresh_version"):
            form.refresh_version(Case.objects.get(pk=pk).version)
        return _page(request, case, name, form, problem=str(exc))
    except StepIncomplete as exc:
        if not action.prefixed:  # nothing typed to keep: show the case again
            messages.error(request, str(exc))
            return _done(request, case, action, name, step_before)
        return _page(request, case, name, form, problem=exc)
    except MendError as exc:
        messages.error(request, str(exc))
        return _done(request, case, action, name, step_before)
    except (ObjectDoesNotExist, Contact.DoesNotExist):
        raise Http404("No such record on this case.") from None
    level, text = message if isinstance(message, tuple) else (messages.SUCCESS, message)
    messages.add_message(request, level, text)
    if request.POST.get("then") == THEN_ADVANCE and action.may_advance:
        _then_advance(request, case)
    return _done(request, case, action, name, step_before)


def _then_advance(request, case) -> None:
    """After "Save and move on": move on if the step is now complete, or say
    what it still lacks (the save itself stands)."""
    stored = Case.objects.only("version", "step").get(pk=case.pk)
    try:
        moved = case_advance(
            case_id=case.pk, by=request.user, step=stored.step, version=stored.version
        )
    except StepIncomplete as exc:
        messages.warning(
            request,
            f"Saved, but {exc.step.label} is not complete yet: "
            + " ".join(exc.missing),
        )
    except MendError as exc:
        messages.warning(request, f"Saved, but the case did not move on: {exc}")
    else:
        messages.success(request, f"Moved on to {moved.get_step_display()}.")


def _done(request, case, action, name, step_before):
    """After the post: the changed parts (htmx), or the page at the form's place."""
    if not request.htmx:
        return redirect(f"{case.get_absolute_url()}#{action.anchor(name)}")
    case = case_for_page(request.user, case.pk)
    context = case_page_context(request, case)
    context["oob"] = True
    context["update"] = {
        "whole_card": action.redraws_card or case.step != step_before,
        "form": name if action.prefixed else None,
    }
    return render(request, "cases/partials/_case_update.html", context)


def _page(request, case, name, form, problem=None):
    """The case page as stored now, with this form as it was typed."""
    step_before = case.step
    case = case_for_page(request.user, case.pk)
    context = case_page_context(request, case, bound=(name, form), problem=problem)
    context["problem_for"] = name
    if request.htmx:
        # A refusal because the case moved on meanwhile redraws the whole card.
        moved = case.step != step_before or isinstance(problem, str)
        context["oob"] = True
        context["update"] = {"whole_card": moved, "form": name}
        return render(request, "cases/partials/_case_update.html", context)
    return render(request, "cases/case_detail.html", context)
