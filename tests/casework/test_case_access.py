"""Who may see and act on a case: outsiders get 404, read-only teammates 403."""

import pytest
from django.urls import reverse

from cases.casework.actions import ACTIONS
from cases.choices import Step
from cases.models import Case
from tests.factories import case_in_step, fill_step, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account_manager, sales_manager):
    return make_case(account_manager)


def post_action(client, case, name):
    return client.post(reverse("case_action", args=[case.pk, name]), {})


def test_the_owner_sees_and_works_the_case(client, case, account_manager):
    client.force_login(account_manager)
    html = client.get(case.get_absolute_url()).content.decode()
    assert "Now: Acknowledge" in html
    assert "Save details" in html
    assert 'data-testid="read-only"' not in html


def test_a_teammate_reads_the_case_but_cannot_change_it(client, case, teammate):
    client.force_login(teammate)
    html = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="read-only"' in html
    assert "Save details" not in html
    version = case.version
    for name in ACTIONS:
        assert post_action(client, case, name).status_code == 403, name
    assert Case.objects.get(pk=case.pk).version == version


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_another_teams_user_gets_404_for_every_action(client, case, outsider, name):
    client.force_login(outsider)
    assert post_action(client, case, name).status_code == 404


def test_another_teams_user_gets_404_for_the_case_page(client, case, outsider):
    client.force_login(outsider)
    assert client.get(case.get_absolute_url()).status_code == 404
    assert case.client.name not in client.get(reverse("case_list")).content.decode()


def test_another_teams_client_history_is_not_shown(client, case, outsider):
    client.force_login(outsider)
    response = client.get(reverse("client_history"), {"client": case.client_id})
    assert response.status_code == 200
    assert case.client.name not in response.content.decode()


def test_the_new_case_form_offers_only_the_users_team_clients(client, case, outsider):
    client.force_login(outsider)
    assert case.client.name not in client.get(reverse("case_new")).content.decode()


def test_a_sales_manager_of_the_team_may_send_back_but_an_account_manager_may_not(
    client, case, account_manager, sales_manager
):
    fill_step(case, account_manager)
    client.force_login(account_manager)
    case.refresh_from_db()
    client.post(
        reverse("case_action", args=[case.pk, "advance"]),
        {"step": case.step, "version": case.version},
    )
    case.refresh_from_db()
    assert case.step == "root_cause"
    data = {"send_back-version": case.version, "send_back-reason": "Name the team"}
    assert (
        client.post(
            reverse("case_action", args=[case.pk, "send_back"]), data
        ).status_code
        == 403
    )
    client.force_login(sales_manager)
    response = client.post(reverse("case_action", args=[case.pk, "send_back"]), data)
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).step == "acknowledge"


def test_logged_out_visitors_are_sent_to_sign_in(client, case):
    for response in (
        client.get(case.get_absolute_url()),
        client.post(reverse("case_action", args=[case.pk, "advance"])),
        client.get(reverse("case_list")),
        client.get(reverse("case_new")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_an_unknown_case_or_action_is_404(client, account_manager, case):
    client.force_login(account_manager)
    assert client.get(reverse("case_detail", args=[999999])).status_code == 404
    assert post_action(client, case, "no-such-action").status_code == 404


def test_a_record_of_another_case_is_404(client, account_manager, sales_manager):
    first = case_in_step(Step.OPTIONS, owner=account_manager)
    second = case_in_step(Step.OPTIONS, owner=account_manager, complete=True)
    client.force_login(account_manager)
    option = second.options.get()
    response = client.post(
        reverse("case_action", args=[first.pk, "choose_option"]),
        {"record": option.pk, "chosen": ""},
    )
    assert response.status_code == 404


def test_a_refused_action_gets_the_styled_403_page(client, case, teammate):
    client.force_login(teammate)
    response = post_action(client, case, "advance")
    assert response.status_code == 403
    assert "You cannot do that here" in response.content.decode()


def test_reloading_an_action_address_leads_back_to_the_case_page(
    client, account_manager
):
    """After a refused form the address is /cases/N/<action>/; opening it again
    shows the case, not an empty 405."""
    case = make_case(account_manager)
    client.force_login(account_manager)
    response = client.get(f"/cases/{case.pk}/send_back/")
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert client.get(f"/cases/{case.pk}/no_such_action/").status_code == 404
