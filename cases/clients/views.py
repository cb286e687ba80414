"""The client page (/clients/<pk>/): its contacts, value, notes and cases,
and the edits of those who hold the relationship."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cases.clients.forms import ClientForm, ContactForm
from cases.clients.selectors import client_for_page
from cases.clients.services import client_update, contact_save
from cases.exceptions import ClientChanged, MendError, NameTaken, NotAllowed
from cases.models import Client


def _client_or_404(user, pk) -> Client:
    try:
        return client_for_page(user, pk)
    except Client.DoesNotExist:
        raise Http404("No such client.") from None


def _page(request, client: Client, *, bound=None, problem: str = "", status=200):
    """The page, with `bound` (a form that failed) in place of its blank twin."""
    edit = client.may_edit
    open_form = bound.prefix if bound is not None else ""

    def contact_form(contact):
        if not edit or contact.erased:
            return None
        if isinstance(bound, ContactForm) and bound.contact == contact:
            return bound
        return ContactForm(client=client, contact=contact)

    context = {
        "client": client,
        "problem": problem,
        "open_form": open_form,
        "contact_rows": [
            {"contact": c, "form": contact_form(c)} for c in client.contacts.all()
        ],
    }
    if edit:
        context["client_form"] = (
            bound if isinstance(bound, ClientForm) else ClientForm(client=client)
        )
        context["new_contact_form"] = (
            bound
            if isinstance(bound, ContactForm) and bound.contact is None
            else ContactForm(client=client)
        )
    return render(request, "cases/client_detail.html", context, status=status)


def _refused(request, client: Client, form, exc: MendError):
    """A save that did not happen: the form comes back with what was typed."""
    if isinstance(exc, NameTaken):
        form.add_error("name", str(exc))
        return _page(request, client, bound=form)
    if isinstance(exc, ClientChanged):
        # Shown against what is saved now; the form keeps what was typed,
        # based on the latest save, so a second save goes through.
        client = _client_or_404(request.user, client.pk)
        form.refresh_version(client.version)
        return _page(request, client, bound=form, problem=str(exc), status=409)
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(str(exc))
    return _page(request, client, bound=form, problem=str(exc))


@login_required
def client_detail(request, pk: int):
    client = _client_or_404(request.user, pk)
    if request.method != "POST":
        return _page(request, client)
    if not client.may_edit:
        raise PermissionDenied("You can see this client but not edit it.")
    form = ClientForm(request.POST, client=client)
    if not form.is_valid():
        return _page(request, client, bound=form)
    data = form.cleaned_data
    try:
        client_update(
            client_id=client.pk,
            by=request.user,
            version=data["version"],
            name=data["name"],
            segment=data["segment"],
            annual_value=data["annual_value"],
            notes=data["notes"],
            owner=data["owner"],
        )
    except MendError as exc:
        return _refused(request, client, form, exc)
    messages.success(request, "Client saved.")
    return redirect(client)


@login_required
@require_POST
def client_contact(request, pk: int, contact_pk: int | None = None):
    client = _client_or_404(request.user, pk)
    if not client.may_edit:
        raise PermissionDenied("You can see this client but not edit it.")
    contact = None
    if contact_pk is not None:
        contact = next((c for c in client.contacts.all() if c.pk == contact_pk), None)
        if contact is None or contact.erased:
            raise Http404("No such person at this client.")
    form = ContactForm(request.POST, client=client, contact=contact)
    if not form.is_valid():
        return _page(request, client, bound=form)
    data = form.cleaned_data
    try:
        saved = contact_save(
            client_id=client.pk,
            by=request.user,
            version=data["version"],
            contact_id=contact_pk,
            name=data["name"],
            role=data["role"],
            email=data["email"],
            phone=data["phone"],
        )
    except MendError as exc:
        return _refused(request, client, form, exc)
    messages.success(
        request, f"{saved.name} {'saved' if contact else 'added'} at {client.name}."
    )
    return redirect(f"{client.get_absolute_url()}#contacts")
