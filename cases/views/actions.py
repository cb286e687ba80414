"""Every change made from the case page goes through one view and this table.

The view finds the case the user may see (else 404), checks they may do this
(else 403), validates the form and calls one service. A refused or conflicting
save re-renders the page with the form as it was typed, so nothing is lost.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ..exceptions import AlreadySubmitted, ConcurrentEdit, MendError, StepIncomplete
from ..forms import cases as case_forms
from ..forms import steps as step_forms
from ..forms.base import MendForm
from ..models import Case, Contact
from ..selectors import case_for_page, may
from ..services import cases as case_services
from ..services import compensation, promises, review, steps
from .case_page import case_page_context


@dataclass(frozen=True)
class Action:
    form: type
    # (case, user, cleaned_data, form) -> message, or (message level, message)
    run: Callable
    needs: str = "work"
    wants_case: bool = False
    # Forms rendered whole on the page get a prefix, so field ids stay unique;
    # the small record buttons are written by hand and post plain names.
    prefixed: bool = True

    def build(self, case, data=None, name=""):
        kwargs = {"case": case} if self.wants_case else {}
        if self.prefixed:
            kwargs["prefix"] = name
        if data is not None:
            kwargs["data"] = data
        return self.form(**kwargs)


def _record(data) -> int:
    return int(data["record"])


def _details(case, user, d, form):
    case_services.case_update_details(case_id=case.pk, by=user, **d)
    return "Details saved."


def _root_cause(case, user, d, form):
    steps.root_cause_save(
        case_id=case.pk,
        by=user,
        version=d["version"],
        answers=form.answers(),
        client_view=d["client_view"],
        our_view=d["our_view"],
        client_feeling=d["client_feeling"],
    )
    return "Root-cause answers saved."


def _with_key(fn, message):
    def run(case, user, d, form):
        fn(case_id=case.pk, by=user, **d)
        return message

    return run


class RecordForm(MendForm):
    """A button acting on one record of the case (choose, keep, deliver...)."""

    record = forms.IntegerField(widget=forms.HiddenInput)


class ChooseForm(RecordForm):
    chosen = forms.BooleanField(required=False)


class SettleFollowUp(step_forms.SettleFollowUpForm, RecordForm):
    pass


class Deliver(step_forms.DeliverForm, RecordForm):
    pass


class Decide(step_forms.DecisionForm, RecordForm):
    pass


class SettlePromise(step_forms.SettlePromiseForm, RecordForm):
    pass


class AdvanceForm(MendForm):
    pass


def _close(case, user, d, form):
    case_services.case_close(case_id=case.pk, by=user, **d)
    return "Case closed. Thank you for writing down the lessons."


def _offer(case, user, d, form):
    offer = compensation.compensation_offer(case_id=case.pk, by=user, **d)
    if offer.value_to_client < offer.guideline:
        return messages.WARNING, (
            f"Offer recorded, but it is worth less to the client than the guideline "
            f"of {offer.guideline:,.2f}. Consider offering more."
        )
    if offer.approval == "pending":
        return "Offer recorded. It needs your sales manager's approval before delivery."
    return "Offer recorded. Mark it delivered once the client has it."


def _choose_option(case, user, d, form):
    steps.option_choose(
        case_id=case.pk, by=user, option_id=d["record"], chosen=d["chosen"]
    )
    return "Option chosen." if d["chosen"] else "Option set aside."


def _deliver(case, user, d, form):
    compensation.compensation_deliver(
        case_id=case.pk,
        by=user,
        compensation_id=d["record"],
        delivered_on=d["delivered_on"],
    )
    return "Compensation marked delivered."


def _decide(case, user, d, form):
    approve = d["decision"] == "approve"
    compensation.compensation_decide(
        case_id=case.pk,
        by=user,
        compensation_id=d["record"],
        approve=approve,
        note=d["note"],
    )
    return "Compensation approved." if approve else "Compensation declined."


def _settle_follow_up(case, user, d, form):
    steps.follow_up_settle(
        case_id=case.pk,
        by=user,
        follow_up_id=d["record"],
        status=d["status"],
        notes=d["notes"],
    )
    return "Follow-up updated."


def _settle_promise(case, user, d, form):
    kept = d["outcome"] == "kept"
    promises.promise_settle(case_id=case.pk, by=user, promise_id=d["record"], kept=kept)
    if kept:
        return "Promise kept."
    return "Marked missed: a second drop. Your manager has been told."


def _comment(case, user, d, form):
    review.case_comment(case_id=case.pk, by=user, text=d["text"])
    return "Comment added to the timeline."


def _reassign(case, user, d, form):
    review.case_reassign(case_id=case.pk, by=user, to=d["owner"])
    return f"Case handed to {d['owner']}. They have been emailed."


def _advance(case, user, d, form):
    moved = case_services.case_advance(case_id=case.pk, by=user)
    return f"Moved on to {moved.get_step_display()}."


def _send_back(case, user, d, form):
    moved = case_services.case_send_back(case_id=case.pk, by=user, reason=d["reason"])
    return f"Case sent back to {moved.get_step_display()}."


ACTIONS: dict[str, Action] = {
    "details": Action(case_forms.CaseDetailsForm, _details, wants_case=True),
    "person": Action(
        step_forms.PersonForm,
        _with_key(steps.person_add, "Person added to the affected people."),
    ),
    "root_cause": Action(step_forms.RootCauseForm, _root_cause, wants_case=True),
    "option": Action(
        step_forms.OptionForm, _with_key(steps.option_add, "Option added.")
    ),
    "client_contact": Action(
        step_forms.ClientContactForm,
        _with_key(steps.client_contact_log, "Contact with the client logged."),
        wants_case=True,
    ),
    "apology": Action(
        step_forms.ApologyForm,
        _with_key(steps.apology_record, "Apology recorded."),
        wants_case=True,
    ),
    "compensation": Action(step_forms.CompensationForm, _offer),
    "no_compensation": Action(
        step_forms.NoCompensationForm,
        _with_key(compensation.compensation_none_due, "Decision recorded: none due."),
    ),
    "follow_up": Action(
        step_forms.FollowUpForm,
        _with_key(steps.follow_up_schedule, "Follow-up scheduled."),
    ),
    "promise": Action(
        step_forms.PromiseForm,
        _with_key(promises.promise_make, "Promise added to the ledger."),
        wants_case=True,
    ),
    "close": Action(case_forms.CloseForm, _close, wants_case=True),
    "send_back": Action(case_forms.SendBackForm, _send_back, needs="manage"),
    "comment": Action(case_forms.CommentForm, _comment),
    "reassign": Action(
        case_forms.ReassignForm, _reassign, needs="manage", wants_case=True
    ),
    # Buttons acting on one record, or on the case as a whole.
    "choose_option": Action(ChooseForm, _choose_option, prefixed=False),
    "deliver": Action(Deliver, _deliver, prefixed=False),
    "decide": Action(Decide, _decide, needs="manage", prefixed=False),
    "settle_follow_up": Action(SettleFollowUp, _settle_follow_up, prefixed=False),
    "settle_promise": Action(SettlePromise, _settle_promise, prefixed=False),
    "advance": Action(AdvanceForm, _advance, prefixed=False),
}


@login_required
@require_POST
def case_action(request, pk: int, name: str):
    action = ACTIONS.get(name)
    if action is None:
        raise Http404("No such action.")
    # Only what the form and the checks need; the whole page is read again
    # only when it has to be shown with the form as typed.
    visible = Case.objects.for_user(request.user, "view").select_related(
        "client", "team"
    )
    case = visible.filter(pk=pk).first()
    if case is None:
        raise Http404("No such case.")
    if not may(request.user, case, action.needs):
        raise PermissionDenied
    form = action.build(case, request.POST, name)
    if not form.is_valid():
        if not action.prefixed:
            # A small button form has no field on the page to mark: say it here.
            problems = [e for errors in form.errors.values() for e in errors]
            messages.error(request, " ".join(problems))
            return redirect(case)
        messages.error(request, "Please correct the fields marked below.")
        return _page(request, case, name, form)
    try:
        message = action.run(case, request.user, form.cleaned_data, form)
    except AlreadySubmitted:
        return redirect(case)
    except ConcurrentEdit as exc:
        if hasattr(form, "refresh_version"):
            form.refresh_version(Case.objects.get(pk=pk).version)
        return _page(request, case, name, form, problem=str(exc))
    except StepIncomplete as exc:
        if not action.prefixed:  # nothing typed to keep: show the case again
            messages.error(request, str(exc))
            return redirect(case)
        return _page(request, case, name, form, problem=exc)
    except MendError as exc:
        messages.error(request, str(exc))
        return redirect(case)
    except (ObjectDoesNotExist, Contact.DoesNotExist):
        raise Http404("No such record on this case.") from None
    level, text = message if isinstance(message, tuple) else (messages.SUCCESS, message)
    messages.add_message(request, level, text)
    return redirect(case)


def _page(request, case, name, form, problem=None):
    """The case page as stored now, with this form as it was typed."""
    case = case_for_page(request.user, case.pk)
    context = case_page_context(request, case, bound=(name, form), problem=problem)
    return render(request, "cases/case_detail.html", context)
