"""The review page's one form: which email, and for attaching, which case."""

from django import forms

from cases.forms import MendForm


class ReviewForm(MendForm):
    """Attach a waiting email to a case (by its number), or dismiss it."""

    mail = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("attach", "Attach"), ("dismiss", "Dismiss")],
        widget=forms.HiddenInput,
    )
    case = forms.IntegerField(
        label="Case number",
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        error_messages={"invalid": "Enter a case number, such as 42."},
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "attach" and not data.get("case"):
            self.add_error("case", "Enter the number of the case to put it on.")
        return data
