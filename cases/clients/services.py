"""Edits on the client page: the client's own details and its contacts.

Every edit locks the client row, asks the rule again, and refuses a page
drawn before someone else's save (the client's version), so two managers
editing at once lose nothing: the second is told and keeps what they typed.
"""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases import access
from cases.clients.selectors import may_edit
from cases.exceptions import ClientChanged, NameTaken, NotAllowed
from cases.models import Client, Contact, User
from cases.models.search import search_text_refresh_for_clients
from cases.querysets import tidy_name


def _lock(*, client_id: int, by: User, version: int) -> Client:
    """The client row, locked, if `by` sees it and may edit it; its version
    must be the one the page showed. Client.DoesNotExist if not seen."""
    client = (
        Client.objects.for_user(by, "view")
        .select_for_update(of=("self",))
        .select_related("updated_by")
        .get(pk=client_id)
    )
    if not may_edit(by, client):
        raise NotAllowed(
            "Only a sales manager, or an account manager with a case for this "
            "client, can edit it."
        )
    if version != client.version:
        who = client.updated_by.get_full_name() if client.updated_by else ""
        raise ClientChanged(by=who or client.updated_by or "Someone")
    return client


def _touch(client: Client, by: User, *fields: str) -> None:
    client.version += 1
    client.updated_by = by
    client.updated_at = timezone.now()
    client.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


@transaction.atomic
def client_update(
    *,
    client_id: int,
    by: User,
    version: int,
    name: str,
    segment: str,
    annual_value: Decimal | None,
    notes: str,
    owner: User | None = None,
) -> Client:
    """Change the client's name, segment, annual value, owner and notes. A
    name another client of the team already has (case and spacing ignored) is
    refused: that would make the two look like one; so is an owner who is not
    an active account or sales manager of the team."""
    client = _lock(client_id=client_id, by=by, version=version)
    if owner is not None and not (
        User.objects.filter(access.client_owners_q(), pk=owner.pk)
        .filter(memberships__team=client.team_id)
        .exists()
    ):
        raise NotAllowed(
            f"{owner} cannot own a client of {client.team}: choose an account or "
            "sales manager of the team."
        )
    name = tidy_name(name)
    if not name:
        raise NameTaken("Give the client a name.")
    twin = Client.objects.named(client.team_id, name, exclude=client.pk)
    if twin is not None:
        raise NameTaken(
            f"{twin.name} is already a client of {client.team}. Choose another "
            "name, or ask an administrator to merge the two."
        )
    renamed = name != client.name
    client.name = name
    client.segment = segment
    client.annual_value = annual_value
    client.notes = notes
    client.owner = owner
    _touch(client, by, "name", "segment", "annual_value", "notes", "owner")
    if renamed:
        # Its cases are found by the new name, and no longer by the old one.
        search_text_refresh_for_clients([client.pk])
    return client


@transaction.atomic
def contact_save(
    *,
    client_id: int,
    by: User,
    version: int,
    contact_id: int | None,
    name: str,
    role: str,
    email: str,
    phone: str,
) -> Contact:
    """Add a person at the client (no `contact_id`) or change one. A name the
    client already has among its contacts (case and spacing ignored) is
    refused, so the same person is not listed twice."""
    client = _lock(client_id=client_id, by=by, version=version)
    name = tidy_name(name)
    if not name:
        raise NameTaken("Give the person's name.")
    contact = None
    if contact_id is not None:
        contact = client.contacts.select_for_update().filter(pk=contact_id).first()
        if contact is None or contact.erased:
            raise NotAllowed("That person is no longer listed for this client.")
    twin = Contact.objects.named(
        client, name, exclude=contact.pk if contact is not None else None
    )
    if twin is not None:
        raise NameTaken(
            f"{twin.name} is already a contact of {client.name}: change their "
            "details instead of adding them again."
        )
    if contact is None:
        contact = Contact(client=client)
    contact.name, contact.role, contact.email, contact.phone = name, role, email, phone
    contact.save()
    _touch(client, by)
    return contact
