"""Reads for the case page and My cases: scoped by the user, prefetched so
query counts stay flat."""

import datetime as dt

from django.db.models import (
    Count,
    Exists,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from cases import access
from cases.access import ALL, NONE
from cases.calendar import (
    factor_words,
    holiday_countries,
    holiday_region_name,
    holiday_subdivisions,
    public_holidays,
    user_zone,
)
from cases.choices import (
    FollowUpStatus,
    NotificationKind,
    OurPart,
    PromiseStatus,
    SecondFailureMeasure,
    SecondFailureReason,
    Severity,
    Step,
)
from cases.links import EXPIRED, UNKNOWN, LinkGone
from cases.models import (
    Apology,
    Attachment,
    Case,
    CheckIn,
    Client,
    ClientContact,
    Compensation,
    Confirmation,
    FollowUp,
    ProgressReport,
    Promise,
    PromiseShare,
    StepPause,
    Team,
    TimelineEntry,
    User,
)
from cases.notifications.progress import (
    REMINDED_STEPS,
    case_report_due_on,
    with_report_clock,
)


def with_list_figures(cases: QuerySet) -> QuerySet:
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


def cases_owned_by(user: User, *, closed: bool = False) -> QuerySet:
    """The user's open cases, for "My cases"; with `closed`, their closed
    ones instead, the latest closed first (index case_owner_closed)."""
    mine = Case.objects.for_user(user, "work").filter(owner=user)
    if closed:
        return (
            mine.filter(step=Step.CLOSED)
            .select_related("client", "team")
            .order_by("-closed_at", "-pk")
        )
    return with_list_figures(mine.open()).order_by("-second_drops", "step_entered_at")


def owned_counts(user: User) -> dict:
    """How many open and closed cases the user owns, in one query."""
    closed = Q(step=Step.CLOSED)
    return (
        Case.objects.for_user(user, "work")
        .filter(owner=user)
        .aggregate(open=Count("pk", filter=~closed), closed=Count("pk", filter=closed))
    )


def team_open_cases(user: User) -> QuerySet:
    """Open cases the user may see but does not own: their team's."""
    cases = Case.objects.for_user(user, "view").open().exclude(owner=user)
    return with_list_figures(cases).order_by("-second_drops", "step_entered_at")


def case_for_page(user: User, pk: int) -> Case:
    """One case with everything its page shows. Case.DoesNotExist if not visible.

    `may_work` and `may_manage` say whether the user may work on the case and
    manage it, asked in the same query (the rules stay in for_user); each
    compensation's `may_decide` whether its author leaves the decision to
    this user (four eyes, see access). Each record table is read once,
    however many records the case has.
    """
    cases = with_report_clock(Case.objects.for_user(user, "view"))
    return (
        cases.annotate(
            may_work=_allowed(user, "work"), may_manage=_allowed(user, "manage")
        )
        .select_related("client", "owner", "team")
        .prefetch_related(
            # The team's calendar: the step's clock and the apology timings.
            "team__closure_days",
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
            Prefetch(
                "compensations",
                queryset=Compensation.objects.select_related(
                    "decided_by", "offered_by"
                ).with_may_decide(user),
            ),
            "follow_ups",
            Prefetch("promises", queryset=Promise.objects.select_related("made_by")),
            Prefetch(
                "timeline",
                queryset=TimelineEntry.objects.select_related("actor").prefetch_related(
                    "attachments"
                ),
            ),
            Prefetch(
                "attachments",
                queryset=Attachment.objects.select_related(
                    "uploaded_by", "contact", "compensation"
                ),
            ),
            Prefetch(
                "pauses",
                queryset=StepPause.objects.filter(period__completed_at__isnull=True),
                to_attr="visit_pauses",
            ),
            Prefetch("check_ins", queryset=CheckIn.objects.select_related("contact")),
            Prefetch(
                "promise_shares",
                queryset=PromiseShare.objects.select_related(
                    "created_by", "revoked_by"
                ),
            ),
            Prefetch(
                "confirmations",
                queryset=Confirmation.objects.select_related(
                    "sent_by"
                ).prefetch_related("contacts"),
            ),
            Prefetch(
                "progress_reports",
                queryset=ProgressReport.objects.select_related(
                    "sent_by"
                ).prefetch_related("people"),
            ),
        )
        .get(pk=pk)
    )


def _allowed(user: User, action: str):
    """True where the user may take `action` on the outer case."""
    reach = Case.objects.reach(user, action)
    if reach == NONE:
        return Value(False)
    if reach == ALL:
        return Value(True)
    return Exists(Case.objects.reached(reach, user).filter(pk=OuterRef("pk")))


def attachment_for_user(user: User, case_pk: int, key) -> Attachment:
    """One file of a case the user may see; Attachment.DoesNotExist otherwise
    (another team's file is not found, whatever its key)."""
    visible = Case.objects.for_user(user, "view").filter(pk=case_pk)
    return Attachment.objects.get(case__in=visible, key=key)


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


def home_figures(user: User) -> dict:
    """The few numbers the home page leads with."""
    mine = Case.objects.for_user(user, "work").open().filter(owner=user)
    now, today = timezone.now(), timezone.localdate()
    needs_you = [
        case
        for case in cases_owned_by(user)
        if (case.step_due_at and case.step_due_at < now)
        or (case.next_promise and case.next_promise < today)
        or (case.next_follow_up and case.next_follow_up < today)
        or case.second_drops
    ]
    return {
        "reports_due": reports_due(mine),
        "needs_you": needs_you,
        "today": today,
        "now": now,
        "my_open": mine.count(),
        "my_second_drops": Promise.objects.filter(
            case__in=mine, status=PromiseStatus.MISSED
        ).count(),
    }


def reports_due(cases: QuerySet) -> list[dict]:
    """The next progress report of each case whose clock runs, soonest first:
    the due day in the owner's dates (as the reminders count it) and whether
    it has passed. One query."""
    rows = with_report_clock(cases.filter(step__in=REMINDED_STEPS)).select_related(
        "client", "owner", "team"
    )
    now = timezone.now()
    due = []
    for case in rows:
        zone = user_zone(case.owner, case.team)
        due_on = case_report_due_on(case, zone)
        if due_on is None:
            continue
        today = now.astimezone(zone).date()
        due.append(
            {
                "case": case,
                "due_on": due_on,
                "overdue": due_on < today,
                "due_today": due_on == today,
            }
        )
    return sorted(due, key=lambda row: (row["due_on"], row["case"].pk))


def reassign_choices(case) -> QuerySet[User]:
    """Account managers of the case's team, other than the current owner."""
    return User.objects.filter(
        access.account_managers_q(), is_active=True, memberships__team=case.team_id
    ).exclude(pk=case.owner_id)


def calendar_teams(user) -> QuerySet:
    """The teams whose calendar `user` keeps: none unless access allows."""
    if not access.keeps_team_calendars(user):
        return Team.objects.none()
    return Team.objects.for_user(user).order_by("name")


def holiday_region_choices() -> dict[str, list[tuple[str, str]]]:
    """Each country with regions -> its (code, name) regions, for the page's
    script that fills the region list when the country changes."""
    return {
        country: list(regions)
        for country, regions in (
            (code, holiday_subdivisions(code)) for code, _ in holiday_countries()
        )
        if regions
    }


def team_calendar(team, today: dt.date, *, days: int = 365) -> dict:
    """The team's closed days from `today` for `days`: public holidays (from
    the holidays package, no query) and closure days (one query)."""
    last = today + dt.timedelta(days=days)
    holidays = [
        {"date": day, "name": name}
        for year in range(today.year, last.year + 1)
        for day, name in public_holidays(
            team.holiday_country, team.holiday_subdivision, year
        )
        if today <= day <= last
    ]
    return {
        "holidays": holidays,
        "closures": list(team.closure_days.filter(date__gte=today)),
        "region_name": holiday_region_name(
            team.holiday_country, team.holiday_subdivision
        ),
    }


WITHDRAWN = "This link was withdrawn."


def promise_page_for(share_id: int, nonce: str) -> dict:
    """What the client's promise page shows for a share: the case's promises
    (what, when due, kept or not) and the next follow-up date, and nothing
    else of the case. Two queries, however many promises.

    Raises LinkGone for a share that is unknown, withdrawn or expired.
    """
    today = timezone.localdate()
    next_follow_up = (
        FollowUp.objects.filter(
            case=OuterRef("case"),
            status=FollowUpStatus.SCHEDULED,
            due_on__gte=today,
        )
        .order_by("due_on")
        .values("due_on")[:1]
    )
    share = (
        PromiseShare.objects.filter(pk=share_id)
        .annotate(next_follow_up=Subquery(next_follow_up))
        .only("case_id", "nonce", "expires_at", "revoked_at")
        .first()
    )
    if share is None or not constant_time_compare(share.nonce, nonce):
        raise LinkGone(UNKNOWN, status=404)
    if share.revoked_at is not None:
        raise LinkGone(WITHDRAWN)
    if share.expires_at <= timezone.now():
        raise LinkGone(EXPIRED)
    promises = Promise.objects.filter(case_id=share.case_id).only(
        "description", "due_on", "status", "settled_at", "settled_early"
    )
    return {
        "share": share,
        "promises": [_as_the_client_reads_it(p, today) for p in promises],
        "next_follow_up": share.next_follow_up,
        "today": today,
    }


def _as_the_client_reads_it(promise: Promise, today: dt.date) -> dict:
    """A promise in the client's words: its state says plainly whether we
    kept it, and when (a missed one shows as missed, a late one as late)."""
    kept_on = (
        timezone.localtime(promise.settled_at).date()
        if promise.settled_at is not None
        else None
    )
    if promise.status == PromiseStatus.KEPT:
        if promise.settled_early:
            state, label = "kept-early", "Kept early"
        elif kept_on is not None and kept_on > promise.due_on:
            state, label = "kept-late", "Kept late"
        else:
            state, label = "kept", "Kept"
    elif promise.status == PromiseStatus.MISSED:
        state, label = "missed", "Missed"
    elif promise.due_on < today:
        state, label = "overdue", "Overdue"
    elif promise.due_on == today:
        state, label = "today", "Due today"
    else:
        state, label = "open", "Open"
    return {
        "description": promise.description,
        "due_on": promise.due_on,
        "kept_on": kept_on if promise.status == PromiseStatus.KEPT else None,
        "state": state,
        "label": label,
    }


# The order earlier cases are named in: the one still open first, then the
# one closed recently, then one that only shares "our part".
_REASON_ORDER = {
    SecondFailureReason.OPEN: 0,
    SecondFailureReason.RECENT: 1,
    SecondFailureReason.SAME_PART: 2,
}


def second_failure_matches(
    *,
    client: Client,
    team: Team,
    parts: list[str] | tuple = (),
    exclude: int | None = None,
    cases: QuerySet | None = None,
    at: dt.datetime | None = None,
) -> list[tuple[Case, list[str]]]:
    """The client's earlier cases that make a new dropped ball a second
    failure, each with its reasons (SecondFailureReason): still open, closed
    within the team's second_failure_days, or sharing one of `parts` (our
    part in it) at any time. The most telling first. Two queries.

    `cases` narrows where to look (the logging form passes the user's view).
    `at` judges as of that moment instead of now (the demo's back-dated
    cases): only cases opened before it count, open or closed as they were.
    """
    now = at or timezone.now()
    since = now - dt.timedelta(days=team.second_failure_days)
    parts = set(parts)
    wanted = ~Q(step=Step.CLOSED) | Q(closed_at__gte=since)
    if parts:
        wanted |= Q(parts__part__in=parts)
    found = (cases if cases is not None else Case.objects.all()).filter(
        wanted, client=client
    )
    if at is not None:
        found = found.filter(opened_at__lt=at)
    found = (
        found.exclude(pk=exclude)
        .distinct()
        .select_related("client", "owner")
        .prefetch_related("parts")
        .order_by("-opened_at", "-pk")
    )
    matches = []
    for case in found:
        reasons = []
        if case.closed_at is None or case.closed_at > now:
            reasons.append(SecondFailureReason.OPEN)
        elif case.closed_at >= since:
            reasons.append(SecondFailureReason.RECENT)
        if parts & {p.part for p in case.parts.all()}:
            reasons.append(SecondFailureReason.SAME_PART)
        if reasons:
            matches.append((case, reasons))
    matches.sort(key=lambda match: _REASON_ORDER[match[1][0]])
    return matches


def second_failure_preview(
    user: User, client: Client | None, parts: list[str]
) -> dict | None:
    """What the logging form warns of for `client` and the parts ticked so
    far: the earlier cases this user can see, and what Mend will do; None
    when it would not be a second failure."""
    if client is None:
        return None
    parts = [p for p in parts if p in OurPart.values]
    matches = second_failure_matches(
        client=client,
        team=client.team,
        parts=parts,
        cases=Case.objects.for_user(user, "view"),
    )
    if not matches:
        return None
    return {
        "client": client,
        "earlier": [
            {"case": case, "reasons": [SecondFailureReason(r).label for r in reasons]}
            for case, reasons in matches
        ],
        "factor": client.team.second_failure_factor,
        "factor_words": factor_words(client.team.second_failure_factor),
        "days": client.team.second_failure_days,
    }


def second_failure_card(case: Case, user: User) -> dict | None:
    """The case page's second-failure card: the earlier cases that made it
    one (those the user can see, one query), with their reasons, and each of
    Mend's measures with whether it stands or a manager overrode it."""
    if not case.second_failure_found:
        return None
    reasons_of = {row["case"]: row["reasons"] for row in case.second_failure_found}
    earlier = {
        c.pk: c
        for c in Case.objects.for_user(user, "view")
        .filter(pk__in=reasons_of)
        .select_related("client")
    }
    overridden = set(case.second_failure_overridden)
    # A team with no sales manager and no administrator to fall back on:
    # nobody was told (one query, whatever the case holds).
    alerted = case.outbox_messages.filter(kind=NotificationKind.SECOND_FAILURE).exists()
    return {
        "flagged": case.second_failure,
        "earlier": [
            {
                "case": earlier[pk],
                "reasons": [SecondFailureReason(r).label for r in reasons],
            }
            for pk, reasons in reasons_of.items()
            if pk in earlier
        ],
        "measures": second_failure_measures(case, overridden, alerted=alerted),
    }


def second_failure_measures(
    case: Case, overridden: set[str], *, alerted: bool = True
) -> list[dict]:
    """Each measure Mend took for a second failure: its words, and "stands",
    "overridden", "not needed" or "nobody" (no one to alert)."""
    M = SecondFailureMeasure

    def state(measure, applied: bool) -> str:
        if measure in overridden:
            return "overridden"
        return "stands" if applied else "not needed"

    raised_from = (
        Severity(case.severity_raised_from).label.split(":")[0]
        if case.severity_raised_from
        else ""
    )
    targets_overridden = M.TARGETS in overridden
    return [
        {
            "measure": M.SEVERITY,
            "state": state(M.SEVERITY, bool(raised_from)),
            "text": f"Severity raised from {raised_from} to at least High."
            if raised_from
            else "Severity was already High or above; left as it was.",
        },
        {
            "measure": M.TARGETS,
            "state": state(M.TARGETS, case.target_factor < 1 or targets_overridden),
            "text": "Step targets tightened, then put back to the usual."
            if targets_overridden
            else f"Each step's target is {factor_words(case.target_factor)} "
            "of the usual."
            if case.target_factor < 1
            else "Step targets as usual (the team's factor is 1).",
        },
        {
            "measure": M.GUIDANCE,
            "state": state(M.GUIDANCE, True),
            "text": "The guidance is about limiting the damage: manager on the "
            "call, and the client's boss, with their permission.",
        },
        {
            "measure": M.ALERT,
            "state": state(M.ALERT, True) if alerted else "nobody",
            "text": "The sales managers were told it is a second failure."
            if alerted
            else "Nobody could be told: the team has no sales manager, and "
            "there is no administrator.",
        },
    ]
