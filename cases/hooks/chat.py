"""Posting a team's notifications to its Slack or Microsoft Teams channel.

Which kinds may go there is cases.choices.CHAT_KINDS; a team picks among them
(Team.chat_kinds) and gives a Slack incoming webhook and/or a Teams
workflow's webhook address. Recorded from one place, the outbox's
outbox_record: every email of a routed kind about a case brings one post per
team and channel (keyed without the recipient, so five managers' emails make
one post), in the same transaction. The weekly digest is posted per team
from the digest's own sweep. Posted through the HTTP delivery table
(cases.hooks.deliver) like webhooks, with its retries.
"""

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases.choices import CHAT_KINDS, DeliveryChannel, NotificationKind, OutboxStatus
from cases.hooks.deliver import dispatch_after_commit
from cases.models import Case, HttpDelivery, Team

Kind = NotificationKind
CHANNELS = {
    DeliveryChannel.SLACK: "slack_webhook_url",
    DeliveryChannel.TEAMS: "teams_webhook_url",
}
# Cases listed by name in a digest post; the counts are complete.
DIGEST_CASES = 10


def masked(address: str) -> str:
    """An address as the log and the team page show it: the host only (a
    chat webhook's path is what lets anyone post)."""
    if not address:
        return ""
    parts = urlsplit(address)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def chat_posts_record(owed: Iterable) -> int:
    """For each owed email (cases.notifications.record.Owed) of a kind in
    CHAT_KINDS about a case, a post to each channel of the case's team that
    routes that kind; how many were recorded. One query for the teams, one
    for the keys already recorded, one INSERT."""
    routed = [m for m in owed if m.case is not None and m.kind in CHAT_KINDS]
    if not routed:
        return 0
    teams = _routing_teams({m.case.team_id for m in routed})
    if not teams:
        return 0
    posts: dict[str, HttpDelivery] = {}
    for message in routed:
        team = teams.get(message.case.team_id)
        if team is None or message.kind not in (team.chat_kinds or []):
            continue
        title, lines = case_text(message.case, message.kind, message.context)
        link = case_link(message.case)
        for channel in _channels(team):
            key = f"chat:{channel}:case:{message.case.pk}:{message.kind}:{message.key}"
            posts.setdefault(
                key,
                HttpDelivery(
                    channel=channel,
                    team=team,
                    case=message.case,
                    event=message.kind,
                    dedupe_key=key,
                    payload=chat_payload(channel, title, lines, link, "Open the case"),
                    due_at=message.due_at or timezone.now(),
                ),
            )
    return _record(posts)


def team_digests_record(teams_due: Iterable, figures: dict) -> int:
    """The week's digest to each channel of each team in `teams_due` ((team,
    due_at, ISO week) triples: when and for which week its first manager's
    digest is due) that routes it; `figures` as
    cases.notifications.digest.team_figures gives them."""
    teams_due = list(teams_due)
    teams = _routing_teams({team.pk for team, _, _ in teams_due})
    posts: dict[str, HttpDelivery] = {}
    for team_row, due_at, week in teams_due:
        team = teams.get(team_row.pk)
        if team is None or Kind.WEEKLY_DIGEST not in (team.chat_kinds or []):
            continue
        title, lines = digest_text(team, figures[team.pk], week)
        link = f"{settings.SITE_URL}{reverse('home')}"
        for channel in _channels(team):
            key = f"chat:{channel}:team:{team.pk}:digest:{week}"
            posts.setdefault(
                key,
                HttpDelivery(
                    channel=channel,
                    team=team,
                    event=Kind.WEEKLY_DIGEST,
                    dedupe_key=key,
                    payload=chat_payload(channel, title, lines, link, "Open Mend"),
                    due_at=due_at,
                ),
            )
    return _record(posts)


def chat_posts_withdraw(*, case: Case, kind: str, reason: str) -> int:
    """Skip the posts of `kind` about `case` not sent yet (a case logged
    again on purpose: the channel heard of the first one)."""
    return (
        HttpDelivery.objects.filter(case=case, event=kind, status=OutboxStatus.PENDING)
        .exclude(channel=DeliveryChannel.WEBHOOK)
        .update(status=OutboxStatus.SKIPPED, last_error=reason)
    )


def _routing_teams(team_ids: set[int]) -> dict[int, Team]:
    rows = Team.objects.filter(pk__in=team_ids).exclude(
        slack_webhook_url="", teams_webhook_url=""
    )
    return {team.pk: team for team in rows}


def _channels(team: Team) -> list[str]:
    return [channel for channel, field in CHANNELS.items() if getattr(team, field)]


def _record(posts: dict[str, HttpDelivery]) -> int:
    if not posts:
        return 0
    recorded = set(
        HttpDelivery.objects.filter(dedupe_key__in=list(posts)).values_list(
            "dedupe_key", flat=True
        )
    )
    rows = [row for key, row in posts.items() if key not in recorded]
    HttpDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        dispatch_after_commit()
    return len(rows)


# What a post says.


def case_link(case: Case) -> str:
    return f"{settings.SITE_URL}{case.get_absolute_url()}"


def case_text(case: Case, kind: str, context: dict) -> tuple[str, list[str]]:
    """A post's title and lines about one case."""
    client = case.client.name
    step = case.step_label
    titles = {
        Kind.CASE_LOGGED: f"New dropped ball for {client}",
        Kind.STEP_ESCALATION: f"Overdue: {client}'s case passed its {step} target",
        Kind.STEP_SECOND_ESCALATION: (
            f"Still overdue: {client}'s case is well past its {step} target"
        ),
        Kind.SECOND_DROP: f"Second drop: a promise to {client} was missed",
    }
    title = titles.get(kind) or f"{Kind(kind).label}: {client}"
    lines = [
        f"Case {case.pk}: {case.commitment}",
        f"Severity: {case.get_severity_display()}. Step: {step}. Owner: {case.owner}.",
    ]
    if context.get("promise"):
        lines.append(f"Missed promise: {context['promise']}")
    if context.get("step_due_text"):
        lines.append(f"Target was {context['step_due_text']}.")
    return title, lines


def digest_text(team: Team, figures: dict, week: str) -> tuple[str, list[dict | str]]:
    """The digest post's title, counts and the overdue cases with links."""
    overdue = figures["overdue"]
    lines: list = [
        f"{figures['open']} open, {len(overdue)} overdue, "
        f"{len(figures['awaiting_approval'])} awaiting approval, "
        f"{len(figures['second_drops'])} with a second drop.",
    ]
    if overdue:
        lines.append("Overdue:")
        lines += [
            {
                "text": f"Case {case.pk}: {case.client} ({case.step_label})",
                "url": case_link(case),
            }
            for case in overdue[:DIGEST_CASES]
        ]
        if len(overdue) > DIGEST_CASES:
            lines.append(f"… and {len(overdue) - DIGEST_CASES} more.")
    return f"Weekly digest for {team.name}, {week}", lines


def chat_payload(channel: str, title: str, lines: list, link: str, label: str) -> dict:
    if channel == DeliveryChannel.SLACK:
        return slack_payload(title, lines, link, label)
    return teams_payload(title, lines, link, label)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(title: str, lines: list, link: str, label: str) -> dict:
    """An incoming webhook's message: `text` (notifications and clients
    without blocks) and a section with a button to the link."""
    shown = []
    for line in lines:
        if isinstance(line, dict):
            shown.append(f"• <{line['url']}|{_slack_escape(line['text'])}>")
        else:
            shown.append(_slack_escape(line))
    body = f"*{_slack_escape(title)}*\n" + "\n".join(shown)
    return {
        "text": f"{title}: {link}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": label},
                        "url": link,
                    }
                ],
            },
        ],
    }


def _markdown_escape(text: str) -> str:
    for mark in ("\\", "[", "]", "*", "_"):
        text = text.replace(mark, "\\" + mark)
    return text


def teams_payload(title: str, lines: list, link: str, label: str) -> dict:
    """A Teams workflow webhook's message: one Adaptive Card with the text
    and a button to the link."""
    body = [
        {
            "type": "TextBlock",
            "text": _markdown_escape(title),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    for line in lines:
        if isinstance(line, dict):
            text = f"- [{_markdown_escape(line['text'])}]({line['url']})"
        else:
            text = _markdown_escape(line)
        body.append({"type": "TextBlock", "text": text, "wrap": True})
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                    "actions": [
                        {"type": "Action.OpenUrl", "title": label, "url": link}
                    ],
                },
            }
        ],
    }
