"""The team calendar page's forms: the holiday region, closure days and the
escalation ladder's second rung."""

from decimal import Decimal

from django import forms

from cases.calendar import holiday_countries, holiday_region_name, holiday_subdivisions
from cases.forms import MendForm
from cases.models.accounts import SECOND_ESCALATION_MAX_HOURS

NO_COUNTRY = ("", "No public holidays")
WHOLE_COUNTRY = ("", "The whole country (national holidays only)")


class HolidayRegionForm(MendForm):
    """A country the holidays package knows, and one of its regions.

    The region list is the chosen country's: the saved one, or the one just
    submitted. Without JavaScript a region of the previous country can arrive
    with a new country; that is refused by name, and the list then shows the
    new country's regions to choose from.
    """

    holiday_country = forms.ChoiceField(
        label="Country",
        required=False,
        error_messages={
            "invalid_choice": "We know no public holidays for “%(value)s”. "
            "Choose a country from the list."
        },
        help_text="Its public holidays do not count as working time.",
    )
    # A select whose options depend on the country, checked in clean().
    holiday_subdivision = forms.CharField(
        label="Region",
        required=False,
        max_length=10,
        widget=forms.Select,
        help_text="Only where holidays differ by region.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holiday_country"].choices = [NO_COUNTRY, *holiday_countries()]
        self.country = self._country()
        self.country_name = holiday_region_name(self.country)
        regions = holiday_subdivisions(self.country)
        self.fields["holiday_subdivision"].widget.choices = [WHOLE_COUNTRY, *regions]

    def _country(self) -> str:
        if self.is_bound:
            country = self.data.get(self.add_prefix("holiday_country"), "")
        else:
            country = self.initial.get("holiday_country", "")
        return country if country in dict(holiday_countries()) else ""

    def clean(self):
        data = super().clean()
        country = data.get("holiday_country", "")
        subdivision = data.get("holiday_subdivision", "")
        if subdivision and "holiday_country" in data:
            if not country:
                self.add_error("holiday_subdivision", "Choose the country first.")
            elif subdivision not in dict(holiday_subdivisions(country)):
                name = holiday_region_name(country)
                self.add_error(
                    "holiday_subdivision",
                    f"“{subdivision}” is not a region of {name}. "
                    f"Choose one of {name}'s regions from the list, or the "
                    "whole country.",
                )
        return data


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
        "higher than the sales managers, in the team's business hours (the "
        "default, 8, is about a working day). Leave empty for no second "
        "escalation.",
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


class SecondFailureSettingsForm(MendForm):
    """When a dropped ball counts as a second failure for its client, and how
    much tighter its step targets are (casework.services.second_failure)."""

    second_failure_days = forms.IntegerField(
        label="An earlier case closed within (days)",
        min_value=1,
        max_value=3650,
        help_text="A new dropped ball for a client counts as a second failure "
        "when another of its cases is open, was closed within this many days, "
        "or had the same part of ours (default 180).",
    )
    second_failure_factor = forms.DecimalField(
        label="Step targets of a second failure (share of the usual)",
        min_value=Decimal("0.1"),
        max_value=Decimal("1"),
        decimal_places=2,
        help_text="0.5 halves each target; 1 keeps them as usual.",
    )
