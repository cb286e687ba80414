"""Forms for logging, editing, moving and closing a case."""

from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout
from django import forms
from django.urls import reverse
from django.utils import timezone

from cases import validators, workflow
from cases.calendar import WorkCalendar
from cases.casework.selectors import reassign_choices
from cases.casework.services import repeat_business
from cases.casework.services.pauses import SAY_WHAT, UNTIL_TOO_SOON
from cases.casework.services.review import COMMENT_MAX_LENGTH, comment_too_long
from cases.casework.services.second_failure import REASON_REQUIRED, measures_in_force
from cases.choices import (
    ClientFit,
    FailureSource,
    OurPart,
    Outcome,
    PauseReason,
    RepeatEvidence,
    SecondFailureMeasure,
    Severity,
)
from cases.forms import (
    DateInput,
    DateTimeInput,
    OneTimeForm,
    VersionedForm,
    not_in_future,
)
from cases.models import Case, Client, Team, User
from cases.money import currency_of

TEXT = {"maxlength": None}


def teams_for(user):
    """The teams a user may log a dropped ball for (the role rules decide)."""
    return Team.objects.for_logging(user)


SECOND_FAILURE_SLOT = (
    '<div id="second-failure-warning" aria-live="polite" '
    "hx-get=\"{% url 'second_failure_warning' %}\" "
    'hx-trigger="change from:#case-new-form" '
    'hx-include="#id_client, #case-new-form [name=parts]">'
    '{% include "cases/partials/_second_failure_warning.html" %}</div>'
)


class CaseOpenForm(OneTimeForm):
    """The essentials, quickly; everything else can wait for the case page."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)
    client = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        required=False,
        empty_label="Choose a client…",
        help_text="Not in the list? Type its name in the next field.",
    )
    new_client_name = forms.CharField(
        label="…or a new client", max_length=120, required=False
    )
    commitment = forms.CharField(
        label="What was promised",
        max_length=300,
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. On-site training on 12 March"}
        ),
    )
    what_happened = forms.CharField(
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    severity = forms.ChoiceField(choices=Severity.choices, widget=forms.RadioSelect)
    promised_on = forms.DateField(
        label="Promised date", required=False, widget=DateInput()
    )
    detected_at = forms.DateTimeField(
        label="When we found out",
        required=False,
        widget=DateTimeInput(),
        help_text="Leave empty if you have just found out.",
    )
    failure_source = forms.ChoiceField(
        label="Where the failure came from",
        choices=[("", "Not sure yet"), *FailureSource.choices],
        required=False,
    )
    parts = forms.MultipleChoiceField(
        label="Our part in it",
        choices=OurPart.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Sent by the "log it anyway" button of the "looks already logged" warning;
    # not in the layout.
    log_again = forms.BooleanField(required=False)
    sent_by_buttons = ("log_again",)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        teams = teams_for(user)
        self.fields["client"].queryset = Client.objects.for_user(user).select_related(
            "team"
        )
        self.fields["client"].widget.attrs.update(
            {
                "hx-get": reverse("client_history"),
                "hx-target": "#client-history",
                "hx-trigger": "change",
            }
        )
        self.fields["team"].queryset = teams
        self._only_team = teams[0] if len(teams) == 1 else None
        if len(teams) == 1:
            self.fields["team"].widget = forms.HiddenInput()
            self.fields["team"].initial = teams[0].pk
        self.helper.layout = Layout(
            "submission_key",
            "team",
            Div(
                Div("client", css_class="col-md-6"),
                Div("new_client_name", css_class="col-md-6"),
                css_class="row",
            ),
            # Right under the client, where a phone's reader still is: warned
            # of a second failure as the client (and later "our part") is chosen.
            HTML(SECOND_FAILURE_SLOT),
            "commitment",
            "what_happened",
            Field("severity"),
            Fieldset(
                "More details (optional now)",
                Div(
                    Div("promised_on", css_class="col-md-6"),
                    Div("detected_at", css_class="col-md-6"),
                    css_class="row",
                ),
                "failure_source",
                "parts",
            ),
        )

    def clean_detected_at(self):
        value = self.cleaned_data.get("detected_at")
        return not_in_future(value, "When we found out") if value else value

    def clean(self):
        data = super().clean()
        _check_promised_on(self, data.get("promised_on"), data.get("detected_at"))
        client, name = data.get("client"), (data.get("new_client_name") or "").strip()
        if client and name:
            self.add_error(
                "new_client_name",
                "Choose a client from the list or type a new one, not both.",
            )
        elif not client and not name:
            self.add_error(
                "client", "Choose the client, or type the name of a new one."
            )
        team = data.get("team") or self._only_team
        data["team"] = team
        if client:
            data["team"] = client.team
        elif name and not team:
            self.add_error("team", "Choose the team this new client belongs to.")
        return data

    # The existing client a typed new name matched (case and spacing ignored),
    # chosen in the list for the user to confirm: the form is shown again with
    # the client's history, instead of logging against a name they may not
    # have meant, or making a twin.
    proposed_client: Client | None = None
    typed_client_name = ""

    def propose(self, existing: Client) -> None:
        """Show the form again with `existing` chosen and the typed name
        cleared; everything else as typed."""
        self.proposed_client = existing
        self.typed_client_name = self.data.get(self.add_prefix("new_client_name"), "")
        data = self.data.copy()
        data[self.add_prefix("client")] = str(existing.pk)
        data[self.add_prefix("new_client_name")] = ""
        self.data = data


class CaseDetailsForm(VersionedForm):
    """What the Acknowledge step captured, editable until the case closes."""

    commitment = forms.CharField(label="What was promised", max_length=300)
    promised_on = forms.DateField(
        label="Promised date", required=False, widget=DateInput()
    )
    what_happened = forms.CharField(
        label="What happened", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    detected_at = forms.DateTimeField(label="When we found out", widget=DateTimeInput())
    severity = forms.ChoiceField(choices=Severity.choices)
    failure_source = forms.ChoiceField(
        label="Where the failure came from",
        choices=[("", "Not sure yet"), *FailureSource.choices],
        required=False,
    )
    parts = forms.MultipleChoiceField(
        label="Our part in it",
        choices=OurPart.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contacts = forms.ModelMultipleChoiceField(
        label="Affected people at the client",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Missing someone? Add them with “Add a person” below.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        if not kwargs.get("data") and not args:
            kwargs["initial"] = {
                "version": case.version,
                "commitment": case.commitment,
                "promised_on": case.promised_on,
                "what_happened": case.what_happened,
                "detected_at": timezone.localtime(case.detected_at),
                "severity": case.severity,
                "failure_source": case.failure_source,
                "parts": [p.part for p in case.parts.all()],
                "contacts": list(case.contacts.all()),
            }
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = case.client.contacts.all()
        self.helper.layout = Layout(
            "version",
            "commitment",
            Div(
                Div("promised_on", css_class="col-md-6"),
                Div("detected_at", css_class="col-md-6"),
                css_class="row",
            ),
            "what_happened",
            Div(
                Div("severity", css_class="col-md-6"),
                Div("failure_source", css_class="col-md-6"),
                css_class="row",
            ),
            "parts",
            "contacts",
        )

    def clean_detected_at(self):
        return not_in_future(self.cleaned_data["detected_at"], "When we found out")

    def clean(self):
        data = super().clean()
        _check_promised_on(self, data.get("promised_on"), data.get("detected_at"))
        return data


def _check_promised_on(form, promised_on, detected_at) -> None:
    """A promised date years before we found out is a typo in the year."""
    if "detected_at" in form.errors:
        return
    found = timezone.localtime(detected_at).date() if detected_at else None
    problem = validators.promised_too_early(promised_on, found or timezone.localdate())
    if problem and "promised_on" not in form.errors:
        form.add_error("promised_on", problem)


class SendBackForm(VersionedForm):
    to = forms.ChoiceField(
        label="Back to",
        required=False,
        help_text="Any earlier step; the one before unless you choose.",
    )
    reason = forms.CharField(
        label="Why it goes back",
        max_length=280,
        widget=forms.TextInput(attrs={"placeholder": "What needs redoing, and why"}),
    )

    def __init__(self, *args, case: Case | None = None, **kwargs):
        if case is not None:
            kwargs.setdefault("initial", {}).setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        # Drawn, it offers the earlier steps, nearest first. Posted, any
        # working step passes here: the service, holding the case's lock,
        # says whether it is earlier (and a stale page is told the case moved).
        steps = workflow.WORKING_STEPS
        if case is not None and not self.is_bound:
            steps = workflow.earlier_steps(case.step)
            if steps:
                self.initial.setdefault("to", steps[0].value)
        self.fields["to"].choices = [(s.value, s.label) for s in steps]


class PauseForm(VersionedForm):
    """Stop the step's clock while the next move is the client's."""

    reason = forms.ChoiceField(
        label="Why wait",
        choices=[
            ("", "Choose…"),
            *(
                (value, f"{label} (say what)" if value == PauseReason.OTHER else label)
                for value, label in PauseReason.choices
            ),
        ],
    )
    note = forms.CharField(
        label="What we are waiting for",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. their new delivery date"}),
    )
    until = forms.DateField(
        label="Until (optional)",
        required=False,
        widget=DateInput(),
        help_text="The clock starts again that morning, and you are emailed. "
        "Empty: it runs again when you resume it or log a contact with the client.",
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {})["version"] = case.version
        super().__init__(*args, **kwargs)
        self.zone = WorkCalendar.for_team(case.team).zone

    def clean_until(self):
        until = self.cleaned_data["until"]
        today = timezone.now().astimezone(self.zone).date()
        if until is not None and until <= today:
            raise forms.ValidationError(UNTIL_TOO_SOON)
        return until

    def clean(self):
        data = super().clean()
        if data.get("reason") == PauseReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", SAY_WHAT)
        return data


# The fields that say why a case is "recovered" (services.repeat_business).
EVIDENCE_FIELDS = ("evidence", "order_on", "order_value", "check_in")


class RepeatOrderFields(forms.Form):
    """The new order's date and value, checked against the case."""

    order_on = forms.DateField(
        label="Date of the new order",
        required=False,
        widget=DateInput(),
        help_text="The day the client ordered: today or earlier, and not before "
        "this case was opened.",
    )
    order_value = forms.DecimalField(
        label="Value of the new order",
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01"}),
    )

    def _order_fields(self, case: Case) -> None:
        self.case = case
        self.fields[
            "order_value"
        ].label = f"Value of the new order ({currency_of(case.team)})"
        self.fields[
            "order_value"
        ].help_text = "What the order is worth to us, as on its invoice or quote."

    def _check_order(self, data: dict) -> None:
        problems = repeat_business.order_problems(
            self.case,
            order_on=data.get("order_on"),
            order_value=data.get("order_value"),
        )
        for name, problem in problems.items():
            if name not in self.errors:  # a date that is no date says so already
                self.add_error(name, problem)


class CloseForm(RepeatOrderFields, VersionedForm):
    outcome = forms.ChoiceField(choices=[("", "Choose…"), *Outcome.choices])
    evidence = forms.ChoiceField(
        label="What shows it",
        choices=RepeatEvidence.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=RepeatEvidence.ORDER,
    )
    check_in = forms.ChoiceField(
        label="Which answer",
        choices=[],
        widget=forms.RadioSelect,
        required=False,
    )
    client_fit = forms.ChoiceField(
        label="Is this client a fit for us?",
        choices=[("", "Choose…"), *ClientFit.choices],
    )
    lessons = forms.CharField(
        label="Lessons learned",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text="What should we do differently, so this does not happen again?",
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {})["version"] = case.version
        super().__init__(*args, **kwargs)
        self._order_fields(case)
        answers = repeat_business.yes_answers(case)
        if answers:
            self.fields["check_in"].choices = [
                (str(a.pk), repeat_business.check_in_label(a)) for a in answers
            ]
            self.fields["check_in"].initial = str(answers[-1].pk)
            choice = [
                Field("evidence", wrapper_class="mend-evidence-choice"),
                Div("check_in", css_class="mend-evidence-check-in"),
            ]
            how = (
                "Give the new order's date and value (Insights adds these up as "
                "repeat business), or pick the check-in where they told us they "
                "would buy again."
            )
        else:
            # No answer to rest on: a new order is the only evidence there is.
            del self.fields["evidence"], self.fields["check_in"]
            choice = []
            how = (
                "Give the new order's date and value: Insights adds these up as "
                "repeat business."
            )
        self.helper.layout = Layout(
            "version",
            Div(
                "outcome",
                Fieldset(
                    "Evidence that they bought again",
                    HTML(
                        '<p class="form-text mt-0">Recovered means the client '
                        f"bought from us again. {how}</p>"
                    ),
                    *choice,
                    Div(
                        Div("order_on", css_class="col-md-6"),
                        Div("order_value", css_class="col-md-6"),
                        css_class="row mend-evidence-order",
                    ),
                    css_class="mend-evidence border rounded p-3 mb-3",
                    data_testid="recovered-evidence",
                ),
                "client_fit",
                "lessons",
                css_class="mend-close",
            ),
        )

    def clean(self):
        data = super().clean()
        if data.get("outcome") != Outcome.RECOVERED:
            # Only "recovered" asks for evidence: whatever else was typed
            # there is dropped, not refused.
            for name in EVIDENCE_FIELDS:
                self._errors.pop(name, None)
            data.update(order_on=None, order_value=None, check_in_id=None)
            return data
        by_check_in = data.get("evidence") == RepeatEvidence.CHECK_IN
        if by_check_in:
            for name in ("order_on", "order_value"):
                self._errors.pop(name, None)
            data.update(order_on=None, order_value=None)
            if not data.get("check_in"):
                self.add_error("check_in", repeat_business.CHECK_IN_MISSING)
            data["check_in_id"] = (
                int(data["check_in"]) if data.get("check_in") else None
            )
            return data
        data["check_in_id"] = None
        self._check_order(data)
        return data


class RepeatOrderForm(RepeatOrderFields, VersionedForm):
    """A new order for a case closed as recovered without one."""

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {})["version"] = case.version
        super().__init__(*args, **kwargs)
        self._order_fields(case)
        self.helper.layout = Layout(
            "version",
            Div(
                Div("order_on", css_class="col-md-6"),
                Div("order_value", css_class="col-md-6"),
                css_class="row",
            ),
        )

    def clean(self):
        data = super().clean()
        self._check_order(data)
        return data


class CommentForm(OneTimeForm):
    """A comment; its one-time key makes a repeated submit one comment."""

    text = forms.CharField(
        label="Comment",
        help_text="Mention a teammate with @username: they see it in Mend and "
        "are emailed.",
        widget=forms.Textarea(
            attrs={
                "rows": 2,
                "placeholder": "Advice, a question, a heads-up",
                "maxlength": COMMENT_MAX_LENGTH,
            }
        ),
    )

    def clean_text(self):
        # Checked here rather than by max_length, so the message can say how
        # long the text is (the browser's maxlength stops most before this).
        text = self.cleaned_data["text"]
        if len(text) > COMMENT_MAX_LENGTH:
            raise forms.ValidationError(comment_too_long(len(text)))
        return text


class ReassignForm(VersionedForm):
    owner = forms.ModelChoiceField(
        label="Hand the case to", queryset=User.objects.none()
    )

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("initial", {})["version"] = case.version
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = reassign_choices(case)
        self.fields["owner"].empty_label = "Choose an account manager…"


class SecondFailureOverrideForm(VersionedForm):
    """A sales manager takes back one of Mend's second-failure measures, or
    all of them, with a reason (the service says whether it still stands)."""

    measure = forms.ChoiceField(label="Override", choices=SecondFailureMeasure.choices)
    reason = forms.CharField(
        label="Why",
        max_length=280,
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. The earlier case was a different division"}
        ),
    )

    def __init__(self, *args, case: Case | None = None, **kwargs):
        if case is not None:
            kwargs.setdefault("initial", {}).setdefault("version", case.version)
        super().__init__(*args, **kwargs)
        if case is not None and not self.is_bound:
            # Drawn, it offers what still stands; posted, any measure passes
            # here and the service, holding the lock, decides.
            standing = measures_in_force(case)
            self.fields["measure"].choices = [
                (value, label)
                for value, label in SecondFailureMeasure.choices
                if value in standing
            ]

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_REQUIRED)
        return reason
