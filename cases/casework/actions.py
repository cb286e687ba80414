"""The table of what can be done from the case page: per action, its form,
the service it calls and the right it needs (the one view is views/actions.py).

Which steps each piece of step work belongs to is cases.workflow.WORK, under
the same names: the services refuse it elsewhere and the page offers it only
there."""

from collections.abc import Callable
from dataclasses import dataclass

from crispy_forms.bootstrap import InlineField, StrictButton
from crispy_forms.layout import Layout
from django import forms
from django.contrib import messages
from django.utils import timezone

from cases.casework.forms import cases as case_forms
from cases.casework.forms import steps as step_forms
from cases.casework.services import cases as case_services
from cases.casework.services import compensation, pauses, promises, review, steps
from cases.choices import Step
from cases.forms import MendForm


@dataclass(frozen=True)
class Action:
    form: type
    # (case, user, cleaned_data, form) -> message, or (message level, message)
    run: Callable
    needs: str = "work"
    wants_case: bool = False
    # Forms rendered whole on the page get a prefix, so field ids stay unique;
    # the small record buttons post plain names (their ids carry the record).
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
    """A button acting on one record of the case (choose, keep, deliver...).

    Built for the page with its record, a form says how it is drawn
    (`page_layout`, `page_class`); the case page's `record_form` tag adds the
    <form> tag and the CSRF token. Each record's fields get their own ids.
    """

    record = forms.IntegerField(widget=forms.HiddenInput)
    page_class = "d-flex gap-1"

    def __init__(self, *args, record=None, **kwargs):
        self.page_record = record
        if record is not None:
            kwargs.setdefault("initial", {})["record"] = record.pk
            # Unique on the page: two kinds of record may share a pk.
            kind = type(self).__name__.lower()
            kwargs.setdefault("auto_id", f"id_{kind}_{record.pk}_%s")
        super().__init__(*args, **kwargs)

    def page_layout(self) -> Layout:
        return Layout("record")


STALE_PAGE = "This page is out of date: reload the case and try again."


# The field's wrapper takes the room the bare input took (and, as a flex box,
# lets the input stretch to the buttons' height).
INLINE_WRAPPER = "w-100 d-flex"


def _inline_field(name: str, **attrs) -> InlineField:
    # The label is visually hidden and doubles as the placeholder, so the
    # input keeps an accessible name.
    return InlineField(
        name, css_class="form-control-sm", wrapper_class=INLINE_WRAPPER, **attrs
    )


def _button(text: str, style: str, **attrs) -> StrictButton:
    return StrictButton(text, css_class=f"btn-sm {style}", type="submit", **attrs)


class ChooseForm(RecordForm):
    # Posted as "on" by the Choose button; the Set aside button leaves it out.
    chosen = forms.BooleanField(required=False, widget=forms.HiddenInput)
    page_class = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("chosen", "on")

    def page_layout(self) -> Layout:
        if self.page_record is not None and self.page_record.chosen:
            return Layout("record", _button("Set aside", "btn-outline-secondary"))
        return Layout("record", "chosen", _button("Choose", "btn-outline-success"))


class SettleFollowUp(step_forms.SettleFollowUpForm, RecordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["notes"].label = "How it went"

    def page_layout(self) -> Layout:
        return Layout(
            "record",
            _inline_field("notes"),
            _button("Done", "btn-outline-success", name="status", value="done"),
            _button("Missed", "btn-outline-danger", name="status", value="missed"),
        )


class Deliver(step_forms.DeliverForm, RecordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("delivered_on", timezone.localdate())

    def page_layout(self) -> Layout:
        today = timezone.localdate().isoformat()
        return Layout(
            "record",
            _inline_field("delivered_on", max=today),
            _button("Mark delivered", "btn-outline-success"),
        )


class Decide(step_forms.DecisionForm, RecordForm):
    """Built for the page with its offer and the case's version, so a decision
    taken on a page drawn before the case changed is refused."""

    page_class = "d-flex gap-1 flex-wrap"

    def __init__(self, *args, version=None, **kwargs):
        if version is not None:
            kwargs.setdefault("initial", {})["version"] = version
        super().__init__(*args, **kwargs)
        self.fields["note"].label = "Note (optional)"
        self.fields["version"].error_messages.update(
            required=STALE_PAGE, invalid=STALE_PAGE
        )

    def page_layout(self) -> Layout:
        return Layout(
            "record",
            "version",
            _inline_field("note"),
            _button("Approve", "btn-success", name="decision", value="approve"),
            _button("Decline", "btn-outline-danger", name="decision", value="decline"),
        )


class SettlePromise(step_forms.SettlePromiseForm, RecordForm):
    page_class = "mt-1 d-flex gap-1"

    def page_layout(self) -> Layout:
        return Layout(
            "record",
            _button("Kept", "btn-outline-success", name="outcome", value="kept"),
            _button("Missed", "btn-outline-danger", name="outcome", value="missed"),
        )


class AdvanceForm(MendForm):
    """Moves the case on; the button is quiet while the step still lacks something.

    Built for the page with the case as its record, it carries the step the
    button leaves and the save the page showed, so a double click or a stale
    page cannot move the case twice or undo a send-back (case_advance checks).
    """

    step = forms.ChoiceField(
        choices=Step.choices,
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid_choice": STALE_PAGE},
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )
    page_class = ""

    def __init__(self, *args, record=None, missing=(), **kwargs):
        self.missing = missing
        if record is not None:
            kwargs.setdefault("initial", {}).update(
                step=record.step, version=record.version
            )
        super().__init__(*args, **kwargs)

    def page_layout(self) -> Layout:
        style = "btn-outline-secondary" if self.missing else "btn-success"
        return Layout(
            "step",
            "version",
            StrictButton("Step complete: move on", css_class=style, type="submit"),
        )


class ResumeForm(MendForm):
    """Starts a paused clock again; carries the save the page showed."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )
    page_class = ""

    def __init__(self, *args, record=None, **kwargs):
        if record is not None:
            kwargs.setdefault("initial", {})["version"] = record.version
        super().__init__(*args, **kwargs)

    def page_layout(self) -> Layout:
        return Layout(
            "version",
            StrictButton(
                "Resume the clock", css_class="btn-sm btn-primary", type="submit"
            ),
        )


def _pause(case, user, d, form):
    pause = pauses.clock_pause(case_id=case.pk, by=user, **d)
    if pause.resume_at is not None:
        # The team's opening that day, or the next working day's.
        restart = pauses.restart_text(pause, case.team)
        return f"Clock paused. It starts again {restart}, and you will get an email."
    return "Clock paused. Resume it when the client answers."


def _resume(case, user, d, form):
    pauses.clock_resume(case_id=case.pk, by=user, version=d["version"])
    return "The clock runs again."


def _close(case, user, d, form):
    case_services.case_close(case_id=case.pk, by=user, **d)
    return "Case closed. Thank you for writing down the lessons."


def _offer(case, user, d, form):
    offer = compensation.compensation_offer(case_id=case.pk, by=user, **d)
    # Both can hold: a small offer can push the case's total over the threshold.
    approval = ""
    if offer.approval == "pending":
        approval = f" It needs {offer.approver_label}'s approval before delivery."
    if offer.value_to_client < offer.guideline:
        return messages.WARNING, (
            f"Offer recorded, but it is worth less to the client than the guideline "
            f"of {offer.guideline:,.2f}. Consider offering more.{approval}"
        )
    if approval:
        return "Offer recorded." + approval
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
        version=d["version"],
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
    posted = review.case_comment(
        case_id=case.pk, by=user, text=d["text"], submission_key=d["submission_key"]
    )
    return mentions_said(posted.mentions, user)


def mentions_said(mentions, writer) -> str | tuple:
    """What the writer is told of their @mentions: who was told, and warned
    of any that reached nobody."""
    said = ["Comment added to the timeline."]
    told = [person for person in mentions.told if person.pk != writer.pk]
    if told:
        said.append(f"Mentioned and emailed: {_names(told)}.")
    missed = [f"@{name}" for name in mentions.unknown]
    if missed:
        said.append(f"Nobody was told about {_names(missed)}: no such username.")
    if mentions.cannot_see:
        said.append(
            f"Not told: {_names(mentions.cannot_see)}, who cannot see this case "
            "(not on its team)."
        )
    if missed or mentions.cannot_see:
        return messages.WARNING, " ".join(said)
    return " ".join(said)


def _names(items) -> str:
    names = [str(item) for item in items]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _reassign(case, user, d, form):
    review.case_reassign(case_id=case.pk, by=user, to=d["owner"], version=d["version"])
    return f"Case handed to {d['owner']}. They have been emailed."


def _advance(case, user, d, form):
    moved = case_services.case_advance(
        case_id=case.pk, by=user, step=d["step"], version=d["version"]
    )
    return f"Moved on to {moved.get_step_display()}."


def _send_back(case, user, d, form):
    moved = case_services.case_send_back(
        case_id=case.pk, by=user, reason=d["reason"], version=d["version"]
    )
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
        wants_case=True,
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
    "pause": Action(case_forms.PauseForm, _pause, wants_case=True),
    "resume": Action(ResumeForm, _resume, prefixed=False),
}
