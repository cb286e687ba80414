"""The team calendar page's forms: the holiday region and closure days."""

from django import forms

from cases.forms import MendForm


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
