"""Reads for views: scoped by the user, prefetched so query counts stay flat."""

import datetime as dt

from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import (
    Apology,
    Case,
    Client,
    ClientContact,
    FollowUpStatus,
    Promise,
    PromiseStatus,
    TimelineEntry,
    User,
)


def _with_list_figures(cases: QuerySet) -> QuerySet:
    return cases.select_related("client", "owner", "team").annotate(
        next_follow_up=Min(
            "follow_ups__due_on",
            filter=Q(follow_ups__status=FollowUpStatus.SCHEDULED),
        ),
        next_promise=Min(
            "promises__due_on", filter=Q(promises__status=PromiseStatus.OPEN)
        ),
        second_drops=Count(
            "promises", filter=Q(promises__status=PromiseStatus.MISSED), distinct=True
        ),
    )


def cases_owned_by(user: User) -> QuerySet:
    """The user's open cases, for "My cases"."""
    cases = Case.objects.for_user(user, "work").open().filter(owner=user)
    return _with_list_figures(cases).order_by("-second_drops", "step_entered_at")


def team_open_cases(user: User) -> QuerySet:
    """Open cases the user may see but does not own: their team's."""
    cases = Case.objects.for_user(user, "view").open().exclude(owner=user)
    return _with_list_figures(cases).order_by("-second_drops", "step_entered_at")


def case_for_page(user: User, pk: int) -> Case:
    """One case with everything its page shows. Case.DoesNotExist if not visible."""
    return (
        Case.objects.for_user(user, "view")
        .select_related("client", "owner", "team", "updated_by")
        .prefetch_related(
            "contacts",
            "parts",
            "root_cause_answers",
            "options",
            Prefetch(
                "client_contacts",
                queryset=ClientContact.objects.select_related(
                    "logged_by"
                ).prefetch_related("people"),
            ),
            Prefetch("apologies", queryset=Apology.objects.select_related("contact")),
            "compensations__decided_by",
            "follow_ups",
            Prefetch("promises", queryset=Promise.objects.select_related("made_by")),
            Prefetch(
                "timeline", queryset=TimelineEntry.objects.select_related("actor")
            ),
            "client__contacts",
        )
        .get(pk=pk)
    )


def may(user: User, case: Case, action: str) -> bool:
    return Case.objects.for_user(user, action).filter(pk=case.pk).exists()


def client_history(user: User, client: Client, *, exclude: int | None = None) -> dict:
    """The client's dropped balls in the last twelve months, with causes and lessons."""
    since = timezone.now() - dt.timedelta(days=365)
    cases = (
        Case.objects.for_user(user, "view")
        .filter(client=client, opened_at__gte=since)
        .exclude(pk=exclude)
        .select_related("owner")
        .prefetch_related("parts")
        .order_by("-opened_at")
    )
    cases = list(cases)
    return {"client": client, "cases": cases, "count": len(cases)}


def visible_client(user: User, pk) -> Client | None:
    return Client.objects.for_user(user).filter(pk=pk).first()


def home_figures(user: User) -> dict:
    """The few numbers the home page leads with."""
    visible = Case.objects.for_user(user, "view").open()
    mine = visible.filter(owner=user)
    return {
        "my_open": mine.count(),
        "my_second_drops": Promise.objects.filter(
            case__in=mine, status=PromiseStatus.MISSED
        ).count(),
        "team_open": visible.count(),
        "awaiting_approval": list(
            Case.objects.for_user(user, "manage")
            .filter(compensations__approval="pending")
            .select_related("client")
            .distinct()
            .order_by("opened_at")[:10]
        ),
    }
