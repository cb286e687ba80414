"""Every view in the URL configuration, tried by people who must not see a case.

The list of views comes from cases.urls itself: a new view that is not
classified here fails the suite until someone decides who may use it.
"""

from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, reverse
from rest_framework.test import APIClient

from cases import urls
from cases.casework.actions import ACTIONS
from cases.casework.services.attachments import attachment_add
from cases.casework.services.compensation import compensation_offer
from cases.choices import Step
from cases.models import ImportRun
from tests.casework.files import PDF, upload
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
# Single sign-on's start and the provider's way back: public, and 404 while
# no provider is configured (tests/accounts/test_single_sign_on.py).
SSO_VIEWS = {"oidc_authentication_init", "oidc_authentication_callback"}
# Pages a client opens from a signed link, without signing in: each shows
# only what its link names, sets no cookie and is not indexed (cases.links);
# their own tests try every kind of bad link (tests/public/).
PUBLIC_LINKS = {"promise_page"}
# Pages a client opens from a signed link (cases.links): no sign-in, the token
# is the key; each has its own tests (tests/public/), and a wrong token gets
# the gone page.
LINK_PAGES = {"check_in"}
# Views about one case: an outsider gets 404, a read-only teammate reads only.
CASE_VIEWS = {"case_detail", "case_action", "attachment_download"}
# Views that list or count cases: an outsider must find no trace of the case.
LISTING_VIEWS = {
    "home",
    "case_list",
    "case_export",
    "my_cases",
    "case_new",
    "client_history",
    "second_failure_warning",
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
# The emails that reached the reply mailbox but no case: administrators
# only (cases.access.reviews_replies); everyone else, managers too, gets 404.
ADMINISTRATOR_VIEWS = {"replies_review"}
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
    "api_tokens",
    # "Mark all read": the user's own notices.
    "notices_read",
}


# A person's own records by id: another person's id changes nothing
# (tests/api/test_tokens.py).
OWN_RECORDS = {"api_token_revoke"}
# The API (/api/v1/): the same rules, answered in JSON. About one case: an
# outsider gets 404, a read-only teammate reads and gets 403 on writes.
API_CASE_VIEWS = {
    "api-case-detail",
    "api-case-timeline",
    "api-case-advance",
    "api-case-send-back",
    "api-case-comments",
    "api-case-actions",
}
# Lists: an outsider finds no trace of the case.
API_LISTING_VIEWS = {"api-root", "api-case-list", "api-client-list"}
API_CLIENT_VIEWS = {"api-client-detail"}
# What the API is: its schema and docs, for anyone signed in.
API_DESCRIPTION = {"api_schema", "api_docs"}
# Every other address under /api/: a JSON 404 for anyone.
API_NOWHERE = {"api_not_found"}


def named_patterns(patterns=None) -> list[str]:
    """Every named view, in included URL configurations (the API's) too."""
    names = []
    for pattern in urls.urlpatterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            names += named_patterns(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            names.append(pattern.name)
    return names


def test_every_view_is_classified():
    known = PUBLIC | CASE_VIEWS | LISTING_VIEWS | OWN_ACCOUNT | TEAM_VIEWS
    known |= CLIENT_VIEWS | SSO_VIEWS | PUBLIC_LINKS | ADMINISTRATOR_VIEWS | LINK_PAGES
    known |= IMPORT_VIEWS
    known |= OWN_RECORDS | API_CASE_VIEWS | API_LISTING_VIEWS | API_CLIENT_VIEWS
    known |= API_DESCRIPTION | API_NOWHERE
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
    attachment_add(
        case_id=case.pk, by=account_manager, file=upload("Zanzibar contract.pdf", PDF)
    )
    return case


def case_urls(case) -> list[tuple[str, str]]:
    yield "get", reverse("case_detail", args=[case.pk])
    for attachment in case.attachments.all():
        yield "get", reverse("attachment_download", args=[case.pk, attachment.key])
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
        reverse("second_failure_warning") + f"?client={case.client_id}",
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
    private += [reverse("api_token_revoke", args=[1])]
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


def test_single_sign_on_views_are_not_there_without_a_provider(client, db):
    for name in SSO_VIEWS:
        assert client.get(reverse(name)).status_code == 404, name


def test_link_pages_without_a_valid_token_show_nothing(client, db):
    for name in LINK_PAGES:
        response = client.get(reverse(name, kwargs={"token": "forged"}))
        assert response.status_code == 404, name
        assert response.cookies == {}, name


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


def api_case_urls(case) -> list[tuple[str, str]]:
    base = f"/api/v1/cases/{case.pk}/"
    yield "get", base
    yield "get", base + "timeline/"
    for tail in ["advance/", "send-back/", "comments/"]:
        yield "post", base + tail
    for name in ACTIONS:
        yield "post", base + f"actions/{name}/"


def api_listing_urls(case) -> list[str]:
    return [
        "/api/v1/",
        "/api/v1/cases/",
        "/api/v1/cases/?q=Zanzibar",
        "/api/v1/cases/?status=open&sort=client",
        "/api/v1/clients/",
    ]


def test_every_api_view_is_tried_below():
    tried = {"api-case-detail", "api-case-timeline", "api-case-advance"}
    tried |= {"api-case-send-back", "api-case-comments", "api-case-actions"}
    tried |= {"api-root", "api-case-list", "api-client-list", "api-client-detail"}
    assert tried == API_CASE_VIEWS | API_LISTING_VIEWS | API_CLIENT_VIEWS


def test_the_api_answers_404_to_another_team_for_everything_about_the_case(
    secret_case, outsider, other_team
):
    manager = UserFactory(username="olga", role="sales_manager", teams=[other_team])
    for person in (outsider, manager):
        api = APIClient()
        api.force_authenticate(person)
        for method, url in api_case_urls(secret_case):
            assert getattr(api, method)(url, {}, format="json").status_code == 404, url
        detail = f"/api/v1/clients/{secret_case.client_id}/"
        assert api.get(detail).status_code == 404
        for url in api_listing_urls(secret_case):
            answer = api.get(url)
            assert answer.status_code == 200, url
            text = answer.content.decode()
            assert SECRET_CLIENT not in text and SECRET_TEXT not in text, url


def test_the_api_lets_a_teammate_read_the_case_and_refuses_every_change(
    secret_case, teammate
):
    api = APIClient()
    api.force_authenticate(teammate)
    for method, url in api_case_urls(secret_case):
        expected = 200 if method == "get" else 403
        answer = getattr(api, method)(url, {}, format="json")
        assert answer.status_code == expected, url
    assert SECRET_CLIENT in api.get("/api/v1/cases/").content.decode()


def test_the_api_and_its_description_refuse_anyone_not_signed_in(client, secret_case):
    api = APIClient()
    urls_ = [u for _, u in api_case_urls(secret_case)] + api_listing_urls(secret_case)
    urls_.append(f"/api/v1/clients/{secret_case.client_id}/")
    for url in urls_:
        assert api.get(url).status_code == 401, url
    assert api.get(reverse("api_schema")).status_code == 401
    docs = client.get(reverse("api_docs"))
    assert docs.status_code == 302
    assert docs["Location"].startswith(reverse("login"))


def test_an_address_the_api_does_not_have_is_a_json_404(secret_case, outsider):
    api = APIClient()
    for url in ["/api/v1/nothing/", f"/api/v1/cases/{secret_case.pk}.5/", "/api/x"]:
        answer = api.get(url)
        assert answer.status_code == 404, url
        assert answer["Content-Type"] == "application/json", url


def test_the_replies_review_is_404_to_everyone_but_administrators(
    client, team, account_manager, sales_manager, outsider, administrator
):
    url = reverse("replies_review")
    for person in (account_manager, sales_manager, outsider):
        client.force_login(person)
        assert client.get(url).status_code == 404, person
        assert client.post(url, {"mail": 1, "decision": "dismiss"}).status_code == 404
    client.force_login(administrator)
    assert client.get(url).status_code == 200


def test_the_replies_review_sends_logged_out_visitors_to_sign_in(client, db):
    for method in ("get", "post"):
        response = getattr(client, method)(reverse("replies_review"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


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
