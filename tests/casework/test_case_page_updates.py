"""How the case page answers its forms: with htmx, the changed parts of the
page in place; without JavaScript, a redirect back to the form's part."""

import uuid

import pytest
from django.urls import reverse

from cases.choices import Feasibility, Step
from cases.models import Contact, Option
from tests.factories import case_in_step

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def option_data(**more):
    return {
        "option-submission_key": str(uuid.uuid4()),
        "option-description": "Ship from the Lyon warehouse",
        "option-cost_to_us": "120",
        "option-time_to_deliver": "2 days",
        "option-feasibility": Feasibility.HIGH,
        **more,
    }


def post(client, case, name, data, **headers):
    return client.post(reverse("case_action", args=[case.pk, name]), data, **headers)


def test_without_javascript_a_form_comes_back_to_its_own_part(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(account_manager)
    response = post(client, case, "option", option_data())
    assert response.status_code == 302
    assert response.url == f"{case.get_absolute_url()}#form-option"
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'id="form-option"' in page  # the anchor exists on the page


def test_a_record_button_comes_back_to_the_step_card(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    option = Option.objects.create(
        case=case, description="Refund", time_to_deliver="1 day", feasibility="high"
    )
    client.force_login(account_manager)
    response = post(
        client, case, "choose_option", {"record": option.pk, "chosen": "on"}
    )
    assert response.url == f"{case.get_absolute_url()}#now"
    assert 'id="now"' in client.get(case.get_absolute_url()).content.decode()


def test_with_htmx_the_answer_is_the_changed_parts_swapped_by_id(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(account_manager)
    response = post(client, case, "option", option_data(), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    for part in ("messages", "now-records", "now-status", "form-option", "timeline"):
        assert f'id="{part}"' in html
    assert html.count('hx-swap-oob="true"') >= 5
    assert "Ship from the Lyon warehouse" in html  # the new option, in the card
    assert "<html" not in html  # parts, not a page
    assert Option.objects.filter(case=case).count() == 1


def test_with_htmx_a_refused_form_comes_back_as_typed_in_its_part(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(account_manager)
    data = option_data(**{"option-cost_to_us": "lots"})
    html = post(client, case, "option", data, **HTMX).content.decode()
    form = html.split('id="form-option"')[1].split("</form>")[0]
    assert "Ship from the Lyon warehouse" in form and "is-invalid" in form
    assert not Option.objects.filter(case=case).exists()


def test_when_the_step_changes_the_whole_case_page_comes_again(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(account_manager)
    data = option_data(**{"option-chosen": "on", "then": "advance"})
    html = post(client, case, "option", data, **HTMX).content.decode()
    case.refresh_from_db()
    assert case.step == Step.COMMUNICATE
    assert 'id="case-page" data-case-page hx-swap-oob="true"' in html
    assert "Now: Communicate" in html
    # Inside it nothing is swapped on its own (a part inside a part would be
    # taken out of it first).
    inner = html.split('id="case-page"')[1]
    assert 'hx-swap-oob="true"' not in inner.split(">", 1)[1]


def test_save_and_move_on_saves_and_says_what_is_missing_when_incomplete(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    client.force_login(account_manager)
    response = post(client, case, "option", option_data(then="advance"))
    case.refresh_from_db()
    assert case.step == Step.OPTIONS and case.options.count() == 1
    texts = [str(m) for m in response.wsgi_request._messages]
    assert any("Choose at least one option" in t for t in texts), texts


def test_a_chosen_option_prefills_the_promise_and_the_offer(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    option = Option.objects.create(
        case=case,
        description="Trainer on site for two days",
        cost_to_us="450",
        time_to_deliver="1 week",
        feasibility="high",
        chosen=True,
    )
    client.force_login(account_manager)
    url = case.get_absolute_url()
    offer = client.get(f"{url}?offer_from={option.pk}").content.decode()
    form = offer.split('id="form-compensation"')[1].split("</form>")[0]
    assert 'value="Trainer on site for two days"' in form
    assert 'value="450.00"' in form or 'value="450"' in form
    promise = client.get(f"{url}?promise_from={option.pk}").content.decode()
    form = promise.split('id="form-promise"')[1].split("</form>")[0]
    assert 'value="Trainer on site for two days"' in form
    assert 'name="promise-due_on"' in form and 'value="20' in form  # a week on
    # An option not chosen, or of another case, prefills nothing.
    other = client.get(f"{url}?offer_from=999999").content.decode()
    assert (
        "Trainer on site"
        not in other.split('id="form-compensation"')[1].split("</form>")[0]
    )


def test_people_known_at_the_client_are_ticked_not_typed(
    client, account_manager, sales_manager
):
    case = case_in_step(Step.COMMUNICATE, owner=account_manager)
    known = Contact.objects.create(client=case.client, name="Helen Ward")
    Contact.objects.create(client=case.client, name="Dev Patel")
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Already known at the client" in page
    response = post(
        client,
        case,
        "person",
        {"person-submission_key": str(uuid.uuid4()), "person-known": [known.pk]},
    )
    assert response.status_code == 302
    assert known in case.contacts.all()
    # Neither ticked nor typed: said, nothing saved.
    response = post(
        client, case, "person", {"person-submission_key": str(uuid.uuid4())}
    )
    assert response.status_code == 200
    assert (
        "Tick someone already known, or type a new person" in response.content.decode()
    )
