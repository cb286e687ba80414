"""The client's check-in answer (the public page of a check-in link)."""

from django import forms

from cases.choices import BuyAgain
from cases.forms import MendForm
from cases.models import CheckIn

SCORES = [(str(n), str(n)) for n in range(1, 6)]
COMMENT_MAX_LENGTH = CheckIn._meta.get_field("comment").max_length


class CheckInAnswerForm(MendForm):
    """Three questions; drawn by hand on the page (public/check_in.html) as
    fieldsets of radio buttons, so each group has a spoken question."""

    score = forms.TypedChoiceField(
        label="How do you feel about working with us now?",
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 1 to 5."},
    )
    buy_again = forms.ChoiceField(
        label="Would you buy from us again?",
        choices=BuyAgain.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes, no or not sure."},
    )
    comment = forms.CharField(
        label="Anything you would like to tell us? (optional)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
