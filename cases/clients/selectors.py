"""Reads for the client page, scoped by the user and prefetched so its query
count does not grow with the client's cases or contacts."""

from django.db.models import Prefetch

from cases import access
from cases.models import Case, Client, Contact, User


def client_for_page(user: User, pk) -> Client:
    """The client with its contacts and the cases `user` may see (newest
    first, as `visible_cases`), and `may_edit` (the rule is in access).
    Client.DoesNotExist if the user does not see the client."""
    cases = (
        Case.objects.for_user(user, "view")
        .select_related("owner")
        .order_by("-opened_at", "-pk")
    )
    client = (
        Client.objects.for_user(user, "view")
        .select_related("team", "updated_by", "owner")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("name", "pk")),
            Prefetch("cases", queryset=cases, to_attr="visible_cases"),
        )
        .get(pk=_number(pk))
    )
    client.may_edit = access.may_edit_client(
        user,
        owns_one_of_its_cases=any(c.owner_id == user.pk for c in client.visible_cases),
    )
    return client


def may_edit(user: User, client: Client) -> bool:
    """The same rule, asked afresh (a service, inside its transaction)."""
    owns = Case.objects.for_user(user, "work").filter(client=client, owner=user)
    return access.may_edit_client(user, owns_one_of_its_cases=owns.exists())


def _number(pk) -> int:
    try:
        return int(pk)
    except (TypeError, ValueError):
        raise Client.DoesNotExist from None
