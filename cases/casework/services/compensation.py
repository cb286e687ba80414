"""Compensation: offer, approve or decline, deliver; or decide none is due."""

import datetime as dt
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cases import access, workflow
from cases.casework.services.notices import notice_add
from cases.casework.services.rows import (
    case_lock,
    case_lock_for_record,
    case_touch,
    check_version,
    ensure_open,
)
from cases.casework.services.timeline import timeline_record
from cases.choices import Approval, NotificationKind, TimelineKind
from cases.exceptions import NotAllowed
from cases.guideline import guideline_for
from cases.models import Case, Compensation, User
from cases.money import currency_of, money
from cases.notifications.record import managers_of, outbox_add, outbox_notify

# Offers declined or withdrawn no longer count toward the case's totals.
NOT_COUNTED = (Approval.DECLINED, Approval.WITHDRAWN)


def offered_total(case: Case) -> Decimal:
    """What the case's offers not declined or withdrawn cost us, so far."""
    total = (
        case.compensations.exclude(approval__in=NOT_COUNTED)
        .aggregate(total=Sum("cost_to_us"))
        .get("total")
    )
    return total or Decimal(0)


def offer_approvers(case: Case, author: User) -> list[User]:
    """Who is asked to approve an offer by `author` (never the author)."""
    if access.approvers_are_administrators(author):
        approvers = User.objects.filter(access.administrators_q(), is_active=True)
    else:
        approvers = managers_of(case)
    return [user for user in approvers if user.pk != author.pk]


@transaction.atomic
def compensation_offer(
    *,
    case_id: int,
    by: User,
    kind: str,
    description: str,
    value_to_client: Decimal,
    cost_to_us: Decimal,
    submission_key: uuid.UUID | None = None,
) -> Compensation:
    """Record an offer. Once the case's offers (not declined, this one
    included) cost more than the team's threshold, it waits for an approver:
    a sales manager, or an administrator when a manager made it."""
    case = case_lock_for_record(case_id=case_id, by=by, submission_key=submission_key)
    ensure_open(case, "compensation")
    guideline = guideline_for(case)
    # The case row is locked, so no other offer lands between sum and insert.
    needs_approval = guideline.needs_approval(offered_total(case) + cost_to_us)
    approvers = offer_approvers(case, by) if needs_approval else []
    if needs_approval and not approvers:
        # Refused rather than left pending for ever with nobody asked.
        raise NotAllowed(
            f"This offer needs {access.approver_label(by)}'s approval, and there "
            "is nobody who can give it. Ask for one to be added to Mend, or offer "
            "less."
        )
    compensation = Compensation.objects.create(
        case=case,
        offered_by=by,
        kind=kind,
        description=description,
        value_to_client=value_to_client,
        cost_to_us=cost_to_us,
        guideline=guideline.amount,
        approval=Approval.PENDING if needs_approval else Approval.NOT_NEEDED,
    )
    case.no_compensation_reason = ""
    case_touch(case, by, "no_compensation_reason")
    summary = f"Offered {compensation.get_kind_display().lower()}: {description}"
    if needs_approval:
        summary += f" (awaiting {access.approver_label(by)}'s approval)"
        outbox_add(
            case=case,
            kind=NotificationKind.APPROVAL_NEEDED,
            recipients=approvers,
            key=f"compensation-{compensation.pk}",
            context={
                # Not always the owner: a manager's offer goes to administrators.
                "offered_by": str(by),
                "description": description,
                "cost_to_us": money(cost_to_us, currency_of(case.team)),
                "value_to_client": money(value_to_client, currency_of(case.team)),
            },
        )
    timeline_record(
        case=case, by=by, kind=TimelineKind.COMPENSATION, summary=summary + "."
    )
    return compensation


@transaction.atomic
def compensation_decide(
    *,
    case_id: int,
    by: User,
    compensation_id: int,
    approve: bool,
    note: str,
    version: int,
) -> Compensation:
    """Someone other than its author approves an offer waiting for approval,
    or declines any offer not yet delivered: a sales manager, or an
    administrator for a manager's offer.

    `version` is the save the decider's page showed: the offer is judged with
    the rest of the case (its other offers, a send-back), so a decision taken
    on an older copy is refused and the case shown as it is now.
    """
    case = case_lock(case_id=case_id, by=by, action="manage")
    ensure_open(case, "decide")
    workflow.ensure_unchanged(case, version=version)
    compensation = (
        case.compensations.select_for_update(of=("self",))
        .select_related("offered_by")
        .get(pk=compensation_id)
    )
    if approve and compensation.approval != Approval.PENDING:
        raise NotAllowed(
            "That offer is not waiting for approval "
            f"({compensation.get_approval_display().lower()})."
        )
    if compensation.approval in NOT_COUNTED:
        raise NotAllowed(
            f"That offer is already {compensation.get_approval_display().lower()}."
        )
    if compensation.delivered_on is not None:
        raise NotAllowed(
            "That offer is already delivered, so it can no longer be declined. "
            "If the delivery was a wrong click, undo it first."
        )
    before = compensation.get_approval_display()
    author = compensation.offered_by
    if not access.may_decide_offer(by, author):
        if author.pk == by.pk:
            raise NotAllowed(
                "You made this offer, so someone else decides on it: "
                f"{compensation.approver_label} has been asked."
            )
        raise NotAllowed(
            f"An offer by {author} needs {compensation.approver_label}'s approval."
        )
    compensation.approval = Approval.APPROVED if approve else Approval.DECLINED
    compensation.decided_by = by
    compensation.decided_at = timezone.now()
    compensation.decision_note = note
    compensation.save(
        update_fields=["approval", "decided_by", "decided_at", "decision_note"]
    )
    case_touch(case, by)
    verb = "Approved" if approve else "Declined"
    outbox_notify(
        case=case,
        to=case.owner,
        kind=NotificationKind.COMPENSATION_DECIDED,
        by=by,
        # An offer is approved once and declined once: its id (and, for a
        # decline after approval, the decline) names the decision.
        key=f"compensation-{compensation.pk}"
        + ("" if before == Approval.PENDING.label else "-declined"),
        context={
            "approved": approve,
            "note": note,
            "description": compensation.description,
        },
    )
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.APPROVAL,
        summary=f"{verb} the compensation: {compensation.description}"
        + (f" ({note})" if note else ""),
        changes=[
            {"field": "Approval", "old": before, "new": verb},
        ],
    )
    notice_add(
        case=case,
        to=[case.owner, author],
        kind=NotificationKind.COMPENSATION_DECIDED,
        by=by,
        summary=f"{verb} the offer: {compensation.description}"
        + (f" ({note})" if note else ""),
    )
    return compensation


@transaction.atomic
def compensation_deliver(
    *, case_id: int, by: User, compensation_id: int, delivered_on: dt.date
) -> Compensation:
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "deliver")
    compensation = (
        case.compensations.select_for_update(of=("self",))
        .select_related("offered_by")
        .get(pk=compensation_id)
    )
    if compensation.approval == Approval.PENDING:
        raise NotAllowed(
            f"This offer needs {compensation.approver_label}'s approval "
            "before delivery."
        )
    if compensation.approval in NOT_COUNTED:
        raise NotAllowed(
            f"This offer was {compensation.get_approval_display().lower()}; "
            "offer something else instead."
        )
    if compensation.delivered_on:
        raise NotAllowed("This compensation is already marked delivered.")
    opened_on = timezone.localtime(case.opened_at).date()
    if delivered_on < opened_on:
        raise NotAllowed(
            f"The delivery date, {delivered_on:%d %b %Y}, is before the case was "
            f"opened on {opened_on:%d %b %Y}: check the date."
        )
    compensation.delivered_on = delivered_on
    compensation.delivered_by = by
    compensation.delivered_at = timezone.now()
    compensation.save(update_fields=["delivered_on", "delivered_by", "delivered_at"])
    case_touch(case, by)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.COMPENSATION,
        summary=f"Delivered the compensation: {compensation.description}.",
        changes=[{"field": "Delivered", "old": "—", "new": f"{delivered_on:%d %b %Y}"}],
    )
    return compensation


@transaction.atomic
def compensation_withdraw(
    *, case_id: int, by: User, compensation_id: int, reason: str, version: int
) -> Compensation:
    """Whoever works the case takes back an offer not yet delivered: it shows
    as withdrawn and no longer counts. `version` is the save the page showed
    (an offer decided meanwhile is shown, not withdrawn blindly)."""
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "withdraw_offer")
    workflow.ensure_unchanged(case, version=version)
    compensation = case.compensations.select_for_update(of=("self",)).get(
        pk=compensation_id
    )
    if compensation.approval in NOT_COUNTED:
        raise NotAllowed(
            f"That offer is already {compensation.get_approval_display().lower()}."
        )
    if compensation.delivered_on is not None:
        raise NotAllowed(
            "That offer is already delivered, so it cannot be withdrawn. "
            "If the delivery was a wrong click, undo it first."
        )
    before = compensation.get_approval_display()
    compensation.approval = Approval.WITHDRAWN
    # Who took it back, when and why, where a decision would be.
    compensation.decided_by = by
    compensation.decided_at = timezone.now()
    compensation.decision_note = reason
    compensation.save(
        update_fields=["approval", "decided_by", "decided_at", "decision_note"]
    )
    case_touch(case, by)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.COMPENSATION,
        summary=f"Withdrew the offer: {compensation.description}"
        + (f" ({reason})" if reason else "")
        + ".",
        changes=[{"field": "Approval", "old": before, "new": "Withdrawn"}],
    )
    return compensation


@transaction.atomic
def compensation_none_due(*, case_id: int, by: User, reason: str, version: int):
    """Record the decision that no compensation is due, and why.

    It completes Compensate, so `version`, the save the page showed, is
    required: decided on a page drawn before an offer was made, it would
    wipe out that offer's claim on the step (an offer clears the reason).
    """
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "no_compensation")
    check_version(case, version)
    before = case.no_compensation_reason
    case.no_compensation_reason = reason
    case_touch(case, by, "no_compensation_reason")
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.COMPENSATION,
        summary="Decided no compensation is due.",
        changes=[
            {"field": "No compensation: reason", "old": before or "—", "new": reason}
        ],
    )
    return case


@transaction.atomic
def client_loss_record(
    *, case_id: int, by: User, loss: Decimal | None, version: int
) -> Case:
    """Record (or clear, with None) what the failure cost the client: the
    guideline's second floor. Based on the save the page showed, so a loss
    typed on an older page does not overwrite one saved meanwhile."""
    if loss is not None and loss < 0:
        raise NotAllowed("A loss cannot be below zero.")
    case = case_lock(case_id=case_id, by=by)
    ensure_open(case, "client_loss")
    check_version(case, version)
    before = case.client_loss
    if before == loss:
        return case
    case.client_loss = loss
    case_touch(case, by, "client_loss")
    currency = currency_of(case.team)
    timeline_record(
        case=case,
        by=by,
        kind=TimelineKind.COMPENSATION,
        summary="Recorded the loss to the client."
        if loss is not None
        else "Cleared the loss to the client.",
        changes=[
            {
                "field": "Loss to the client",
                "old": money(before, currency),
                "new": money(loss, currency),
            }
        ],
    )
    return case
