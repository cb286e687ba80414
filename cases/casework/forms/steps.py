"""Forms for each step's records and for the promise ledger."""

from crispy_forms.bootstrap import InlineRadios
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.utils import timezone

from cases.casework.timing import apology_moment
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    Answer,
    ApologyMethod,
    BossPermission,
    Channel,
    CompensationKind,
    Feasibility,
    FollowUpStatus,
    OnBehalf,
    Step,
)
from cases.forms import (
    DateInput,
    DateTimeInput,
    MendForm,
    OneTimeForm,
    VersionedForm,
    money_field,
    not_in_future,
)
from cases.models import Case
from cases.money import currency_of
from cases.notifications.progress import MAX_CADENCE_DAYS, MIN_CADENCE_DAYS


def _row(*names, size=6):
    return Div(*[Div(n, css_class=f"col-md-{size}") for n in names], css_class="row")


class RootCauseForm(VersionedForm):
    """One answer and note per pit-stop question, and both views of the problem."""

    client_view = forms.CharField(
        label="The client's view of the real problem",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    our_view = forms.CharField(
        label="Our view of the real problem",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
    )
    client_feeling = forms.CharField(
        label="How the client feels about it",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, case: Case, **kwargs):
        stored = {a.question: a for a in case.root_cause_answers.all()}
        initial = kwargs.setdefault("initial", {})
        initial.update(
            version=case.version,
            client_view=case.client_view,
            our_view=case.our_view,
            client_feeling=case.client_feeling,
        )
        super().__init__(*args, **kwargs)
        layout = ["version"]
        for key, text in ROOT_CAUSE_QUESTIONS.items():
            answer = stored.get(key)
            self.fields[f"q_{key}"] = forms.ChoiceField(
                label=text,
                choices=Answer.choices,
                required=False,
                widget=forms.RadioSelect,
                initial=answer.answer if answer else None,
            )
            self.fields[f"note_{key}"] = forms.CharField(
                label="Note",
                max_length=1000,
                required=False,
                initial=answer.note if answer else "",
                widget=forms.TextInput(attrs={"placeholder": "What we found"}),
            )
            layout.append(
                Div(
                    InlineRadios(f"q_{key}"),
                    f"note_{key}",
                    css_class="border-bottom mb-3",
                )
            )
        layout += ["client_view", "our_view", "client_feeling"]
        self.helper.layout = Layout(*layout)

    def clean(self):
        data = super().clean()
        for key in ROOT_CAUSE_QUESTIONS:
            if data.get(f"note_{key}") and not data.get(f"q_{key}"):
                self.add_error(f"q_{key}", "Answer the question this note belongs to.")
        return data

    def answers(self) -> dict[str, tuple[str, str]]:
        return {
            key: (self.cleaned_data[f"q_{key}"], self.cleaned_data[f"note_{key}"])
            for key in ROOT_CAUSE_QUESTIONS
        }


class OptionForm(OneTimeForm):
    description = forms.CharField(
        label="Option",
        max_length=300,
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. Ship from the Lyon warehouse"}
        ),
    )
    cost_to_us = money_field("Cost to us")
    time_to_deliver = forms.CharField(
        max_length=80, widget=forms.TextInput(attrs={"placeholder": "e.g. 2 days"})
    )
    feasibility = forms.ChoiceField(choices=Feasibility.choices)
    chosen = forms.BooleanField(label="We will offer this one", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            "submission_key",
            "description",
            Div(
                Div("cost_to_us", css_class="col-md-4"),
                Div("time_to_deliver", css_class="col-md-4"),
                Div("feasibility", css_class="col-md-4"),
                css_class="row",
            ),
            "chosen",
        )


class PersonForm(OneTimeForm):
    """Who was affected: people already known at the client are ticked, not
    typed again; someone new is typed once and becomes a known contact."""

    known = forms.ModelMultipleChoiceField(
        label="Already known at the client",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    name = forms.CharField(max_length=120, required=False)
    role = forms.CharField(max_length=120, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)

    def __init__(self, *args, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        known = self.fields["known"]
        known.queryset = case.client.contacts.filter(erased=False).exclude(
            pk__in=[c.pk for c in case.contacts.all()]
        )
        layout = ["submission_key"]
        # Asked only when there is someone to tick (one query, drawn once); in
        # Acknowledge the details form above has the client's people ticked.
        self.offers_known = case.step != Step.ACKNOWLEDGE and bool(known.queryset)
        if self.offers_known:
            layout.append("known")
            self.fields["name"].label = "Or someone new: name"
        else:
            del self.fields["known"]
        layout += [_row("name", "role"), _row("email", "phone")]
        self.helper.layout = Layout(*layout)

    def clean(self):
        data = super().clean()
        if not data.get("known") and not data.get("name", "").strip():
            if self.offers_known:
                message = "Tick someone already known, or type a new person's name."
            else:
                message = "Type the person's name."
            self.add_error("name", message)
        elif not data.get("name", "").strip():
            for field in ("role", "email", "phone"):
                if data.get(field):
                    self.add_error("name", "Type the name of the new person too.")
                    break
        return data


class ClientContactForm(OneTimeForm):
    happened_at = forms.DateTimeField(label="When", widget=DateTimeInput())
    channel = forms.ChoiceField(choices=Channel.choices)
    people = forms.ModelMultipleChoiceField(
        label="With whom",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label="What was said", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    reaction = forms.CharField(
        label="The client's reaction",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    manager_joined = forms.BooleanField(label="Our manager joined", required=False)
    boss_permission = forms.ChoiceField(
        label="May we involve the client's own boss?",
        choices=BossPermission.choices,
        help_text="Only ever with the client's permission.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault(
            "happened_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        if case.step != Step.COMMUNICATE:
            # The quick acknowledgement before Communicate: a call to everyone
            # affected, most likely.
            initial.setdefault("channel", Channel.CALL)
            initial.setdefault("people", [c.pk for c in case.contacts.all()])
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = case.client.contacts.all()
        self.helper.layout = Layout(
            "submission_key",
            _row("happened_at", "channel"),
            "people",
            "summary",
            "reaction",
            _row("manager_joined", "boss_permission"),
        )

    def clean_happened_at(self):
        return not_in_future(self.cleaned_data["happened_at"], "The contact")


# The three checks of a full apology: the tick's label, the note's label and
# an example of a note (research: empathy counts most, so it comes first).
APOLOGY_CHECKS = {
    "named_impact": (
        "It named how they were affected",
        "How, in a few words",
        "e.g. said the missed training cost their team a week of rollout",
    ),
    "owned_our_part": (
        "It owned our part, without excuses",
        "What we owned",
        "e.g. we booked the trainer twice; no mention of the supplier",
    ),
    "fix_presented": (
        "The fix was presented",
        "Which fix",
        "e.g. our senior trainer on Monday, agreed with them on the call",
    ),
}


class ApologyForm(OneTimeForm):
    """The full apology: to whom, how, and the three checks of what it said.

    A ticked check asks for its note, so a tick can be read back later; a note
    without a tick may say why not (the fix not ready yet, say).
    """

    contacts = forms.ModelMultipleChoiceField(
        label="To whom",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone who heard this apology; each gets their own record. "
        "Someone ticked who was not named as affected is named now.",
        error_messages={"required": "Tick who heard the apology."},
    )
    method = forms.ChoiceField(label="How", choices=ApologyMethod.choices)
    on_behalf = forms.ChoiceField(
        label="On whose behalf", choices=OnBehalf.choices, widget=forms.RadioSelect
    )
    asked_forgiveness = forms.BooleanField(
        label="I asked “will you forgive us?”", required=False
    )
    response = forms.CharField(
        label="Their response",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
    )
    apologised_on = forms.DateField(label="When", widget=DateInput())
    apologised_time = forms.TimeField(
        label="At (roughly)",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="In the team's time zone. Empty: now, or the end of that "
        "working day for an earlier day.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "apologised_on", timezone.localdate()
        )
        super().__init__(*args, **kwargs)
        self.case = case
        for name, (label, note_label, example) in APOLOGY_CHECKS.items():
            self.fields[name] = forms.BooleanField(label=label, required=False)
            self.fields[f"{name}_note"] = forms.CharField(
                label=note_label,
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": example}),
            )
        # Everyone known at the client not apologised to yet, so nobody is
        # typed again; ticking someone not named as affected names them.
        done = {a.contact_id for a in case.apologies.all()}
        self.fields["contacts"].queryset = case.client.contacts.filter(
            erased=False
        ).exclude(pk__in=done)
        checks = [
            Div(
                Div(name, css_class="col-md-5 pt-md-4"),
                Div(f"{name}_note", css_class="col-md-7"),
                css_class="row",
            )
            for name in APOLOGY_CHECKS
        ]
        self.helper.layout = Layout(
            "submission_key",
            _row("contacts", "method"),
            "on_behalf",
            Fieldset(
                "What the apology did",
                HTML(
                    '<p class="small text-body-secondary mb-2">Tick what it did, '
                    "with a few words of what was said; leave a box empty if "
                    "it did not, and say why if you like.</p>"
                ),
                *checks,
                css_class="mend-checks",
            ),
            "asked_forgiveness",
            "response",
            _row("apologised_on", "apologised_time"),
        )

    def clean_apologised_on(self):
        return not_in_future(self.cleaned_data["apologised_on"], "The apology")

    def clean(self):
        data = super().clean()
        for name, (label, _, _) in APOLOGY_CHECKS.items():
            note = (data.get(f"{name}_note") or "").strip()
            data[f"{name}_note"] = note
            if data.get(name) and not note:
                self.add_error(
                    f"{name}_note",
                    f"You ticked “{label}”: say in a few words what was said, "
                    "or untick it.",
                )
        day, at = data.get("apologised_on"), data.get("apologised_time")
        timed = day is not None and at is not None
        if timed and apology_moment(self.case, day, at) > timezone.now():
            self.add_error("apologised_time", "The apology cannot be in the future.")
        return data


class CompensationForm(OneTimeForm):
    kind = forms.ChoiceField(choices=CompensationKind.choices)
    description = forms.CharField(
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Two extra training seats"}),
    )
    value_to_client = money_field("Value to the client")
    cost_to_us = money_field("Cost to us")
    delivered_on = forms.DateField(
        label="Already delivered? On",
        required=False,
        widget=DateInput(),
        help_text="Leave empty if the client does not have it yet.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            "submission_key",
            _row("kind", "description"),
            _row("value_to_client", "cost_to_us"),
            _row("delivered_on"),
        )

    def clean_delivered_on(self):
        value = self.cleaned_data["delivered_on"]
        return value and not_in_future(value, "The delivery date")


class NoCompensationForm(VersionedForm):
    """Completes Compensate: based on the save the page showed, so a page
    drawn before an offer was made cannot record that none is due."""

    reason = forms.CharField(
        label="Why no compensation is due",
        max_length=1000,
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"min_length": "Give a reason someone else can understand."},
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {})["version"] = case.version
        super().__init__(*args, **kwargs)


class DeliverForm(MendForm):
    delivered_on = forms.DateField(label="Delivered on", widget=DateInput())

    def clean_delivered_on(self):
        return not_in_future(self.cleaned_data["delivered_on"], "The delivery date")


class DecisionForm(VersionedForm):
    """Approve or decline an offer, based on the save the page showed."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("decline", "Decline")]
    )
    note = forms.CharField(max_length=500, required=False)


class FollowUpForm(OneTimeForm):
    due_on = forms.DateField(label="Date", widget=DateInput())
    purpose = forms.CharField(
        max_length=200,
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. Check the new delivery schedule"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout("submission_key", _row("due_on", "purpose"))

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        if value < timezone.localdate():
            raise forms.ValidationError("A new follow-up cannot be in the past.")
        return value


class SettleFollowUpForm(MendForm):
    status = forms.ChoiceField(
        choices=[(FollowUpStatus.DONE, "Done"), (FollowUpStatus.MISSED, "Missed")]
    )
    notes = forms.CharField(max_length=2000, required=False)
    # Asked only before the due date (the service refuses Done without it).
    early_reason = forms.CharField(label="Why early?", max_length=300, required=False)


class PromiseForm(OneTimeForm):
    description = forms.CharField(
        label="What we promised",
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "e.g. A call every Friday"}),
    )
    due_on = forms.DateField(label="Due", widget=DateInput())

    def __init__(self, *args, case: Case, **kwargs):
        self.case = case
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout("submission_key", "description", "due_on")

    def clean_due_on(self):
        value = self.cleaned_data["due_on"]
        if value < timezone.localtime(self.case.opened_at).date():
            raise forms.ValidationError("The due date is before the case was opened.")
        return value


class SettlePromiseForm(MendForm):
    outcome = forms.ChoiceField(choices=[("kept", "Kept"), ("missed", "Missed")])
    # Asked only before the due date (the service refuses Kept without it).
    early_reason = forms.CharField(label="Why early?", max_length=300, required=False)


class ClientLossForm(VersionedForm):
    """What the failure cost the client, in money: the guideline's second
    floor. Optional: left empty, the guideline uses the first floor only."""

    client_loss = forms.DecimalField(
        label="Loss to the client",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="What the failure cost them: lost sales, idle staff, extra "
        "costs. A fair estimate is enough; leave it empty if nobody knows.",
        error_messages={
            "min_value": "A loss cannot be below zero: enter zero or more, or "
            "leave it empty.",
            "invalid": "Enter the loss as a number, such as 1250 or 1250.50 "
            "(no currency sign or spaces).",
            "max_digits": "That is more than Mend can store: check the amount.",
            "max_whole_digits": "That is more than Mend can store: check the amount.",
            "max_decimal_places": "Give the loss in whole cents at most (two "
            "decimals).",
        },
    )

    def __init__(self, *args, case: Case, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial["version"] = case.version
        initial["client_loss"] = case.client_loss
        super().__init__(*args, **kwargs)
        self.fields["client_loss"].widget.attrs.update(min="0", step="0.01")
        self.fields[
            "client_loss"
        ].label = f"Loss to the client ({currency_of(case.team)})"


class ProgressReportForm(OneTimeForm):
    """A progress report sent to the client: when, how, to whom, what."""

    sent_at = forms.DateTimeField(label="When", widget=DateTimeInput())
    channel = forms.ChoiceField(label="How", choices=Channel.choices)
    people = forms.ModelMultipleChoiceField(
        label="To whom",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose people of this client only: "
            "%(value)s is not one of them."
        },
    )
    others = forms.CharField(
        label="Anyone else",
        max_length=200,
        required=False,
        help_text="People not listed above, as you would name them.",
    )
    summary = forms.CharField(
        label="What we reported",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "sent_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = case.client.contacts.all()
        # One field a line: the form sits in the page's narrow column.
        self.helper.layout = Layout(
            "submission_key", "sent_at", "channel", "people", "others", "summary"
        )

    def clean_sent_at(self):
        return not_in_future(self.cleaned_data["sent_at"], "A report")

    def clean(self):
        data = super().clean()
        if "people" in data and not data["people"] and not data.get("others"):
            self.add_error("people", "Say whom the report went to.")
        return data


class ReportCadenceForm(MendForm):
    """How often the client hears how the recovery is going."""

    days = forms.IntegerField(
        label="A report every (days)",
        min_value=MIN_CADENCE_DAYS,
        max_value=MAX_CADENCE_DAYS,
        error_messages={
            "min_value": f"Choose {MIN_CADENCE_DAYS} to {MAX_CADENCE_DAYS} days.",
            "max_value": f"Choose {MIN_CADENCE_DAYS} to {MAX_CADENCE_DAYS} days: "
            "a client waiting longer than a quarter is not being kept informed.",
        },
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("days", case.progress_cadence_days)
        super().__init__(*args, **kwargs)
        self.fields["days"].widget.attrs.update(inputmode="numeric")
        self.helper.layout = Layout("days")
