"""The weekly digest to each sales manager: open, overdue and awaiting-approval
cases, second drops and repeat clients of their teams."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import dateformat

from cases import access
from cases.choices import Approval, NotificationKind, PromiseStatus, Step
from cases.hooks.chat import team_digests_record
from cases.models import (
    Case,
    Client,
    Compensation,
    Membership,
    OutboxMessage,
    Promise,
    User,
)
from cases.notifications.hours import MEMBERSHIP_CLOSURES, MailCalendars, is_open
from cases.notifications.moments import claim_rows, local_morning, wants
from cases.notifications.record import Owed, outbox_record

Kind = NotificationKind

# The digest: a client with this many cases in the window is a repeat.
REPEAT_CASES = 3
REPEAT_WINDOW = dt.timedelta(days=365)
# Lists in the digest show this many items; the counts are complete.
DIGEST_LIMIT = 25


def _digest_dedupe_key(key: str, user: User) -> str:
    # Only used to skip building digests already recorded; the unique key
    # still guards duplicates.
    return Owed(case=None, kind=Kind.WEEKLY_DIGEST, recipient=user, key=key).dedupe_key


def weekly_digests(now: dt.datetime) -> int:
    """To each active sales manager, once a week, on their digest day.

    Recorded from the manager's opening time on the digest day until that
    day ends (the day the manager chose, even a weekend one or a holiday);
    keyed by the ISO week there. One recorded outside the manager's working
    time is due at their next opening. Their calendar is the one of the team
    they joined first (their own hours, if set, in their zone).
    """
    weekday = now.astimezone(dt.UTC).weekday()
    # Any time zone is within a day of UTC.
    days = {(weekday + shift) % 7 for shift in (-1, 0, 1)}
    managers = claim_rows(
        User.objects.filter(
            access.sales_managers_q(), is_active=True, digest_day__in=days
        )
    ).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("team").order_by(
                "joined_at", "pk"
            ),
        ),
        MEMBERSHIP_CLOSURES,
    )
    calendars = MailCalendars()
    due = []
    for manager in managers:
        if not wants(manager, Kind.WEEKLY_DIGEST) or not manager.memberships.all():
            continue
        hours = calendars(manager)
        zone = hours.zone
        local = now.astimezone(zone)
        at = local_morning(local.date(), hours)
        if local.weekday() != manager.digest_day or now < at:
            continue
        year, week, _ = local.isocalendar()
        key = f"digest:{year}-W{week:02d}"
        if not is_open(hours, now):
            # After hours or on a day off: it waits for the next opening.
            at = hours.next_open(now)
        due.append((manager, zone, key, at))
    if not due:
        return 0
    recorded = set(
        OutboxMessage.objects.filter(
            dedupe_key__in=[_digest_dedupe_key(key, m) for m, _, key, _ in due]
        ).values_list("dedupe_key", flat=True)
    )
    due = [row for row in due if _digest_dedupe_key(row[2], row[0]) not in recorded]
    if not due:
        return 0
    team_ids = {m.team_id for manager, *_ in due for m in manager.memberships.all()}
    figures = team_figures(team_ids, now)
    owed = []
    for manager, zone, key, at in due:
        teams = [m.team for m in manager.memberships.all()]
        owed.append(
            Owed(
                case=None,
                kind=Kind.WEEKLY_DIGEST,
                recipient=manager,
                key=key,
                due_at=at,
                context=digest_context(
                    teams, figures, zone, week=key[len("digest:") :]
                ),
            )
        )
    # Each team's channel gets the team's own figures, once a week: due when
    # its first manager's digest is.
    teams_due = {}
    for manager, _zone, key, at in due:
        for membership in manager.memberships.all():
            team = membership.team
            if team.pk not in teams_due or at < teams_due[team.pk][1]:
                teams_due[team.pk] = (team, at, key[len("digest:") :])
    team_digests_record(teams_due.values(), figures)
    return outbox_record(owed)


def team_figures(team_ids, now: dt.datetime) -> dict[int, dict]:
    """Per team: open cases, and the overdue, awaiting approval, second-drop
    cases and repeat clients. Five queries for all the teams together."""
    figures = {
        team_id: {
            "open": 0,
            "overdue": [],
            "awaiting_approval": [],
            "second_drops": [],
            "repeat_clients": [],
        }
        for team_id in team_ids
    }
    open_cases = Case.objects.filter(team__in=team_ids).exclude(step=Step.CLOSED)
    for team_id, count in (
        open_cases.order_by().values_list("team").annotate(n=Count("id"))
    ):
        figures[team_id]["open"] = count
    listed = open_cases.select_related("client", "owner")
    for case in listed.filter(step_due_at__lt=now).order_by("step_due_at", "pk"):
        figures[case.team_id]["overdue"].append(case)
    # "Waiting for your approval": a manager's own offers wait for an
    # administrator, not for the managers reading this.
    pending = Compensation.objects.filter(
        access.sales_managers_decide_q(), case=OuterRef("pk"), approval=Approval.PENDING
    )
    for case in listed.filter(Exists(pending)).order_by("opened_at", "pk"):
        figures[case.team_id]["awaiting_approval"].append(case)
    missed = Promise.objects.filter(case=OuterRef("pk"), status=PromiseStatus.MISSED)
    second_drops = (
        listed.filter(Exists(missed))
        .annotate(
            missed=Count("promises", filter=Q(promises__status=PromiseStatus.MISSED))
        )
        .order_by("-missed", "opened_at", "pk")
    )
    for case in second_drops:
        figures[case.team_id]["second_drops"].append(case)
    repeat = (
        Client.objects.filter(team__in=team_ids)
        .annotate(
            recent=Count("cases", filter=Q(cases__opened_at__gte=now - REPEAT_WINDOW))
        )
        .filter(recent__gte=REPEAT_CASES)
        .order_by("-recent", "name", "pk")
    )
    for client in repeat:
        figures[client.team_id]["repeat_clients"].append(client)
    return figures


def _case_item(case: Case, zone: ZoneInfo) -> dict:
    item = {
        "id": case.pk,
        "url": f"{settings.SITE_URL}{case.get_absolute_url()}",
        "client": str(case.client),
        "commitment": case.commitment,
        "owner": str(case.owner),
        "step": case.step_label,
    }
    if case.step_due_at is not None:
        # The digest names the time zone once, above the lists.
        local = case.step_due_at.astimezone(zone)
        item["due_text"] = dateformat.format(local, "D j M H:i")
    if hasattr(case, "missed"):
        item["missed"] = case.missed
    return item


def digest_context(teams, figures: dict, zone: ZoneInfo, *, week: str) -> dict:
    """The digest's figures for one manager's teams, ready for JSON."""
    merged = defaultdict(list)
    open_count = 0
    for team in teams:
        team_figures = figures[team.pk]
        open_count += team_figures["open"]
        for name in ("overdue", "awaiting_approval", "second_drops"):
            merged[name].extend(team_figures[name])
        merged["repeat_clients"].extend(team_figures["repeat_clients"])
    context = {
        "week": week,
        "teams": [team.name for team in teams],
        "time_zone": zone.key,
        "open_count": open_count,
    }
    orders = {
        "overdue": lambda c: (c.step_due_at, c.pk),
        "awaiting_approval": lambda c: (c.opened_at, c.pk),
        "second_drops": lambda c: (-c.missed, c.opened_at, c.pk),
    }
    for name, order in orders.items():
        cases = sorted(merged[name], key=order)
        context[f"{name}_count"] = len(cases)
        context[name] = [_case_item(case, zone) for case in cases[:DIGEST_LIMIT]]
    clients = sorted(merged["repeat_clients"], key=lambda c: (-c.recent, c.name))
    context["repeat_clients_count"] = len(clients)
    context["repeat_clients"] = [
        {"id": client.pk, "name": client.name, "cases": client.recent}
        for client in clients[:DIGEST_LIMIT]
    ]
    return context
