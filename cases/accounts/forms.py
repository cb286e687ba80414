"""Forms check input; services apply it."""

import zoneinfo

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxValueValidator

from cases import access
from cases.calendar import REMINDER_END, REMINDER_START, user_zone
from cases.choices import NotificationKind
from cases.models import UNMUTABLE_KINDS, User
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


# Sent to a team's sales managers, or its administrators when it has none.
MANAGER_ALERTS = frozenset(
    {
        NotificationKind.CASE_LOGGED,
        NotificationKind.APPROVAL_NEEDED,
        NotificationKind.STEP_ESCALATION,
    }
)


def arrival_text(user: User) -> str:
    """When this person's email arrives, as cases.notifications sends it:
    the timed messages only in working hours of their zone (hours.py)."""
    timed = "Reminders, progress reports and step warnings"
    if access.gets_manager_alerts(user):
        timed = "Reminders, progress reports, step warnings and escalations"
    if access.is_sales_manager(user):
        timed += " and your weekly digest"
    # Without a zone of their own: what user_zone falls back to.
    team_zone = user_zone(User(pk=user.pk))
    hours = f"{REMINDER_START:%H:%M} and {REMINDER_END:%H:%M}"
    return (
        f"{timed} reach you on weekdays between {hours} in {user_zone(user)}; "
        "one that falls outside waits for the next working morning. Other "
        "emails (comments, cases handed to you...) arrive as they happen. "
        f"Empty: your team's time zone ({team_zone})."
    )


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

    class Meta:
        model = User
        fields = ["time_zone", "reminder_lead_days", "digest_day", "muted_kinds"]
        labels = {"reminder_lead_days": "Remind me this many days ahead, as well"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(zoneinfo.available_timezones())
        self.fields["time_zone"].choices = [("", "My team's time zone")] + [
            (zone, zone) for zone in zones
        ]
        self.fields["time_zone"].help_text = arrival_text(self.instance)
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
