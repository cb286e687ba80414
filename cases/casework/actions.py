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
from django.template.defaultfilters import pluralize
from django.utils import timezone

from cases.casework.forms import attachments as attachment_forms
from cases.casework.forms import cases as case_forms
from cases.casework.forms import promise_page as share_forms
from cases.casework.forms import steps as step_forms
from cases.casework.forms.confirmations import ConfirmationForm
from cases.casework.services import (
    attachments,
    compensation,
    confirmations,
    pauses,
    promise_page,
    promises,
    repeat_business,
    reports,
    review,
    second_failure,
    settlements,
    steps,
)
from cases.casework.services import cases as case_services
from cases.choices import Step
from cases.forms import MendForm
from cases.guideline import FAR_ABOVE, UNDER, offer_verdict
from cases.money import currency_of, money


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
    # A step's own form may offer "Save and move on" (views.actions).
    may_advance: bool = False
    # Changes the step's clock or step: the whole card is drawn again.
    redraws_card: bool = False
    # Where on the page a post without JavaScript comes back to; a form's own
    # part (form-<name>) unless said.
    place: str = ""
    # Posts a file: the form gets request.FILES, and the route accepts a body
    # up to the attachment limit (views.actions).
    takes_files: bool = False

    def build(self, case, data=None, name="", initial=None, files=None):
        kwargs = {"case": case} if self.wants_case else {}
        if self.prefixed:
            kwargs["prefix"] = name
        if data is not None:
            kwargs["data"] = data
        if files is not None:
            kwargs["files"] = files
        if initial:
            kwargs["initial"] = initial
        return self.form(**kwargs)

    def anchor(self, name: str) -> str:
        return self.place or (f"form-{name}" if self.prefixed else "now")


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
        early = _early(self.page_record)
        return Layout(
            "record",
            _inline_field("notes"),
            *([_inline_field("early_reason", required=True)] if early else []),
            _button("Done", "btn-outline-success", name="status", value="done"),
            _button(
                "Missed",
                "btn-outline-danger",
                name="status",
                value="missed",
                # The reason is for Done only: the service says why not yet.
                **({"formnovalidate": ""} if early else {}),
            ),
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
            # Any offer not yet delivered may be declined; only one waiting
            # for approval may be approved.
            *(
                [_button("Approve", "btn-success", name="decision", value="approve")]
                if self.page_record is None or self.page_record.approval == "pending"
                else []
            ),
            _button("Decline", "btn-outline-danger", name="decision", value="decline"),
        )


class SettlePromise(step_forms.SettlePromiseForm, RecordForm):
    page_class = "mt-1 d-flex gap-1"

    def page_layout(self) -> Layout:
        early = _early(self.page_record)
        return Layout(
            "record",
            *([_inline_field("early_reason", required=True)] if early else []),
            _button("Kept", "btn-outline-success", name="outcome", value="kept"),
            _button(
                "Missed",
                "btn-outline-danger",
                name="outcome",
                value="missed",
                **({"formnovalidate": ""} if early else {}),
            ),
        )


def _early(record) -> bool:
    """Whether settling `record` now would be early: then a reason is asked."""
    return record is not None and record.due_on > timezone.localdate()


class UndoForm(RecordForm):
    """Undo a Done, Missed, Kept or Delivered. Drawn only while the user may
    (see the `undo_form` tag): for its author within the first minutes, with
    an optional reason; for a sales manager after that, with a reason."""

    reason = forms.CharField(label="Why undo?", max_length=300, required=False)
    page_class = "d-flex gap-1 mt-1"

    def __init__(self, *args, need_reason=False, **kwargs):
        self.need_reason = need_reason
        super().__init__(*args, **kwargs)
        if not need_reason:
            self.fields["reason"].label = "Why undo? (optional)"

    def page_layout(self) -> Layout:
        return Layout(
            "record",
            _inline_field("reason", **({"required": True} if self.need_reason else {})),
            _button("Undo", "btn-outline-secondary"),
        )


class UndoFollowUp(UndoForm):
    pass


class UndoPromise(UndoForm):
    pass


class UndoDelivery(UndoForm):
    pass


class WithdrawOffer(RecordForm):
    """The owner takes back an offer not yet delivered; carries the case's
    version, so an offer decided meanwhile is shown rather than withdrawn."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )
    reason = forms.CharField(
        label="Why withdraw? (optional)", max_length=300, required=False
    )
    page_class = "d-flex gap-1"

    def __init__(self, *args, version=None, **kwargs):
        if version is not None:
            kwargs.setdefault("initial", {})["version"] = version
        super().__init__(*args, **kwargs)

    def page_layout(self) -> Layout:
        return Layout(
            "record",
            "version",
            _inline_field("reason"),
            _button("Withdraw", "btn-outline-secondary"),
        )


class RemoveAttachment(RecordForm):
    """Takes a file off the case; the timeline keeps who removed which."""

    page_class = "d-block"

    def page_layout(self) -> Layout:
        return Layout(
            "record", _button("Remove it for everyone", "btn-outline-danger mt-1")
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


def _person(case, user, d, form):
    named = []
    if d.get("known"):
        named += [
            c.name
            for c in steps.people_affect(case_id=case.pk, by=user, contacts=d["known"])
        ]
    if d["name"].strip():
        person = steps.person_add(
            case_id=case.pk,
            by=user,
            name=d["name"].strip(),
            role=d["role"],
            email=d["email"],
            phone=d["phone"],
            submission_key=d["submission_key"],
        )
        named.append(person.name)
    if not named:
        return "Those people were already named as affected."
    return f"Named as affected: {', '.join(named)}."


def _close(case, user, d, form):
    case_services.case_close(
        case_id=case.pk,
        by=user,
        version=d["version"],
        outcome=d["outcome"],
        lessons=d["lessons"],
        client_fit=d["client_fit"],
        order_on=d.get("order_on"),
        order_value=d.get("order_value"),
        check_in_id=d.get("check_in_id"),
    )
    return "Case closed. Thank you for writing down the lessons."


def _repeat_order(case, user, d, form):
    case = repeat_business.repeat_order_record(
        case_id=case.pk,
        by=user,
        version=d["version"],
        order_on=d["order_on"],
        order_value=d["order_value"],
    )
    value = money(case.repeat_order_value, currency_of(case.team))
    return f"Repeat order recorded: {value}."


def _offer(case, user, d, form):
    delivered_on = d.pop("delivered_on", None)
    offer = compensation.compensation_offer(case_id=case.pk, by=user, **d)
    if delivered_on and offer.approval != "pending":
        # Given on the spot (a credit note on the call): one step, not two.
        compensation.compensation_deliver(
            case_id=case.pk,
            by=user,
            compensation_id=offer.pk,
            delivered_on=delivered_on,
        )
    # Both can hold: a small offer can push the case's total over the threshold.
    approval = ""
    if offer.approval == "pending":
        approval = f" It needs {offer.approver_label}'s approval before delivery."
    verdict = offer_verdict(offer, offer.case)
    why = verdict.explain(currency_of(offer.case.team))
    if verdict.key == UNDER:
        return messages.WARNING, (
            "Offer recorded, but it is under the guideline: worth less to the "
            f"client than the guideline asks. {why}{approval}"
        )
    if verdict.key == FAR_ABOVE:
        return messages.WARNING, (
            f"Offer recorded. It is far above the guideline. {why}{approval}"
        )
    if approval:
        if delivered_on:
            approval += " Mark it delivered once it is approved."
        return f"Offer recorded; it meets the guideline. {why}{approval}"
    if delivered_on:
        return f"Offer recorded as delivered; it meets the guideline. {why}"
    return (
        f"Offer recorded; it meets the guideline. {why} Mark it delivered once "
        "the client has it."
    )


def _client_loss(case, user, d, form):
    saved = compensation.client_loss_record(
        case_id=case.pk, by=user, loss=d["client_loss"], version=d["version"]
    )
    if saved.client_loss is None:
        return "Loss to the client cleared: the guideline uses its first floor only."
    loss = money(saved.client_loss, currency_of(saved.team))
    return f"Loss to the client saved: {loss}. The guideline now shows both floors."


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
    follow_up = steps.follow_up_settle(
        case_id=case.pk,
        by=user,
        follow_up_id=d["record"],
        status=d["status"],
        notes=d["notes"],
        early_reason=d["early_reason"],
    )
    if follow_up.settled_early:
        return "Follow-up marked done, and recorded as early."
    return "Follow-up updated."


def _settle_promise(case, user, d, form):
    kept = d["outcome"] == "kept"
    promise = promises.promise_settle(
        case_id=case.pk,
        by=user,
        promise_id=d["record"],
        kept=kept,
        early_reason=d["early_reason"],
    )
    if promise.settled_early:
        return "Promise kept, and recorded as kept early."
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
        case_id=case.pk,
        by=user,
        reason=d["reason"],
        version=d["version"],
        to=d["to"] or None,
    )
    return f"Case sent back to {moved.get_step_display()}."


def _second_failure_override(case, user, d, form):
    second_failure.second_failure_override(
        case_id=case.pk,
        by=user,
        version=d["version"],
        measure=d["measure"],
        reason=d["reason"],
    )
    return "Overridden, and recorded on the timeline with your reason."


def _undo(fn, key, message):
    def run(case, user, d, form):
        fn(case_id=case.pk, by=user, reason=d["reason"], **{key: d["record"]})
        return message

    return run


def _withdraw(case, user, d, form):
    compensation.compensation_withdraw(
        case_id=case.pk,
        by=user,
        compensation_id=d["record"],
        reason=d["reason"],
        version=d["version"],
    )
    return "Offer withdrawn: it no longer counts toward the case's totals."


class RevokePromisePage(RecordForm):
    """Withdraw the link to the client's promise page (the record: the share)."""

    page_class = "d-flex gap-1 mt-2"

    def page_layout(self) -> Layout:
        return Layout("record", _button("Withdraw the link", "btn-outline-danger"))


def _share_promises(case, user, d, form):
    share = promise_page.promise_page_share(case_id=case.pk, by=user, **d)
    until = timezone.localtime(share.expires_at)
    return (
        f"Link ready, working until {until:%d %b %Y}: copy it below and send it "
        "to the client."
    )


def _revoke_promises(case, user, d, form):
    promise_page.promise_page_revoke(case_id=case.pk, by=user, share_id=d["record"])
    return "Link withdrawn: it now shows the client that the page is not available."


def _attach(case, user, d, form):
    added = attachments.attachment_add(
        case_id=case.pk,
        by=user,
        file=d["file"],
        contact_id=d["contact_id"],
        compensation_id=d["compensation_id"],
        submission_key=d["submission_key"],
    )
    return f"Attached “{added.name}”. It is listed under Files and on the timeline."


def _remove_attachment(case, user, d, form):
    removed = attachments.attachment_remove(
        case_id=case.pk, by=user, attachment_id=d["record"]
    )
    return f"Removed “{removed.name}”."


def _confirmation(case, user, d, form):
    confirmations.confirmation_send(
        case_id=case.pk,
        by=user,
        version=d["version"],
        step=d["step"],
        subject=d["subject"],
        body=d["body"],
        contacts=d.get("contacts", []),
        promises=form.promise_lines(),
        submission_key=d["submission_key"],
    )
    people = _names([c.name for c in d["contacts"]])
    count = len(form.promise_lines())
    if not count:
        return f"Confirmation sent to {people}."
    return (
        f"Confirmation sent to {people}; its {count} promise{pluralize(count)} "
        f"{'is' if count == 1 else 'are'} on the ledger."
    )


def _cadence(case, user, d, form):
    if not reports.report_cadence_set(case_id=case.pk, by=user, days=d["days"]):
        return messages.INFO, "The cadence was already that: nothing changed."
    return f"Progress reports now every {d['days']} day{pluralize(d['days'])}."


ACTIONS: dict[str, Action] = {
    "details": Action(
        case_forms.CaseDetailsForm, _details, wants_case=True, may_advance=True
    ),
    "person": Action(step_forms.PersonForm, _person, wants_case=True),
    "root_cause": Action(
        step_forms.RootCauseForm, _root_cause, wants_case=True, may_advance=True
    ),
    "option": Action(
        step_forms.OptionForm,
        _with_key(steps.option_add, "Option added."),
        may_advance=True,
    ),
    "client_contact": Action(
        step_forms.ClientContactForm,
        _with_key(steps.client_contact_log, "Contact with the client logged."),
        wants_case=True,
        may_advance=True,
    ),
    "apology": Action(
        step_forms.ApologyForm,
        _with_key(steps.apologies_record, "Apology recorded."),
        wants_case=True,
        may_advance=True,
    ),
    "compensation": Action(step_forms.CompensationForm, _offer, may_advance=True),
    "no_compensation": Action(
        step_forms.NoCompensationForm,
        _with_key(compensation.compensation_none_due, "Decision recorded: none due."),
        wants_case=True,
        may_advance=True,
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
    "close": Action(case_forms.CloseForm, _close, wants_case=True, redraws_card=True),
    # A closed recovered case's new order, when it comes after the closing.
    "repeat_order": Action(
        case_forms.RepeatOrderForm, _repeat_order, wants_case=True, redraws_card=True
    ),
    "send_back": Action(
        case_forms.SendBackForm,
        _send_back,
        needs="manage",
        wants_case=True,
        redraws_card=True,
    ),
    "second_failure_override": Action(
        case_forms.SecondFailureOverrideForm,
        _second_failure_override,
        needs="manage",
        wants_case=True,
        # Severity, clock and guidance may all change: the page is drawn again.
        redraws_card=True,
        place="second-failure",
    ),
    "comment": Action(case_forms.CommentForm, _comment),
    "reassign": Action(
        case_forms.ReassignForm, _reassign, needs="manage", wants_case=True
    ),
    # Buttons acting on one record, or on the case as a whole.
    "choose_option": Action(ChooseForm, _choose_option, prefixed=False),
    "deliver": Action(Deliver, _deliver, prefixed=False),
    "decide": Action(Decide, _decide, needs="manage", prefixed=False),
    "settle_follow_up": Action(SettleFollowUp, _settle_follow_up, prefixed=False),
    "settle_promise": Action(
        SettlePromise, _settle_promise, prefixed=False, place="ledger"
    ),
    "advance": Action(AdvanceForm, _advance, prefixed=False, redraws_card=True),
    "pause": Action(case_forms.PauseForm, _pause, wants_case=True, redraws_card=True),
    "resume": Action(ResumeForm, _resume, prefixed=False, redraws_card=True),
    # Undoing a wrong click (who may: settlements.undo_allowed), and taking
    # back an offer not yet delivered.
    "undo_follow_up": Action(
        UndoFollowUp,
        _undo(
            settlements.follow_up_undo,
            "follow_up_id",
            "Undone: the follow-up is scheduled again.",
        ),
        prefixed=False,
    ),
    "undo_promise": Action(
        UndoPromise,
        _undo(
            settlements.promise_undo, "promise_id", "Undone: the promise is due again."
        ),
        prefixed=False,
    ),
    "undo_delivery": Action(
        UndoDelivery,
        _undo(
            settlements.compensation_undo_delivery,
            "compensation_id",
            "Undone: the compensation is no longer marked delivered.",
        ),
        prefixed=False,
    ),
    "withdraw_offer": Action(WithdrawOffer, _withdraw, prefixed=False),
    "client_loss": Action(step_forms.ClientLossForm, _client_loss, wants_case=True),
    "progress_report": Action(
        step_forms.ProgressReportForm,
        _with_key(reports.progress_report_record, "Progress report recorded."),
        wants_case=True,
    ),
    "report_cadence": Action(step_forms.ReportCadenceForm, _cadence, wants_case=True),
    # The client's promise page (README, "The client's promise page").
    "promise_page_share": Action(
        share_forms.PromisePageShareForm, _share_promises, place="promise-page"
    ),
    "promise_page_revoke": Action(
        RevokePromisePage, _revoke_promises, prefixed=False, place="promise-page"
    ),
    # Files, in any step (a receipt may come after the case closed).
    "attach": Action(
        attachment_forms.AttachForm,
        _attach,
        wants_case=True,
        takes_files=True,
        place="files",
    ),
    "remove_attachment": Action(
        RemoveAttachment, _remove_attachment, prefixed=False, place="files"
    ),
    "confirmation": Action(ConfirmationForm, _confirmation, wants_case=True),
}
