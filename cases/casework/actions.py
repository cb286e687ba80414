"""The table of what can be done from the case page: per action, its form,
the service it calls and the right it needs (the one view is views/actions.py)."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages

from cases.casework.forms import cases as case_forms
from cases.casework.forms import steps as step_forms
from cases.casework.services import cases as case_services
from cases.casework.services import compensation, promises, review, steps
from cases.forms import MendForm


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
