"""The team calendar page's forms: the holiday region, closure days and the
escalation ladder's second rung."""

from decimal import Decimal

from django import forms

from cases.forms import MendForm
from cases.models.accounts import SECOND_ESCALATION_MAX_HOURS


class HolidayRegionForm(MendForm):
    holiday_country = forms.CharField(
        label="Country",
        max_length=3,
        required=False,
        help_text="Two-letter code, e.g. DE, FR, GB, US. Leave empty for no "
        "public holidays.",
    )
    holiday_subdivision = forms.CharField(
        label="Region",
        max_length=10,
        required=False,
        help_text="Only where holidays differ by region, e.g. BE for Berlin.",
    )


class ClosureDayForm(MendForm):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(
        max_length=80, help_text="What the day is, e.g. Company offsite."
    )


class SecondEscalationForm(MendForm):
    """`people`: who may take it (models.accounts.second_escalation_people)."""

    second_escalation_hours = forms.DecimalField(
        label="Second escalation after (business hours)",
        required=False,
        min_value=Decimal("0.01"),
        max_value=SECOND_ESCALATION_MAX_HOURS,
        decimal_places=2,
        help_text="How long past a step's target a case may stay before it goes "
        "higher than the sales managers; 8 is one working day. Leave empty for "
        "no second escalation.",
    )
    second_escalation_to = forms.ModelChoiceField(
        label="Second escalation to",
        queryset=None,
        required=False,
        empty_label="The administrators",
    )

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["second_escalation_to"].queryset = people
        self.fields["second_escalation_hours"].error_messages["min_value"] = (
            "Enter more than 0 hours, or leave it empty for no second escalation."
        )
