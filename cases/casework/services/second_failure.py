"""A second failure for a client: what Mend does when one is logged, and a
manager's override of it.

The research behind DOMAIN.md: a recovery done well can leave a client more
loyal than before, but not after a second failure; the goodwill of the first
recovery is spent. So such a case is handled as damage to limit: more severe,
the manager told as such, tighter targets, and guidance to match. Each measure
stands on the case's own fields (Case.second_failure, severity_raised_from,
target_factor, damage_guidance) so a sales manager can take it back, with a
reason, without touching the others.
"""

import datetime as dt

from django.db import transaction

from cases import access
from cases.calendar import WorkCalendar, factor_words, second_escalation_at
from cases.casework.selectors import second_failure_matches
from cases.casework.services.pauses import visit_deadlines
from cases.casework.services.rows import case_lock, case_touch, check_version
from cases.casework.services.timeline import timeline_record
from cases.choices import (
    NotificationKind,
    OutboxStatus,
    SecondFailureMeasure,
    SecondFailureReason,
    Severity,
    TimelineKind,
)
from cases.exceptions import NotAllowed
from cases.models import Case, OutboxMessage, StepPeriod, User
from cases.notifications.record import managers_of, outbox_add
from cases.notifications.steps import step_messages_refresh

# Severity only goes up: a second failure is at least this.
AT_LEAST = Severity.HIGH
_RANK = {value: rank for rank, value in enumerate(Severity.values)}

GUIDANCE_WORDS = {True: "Limit the damage", False: "Win the client over"}

REASON_REQUIRED = (
    "Say why, so the owner and the timeline know why Mend's measure was taken back."
)


def _short(severity: str) -> str:
    return Severity(severity).label.split(":")[0]


def _earlier_words(matches) -> str:
    return "; ".join(
        f"case {case.pk} ({', '.join(SecondFailureReason(r).label for r in reasons)})"
        for case, reasons in matches
    )


def second_failure_mark(
    case: Case, *, parts: list[str], at: dt.datetime | None = None
) -> bool:
    """At logging, inside case_open's transaction: if the client has an
    earlier case still open, one closed within the team's second_failure_days,
    or one with the same "our part", flag the case and take the measures
    (severity, targets, guidance; the alert is second_failure_alert).
    Returns whether it is a second failure. `at`: judged as of then (the
    demo's back-dated cases), not now."""
    team = case.team
    matches = second_failure_matches(
        client=case.client, team=team, parts=parts, exclude=case.pk, at=at
    )
    if not matches:
        return False
    case.second_failure = True
    case.earlier_case = matches[0][0]
    case.second_failure_found = [
        {"case": earlier.pk, "reasons": reasons} for earlier, reasons in matches
    ]
    changes = [{"field": "Second failure", "old": "No", "new": "Yes"}]
    fields = ["second_failure", "earlier_case", "second_failure_found"]
    if _RANK[case.severity] < _RANK[AT_LEAST]:
        changes.append(
            {"field": "Severity", "old": _short(case.severity), "new": _short(AT_LEAST)}
        )
        case.severity_raised_from, case.severity = case.severity, AT_LEAST
        fields += ["severity_raised_from", "severity"]
    if team.second_failure_factor < 1:
        case.target_factor = team.second_failure_factor
        changes.append(
            {
                "field": "Step targets",
                "old": "As usual",
                "new": f"{factor_words(case.target_factor)} of each target",
            }
        )
        fields.append("target_factor")
        _deadlines_again(case)
        fields += ["step_warn_at", "step_due_at", "step_late_at"]
    case.damage_guidance = True
    changes.append(
        {"field": "Guidance", "old": GUIDANCE_WORDS[False], "new": GUIDANCE_WORDS[True]}
    )
    fields.append("damage_guidance")
    case.save(update_fields=fields)
    summary = (
        "Second failure for this client: the goodwill of the first recovery "
        "is spent, so this one is about limiting the damage."
    )
    timeline_record(
        case=case,
        by=None,
        kind=TimelineKind.SECOND_FAILURE,
        summary=summary,
        # The page shows the body in the summary's place: it says both.
        body=f"{summary} Earlier: {_earlier_words(matches)}.",
        changes=changes,
    )
    return True


def second_failure_alert(case: Case) -> bool:
    """Tell the team's sales managers (administrators when it has none) that
    this is a second failure, through the outbox; once per case (the key)."""
    managers = managers_of(case)
    if not managers:
        return False
    recorded = outbox_add(
        case=case,
        kind=NotificationKind.SECOND_FAILURE,
        recipients=managers,
        key="second-failure",
        # Words, not ids: the email's templates never query.
        context={
            "earlier": [
                {
                    "pk": row["case"],
                    "reasons": ", ".join(
                        SecondFailureReason(r).label for r in row["reasons"]
                    ),
                }
                for row in case.second_failure_found
            ],
            "raised_from": _short(case.severity_raised_from)
            if case.severity_raised_from
            else "",
            "factor": f"{factor_words(case.target_factor)}"
            if case.target_factor < 1
            else "",
        },
    )
    if recorded:
        timeline_record(
            case=case,
            by=None,
            kind=TimelineKind.SECOND_FAILURE,
            summary="Told " + ", ".join(str(m) for m in managers) + " that this "
            "is a second failure for the client.",
        )
    return True


def _deadlines_again(case: Case) -> None:
    """The current step's deadlines with the case's factor (its pauses counted)."""
    calendar = WorkCalendar.for_team(case.team)
    period = (
        StepPeriod.objects.filter(case=case, completed_at__isnull=True)
        .order_by("-entered_at")
        .first()
    )
    if period is None:
        return
    case.step_warn_at, case.step_due_at = visit_deadlines(case, period, calendar)
    case.step_late_at = second_escalation_at(
        case.team, case.step_due_at, calendar=calendar
    )
    StepPeriod.objects.filter(pk=period.pk).update(due_at=case.step_due_at)


def measures_in_force(case: Case) -> list[str]:
    """The measures a manager may still override on this case."""
    if not case.second_failure:
        return []
    M, done = SecondFailureMeasure, set(case.second_failure_overridden)
    standing = [M.FLAG]
    if case.severity_raised_from and M.SEVERITY not in done:
        standing.append(M.SEVERITY)
    if case.target_factor < 1 and M.TARGETS not in done:
        standing.append(M.TARGETS)
    if case.damage_guidance and M.GUIDANCE not in done:
        standing.append(M.GUIDANCE)
    if M.ALERT not in done:
        standing.append(M.ALERT)
    return standing


@transaction.atomic
def second_failure_override(
    *, case_id: int, by: User, version: int, measure: str, reason: str
) -> Case:
    """A sales manager (or an administrator) takes back one of Mend's
    second-failure measures, or all of them (FLAG: not a second failure
    after all), saying why. What was overridden is restored: the severity
    from before (unless someone changed it since), the usual step targets,
    the usual guidance; an alert not yet sent is not sent. `version` is the
    save the manager's page showed, so a double submit does nothing twice."""
    reason = reason.strip()
    if not reason:
        raise NotAllowed(REASON_REQUIRED)
    case = case_lock(case_id=case_id, by=by, action="manage")
    if not access.overrides_second_failure(by):
        raise NotAllowed("Only a sales manager can override a second failure.")
    check_version(case, version)
    standing = measures_in_force(case)
    M = SecondFailureMeasure
    if measure not in standing:
        raise NotAllowed(
            "That is not in force on this case any more: nothing to override."
            if case.second_failure
            else "This case is not treated as a second failure."
        )
    chosen = standing[1:] if measure == M.FLAG else [measure]
    changes, fields, notes = [], ["second_failure_overridden"], []
    for item in chosen:
        if item == M.SEVERITY:
            if case.severity == AT_LEAST:
                changes.append(
                    {
                        "field": "Severity",
                        "old": _short(case.severity),
                        "new": _short(case.severity_raised_from),
                    }
                )
                case.severity = case.severity_raised_from
            else:
                notes.append("the severity was changed since, so it stays")
            # severity_raised_from stays: the page still says what Mend did.
            fields.append("severity")
        elif item == M.TARGETS:
            changes.append(
                {
                    "field": "Step targets",
                    "old": f"{factor_words(case.target_factor)} of each target",
                    "new": "As usual",
                }
            )
            case.target_factor = 1
            _deadlines_again(case)
            fields += ["target_factor", "step_warn_at", "step_due_at", "step_late_at"]
        elif item == M.GUIDANCE:
            changes.append(
                {
                    "field": "Guidance",
                    "old": GUIDANCE_WORDS[True],
                    "new": GUIDANCE_WORDS[False],
                }
            )
            case.damage_guidance = False
            fields.append("damage_guidance")
        elif item == M.ALERT:
            withheld = OutboxMessage.objects.filter(
                case=case,
                kind=NotificationKind.SECOND_FAILURE,
                status=OutboxStatus.PENDING,
            ).update(
                status=OutboxStatus.SKIPPED,
                last_error=f"Second-failure alert overridden by {by}: {reason}",
            )
            changes.append(
                {
                    "field": "Second-failure alert",
                    "old": "To be sent" if withheld else "Sent",
                    "new": "Not sent" if withheld else "Sent (it cannot be unsent)",
                }
            )
    if measure == M.FLAG:
        case.second_failure = False
        changes.insert(0, {"field": "Second failure", "old": "Yes", "new": "No"})
        fields.append("second_failure")
    case.second_failure_overridden = [*case.second_failure_overridden, *chosen]
    if measure == M.FLAG:
        case.second_failure_overridden.append(M.FLAG)
    case_touch(case, by, *dict.fromkeys(fields))
    if M.TARGETS in chosen:
        # Warnings not sent yet wait for the usual deadline instead.
        step_messages_refresh([case.pk])
    summary = f"Overrode {M(measure).label[0].lower()}{M(measure).label[1:]}"
    summary = f"{summary}. Why: {reason}"
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.SECOND_FAILURE_OVERRIDDEN,
        summary=summary,
        # The body, when there is one, repeats the summary: a long reason is
        # cut short in the summary but kept whole there.
        body=f"{summary} Note: {'; '.join(notes)}." if notes else "",
        changes=changes,
    )
    return case
