"""Slack and Microsoft Teams (issue 21, item 4): a team's manager alerts,
escalations, second drops and weekly digest are posted to its channels as
well as emailed, each with a link to the case, once per team; a team
without routes posts nothing.

London is on GMT in November 2026; 23 Nov is a Monday. A case logged at
10:00 passes its Acknowledge target at 12:00 and goes up a second time on
Tuesday at 11:30 (as in tests/notifications/test_escalation_ladder.py).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from cases.casework.services import promises
from cases.choices import DeliveryChannel, NotificationKind, OutboxStatus, Role
from cases.models import HttpDelivery, OutboxMessage, Team
from cases.notifications.due import sweep_due
from tests.factories import UserFactory, make_case
from tests.hooks.conftest import deliver_due

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
K = NotificationKind
MONDAY_TEN = dt.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
TARGET = dt.datetime(2026, 11, 23, 12, 0, tzinfo=LONDON)
LATE = dt.datetime(2026, 11, 24, 11, 30, tzinfo=LONDON)
WEDNESDAY_NINE = dt.datetime(2026, 11, 25, 9, 0, tzinfo=LONDON)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(MONDAY_TEN, tick=False)
    return time_machine


@pytest.fixture
def chats(receivers, team):
    """The team's Slack and Teams channels: one receiver each."""
    slack, teams = receivers(), receivers()
    Team.objects.filter(pk=team.pk).update(
        slack_webhook_url=slack.url + "/T000/B000/slacksecret",
        teams_webhook_url=teams.url + "/workflows/teamssecret",
    )
    return slack, teams


def post_all() -> None:
    assert set(deliver_due()) <= {OutboxStatus.SENT}


def slack_links(payload: dict) -> list[str]:
    [section, actions] = payload["blocks"]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    return [element["url"] for element in actions["elements"]]


def teams_card(payload: dict) -> dict:
    assert payload["type"] == "message"
    [attachment] = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    return card


def test_every_routed_kind_reaches_both_channels_with_the_case_link(
    clock, chats, team, account_manager, sales_manager, administrator, settings
):
    slack, teams = chats
    second_manager = UserFactory(username="sue", role=Role.SALES_MANAGER, teams=[team])
    second_manager.digest_day = sales_manager.digest_day = 2  # Wednesday
    second_manager.save()
    sales_manager.save()
    case = make_case(account_manager)
    link = f"{settings.SITE_URL}/cases/{case.pk}/"
    post_all()

    clock.move_to(TARGET, tick=False)
    sweep_due()
    post_all()
    clock.move_to(LATE, tick=False)
    sweep_due()
    post_all()
    promise = promises.promise_make(
        case_id=case.pk,
        by=account_manager,
        description="Send the new trainer's CV",
        due_on=LATE.date(),
    )
    promises.promise_settle(
        case_id=case.pk, by=account_manager, promise_id=promise.pk, kept=False
    )
    post_all()
    clock.move_to(WEDNESDAY_NINE, tick=False)
    sweep_due()
    post_all()

    # Two managers were emailed each time; the channel heard once.
    assert OutboxMessage.objects.filter(kind=K.CASE_LOGGED).count() == 2
    kinds = list(
        HttpDelivery.objects.filter(channel=DeliveryChannel.SLACK)
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert kinds == [
        K.CASE_LOGGED,
        K.STEP_ESCALATION,
        K.STEP_SECOND_ESCALATION,
        K.SECOND_DROP,
        K.WEEKLY_DIGEST,
    ]
    assert len(slack.received) == len(teams.received) == 5
    assert {r.path for r in slack.received} == {"/hooks/mend/T000/B000/slacksecret"}
    assert {r.path for r in teams.received} == {"/hooks/mend/workflows/teamssecret"}

    *about_case, digest = slack.payloads()
    titles = [p["text"] for p in about_case]
    assert titles[0].startswith(f"New dropped ball for {case.client.name}: ")
    assert titles[1].startswith("Overdue: ")
    assert titles[2].startswith("Still overdue: ")
    assert titles[3].startswith("Second drop: ")
    for payload in about_case:
        assert payload["text"].endswith(link)
        assert slack_links(payload) == [link]
    assert "Send the new trainer's CV" in about_case[3]["blocks"][0]["text"]["text"]
    assert digest["text"].startswith("Weekly digest for Enterprise, 2026-W48")
    assert f"<{link}|Case {case.pk}: " in digest["blocks"][0]["text"]["text"]

    *about_case, digest = teams.payloads()
    for payload in about_case:
        card = teams_card(payload)
        assert card["actions"] == [
            {"type": "Action.OpenUrl", "title": "Open the case", "url": link}
        ]
    texts = [block["text"] for block in teams_card(digest)["body"]]
    assert any(f"]({link})" in text for text in texts)


def test_a_team_without_routes_posts_nothing(
    clock, chats, other_team, outsider, account_manager, sales_manager
):
    UserFactory(username="olga", role=Role.SALES_MANAGER, teams=[other_team])
    # Enterprise's digest (its manager's day is Monday) would go to its chat.
    sales_manager.digest_day = 4
    sales_manager.save()
    make_case(outsider)
    clock.move_to(TARGET, tick=False)
    sweep_due()
    post_all()
    slack, teams = chats
    assert slack.received == [] and teams.received == []
    assert not HttpDelivery.objects.exists()
    assert OutboxMessage.objects.filter(kind=K.STEP_ESCALATION).exists()


def test_a_team_posts_only_the_kinds_it_chose_and_only_where_it_has_an_address(
    clock, receivers, team, account_manager, sales_manager
):
    slack = receivers()
    Team.objects.filter(pk=team.pk).update(
        slack_webhook_url=slack.url, chat_kinds=[K.STEP_ESCALATION]
    )
    make_case(account_manager)
    clock.move_to(TARGET, tick=False)
    sweep_due()
    post_all()
    assert [p["text"].split(":")[0] for p in slack.payloads()] == ["Overdue"]
    assert list(HttpDelivery.objects.values_list("channel", flat=True)) == ["slack"]


def test_a_route_removed_before_the_post_goes_skips_it(
    clock, chats, team, account_manager, sales_manager
):
    make_case(account_manager)
    Team.objects.filter(pk=team.pk).update(teams_webhook_url="")
    deliver_due()
    outcomes = dict(HttpDelivery.objects.values_list("channel", "status"))
    assert outcomes == {"slack": OutboxStatus.SENT, "teams": OutboxStatus.SKIPPED}
    slack, teams = chats
    assert len(slack.received) == 1 and teams.received == []
    skipped = HttpDelivery.objects.get(channel="teams")
    assert skipped.last_error == "The team has no Microsoft Teams address now."


def test_a_chat_that_refuses_is_retried_and_its_error_names_no_address(
    clock, receivers, team, account_manager, sales_manager
):
    slack = receivers(answers=[404])
    Team.objects.filter(pk=team.pk).update(
        slack_webhook_url=slack.url + "/T/B/slacksecret"
    )
    make_case(account_manager)
    assert deliver_due() == [OutboxStatus.PENDING]
    delivery = HttpDelivery.objects.get()
    assert (delivery.status, delivery.last_status) == (OutboxStatus.PENDING, 404)
    assert "slacksecret" not in delivery.last_error
    assert delivery.last_error == "HTTP 404: receiver says no"
