"""The client page's forms: the client's details, and one person at it."""

from crispy_forms.layout import Div, Layout
from django import forms

from cases import access
from cases.choices import Segment
from cases.forms import VersionedForm, money_field
from cases.models import Client, Contact, User


def _row(*names):
    return Div(*(Div(n, css_class="col-md-6") for n in names), css_class="row")


class ClientForm(VersionedForm):
    """Name, segment, annual value and notes, based on the version shown."""

    name = forms.CharField(max_length=120)
    segment = forms.ChoiceField(
        choices=[("", "Not set"), *Segment.choices], required=False
    )
    annual_value = money_field(
        "Annual value",
        required=False,
        help_text="What the client buys from us in a year; it scales the "
        "compensation guideline.",
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="No owner",
        help_text="Who holds the relationship: an account or sales manager "
        "of the team.",
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        help_text="What the team should know about this client.",
    )

    def __init__(self, *args, client: Client, **kwargs):
        if not args and not kwargs.get("data"):
            kwargs["initial"] = {
                "version": client.version,
                "name": client.name,
                "segment": client.segment,
                "annual_value": client.annual_value,
                "owner": client.owner_id,
                "notes": client.notes,
            }
        kwargs.setdefault("prefix", "client")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = client_owner_choices(client)
        self.helper.layout = Layout(
            "version",
            _row("name", "segment"),
            _row("annual_value", "owner"),
            "notes",
        )


def client_owner_choices(client: Client):
    """Who may own this client: active account and sales managers of its team."""
    return (
        User.objects.filter(access.client_owners_q(), memberships__team=client.team_id)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class ContactForm(VersionedForm):
    """One person at the client: a new one, or `contact` changed."""

    name = forms.CharField(max_length=120)
    role = forms.CharField(max_length=120, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)

    def __init__(self, *args, client: Client, contact: Contact | None = None, **kwargs):
        self.contact = contact
        if not args and not kwargs.get("data"):
            initial = {"version": client.version}
            if contact is not None:
                initial |= {
                    "name": contact.name,
                    "role": contact.role,
                    "email": contact.email,
                    "phone": contact.phone,
                }
            kwargs["initial"] = initial
        kwargs.setdefault(
            "prefix", f"contact-{contact.pk}" if contact is not None else "new-contact"
        )
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            "version", _row("name", "role"), _row("email", "phone")
        )
