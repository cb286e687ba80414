"""Forms check input; services apply it."""

import zoneinfo

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxValueValidator

from ..models import NotificationKind, User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "That username and password do not match. Check both and try again; "
            "passwords are case-sensitive."
        ),
        "inactive": "This account is switched off. Ask your administrator.",
    }


class NotificationSettingsForm(forms.ModelForm):
    """What a person is emailed about, when, and in which time zone."""

    time_zone = forms.ChoiceField(
        required=False,
        help_text="Reminders arrive on weekdays between 08:00 and 18:00 here. "
        "Empty: your team's time zone.",
    )
    muted_kinds = forms.MultipleChoiceField(
        label="Do not email me about",
        required=False,
        choices=NotificationKind.choices,
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
        self.fields["reminder_lead_days"].validators.append(MaxValueValidator(30))
        self.fields["reminder_lead_days"].widget.attrs["max"] = 30
        if not self.instance.is_sales_manager:
            del self.fields["digest_day"]
            # Manager-only emails mean nothing to someone who never gets them.
            manager_only = {"case_logged", "approval_needed", "step_escalation",
                            "weekly_digest"}  # fmt: skip
            self.fields["muted_kinds"].choices = [
                (k, label)
                for k, label in NotificationKind.choices
                if k not in manager_only
            ]
        self.helper = FormHelper()
        self.helper.form_tag = False
