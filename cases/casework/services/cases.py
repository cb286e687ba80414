"""Opening, editing and moving recovery cases. The only code that sets case.step."""

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from cases import workflow
from cases.calendar import WorkCalendar, deadlines, second_escalation_at
from cases.casework.services import repeat_business
from cases.casework.services.check_ins import check_ins_open
from cases.casework.services.notices import notice_for
from cases.casework.services.pauses import pause_end
from cases.casework.services.rows import (
    case_lock,
    case_touch,
    check_version,
    ensure_open,
)
from cases.casework.services.second_failure import (
    second_failure_alert,
    second_failure_mark,
)
from cases.casework.services.submissions import submission_claim
from cases.casework.services.timeline import changes_between, timeline_record
from cases.casework.services.timing import timing_refresh
from cases.choices import (
    NotificationKind,
    OurPart,
    OutboxStatus,
    Outcome,
    PauseEnd,
    Step,
    TimelineKind,
)
from cases.exceptions import ClientExists, LooksLogged, NotAllowed, StepIncomplete
from cases.hooks.chat import chat_posts_withdraw
from cases.models import (
    Case,
    CasePart,
    Client,
    Contact,
    OutboxMessage,
    StepPeriod,
    Team,
    User,
)
from cases.models.search import search_text_refresh
from cases.notifications.record import managers_of, outbox_add, outbox_notify
from cases.querysets import normal_name, tidy_name

DETAIL_LABELS = {
    "commitment": "What was promised",
    "promised_on": "Promised date",
    "what_happened": "What happened",
    "detected_at": "When we found out",
    "severity": "Severity",
    "failure_source": "Source of the failure",
    "parts": "Our part in it",
    "contacts": "Affected people",
}


@transaction.atomic
def case_open(
    *,
    by: User,
    team: Team,
    client: Client | None,
    new_client_name: str = "",
    commitment: str,
    what_happened: str,
    severity: str,
    promised_on: dt.date | None = None,
    detected_at: dt.datetime | None = None,
    failure_source: str = "",
    parts: list[str] = (),
    contacts: list[Contact] = (),
    submission_key: uuid.UUID | None = None,
    ask: bool = False,
    log_again: bool = False,
    second_failure_rule: bool = True,
) -> Case:
    """Log a dropped ball: the case starts in Acknowledge and the manager is alerted.

    A new client's name that matches one of the team's clients (case and
    spacing ignored) is that client: no twin is made. With `ask` (the
    logging form), the person is asked first: ClientExists offers the
    existing client, and LooksLogged says the same client and commitment
    were logged within a day, unless `log_again` (they said it is another
    dropped ball); then the managers, alerted about the earlier case, are not
    alerted a second time.

    A client failed before (an earlier case open, closed recently, or with
    the same "our part") makes this a second failure: see
    services.second_failure. `second_failure_rule` False leaves that out
    (the tests' factories, so a test's second case for one client is not
    changed by a rule it is not about).
    """
    if not Team.objects.for_logging(by).filter(pk=team.pk).exists():
        raise NotAllowed("You can log a dropped ball only for a team you are in.")
    submission_claim(submission_key)
    client = _client_for(team, client, new_client_name, ask=ask)
    earlier = earlier_same_case(client=client, commitment=commitment) if ask else None
    if earlier is not None and not log_again:
        raise LooksLogged(earlier)
    now = timezone.now()
    warn_at, due_at = deadlines(team, Step.ACKNOWLEDGE, now)
    case = Case.objects.create(
        team=team,
        owner=by,
        client=client,
        commitment=commitment,
        promised_on=promised_on,
        what_happened=what_happened,
        detected_at=detected_at or now,
        severity=severity,
        failure_source=failure_source,
        step=Step.ACKNOWLEDGE,
        step_entered_at=now,
        step_warn_at=warn_at,
        step_due_at=due_at,
        step_late_at=second_escalation_at(team, due_at),
        opened_at=now,
        updated_by=by,
    )
    search_text_refresh(Case.objects.filter(pk=case.pk))
    CasePart.objects.bulk_create(CasePart(case=case, part=p) for p in parts)
    case.contacts.set([c for c in contacts if c.client_id == client.pk])
    StepPeriod.objects.create(
        case=case, step=Step.ACKNOWLEDGE, entered_at=now, due_at=due_at
    )
    timeline_record(
        case=case, by=by, kind=TimelineKind.LOGGED, summary="Logged the dropped ball."
    )
    second = second_failure_rule and second_failure_mark(case, parts=parts)
    if earlier is None:
        alert_managers(case)
    else:
        _alerted_with(case, earlier, by)
    if second:
        # After _alerted_with: a dropped ball logged again on purpose is
        # another failure, which the managers have not heard of as such.
        second_failure_alert(case)
    # For the page's message: the earlier case the managers heard of, if any.
    case.alerted_with = earlier
    return case


# How far back a case with the same client and commitment counts as the same
# dropped ball logged twice.
SAME_CASE_WITHIN = dt.timedelta(days=1)


def _client_for(
    team: Team, client: Client | None, new_name: str, *, ask: bool
) -> Client:
    """The client chosen, or the team's client of that name (offered first
    with `ask`), or a new one.

    The row locked, so two people logging for one client (or creating the same
    new one) take turns: the second sees the first one's case and client.
    """
    if client is None:
        # The team row serialises creating clients, as the per-team unique
        # name cannot see "Acme" and "ACME " as one.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        client = Client.objects.named(team, new_name)
        if client is not None and ask:
            raise ClientExists(client)
        if client is None:
            return Client.objects.create(team=team, name=tidy_name(new_name))
    if client.team_id != team.pk:
        raise NotAllowed("That client belongs to another team.")
    return Client.objects.select_for_update().get(pk=client.pk)


def earlier_same_case(*, client: Client, commitment: str) -> Case | None:
    """The newest case for `client` with this commitment (case and spacing
    ignored) logged within SAME_CASE_WITHIN, whoever logged it; else None."""
    since = timezone.now() - SAME_CASE_WITHIN
    wanted = normal_name(commitment)
    recent = (
        Case.objects.filter(client=client, opened_at__gte=since)
        .select_related("client", "owner")
        .order_by("-opened_at", "-pk")
    )
    return next((c for c in recent if normal_name(c.commitment) == wanted), None)


def _alerted_with(case: Case, earlier: Case, by: User) -> None:
    """A case logged again on purpose: the managers heard of this dropped ball
    with `earlier`, so its alert is recorded (the Acknowledge step counts it:
    the managers know) as skipped, not sent."""
    managers = managers_of(case)
    if not managers:
        return
    outbox_add(
        case=case, kind=NotificationKind.CASE_LOGGED, recipients=managers, key="alert"
    )
    # Everything this new case owes so far is that alert (and any notice that
    # a manager cannot be reached by email about it).
    OutboxMessage.objects.filter(case=case, status=OutboxStatus.PENDING).update(
        status=OutboxStatus.SKIPPED,
        last_error=f"Already alerted with case {earlier.pk}: logged again on purpose.",
    )
    chat_posts_withdraw(
        case=case,
        kind=NotificationKind.CASE_LOGGED,
        reason=f"Already posted with case {earlier.pk}: logged again on purpose.",
    )
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.LOGGED,
        summary=f"Logged again on purpose: it looked like case {earlier.pk}. "
        "The managers were alerted about that one, so not again.",
    )


def alert_managers(case: Case) -> bool:
    """Record the alert to the team's managers; False when there is nobody to tell."""
    if case.outbox_messages.filter(kind=NotificationKind.CASE_LOGGED).exists():
        return True
    managers = managers_of(case)
    if not managers:
        return False
    outbox_add(
        case=case, kind=NotificationKind.CASE_LOGGED, recipients=managers, key="alert"
    )
    timeline_record(
        case=case,
        by=None,
        kind=TimelineKind.MANAGER_ALERTED,
        summary="Alerted " + ", ".join(str(m) for m in managers) + ".",
    )
    return True


def _details_of(case: Case) -> dict:
    return {
        "commitment": case.commitment,
        "promised_on": case.promised_on,
        "what_happened": case.what_happened,
        "detected_at": timezone.localtime(case.detected_at).strftime("%Y-%m-%d %H:%M"),
        "severity": case.get_severity_display(),
        "failure_source": case.get_failure_source_display(),
        "parts": sorted(OurPart(p.part).label for p in case.parts.all()),
        "contacts": sorted(c.name for c in case.contacts.all()),
    }


@transaction.atomic
def case_update_details(
    *,
    case_id: int,
    by: User,
    version: int,
    commitment: str,
    what_happened: str,
    severity: str,
    promised_on: dt.date | None,
    detected_at: dt.datetime,
    failure_source: str,
    parts: list[str],
    contacts: list[Contact],
) -> Case:
    """Edit what the Acknowledge step captured."""
    case = case_lock(case_id=case_id, by=by)
    # Like every step record, the details are read-only once the case is closed.
    ensure_open(case, "details")
    check_version(case, version)
    before = _details_of(case)
    case.commitment = commitment
    case.what_happened = what_happened
    case.severity = severity
    case.promised_on = promised_on
    case.detected_at = detected_at
    case.failure_source = failure_source
    case.parts.exclude(part__in=parts).delete()
    existing = set(case.parts.values_list("part", flat=True))
    CasePart.objects.bulk_create(
        CasePart(case=case, part=p) for p in parts if p not in existing
    )
    case.contacts.set([c for c in contacts if c.client_id == case.client_id])
    case_touch(
        case,
        by,
        *timing_refresh(case),
        "commitment",
        "what_happened",
        "severity",
        "promised_on",
        "detected_at",
        "failure_source",
    )
    search_text_refresh(Case.objects.filter(pk=case.pk))
    changes = changes_between(before, _details_of(case), DETAIL_LABELS)
    if changes:
        timeline_record(
            case=case,
            by=by,
            kind=TimelineKind.EDITED,
            summary="Edited the details.",
            changes=changes,
        )
    return case


@transaction.atomic
def case_advance(
    *, case_id: int, by: User, version: int, step: str | None = None
) -> Case:
    """Move the case to its next step, if the current one is complete.

    `version` is the save the user's page showed (required of every caller):
    a second click, or a click on a page drawn before a manager sent the case
    back, is refused instead of moving the case again. `step`, the step the
    page meant to leave, lets the refusal say where the case went.
    """
    case = case_lock(case_id=case_id, by=by)
    workflow.ensure_unchanged(case, version=version, step=step)
    if case.step == Step.ACKNOWLEDGE:
        # A team that had no manager when the case was logged may have one now.
        alert_managers(case)
    target = workflow.ensure_can_advance(case)
    if target == Step.CLOSED:
        raise NotAllowed("Close the case with its outcome and lessons instead.")
    _enter(case, target, by)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.ADVANCED,
        summary=f"Moved the case on to {target.label}.",
        changes=[{"field": "Step", "old": _label(case, -1), "new": target.label}],
    )
    return case


@transaction.atomic
def case_send_back(
    *, case_id: int, by: User, reason: str, version: int, to: str | None = None
) -> Case:
    """A manager sends the case back to an earlier step (`to`; by default the
    one before), saying why.

    `version` is the save the manager's page showed: if the case has moved
    or changed since, the manager sees it as it is now before deciding again.
    """
    if not reason.strip():
        raise NotAllowed("Say why the case goes back, so the owner knows what to redo.")
    case = case_lock(case_id=case_id, by=by, action="manage")
    workflow.ensure_unchanged(case, version=version)
    target = workflow.ensure_can_send_back(case, to)
    previous = Step(case.step).label
    if case.step == Step.CLOSED:
        case.closed_at = None
        case.outcome = ""
        case.client_fit = ""
    _enter(case, target, by, "closed_at", "outcome", "client_fit")
    entry = timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.SENT_BACK,
        summary=f"Sent the case back to {target.label}: {reason}",
        changes=[{"field": "Step", "old": previous, "new": target.label}],
    )
    outbox_notify(
        case=case,
        to=case.owner,
        kind=NotificationKind.CASE_SENT_BACK,
        by=by,
        key=f"entry-{entry.pk}",
        context={"reason": reason, "step": target.label},
    )
    notice_for(entry, NotificationKind.CASE_SENT_BACK, to=[case.owner])
    return case


@transaction.atomic
def case_close(
    *,
    case_id: int,
    by: User,
    version: int,
    outcome: str,
    lessons: str,
    client_fit: str,
    order_on: dt.date | None = None,
    order_value: Decimal | None = None,
    check_in_id: int | None = None,
) -> Case:
    """Close the case from Follow up, with an outcome, lessons and a verdict.

    "Recovered" needs its evidence (repeat_business): the new order's date
    and value, or `check_in_id`, an answer of this case saying they would buy
    again; other outcomes clear it. Each affected contact with an email
    address is sent a check-in in the same transaction (once: closing a
    reopened case again asks nobody twice).
    """
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "close")
    check_version(case, version)
    missing = workflow.missing_for(case) + workflow.closing_missing(
        outcome=outcome, lessons=lessons, client_fit=client_fit
    )
    no_evidence = order_on is None and order_value is None and check_in_id is None
    if outcome == Outcome.RECOVERED and no_evidence:
        missing.append(repeat_business.EVIDENCE_MISSING)
    if missing:
        raise StepIncomplete(Step.FOLLOW_UP, missing)
    evidence = repeat_business.evidence_apply(
        case,
        outcome=outcome,
        order_on=order_on,
        order_value=order_value,
        check_in_id=check_in_id,
    )
    case.outcome = outcome
    case.lessons = lessons
    case.client_fit = client_fit
    case.closed_at = timezone.now()
    _enter(
        case,
        Step.CLOSED,
        by,
        "outcome",
        "lessons",
        "client_fit",
        "closed_at",
        *evidence,
    )
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.CLOSED,
        summary=f"Closed the case: {case.get_outcome_display()}.",
        changes=[
            {"field": "Outcome", "old": "—", "new": case.get_outcome_display()},
            {"field": "Client fit", "old": "—", "new": case.get_client_fit_display()},
            {"field": "Lessons", "old": "—", "new": lessons},
        ],
    )
    repeat_business.evidence_record(case, by)
    check_ins_open(case)
    return case


def _label(case: Case, offset: int) -> str:
    return workflow.ORDER[workflow.ORDER.index(Step(case.step)) + offset].label


def _enter(case: Case, step: Step, by: User, *extra_fields: str) -> None:
    now = timezone.now()
    calendar = WorkCalendar.for_team(case.team)
    # Leaving the step ends its pause: the next step's clock starts running.
    pause_end(case, by=by, why=PauseEnd.STEP_MOVED, at=now, calendar=calendar)
    for period in StepPeriod.objects.filter(case=case, completed_at__isnull=True):
        period.completed_at = now
        period.business_hours = Decimal(
            f"{calendar.business_hours_between(period.entered_at, now):.2f}"
        )
        period.save(update_fields=["completed_at", "business_hours"])
    if Step.CLOSED in (case.step, step):
        # Closed or reopened: the dashboard's parts chart follows (CasePart).
        CasePart.objects.filter(case=case).update(of_open_case=step != Step.CLOSED)
    case.step = step
    case.step_entered_at = now
    case.step_warn_at, case.step_due_at = deadlines(
        case.team, step, now, calendar=calendar, factor=case.target_factor
    )
    case.step_late_at = second_escalation_at(
        case.team, case.step_due_at, calendar=calendar
    )
    case_touch(
        case,
        by,
        "step",
        "step_entered_at",
        "step_warn_at",
        "step_due_at",
        "step_paused_at",
        "step_late_at",
        *extra_fields,
    )
    StepPeriod.objects.create(
        case=case,
        step=step,
        entered_at=now,
        completed_at=now if step == Step.CLOSED else None,
        due_at=case.step_due_at,
        business_hours=0 if step == Step.CLOSED else None,
    )
