"""Single-line fields refuse control characters; text areas keep their line
breaks but refuse the rest (issue 16, item 8)."""

import uuid

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.urls import reverse

from cases.choices import Step
from cases.forms import MendForm
from cases.models import Case, Client, Contact, User
from tests.factories import ClientFactory, case_in_step
from tests.posts import new_case

pytestmark = pytest.mark.django_db

ONE_LINE = "Keep this on one line, without line breaks, tabs or other invisible"
CONTROL = "Remove the invisible control characters"


@pytest.mark.parametrize("name", ["Acme\r\nBcc: all@example.com", "Acme\nCorp", "A\tB"])
def test_a_client_name_with_a_line_break_is_refused(client, account_manager, name):
    client.force_login(account_manager)

    response = new_case(client, new_client_name=name)

    assert response.status_code == 200
    assert ONE_LINE in response.content.decode()
    assert not Client.objects.exists()
    assert not Case.objects.exists()


def test_a_text_area_keeps_line_breaks_but_refuses_other_control_characters(
    client, account_manager, sales_manager
):
    client.force_login(account_manager)

    refused = new_case(client, what_happened="Bell \x07 and escape \x1b[31m")
    kept = new_case(client, what_happened="First line.\r\nSecond line.\tIndented.")

    assert CONTROL in refused.content.decode()
    assert kept.status_code == 302
    assert Case.objects.get().what_happened == "First line.\r\nSecond line.\tIndented."


def test_a_person_with_a_line_break_in_the_name_is_refused(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.APOLOGISE, owner=account_manager)
    before = Contact.objects.count()
    client.force_login(account_manager)

    response = client.post(
        reverse("case_action", args=[case.pk, "person"]),
        {
            "person-submission_key": str(uuid.uuid4()),
            "person-name": "Dana\r\nClient",
            "person-phone": "+49 30\x00 1234",
        },
        follow=True,
    )

    html = response.content.decode()
    assert ONE_LINE in html
    assert Contact.objects.count() == before


def test_every_mend_form_guards_its_text_fields():
    class Form(MendForm):
        name = forms.CharField()
        note = forms.CharField(widget=forms.Textarea)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Added after the base form's setup, as some page forms do.
            self.fields["late"] = forms.CharField(required=False)

    refused = Form({"name": "a\x7fb", "note": "x\x0by", "late": "c\rd"})
    kept = Form({"name": "Ünïcode, fine", "note": "a\nb\r\nc\td", "late": ""})

    assert set(refused.errors) == {"name", "note", "late"}
    assert refused.errors["name"][0].startswith(ONE_LINE)
    assert refused.errors["note"][0].startswith(CONTROL)
    assert kept.is_valid(), kept.errors


def test_the_model_refuses_a_line_break_in_a_client_name(team):
    with pytest.raises(ValidationError) as refused:
        Client(team=team, name="Acme\r\nCorp").full_clean()
    assert refused.value.message_dict["name"][0].startswith(ONE_LINE)
    with pytest.raises(ValidationError):
        Contact(client=ClientFactory(team=team), name="Dana\nClient").full_clean()


def test_the_admin_refuses_a_line_break_in_a_client_name(client, administrator, team):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:cases_client_add"),
        {
            "name": "Acme\r\nCorp",
            "team": team.pk,
            "segment": "",
            "annual_value": "",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 200
    assert ONE_LINE in response.content.decode()
    assert not Client.objects.exists()


def test_a_search_with_a_control_character_answers(client, sales_manager):
    client.force_login(sales_manager)

    response = client.get(reverse("case_list"), {"q": "laptops\r\n"})

    assert response.status_code == 200


def test_a_persons_name_refuses_a_line_break_in_any_model_form(account_manager):
    # The admin's user forms are model forms: the field's validator runs there.
    form = modelform_factory(User, fields=["first_name", "last_name"])(
        {"first_name": "Alice\r\nBcc: all@example.com", "last_name": "Smith"},
        instance=account_manager,
    )

    assert form.errors["first_name"][0].startswith(ONE_LINE)
