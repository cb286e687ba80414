"""Choosing what the insights page looks at: a period, and for managers a team
or an account manager."""

import datetime as dt

from crispy_forms.layout import HTML, Div, Layout
from django import forms
from django.utils import timezone

from cases import access
from cases.forms import DateInput, MendForm
from cases.insights import Period
from cases.models import Team, User

PRESETS = {"30": 30, "90": 90, "182": 182, "365": 365}
DEFAULT_PRESET = "90"
# Long enough for a few years of trends; longer ranges say little per bucket.
MAX_DAYS = 3 * 366


class InsightsForm(MendForm):
    period = forms.ChoiceField(
        label="Period",
        required=False,
        initial=DEFAULT_PRESET,
        choices=[
            ("30", "Last 30 days"),
            ("90", "Last 90 days"),
            ("182", "Last 6 months"),
            ("365", "Last 12 months"),
            ("custom", "Dates I choose"),
        ],
    )
    start = forms.DateField(label="From", required=False, widget=DateInput())
    end = forms.DateField(label="Until", required=False, widget=DateInput())
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="All my teams"
    )
    owner = forms.ModelChoiceField(
        label="Account manager",
        queryset=User.objects.none(),
        required=False,
        empty_label="Everyone",
    )

    def __init__(self, data=None, *, user: User, today: dt.date | None = None):
        super().__init__(data)
        self.today = today or timezone.localdate()
        if access.studies_own_cases_only(user):
            # Account managers study their own cases; nothing to choose.
            del self.fields["team"], self.fields["owner"]
        else:
            teams = Team.objects.for_user(user)
            self.fields["team"].queryset = teams
            self.fields["owner"].queryset = (
                User.objects.filter(
                    access.account_managers_q(), memberships__team__in=teams
                )
                .distinct()
                .order_by("first_name", "last_name", "username")
            )
        # One row of columns, the button at its end, as the case list's filters.
        self.helper.layout = Layout(
            Div(
                *[Div(name, css_class="col-6 col-md") for name in self.fields],
                Div(
                    HTML('<button type="submit" class="btn btn-primary">Show</button>'),
                    css_class="col-12 col-md-auto mb-3",
                ),
                css_class="row g-2 align-items-end",
            )
        )
        if data is not None and not data.get("period"):
            # A link with dates and no preset means those dates.
            has_dates = data.get("start") or data.get("end")
            self.data = data.copy()
            self.data["period"] = "custom" if has_dates else DEFAULT_PRESET

    def clean(self):
        data = super().clean()
        if data.get("period") != "custom":
            return data
        start, end = data.get("start"), data.get("end")
        if "start" in self.errors or "end" in self.errors:
            return data
        if start is None:
            self.add_error("start", "Choose the first day of the period.")
        if end is None:
            self.add_error("end", "Choose the last day of the period.")
        if start is None or end is None:
            return data
        if end > self.today:
            self.add_error("end", "The period cannot end after today.")
        elif start > end:
            self.add_error("start", "The first day must come before the last.")
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error(
                "start", "Choose at most three years; longer periods say little."
            )
        return data

    def chosen_period(self) -> Period:
        """The valid choice, or the default when the form has errors."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        preset = data.get("period") or DEFAULT_PRESET
        if preset == "custom":
            return Period(data["start"], data["end"])
        return Period.last(PRESETS[preset], self.today)

    def chosen(self, name: str):
        if not self.is_bound or not self.is_valid():
            return None
        return self.cleaned_data.get(name)
