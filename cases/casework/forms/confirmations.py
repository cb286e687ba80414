"""The written confirmation's form: to whom, the subject, the email, and the
promises it makes, one row each (a formset: "Add another promise" with
JavaScript, three blank rows without)."""

from crispy_forms.layout import Layout
from django import forms
from django.utils import timezone

from cases.casework.services.confirmations import PromiseLine
from cases.choices import Step
from cases.forms import DateInput, MendForm, OneTimeForm
from cases.models import Case

# Rows drawn blank; the most a confirmation may mark (a longer list belongs
# in the ledger, one promise at a time, and reads badly in an email).
BLANK_ROWS = 3
MOST_ROWS = 10
SUBJECT_LENGTH = 200
NOBODY = (
    "Nobody on this case is named as affected yet: add the people the call "
    "was with, then write to them."
)
STALE_PAGE = "This page is out of date: reload the case and try again."


class PromiseRowForm(MendForm):
    """One promise in the email: by when, and what. A blank row is ignored."""

    due_on = forms.DateField(
        label="By",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Enter a real date, such as 2026-12-15."},
    )
    description = forms.CharField(
        label="What we promise",
        max_length=300,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": "e.g. The corrected invoice, checked twice"}
        ),
    )

    def clean(self):
        data = super().clean()
        due_on, what = data.get("due_on"), data.get("description", "").strip()
        if "due_on" in self.errors:
            return data
        if what and due_on is None:
            self.add_error("due_on", "Give the date we promise it by.")
        elif due_on is not None and not what:
            self.add_error("description", "Say what we promise by that date.")
        elif due_on is not None and due_on < timezone.localdate():
            self.add_error("due_on", "A promise cannot be due in the past.")
        return data

    def line(self) -> PromiseLine | None:
        data = getattr(self, "cleaned_data", {})
        if data.get("due_on") and data.get("description", "").strip():
            return PromiseLine(data["due_on"], data["description"].strip())
        return None


PromiseRows = forms.formset_factory(
    PromiseRowForm,
    extra=BLANK_ROWS,
    max_num=MOST_ROWS,
    absolute_max=MOST_ROWS,
    validate_max=True,
)


class ConfirmationForm(OneTimeForm):
    """The email confirming a call, to the people this case affected.

    Carries the case's version and step as the page showed them (a case
    changed meanwhile is refused: the email may promise what no longer
    holds). The promise rows are a formset of their own (`promise_rows`),
    validated with the form.
    """

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid": STALE_PAGE},
    )
    step = forms.ChoiceField(
        choices=Step.choices,
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid_choice": STALE_PAGE},
    )
    contacts = forms.MultipleChoiceField(
        label="To",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Each person gets the email on their own; their reply comes "
        "back to this case.",
        error_messages={
            "invalid_choice": "Choose people named as affected on this case."
        },
    )
    subject = forms.CharField(max_length=SUBJECT_LENGTH)
    body = forms.CharField(
        label="The email",
        max_length=5000,
        widget=forms.Textarea(
            attrs={
                "rows": 8,
                "placeholder": "What you agreed on the call, in your own words. "
                "The promises you mark below are listed after it, with their dates.",
            }
        ),
        error_messages={"required": "Write the email: what you agreed on the call."},
    )

    def __init__(self, *args, case: Case, prefix=None, **kwargs):
        # Everyone named as affected, in the order the case lists them; those
        # without an address are shown, unticked, so nobody is silently left out.
        self.people = [c for c in case.contacts.all() if not c.erased]
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("version", case.version)
        initial.setdefault("step", case.step)
        initial.setdefault("contacts", [str(c.pk) for c in self.people if c.email])
        initial.setdefault("subject", _subject(case))
        super().__init__(*args, prefix=prefix, **kwargs)
        self.fields["contacts"].choices = [(str(c.pk), _label(c)) for c in self.people]
        # Nobody to send it to yet: said instead of an empty list of boxes.
        self.nobody = not self.people
        if self.nobody:
            del self.fields["contacts"]
        self.promise_rows = PromiseRows(
            data=self.data if self.is_bound else None,
            prefix=self.add_prefix("promises"),
        )
        self.helper.layout = Layout(
            "submission_key",
            "version",
            "step",
            *([] if self.nobody else ["contacts"]),
            "subject",
            "body",
        )

    def clean_contacts(self):
        chosen = [c for c in self.people if str(c.pk) in self.cleaned_data["contacts"]]
        if not chosen:
            raise forms.ValidationError("Tick at least one person to send it to.")
        silent = [c.name for c in chosen if not c.email]
        if silent:
            raise forms.ValidationError(
                f"{', '.join(silent)} {'has' if len(silent) == 1 else 'have'} no "
                "email address on file: add it on the client's page, or untick."
            )
        return chosen

    def clean(self):
        data = super().clean()
        if self.nobody:
            raise forms.ValidationError(NOBODY)
        return data

    def is_valid(self) -> bool:
        # Both, so every mistake is marked at once.
        form_ok = super().is_valid()
        rows_ok = self.promise_rows.is_valid()
        if not rows_ok:
            # Said at the form's top too (the error summary), each by its row.
            for error in self.promise_rows.non_form_errors():
                self.add_error(None, error)
            for number, row in enumerate(self.promise_rows.forms, start=1):
                for error in [e for errors in row.errors.values() for e in errors]:
                    self.add_error(None, f"Promise {number}: {error}")
        return form_ok and rows_ok

    def refresh_version(self, version: int) -> None:
        """After a conflict, keep what was typed, based on the latest save."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(version)
        self.data = data

    def promise_lines(self) -> list[PromiseLine]:
        lines = (row.line() for row in self.promise_rows.forms)
        return [line for line in lines if line is not None]


def _label(contact) -> str:
    if contact.email:
        return f"{contact.name} <{contact.email}>"
    return f"{contact.name} (no email address on file)"


def _subject(case: Case) -> str:
    subject = f"Following our call: {case.commitment}"
    if len(subject) <= SUBJECT_LENGTH:
        return subject
    return subject[: SUBJECT_LENGTH - 1].rsplit(" ", 1)[0] + "…"
