"""The administrators' side of webhooks and chat: registering an endpoint
(with its secret shown), the delivery log with Retry, a team's chat routes;
nobody else reaches any of it, and no secret shows in the log."""

import pytest
from django.urls import reverse

from cases.choices import NotificationKind, OutboxStatus, Role, WebhookEvent
from cases.models import HttpDelivery, Team, WebhookEndpoint
from tests.factories import UserFactory, make_case
from tests.hooks.conftest import deliver_due, endpoint_for

pytestmark = pytest.mark.django_db

SLACK = "http://127.0.0.1:9/services/T0SECRET/B0SECRET/xoxbSECRETPATH"


def changelist(model: str) -> str:
    return reverse(f"admin:cases_{model}_changelist")


@pytest.fixture
def failed(receivers, account_manager, sales_manager):
    """A delivery that gave up, to a receiver that now answers."""
    receiver = receivers()
    endpoint_for(receiver, events=[WebhookEvent.CASE_LOGGED])
    make_case(account_manager)
    delivery = HttpDelivery.objects.get()
    HttpDelivery.objects.update(
        status=OutboxStatus.FAILED, attempts=8, last_error="Gave up after 8 attempts."
    )
    delivery.receiver = receiver
    return delivery


def test_only_administrators_reach_endpoints_and_the_log(
    client, team, account_manager, sales_manager, administrator, failed
):
    staff_manager = UserFactory(
        username="stan", role=Role.SALES_MANAGER, teams=[team], is_staff=True
    )
    endpoint = WebhookEndpoint.objects.get()
    urls = [
        changelist("webhookendpoint"),
        reverse("admin:cases_webhookendpoint_add"),
        reverse("admin:cases_webhookendpoint_change", args=[endpoint.pk]),
        changelist("httpdelivery"),
        reverse("admin:cases_httpdelivery_change", args=[failed.pk]),
    ]
    retry = reverse("admin:cases_httpdelivery_retry", args=[failed.pk])
    for person in (account_manager, sales_manager, staff_manager):
        client.force_login(person)
        for url in [*urls, retry]:
            response = client.get(url)
            assert response.status_code == 302, (person, url)
            assert response["Location"].startswith(reverse("admin:login"))
        assert client.post(retry).status_code == 302
    assert HttpDelivery.objects.get().status == OutboxStatus.FAILED
    client.force_login(administrator)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_registering_an_endpoint_shows_its_signing_secret(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:cases_webhookendpoint_add"),
        {
            "name": "Support desk",
            "url": "https://desk.example.com/mend",
            "events": [WebhookEvent.CASE_LOGGED, WebhookEvent.CASE_CLOSED],
            "active": "on",
        },
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["case.logged", "case.closed"]
    assert endpoint.secret.startswith("whsec_")
    html = response.content.decode()
    assert endpoint.secret in html
    assert "Copy its signing secret below" in html
    # The list shows where, not the whole address.
    listing = client.get(changelist("webhookendpoint")).content.decode()
    assert "https://desk.example.com/…" in listing
    assert endpoint.secret not in listing


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://desk.example.com/mend", "Use an https:// address"),
        (
            "ftp://desk.example.com/mend",
            "Enter the full address, starting with https://.",
        ),
        ("https://user:pw@desk.example.com/", "Leave the user name and password"),
    ],
)
def test_an_endpoint_address_is_checked(client, administrator, url, message):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:cases_webhookendpoint_add"),
        {"name": "Desk", "url": url, "events": [WebhookEvent.CASE_LOGGED]},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_needs_an_event_and_may_be_local_over_http(client, administrator):
    client.force_login(administrator)
    add = reverse("admin:cases_webhookendpoint_add")
    response = client.post(add, {"name": "Desk", "url": "http://localhost:8081/x"})
    assert "Choose at least one event to send." in response.content.decode()
    client.post(
        add,
        {
            "name": "Desk",
            "url": "http://localhost:8081/x",
            "events": [WebhookEvent.CHECK_IN_ANSWERED],
        },
    )
    assert WebhookEndpoint.objects.get().url == "http://localhost:8081/x"


def test_retry_from_the_log_sends_the_same_message_once(client, administrator, failed):
    client.force_login(administrator)
    page = reverse("admin:cases_httpdelivery_change", args=[failed.pk])
    assert "Retry this delivery" in client.get(page).content.decode()
    retry = reverse("admin:cases_httpdelivery_retry", args=[failed.pk])
    first = client.post(retry, follow=True).content.decode()
    assert "1 failed delivery(ies) queued for one more attempt." in first
    # The double click: nothing more is queued.
    second = client.post(retry, follow=True).content.decode()
    assert "Nothing to retry" in second
    assert "Retry this delivery" not in second
    assert HttpDelivery.objects.count() == 1
    assert deliver_due() == [OutboxStatus.SENT]
    assert deliver_due() == []
    [received] = failed.receiver.received
    assert received.headers["webhook-id"] == failed.message_id
    assert not received.problem


def test_the_retry_action_in_the_list_skips_what_did_not_fail(
    client, administrator, failed
):
    client.force_login(administrator)
    sent = HttpDelivery.objects.create(
        channel="webhook",
        endpoint=failed.endpoint,
        event="case.closed",
        dedupe_key="sent-one",
        status=OutboxStatus.SENT,
    )
    response = client.post(
        changelist("httpdelivery"),
        {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
        follow=True,
    )
    assert "1 failed delivery(ies) queued" in response.content.decode()
    statuses = dict(HttpDelivery.objects.values_list("pk", "status"))
    assert statuses == {failed.pk: OutboxStatus.PENDING, sent.pk: OutboxStatus.SENT}


def test_the_log_filters_and_shows_no_secret(
    client, administrator, team, account_manager, sales_manager, failed
):
    Team.objects.filter(pk=team.pk).update(slack_webhook_url=SLACK)
    make_case(account_manager)
    chat = HttpDelivery.objects.get(channel="slack")
    client.force_login(administrator)
    listing = client.get(changelist("httpdelivery")).content.decode()
    assert "Enterprise on Slack" in listing and "CRM" in listing
    by_status = client.get(changelist("httpdelivery") + "?status=failed")
    assert list(by_status.context["cl"].result_list) == [
        HttpDelivery.objects.get(pk=failed.pk)
    ]
    by_team = client.get(changelist("httpdelivery") + f"?team__id__exact={team.pk}")
    assert [d.pk for d in by_team.context["cl"].result_list] == [chat.pk]
    pages = [
        listing,
        client.get(
            reverse("admin:cases_httpdelivery_change", args=[chat.pk])
        ).content.decode(),
        client.get(
            reverse("admin:cases_httpdelivery_change", args=[failed.pk])
        ).content.decode(),
    ]
    secret = failed.endpoint.secret
    for html in pages:
        assert "SECRET" not in html
        assert secret not in html


def test_the_log_counts_its_queries(
    client, administrator, django_assert_max_num_queries, failed
):
    for n in range(30):
        HttpDelivery.objects.create(
            channel="webhook",
            endpoint=failed.endpoint,
            case=failed.case,
            event="case.step_changed",
            dedupe_key=f"more-{n}",
        )
    client.force_login(administrator)
    with django_assert_max_num_queries(12):
        assert client.get(changelist("httpdelivery")).status_code == 200


def test_a_team_routes_chat_without_its_address_ever_shown_back(
    client, administrator, team
):
    client.force_login(administrator)
    page = reverse("admin:cases_team_change", args=[team.pk])
    form = client.get(page).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name in form.fields
    }
    data.update(
        {
            "name": team.name,
            "work_start": "09:00",
            "work_end": "17:30",
            "slack_webhook_url": "http://hooks.slack.com/services/T/B/X",
            "chat_kinds": [NotificationKind.CASE_LOGGED],
            "step_targets-TOTAL_FORMS": "0",
            "step_targets-INITIAL_FORMS": "0",
            "closure_days-TOTAL_FORMS": "0",
            "closure_days-INITIAL_FORMS": "0",
        }
    )
    data.pop("second_escalation_to", None)
    refused = client.post(page, data)
    assert "Use an https:// address" in refused.content.decode()

    data["slack_webhook_url"] = "https://hooks.slack.com/services/T1/B2/SECRETPATH"
    saved = client.post(page, data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    team.refresh_from_db()
    assert team.slack_webhook_url.endswith("/SECRETPATH")
    assert team.chat_kinds == ["case_logged"]
    html = client.get(page).content.decode()
    assert "SECRETPATH" not in html
    assert "Saved: https://hooks.slack.com/… (hidden)" in html

    # Saved again without typing it: kept. Ticked off: removed.
    data["slack_webhook_url"] = ""
    assert client.post(page, data).status_code == 302
    team.refresh_from_db()
    assert team.slack_webhook_url.endswith("/SECRETPATH")
    data["clear_slack"] = "on"
    assert client.post(page, data).status_code == 302
    team.refresh_from_db()
    assert team.slack_webhook_url == ""


def test_a_test_event_checks_an_endpoint_through_the_log(
    client, administrator, receivers
):
    receiver = receivers()
    endpoint = endpoint_for(receiver, name="Desk")
    off = endpoint_for(receivers(), name="Old desk", active=False)
    client.force_login(administrator)
    response = client.post(
        changelist("webhookendpoint"),
        {"action": "send_test", "_selected_action": [endpoint.pk, off.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert "A test event is on its way to 1 endpoint(s)" in html
    assert "1 switched off, not sent." in html
    assert deliver_due() == [OutboxStatus.SENT]
    [payload] = receiver.payloads()
    assert payload["type"] == "mend.test"
    assert payload["data"] == {"endpoint": "Desk"}
