"""Every view in the URL configuration, tried by people who must not see a case.

The list of views comes from cases.urls itself: a new view that is not
classified here fails the suite until someone decides who may use it.
"""

from decimal import Decimal

import pytest
from django.urls import URLPattern, reverse

from cases import urls
from cases.casework.actions import ACTIONS
from cases.casework.services.compensation import compensation_offer
from cases.choices import Step
from cases.models import ImportRun
from tests.factories import ClientFactory, UserFactory, case_in_step

pytestmark = pytest.mark.django_db

SECRET_CLIENT = "Zanzibar Secret Holdings"
SECRET_TEXT = "Confidential rollout for Zanzibar"

# Views anyone may open, signed in or not.
PUBLIC = {
    "healthz",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# Views about one case: an outsider gets 404, a read-only teammate reads only.
CASE_VIEWS = {"case_detail", "case_action"}
# Views that list or count cases: an outsider must find no trace of the case.
LISTING_VIEWS = {
    "home",
    "case_list",
    "case_export",
    "my_cases",
    "case_new",
    "client_history",
    "insights",
    "insights_cases_export",
    "insights_figures_export",
    "similar_cases",
}
# A team's own settings (its calendar): its sales managers and administrators;
# anyone else, account managers included, gets 404.
TEAM_VIEWS = {"team_calendars", "team_calendar"}
# A client's page and its edits: an outsider gets 404; a teammate who owns
# none of its cases reads only.
CLIENT_VIEWS = {"client_detail", "client_contact", "client_contact_edit"}
# Importing clients from a CRM file: sales managers (into their teams) and
# administrators; account managers and other teams' managers get 404.
IMPORT_VIEWS = {
    "imports",
    "import_new",
    "import_detail",
    "import_progress",
    "import_confirm",
}
# Signed-in pages about the user themself.
OWN_ACCOUNT = {
    "password_change",
    "password_change_done",
    "notification_settings",
    # "Mark all read": the user's own notices.
    "notices_read",
}


def named_patterns() -> list[str]:
    return [p.name for p in urls.urlpatterns if isinstance(p, URLPattern)]


def test_every_view_is_classified():
    known = PUBLIC | CASE_VIEWS | LISTING_VIEWS | OWN_ACCOUNT | TEAM_VIEWS
    known |= CLIENT_VIEWS | IMPORT_VIEWS
    unclassified = sorted(set(named_patterns()) - known)
    assert unclassified == [], "Decide who may use these views, then list them here."


@pytest.fixture
def secret_case(account_manager, sales_manager, team):
    client = ClientFactory(team=team, name=SECRET_CLIENT)
    case = case_in_step(
        Step.COMPENSATE, owner=account_manager, client=client, commitment=SECRET_TEXT
    )
    compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind="refund",
        description="Refund",
        value_to_client=Decimal("900"),
        cost_to_us=Decimal("900"),
    )
    return case


def case_urls(case) -> list[tuple[str, str]]:
    yield "get", reverse("case_detail", args=[case.pk])
    for name in ACTIONS:
        yield "post", reverse("case_action", args=[case.pk, name])


def listing_urls(case) -> list[str]:
    return [
        reverse("home"),
        reverse("case_list"),
        reverse("case_list") + "?q=Zanzibar",
        reverse("case_list") + "?status=open&sort=client",
        reverse("case_export"),
        reverse("case_export") + "?q=Zanzibar",
        reverse("my_cases"),
        reverse("case_new"),
        reverse("client_history") + f"?client={case.client_id}",
        reverse("insights"),
        reverse("insights_cases_export"),
        reverse("insights_figures_export") + "?period=365",
        reverse("similar_cases") + f"?client={case.client_id}",
    ]


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_another_teams_user_gets_404_for_everything_about_the_case(
    client, secret_case, outsider
):
    client.force_login(outsider)
    for method, url in case_urls(secret_case):
        assert getattr(client, method)(url).status_code == 404, url


def test_another_teams_user_finds_no_trace_of_the_case_anywhere(
    client, secret_case, outsider
):
    client.force_login(outsider)
    for url in listing_urls(secret_case):
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response)
        # The search term itself may echo back; the case's own words must not.
        assert SECRET_CLIENT not in text and SECRET_TEXT not in text, url


def test_another_teams_manager_finds_no_trace_either(client, secret_case, other_team):
    manager = UserFactory(username="olga", role="sales_manager", teams=[other_team])
    client.force_login(manager)
    for method, url in case_urls(secret_case):
        assert getattr(client, method)(url).status_code == 404, url
    for url in listing_urls(secret_case):
        text = body(client.get(url))
        assert SECRET_CLIENT not in text and SECRET_TEXT not in text, url


def test_a_teammate_reads_the_case_but_every_change_is_refused(
    client, secret_case, teammate
):
    client.force_login(teammate)
    for method, url in case_urls(secret_case):
        expected = 200 if method == "get" else 403
        assert getattr(client, method)(url).status_code == expected, url
    assert SECRET_CLIENT in body(client.get(reverse("case_list")))


def test_logged_out_visitors_are_sent_to_sign_in_from_every_private_view(
    client, secret_case
):
    private = [u for _, u in case_urls(secret_case)] + listing_urls(secret_case)
    private += [reverse(name) for name in OWN_ACCOUNT]
    for url in private:
        response = (
            client.post(url)
            if "/cases/" in url and url.count("/") > 3
            else client.get(url)
        )
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_public_views_answer_without_signing_in(client, db):
    for name in PUBLIC - {"password_reset_confirm", "logout"}:
        assert client.get(reverse(name)).status_code == 200, name


def team_urls(team) -> list[tuple[str, str]]:
    calendar = reverse("team_calendar", args=[team.pk])
    return [
        ("get", reverse("team_calendars")),
        ("get", calendar),
        ("post", calendar),
    ]


def test_a_team_calendar_is_404_to_other_teams_and_to_account_managers(
    client, team, other_team, teammate
):
    olga = UserFactory(username="olga", role="sales_manager", teams=[other_team])
    client.force_login(olga)
    calendar = reverse("team_calendar", args=[team.pk])
    assert client.get(calendar).status_code == 404
    assert client.post(calendar, {"form": "remove"}).status_code == 404
    client.force_login(teammate)
    for method, url in team_urls(team):
        assert getattr(client, method)(url).status_code == 404, url


def test_a_team_calendar_sends_logged_out_visitors_to_sign_in(client, team):
    for method, url in team_urls(team):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def client_urls(case) -> list[tuple[str, str]]:
    contact = case.client.contacts.first()
    page = reverse("client_detail", args=[case.client_id])
    return [
        ("get", page),
        ("post", page),
        ("post", reverse("client_contact", args=[case.client_id])),
        ("post", reverse("client_contact_edit", args=[case.client_id, contact.pk])),
    ]


def test_a_client_page_is_404_to_other_teams_and_read_only_to_a_teammate(
    client, secret_case, outsider, teammate
):
    client.force_login(outsider)
    for method, url in client_urls(secret_case):
        response = getattr(client, method)(url, {"client-name": "Taken over"})
        assert response.status_code == 404, url
        assert SECRET_CLIENT not in body(response), url
    client.force_login(teammate)
    for method, url in client_urls(secret_case):
        expected = 200 if method == "get" else 403
        response = getattr(client, method)(url, {"client-name": "Taken over"})
        assert response.status_code == expected, url
    secret_case.client.refresh_from_db()
    assert secret_case.client.name == SECRET_CLIENT


def test_a_client_page_sends_logged_out_visitors_to_sign_in(client, secret_case):
    for method, url in client_urls(secret_case):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def import_urls(run) -> list[tuple[str, str]]:
    return [
        ("get", reverse("imports")),
        ("post", reverse("import_new")),
        ("get", reverse("import_detail", args=[run.pk])),
        ("get", reverse("import_progress", args=[run.pk])),
        ("post", reverse("import_confirm", args=[run.pk])),
    ]


@pytest.fixture
def secret_import(sales_manager, team):
    return ImportRun.objects.create(
        team=team,
        by=sales_manager,
        kind="clients",
        file_name="secret.csv",
        status="previewed",
        rows=[{"line": 2, "result": "new", "name": SECRET_CLIENT, "reason": ""}],
        total_rows=1,
        new_count=1,
    )


def test_an_import_is_404_to_account_managers_and_other_teams(
    client, secret_import, teammate, outsider, other_team
):
    olga = UserFactory(username="olga", role="sales_manager", teams=[other_team])
    for person in (teammate, outsider):
        client.force_login(person)
        for method, url in import_urls(secret_import):
            assert getattr(client, method)(url).status_code == 404, url
    client.force_login(olga)
    for method, url in import_urls(secret_import)[2:]:
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
        assert SECRET_CLIENT not in body(response)
    assert SECRET_CLIENT not in body(client.get(reverse("imports")))
    secret_import.refresh_from_db()
    assert secret_import.status == "previewed"


def test_imports_send_logged_out_visitors_to_sign_in(client, secret_import):
    for method, url in import_urls(secret_import):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
