"""Forms check input; services apply it."""

import datetime as dt
import zoneinfo

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxValueValidator
from django.utils import timezone

from cases import access
from cases.calendar import MIDNIGHT, WorkCalendar, user_zone
from cases.choices import NotificationKind
from cases.models import UNMUTABLE_KINDS, User
from cases.models.accounts import WEEKDAYS
from cases.notifications.hours import first_team, has_own_hours, mail_calendar
from cases.notifications.record import password_reset_record


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "That username and password do not match. Check both and try again; "
            "passwords are case-sensitive."
        ),
        "inactive": "This account is switched off. Ask your administrator.",
    }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, whose email goes through the outbox: the request
    records it and the worker sends it, so a slow or refusing mail server
    never holds up or breaks the page."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        password_reset_record(user=context["user"])


# Sent to a team's sales managers, or its administrators when it has none;
# the second escalation to administrators or a sales manager the team named.
MANAGER_ALERTS = frozenset(
    {
        NotificationKind.CASE_LOGGED,
        NotificationKind.SECOND_FAILURE,
        NotificationKind.APPROVAL_NEEDED,
        NotificationKind.STEP_ESCALATION,
        NotificationKind.STEP_SECOND_ESCALATION,
    }
)


def days_text(days) -> str:
    """ "Monday to Friday", "Monday, Wednesday and Friday", "every day"."""
    ordered = sorted(days)
    if len(ordered) == 7:
        return "every day"
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAYS[ordered[0]]} to {WEEKDAYS[ordered[-1]]}"
    names = [WEEKDAYS[day] for day in ordered]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def hours_text(calendar: WorkCalendar) -> str:
    """ "Monday to Friday between 09:00 and 17:30"."""
    days = days_text(calendar.days)
    if calendar.start == calendar.end == MIDNIGHT:
        return f"{days}, at any hour"
    end = "24:00" if calendar.end == MIDNIGHT else f"{calendar.end:%H:%M}"
    return f"{days} between {calendar.start:%H:%M} and {end}"


# How far ahead the page lists the days without timed mail.
DAYS_OFF_AHEAD = dt.timedelta(days=60)
DAYS_OFF_SHOWN = 4


def arrival_text(user: User, now: dt.datetime | None = None) -> str:
    """When this person's email arrives, as cases.notifications sends it:
    the timed messages only in their mail calendar (hours.py), the very one
    the sweep and the sender use."""
    timed = "Reminders, progress reports and step warnings"
    if access.gets_manager_alerts(user):
        timed = "Reminders, progress reports, step warnings and escalations"
    if access.is_sales_manager(user):
        timed += " and your weekly digest"
    teams = [m.team for m in sorted(user.memberships.all(), key=_joined)]
    team = first_team(user)
    calendar = mail_calendar(user, team)
    text = f"{timed} reach you {hours_text(calendar)} in {calendar.zone_name}"
    if team is not None and calendar.closed:
        text += f", except on {team}'s public holidays and closure days"
    text += "; one that falls outside waits for your next working hour."
    today = (now or timezone.now()).astimezone(calendar.zone).date()
    off = [
        day
        for day in calendar.closed.between(today, today + DAYS_OFF_AHEAD)
        if day.weekday() in calendar.days
    ][:DAYS_OFF_SHOWN]
    if off:
        text += " No timed mail on " + ", ".join(f"{d:%a} {d.day} {d:%b}" for d in off)
        text += "."
    if has_own_hours(user):
        text += " These are your own working hours."
    elif team is not None:
        text += f" These are {team}'s working hours."
    if len(teams) > 1:
        text += (
            " About a case of another of your teams, that team's holidays"
            + ("" if has_own_hours(user) else " and working hours")
            + " count instead."
        )
    return (
        text + " Other emails (comments, cases handed to you...) arrive as they happen."
    )


def _joined(membership):
    return (membership.joined_at, membership.pk)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class NotificationSettingsForm(forms.ModelForm):
    """What a person is emailed about, when, and in which time zone."""

    time_zone = forms.ChoiceField(required=False)
    muted_kinds = forms.MultipleChoiceField(
        label="Do not email me about",
        required=False,
        choices=[
            (kind, label)
            for kind, label in NotificationKind.choices
            if kind not in UNMUTABLE_KINDS
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    # Blank on the user: the team's working days and hours.
    hours = forms.ChoiceField(
        label="Email me in",
        required=False,
        widget=forms.RadioSelect,
        choices=[("team", "My team's working hours"), ("own", "My own working hours")],
    )
    work_days = forms.MultipleChoiceField(
        label="My working days",
        required=False,
        choices=list(enumerate(WEEKDAYS)),
        widget=forms.CheckboxSelectMultiple,
    )
    work_start = forms.TimeField(
        label="My day starts at", required=False, widget=TimeInput()
    )
    work_end = forms.TimeField(label="and ends at", required=False, widget=TimeInput())

    class Meta:
        model = User
        fields = [
            "time_zone",
            "hours",
            "work_days",
            "work_start",
            "work_end",
            "reminder_lead_days",
            "digest_day",
            "muted_kinds",
        ]
        labels = {"reminder_lead_days": "Remind me this many days ahead, as well"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(zoneinfo.available_timezones())
        self.fields["time_zone"].choices = [("", "My team's time zone")] + [
            (zone, zone) for zone in zones
        ]
        # Without a zone of their own: what user_zone falls back to.
        team_zone = user_zone(User(pk=self.instance.pk))
        self.fields[
            "time_zone"
        ].help_text = f"Empty: your team's time zone ({team_zone})."
        # Said from the saved settings, before this form's data touches them.
        self.arrival = arrival_text(self.instance)
        self._hours_initial()
        self.fields["reminder_lead_days"].validators.append(MaxValueValidator(30))
        self.fields["reminder_lead_days"].widget.attrs["max"] = 30
        # Emails someone never gets mean nothing to them: offer only theirs.
        never = set()
        if not access.is_sales_manager(self.instance):
            del self.fields["digest_day"]
            never.add(NotificationKind.WEEKLY_DIGEST)
        if not access.gets_manager_alerts(self.instance):
            never |= MANAGER_ALERTS
        self.fields["muted_kinds"].choices = [
            (k, label)
            for k, label in self.fields["muted_kinds"].choices
            if k not in never
        ]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def _hours_initial(self) -> None:
        user = self.instance
        team = first_team(user)
        team_calendar = mail_calendar(User(pk=user.pk, time_zone="UTC"), team)
        self.fields["hours"].choices = [
            ("team", f"My team's working hours ({hours_text(team_calendar)})"),
            ("own", "My own working hours, below"),
        ]
        own = has_own_hours(user)
        self.initial["hours"] = "own" if own else "team"
        # Someone switching to their own hours starts from the team's.
        calendar = mail_calendar(user, team)
        self.initial["work_days"] = [str(day) for day in sorted(calendar.days)]
        self.initial["work_start"] = calendar.start
        self.initial["work_end"] = calendar.end

    def clean(self):
        data = super().clean()
        if not data.get("hours"):
            # Not asked (a post from elsewhere): the hours stay as they are.
            user = self.instance
            data["work_days"] = user.work_days
            data["work_start"], data["work_end"] = user.work_start, user.work_end
            return data
        if data["hours"] != "own":
            # The team's hours: nothing of one's own is kept.
            data["work_days"], data["work_start"], data["work_end"] = "", None, None
            return data
        days = data.get("work_days")
        if "work_days" in data and not days:
            self.add_error(
                "work_days",
                "Tick at least one working day, or choose your team's hours.",
            )
        start, end = data.get("work_start"), data.get("work_end")
        if start is None and "work_start" not in self.errors:
            self.add_error("work_start", "Give the time your working day starts.")
        if end is None and "work_end" not in self.errors:
            self.add_error("work_end", "Give the time your working day ends.")
        if start is not None and end is not None and end <= start:
            self.add_error(
                "work_end",
                f"Your working day must end after it starts ({start:%H:%M}).",
            )
        if days:
            data["work_days"] = ",".join(sorted(days))
        return data
