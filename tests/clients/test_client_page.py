"""The client page: who sees it and who edits it, what it shows, and edits
that lose nothing (bad input, a name taken, two editors at once)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.choices import Step
from cases.models import Client, Contact
from tests.factories import ClientFactory, ContactFactory, case_in_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(team, account_manager, sales_manager):
    acme = ClientFactory(team=team, name="Acme Mills", annual_value=12000)
    case_in_step(
        Step.CLOSED,
        owner=account_manager,
        client=acme,
        commitment="Train the night shift",
        lessons="Book two trainers for every rollout",
    )
    return acme


def page_url(client_row):
    return reverse("client_detail", args=[client_row.pk])


def edit(http, acme, **overrides):
    data = {
        "client-version": acme.version,
        "client-name": acme.name,
        "client-segment": acme.segment,
        "client-annual_value": "12000",
        "client-notes": "Buys every quarter; hates surprises.",
    }
    data.update(overrides)
    return http.post(page_url(acme), data)


def test_the_case_page_links_to_its_client(client, acme, account_manager):
    client.force_login(account_manager)
    case = acme.cases.get()
    html = client.get(case.get_absolute_url()).content.decode()
    assert f'href="{page_url(acme)}"' in html


def test_the_page_shows_contacts_value_notes_and_cases_with_outcome_and_lessons(
    client, acme, teammate
):
    Client.objects.filter(pk=acme.pk).update(notes="Prefers calls to email.")
    client.force_login(teammate)

    page = client.get(page_url(acme))

    assert page.status_code == 200
    html = page.content.decode()
    for text in [
        "Acme Mills",
        "12,000.00",
        "Prefers calls to email.",
        "Train the night shift",
        "Retained",
        "Book two trainers for every rollout",
        "Dana Client",
    ]:
        assert text in html, text
    # A teammate without a case of the client reads it only.
    assert 'data-testid="read-only"' in html
    assert "Edit the client" not in html
    assert "client_form" not in page.context


def test_an_owner_of_one_of_its_cases_and_a_sales_manager_edit_it(
    client, acme, account_manager, sales_manager
):
    client.force_login(account_manager)
    assert "Edit the client" in client.get(page_url(acme)).content.decode()
    saved = edit(client, acme, **{"client-notes": "Owner's note"})
    assert saved.status_code == 302
    acme.refresh_from_db()
    assert (acme.notes, acme.version, acme.updated_by) == (
        "Owner's note",
        2,
        account_manager,
    )

    client.force_login(sales_manager)
    assert edit(client, acme, **{"client-name": "Acme Mills Group"}).status_code == 302
    acme.refresh_from_db()
    assert acme.name == "Acme Mills Group"


def test_a_read_only_teammate_cannot_edit(client, acme, teammate):
    client.force_login(teammate)
    assert edit(client, acme, **{"client-notes": "Sneaky"}).status_code == 403
    acme.refresh_from_db()
    assert acme.notes == ""


def test_another_team_gets_404(client, acme, outsider):
    client.force_login(outsider)
    assert client.get(page_url(acme)).status_code == 404
    assert edit(client, acme).status_code == 404
    assert client.get(reverse("client_detail", args=[999999])).status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("client-annual_value", "-5", "Enter an amount of zero or more."),
        ("client-name", "   ", "This field is required."),
        ("client-name", "  bolt   LTD", "Bolt Ltd is already a client of Enterprise"),
    ],
)
def test_bad_input_says_why_and_keeps_what_was_typed(
    client, acme, team, sales_manager, field, value, message
):
    ClientFactory(team=team, name="Bolt Ltd")
    client.force_login(sales_manager)

    page = edit(client, acme, **{field: value, "client-notes": "Typed, not lost"})

    assert page.status_code == 200
    html = page.content.decode()
    assert message in html
    assert "Typed, not lost" in html
    assert "<details open" in html  # the form that failed is shown open
    acme.refresh_from_db()
    assert (acme.name, acme.notes, acme.version) == ("Acme Mills", "", 1)


def test_the_second_of_two_editors_is_told_and_loses_nothing(
    client, acme, account_manager, sales_manager
):
    client.force_login(account_manager)
    assert edit(client, acme, **{"client-notes": "First editor"}).status_code == 302
    client.force_login(sales_manager)

    # The manager's page was drawn before that save (version 1).
    late = edit(client, acme, **{"client-notes": "Second editor"})

    assert late.status_code == 409
    html = late.content.decode()
    assert "changed this client while you were editing" in html
    assert "Second editor" in html  # what they typed, kept in the form
    assert "First editor" in html  # what is saved now, shown
    acme.refresh_from_db()
    assert acme.notes == "First editor"
    # The form is based on the latest save now: saving again goes through.
    form = late.context["client_form"]
    assert form["version"].value() == "2"
    again = edit(client, acme, **{"client-version": 2, "client-notes": "Second"})
    assert again.status_code == 302
    acme.refresh_from_db()
    assert acme.notes == "Second"


def test_contacts_are_added_and_changed_without_twins(client, acme, sales_manager):
    client.force_login(sales_manager)
    add = reverse("client_contact", args=[acme.pk])
    person = {
        "new-contact-version": 1,
        "new-contact-name": "Eve Buyer",
        "new-contact-role": "Buyer",
        "new-contact-email": "eve@acme.example.com",
        "new-contact-phone": "",
    }
    assert client.post(add, person).status_code == 302
    eve = Contact.objects.get(name="Eve Buyer")

    twin = client.post(
        add, person | {"new-contact-version": 2, "new-contact-name": " EVE  buyer "}
    )
    assert twin.status_code == 200
    assert "Eve Buyer is already a contact of Acme Mills" in twin.content.decode()
    assert Contact.objects.filter(client=acme).count() == 2  # Dana and Eve

    change = reverse("client_contact_edit", args=[acme.pk, eve.pk])
    prefix = f"contact-{eve.pk}"
    changed = client.post(
        change,
        {
            f"{prefix}-version": 2,
            f"{prefix}-name": "Eve Buyer",
            f"{prefix}-role": "Head of purchasing",
            f"{prefix}-email": "not an email",
            f"{prefix}-phone": "0123",
        },
    )
    assert changed.status_code == 200
    assert "Enter a valid email address." in changed.content.decode()
    assert "Head of purchasing" in changed.content.decode()
    changed = client.post(
        change,
        {
            f"{prefix}-version": 2,
            f"{prefix}-name": "Eve Buyer",
            f"{prefix}-role": "Head of purchasing",
            f"{prefix}-email": "eve@acme.example.com",
            f"{prefix}-phone": "0123",
        },
    )
    assert changed.status_code == 302
    eve.refresh_from_db()
    assert (eve.role, eve.phone) == ("Head of purchasing", "0123")


def test_another_clients_contact_is_not_edited_through_this_page(
    client, acme, team, sales_manager
):
    other = ContactFactory(client=ClientFactory(team=team, name="Bolt Ltd"))
    client.force_login(sales_manager)
    url = reverse("client_contact_edit", args=[acme.pk, other.pk])
    assert client.post(url, {f"contact-{other.pk}-name": "X"}).status_code == 404


def test_the_page_reads_a_fixed_number_of_queries(
    client, acme, account_manager, sales_manager
):
    client.force_login(sales_manager)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(acme)).status_code == 200
        return len(captured)

    few = count()
    for n in range(8):
        case_in_step(
            Step.CLOSED if n % 2 else Step.OPTIONS,
            owner=account_manager,
            client=acme,
            commitment=f"Commitment {n}",
        )
        ContactFactory(client=acme)
    assert count() == few


def test_the_owner_is_chosen_among_the_teams_account_and_sales_managers(
    client, acme, account_manager, sales_manager, teammate, outsider
):
    client.force_login(sales_manager)
    page = client.get(page_url(acme))
    choices = list(page.context["client_form"].fields["owner"].queryset)
    assert set(choices) == {account_manager, sales_manager, teammate}
    assert edit(client, acme, **{"client-owner": teammate.pk}).status_code == 302
    acme.refresh_from_db()
    assert acme.owner == teammate
    assert "owned by" in client.get(page_url(acme)).content.decode()


def test_an_owner_from_another_team_is_refused_and_nothing_changes(
    client, acme, sales_manager, outsider
):
    client.force_login(sales_manager)
    answer = edit(client, acme, **{"client-owner": outsider.pk, "client-notes": "X"})
    assert answer.status_code == 200
    assert "Select a valid choice" in answer.content.decode()
    assert answer.context["client_form"]["notes"].value() == "X"
    acme.refresh_from_db()
    assert acme.owner is None and acme.notes == ""


def test_the_service_itself_refuses_an_owner_outside_the_team(
    acme, sales_manager, outsider
):
    from cases.clients.services import client_update
    from cases.exceptions import NotAllowed

    with pytest.raises(NotAllowed, match="cannot own a client of Enterprise"):
        client_update(
            client_id=acme.pk,
            by=sales_manager,
            version=acme.version,
            name=acme.name,
            segment="",
            annual_value=None,
            notes="",
            owner=outsider,
        )
    acme.refresh_from_db()
    assert acme.owner is None
