"""The import's rules, as django-import-export resources: how a row of a
CRM export finds its client or contact, what it may change, and why a row
is refused.

A row is matched by its CRM id first, then by its name (case and spacing
ignored, as everywhere in Mend) within its team; an empty cell leaves what
Mend has. Rows are saved in bulk, in the one transaction import_data opens,
so an import changes everything or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader

from cases import access
from cases.imports.reading import LABELS
from cases.models import Client, Contact, Membership, Team, User
from cases.querysets import normal_name, tidy_name

# Progress is told every this many rows (a cache write each time).
PROGRESS_EVERY = 200
AMOUNT = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$|^\d+(\.\d+)?$")
CURRENCY_MARKS = "€$£¥ "
MAX_VALUE = Decimal("9999999999.99")  # Client.annual_value: 12 digits, 2 decimals


class Plain(widgets.Widget):
    """Values reach the fields already checked and typed (_prepare)."""

    def clean(self, value, row=None, **kwargs):
        return value

    def render(self, value, obj=None, **kwargs):
        return value


def _field(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=Plain())


class _Lookup(BaseInstanceLoader):
    """Finds a row's existing row in memory: everything of the import's teams
    is read once, so 10,000 rows cost one query, not 10,000."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        resource.load_existing()

    def get_instance(self, row):
        return self.resource.find(row)


class MendResource(resources.ModelResource):
    """What clients and contacts share: the teams a row may go to, the
    per-row reasons shown in the preview, and progress."""

    kind_label = "row"

    class Meta:
        # Both kinds: matched by the CRM's id (then by name, _Lookup), an
        # unchanged row reported as such, saved in batches, in one
        # transaction. Subclasses' Meta adds model and fields.
        import_id_fields = ("external_id",)
        instance_loader_class = _Lookup
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        store_instance = True
        use_bulk = True
        batch_size = 500
        use_transactions = True

    def __init__(
        self,
        *,
        team: Team,
        teams: list[Team],
        progress: Callable[[int], None] | None = None,
    ):
        super().__init__()
        self.team = team
        self.teams = {normal_name(t.name): t for t in teams}
        self.progress = progress
        # Row number in the dataset -> the reason shown beside its result.
        self.reasons: dict[int, str] = {}
        # Clients whose name a row changed: their cases' search text follows.
        self.renamed: set[int] = set()

    # Rows -------------------------------------------------------------

    def before_import_row(self, row, **kwargs):
        number = kwargs["row_number"]
        if self.progress is not None and number % PROGRESS_EVERY == 0:
            self.progress(number)
        row["_number"] = number
        row["_matched"] = ""
        self._prepare(row, number)

    def _team_of(self, row) -> Team:
        wanted = normal_name(row["team"])
        if not wanted:
            return self.team
        team = self.teams.get(wanted)
        if team is None:
            raise ValidationError(
                f"Team “{row['team']}” is not one you can import into."
            )
        return team

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        # An empty cell leaves what Mend has: a CRM without the annual value
        # does not wipe the one typed in Mend.
        if instance.pk is not None and row.get(field.column_name) in (None, ""):
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def after_import_row(self, row, row_result, **kwargs):
        number = kwargs["row_number"]
        if row_result.is_new():
            self.reasons.setdefault(number, self._new(row_result.instance))
        elif row_result.is_update():
            self.reasons[number] = self._changes(row, row_result)
        elif row_result.is_skip():
            self.reasons.setdefault(number, "Already up to date.")

    def _new(self, instance) -> str:
        """ "New client: annual value 92000.00, owner Alex Murphy." """
        parts = []
        for field in self.get_import_fields():
            value = field.get_value(instance)
            if field.column_name in {"name", "external_id"} or value in (None, ""):
                continue
            parts.append(f"{LABELS[field.column_name]} {value}")
        said = f": {', '.join(parts)}" if parts else ""
        return f"New {self.kind_label}{said}."

    def _changes(self, row, row_result) -> str:
        original, instance = row_result.original, row_result.instance
        names = [
            LABELS[field.column_name]
            for field in self.get_import_fields()
            if field.get_value(original) != field.get_value(instance)
        ]
        return f"Found {row['_matched']}; changes its {', '.join(names)}."

    def get_bulk_update_fields(self):
        return [f for f in self.fields if f != "team"]

    def after_import(self, dataset, result, **kwargs):
        # ModelResource resets the table's id sequence to its highest id after
        # an import with new rows; Mend never imports ids, and a reset while
        # another transaction holds a fresh id would hand that id out again.
        if self.progress is not None:
            self.progress(len(dataset))

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        number = kwargs["row_number"]
        if row_result.validation_error is not None:
            self.reasons[number] = " ".join(row_result.validation_error.messages)
        elif row_result.errors:
            self.reasons[number] = str(row_result.errors[0].error)
        return row_result

    def _char(self, model, name: str, value: str, label: str) -> str:
        try:
            return model._meta.get_field(name).clean(value, None)
        except ValidationError as exc:
            raise ValidationError(f"The {label}: {' '.join(exc.messages)}") from None


class ClientResource(MendResource):
    """A row of a clients file: a client of the team, created or updated."""

    kind_label = "client"
    external_id = _field("external_id")
    name = _field("name")
    annual_value = _field("annual_value")
    owner = _field("owner")

    class Meta:
        model = Client
        fields = ("external_id", "name", "annual_value", "owner")

    def load_existing(self) -> None:
        teams = [self.team, *self.teams.values()]
        rows = Client.objects.filter(team__in=teams).select_related("owner")
        self.by_id = {(c.team_id, c.external_id): c for c in rows if c.external_id}
        self.by_name = {(c.team_id, normal_name(c.name)): c for c in rows}
        # Owners by email, username or full name, per team.
        self.owners = {}
        owners = User.objects.filter(access.client_owners_q())
        memberships = Membership.objects.filter(
            team__in=teams, user__in=owners
        ).select_related("user")
        for membership in memberships:
            person = membership.user
            for key in {person.username, person.email, person.get_full_name()}:
                if key:
                    self.owners[(membership.team_id, normal_name(key))] = person
        # Names taken by rows of this file so far: two new rows with other
        # CRM ids but one name would break the one-name-per-team rule.
        self.claimed: dict[tuple, int] = {}

    def _prepare(self, row, number) -> None:
        team = self._team_of(row)
        row["_team"] = team
        row["name"] = self._char(Client, "name", tidy_name(row["name"]), "name")
        row["external_id"] = self._char(
            Client, "external_id", row["external_id"], "CRM id"
        )
        row["annual_value"] = _amount(row["annual_value"])
        owner = row["owner"]
        if owner:
            person = self.owners.get((team.pk, normal_name(owner)))
            if person is None:
                raise ValidationError(
                    f"Owner “{owner}” is not an account or sales manager of "
                    f"{team.name} (give their email, username or full name)."
                )
            row["owner"] = person
        else:
            row["owner"] = None

    def find(self, row):
        team, external_id = row["_team"], row["external_id"]
        if external_id:
            client = self.by_id.get((team.pk, external_id))
            if client is not None:
                row["_matched"] = "by CRM id"
                return client
        client = self.by_name.get((team.pk, normal_name(row["name"])))
        if client is None:
            return None
        if external_id and client.external_id and client.external_id != external_id:
            raise ValidationError(
                f"{client.name} is already in {team.name} with CRM id "
                f"{client.external_id}, not {external_id}."
            )
        # Found by name: the spelling Mend has stays ("ACME ltd" is Acme Ltd).
        row["name"] = client.name
        row["_matched"] = "by name"
        return client

    def init_instance(self, row=None):
        return Client(team=row["_team"])

    def after_import_row(self, row, row_result, **kwargs):
        super().after_import_row(row, row_result, **kwargs)
        renamed = row_result.is_update() and (
            row_result.original.name != row_result.instance.name
        )
        if renamed:
            self.renamed.add(row_result.instance.pk)

    def before_save_instance(self, instance, row, **kwargs):
        key = (instance.team_id, normal_name(instance.name))
        twin = self.by_name.get(key)
        if twin is not None and twin is not instance:
            raise ValidationError(
                f"{twin.name} is already another client of {instance.team}: "
                "two clients cannot share a name."
            )
        if key in self.claimed:
            raise ValidationError(
                f"Row {self.claimed[key]} of this file already has a client "
                f"called {instance.name}: two clients cannot share a name."
            )
        self.claimed[key] = row["line"]


class ContactResource(MendResource):
    """A row of a contacts file: a person at a client of the team."""

    kind_label = "contact"
    external_id = _field("external_id")
    client = _field("client")
    name = _field("name")
    email = _field("email")
    phone = _field("phone")
    role = _field("role")

    class Meta:
        model = Contact
        fields = ("external_id", "client", "name", "email", "phone", "role")

    def load_existing(self) -> None:
        teams = [self.team, *self.teams.values()]
        clients = list(Client.objects.filter(team__in=teams))
        self.clients_by_id = {
            (c.team_id, c.external_id): c for c in clients if c.external_id
        }
        self.clients_by_name = {(c.team_id, normal_name(c.name)): c for c in clients}
        by_pk = {c.pk: c for c in clients}
        contacts = Contact.objects.filter(client__in=clients)
        self.by_id, self.by_name = {}, {}
        for contact in contacts:
            contact.client = by_pk[contact.client_id]
            team_id = contact.client.team_id
            if contact.external_id:
                self.by_id[(team_id, contact.external_id)] = contact
            if not contact.erased:
                self.by_name[(contact.client_id, normal_name(contact.name))] = contact

    def _prepare(self, row, number) -> None:
        team = self._team_of(row)
        row["_team"] = team
        name = row["name"] or f"{row['first_name']} {row['last_name']}"
        row["name"] = self._char(Contact, "name", tidy_name(name), "name")
        row["external_id"] = self._char(
            Contact, "external_id", row["external_id"], "CRM id"
        )
        row["role"] = self._char(Contact, "role", row["role"], "job title")
        row["phone"] = self._char(Contact, "phone", row["phone"], "phone")
        if row["email"]:
            try:
                validate_email(row["email"])
            except ValidationError:
                raise ValidationError(
                    f"Email “{row['email']}” is not an email address."
                ) from None
        row["client"] = self._client(row, team)

    def _client(self, row, team) -> Client:
        # HubSpot lists every associated company, separated by ";": the
        # first is the person's own.
        client_id = row["client_id"].split(";")[0].strip()
        if client_id and (team.pk, client_id) in self.clients_by_id:
            return self.clients_by_id[(team.pk, client_id)]
        client = self.clients_by_name.get((team.pk, normal_name(row["client"])))
        if client is not None:
            return client
        said = (
            " or ".join(f"“{v}”" for v in (client_id, row["client"]) if v)
            or "none given"
        )
        raise ValidationError(
            f"No client of {team.name} has the CRM id or name {said}: import "
            "the clients file first."
        )

    def find(self, row):
        team, external_id = row["_team"], row["external_id"]
        if external_id:
            contact = self.by_id.get((team.pk, external_id))
            if contact is not None:
                row["_matched"] = "by CRM id"
                return contact
        contact = self.by_name.get((row["client"].pk, normal_name(row["name"])))
        if contact is None:
            return None
        if external_id and contact.external_id and contact.external_id != external_id:
            raise ValidationError(
                f"{contact.name} at {contact.client.name} already has CRM id "
                f"{contact.external_id}, not {external_id}."
            )
        row["name"] = contact.name
        row["_matched"] = "by name"
        return contact

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if instance.pk is not None and original.erased:
            # Their details were erased on request: an import must not bring
            # them back (the CRM id is kept precisely to recognise them).
            self.reasons[row_number(row)] = (
                "This person's details were erased on request; they are not "
                "imported again."
            )
            return True
        return super().skip_row(instance, original, row, import_validation_errors)


def row_number(row) -> int:
    return row["_number"]


def _amount(text: str) -> Decimal | None:
    """An annual value as CRMs write it: 1500000, 1,500,000.00, €1500."""
    cleaned = text.strip().strip(CURRENCY_MARKS)
    if not cleaned:
        return None
    if not AMOUNT.match(cleaned):
        raise ValidationError(
            f"Annual value “{text}” is not a number (write it like 125000 or "
            "125,000.00, without words or a minus sign)."
        )
    try:
        value = Decimal(cleaned.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationError(f"Annual value “{text}” is not a number.") from None
    if value > MAX_VALUE:
        raise ValidationError(f"Annual value “{text}” is too large.")
    return value
