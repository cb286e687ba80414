"""What the case page shows: built once, used by the page and by failed actions."""

import datetime as dt
import re

from django.utils import timezone

from cases.calendar import WorkCalendar, step_clock, user_zone
from cases.casework.actions import ACTIONS
from cases.casework.guidance import CONFIRMATION_GUIDANCE, guidance_for
from cases.casework.selectors import second_failure_card
from cases.casework.timing import acknowledge_by, person_timings
from cases.casework.views.promise_page import promise_page_link
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    Approval,
    FollowUpStatus,
    Outcome,
    PromiseStatus,
    Step,
    TimelineKind,
)
from cases.guideline import guideline_for
from cases.notifications.progress import case_report_due_on
from cases.workflow import (
    ORDER,
    REPORTING_STEPS,
    WORK,
    WORKING_STEPS,
    may_do_in,
    missing_for,
)

# Forms each step's section draws, by the action name that receives them.
# Each must belong to its step in workflow.WORK (the services refuse it
# elsewhere); a test checks they agree.
STEP_FORMS = {
    Step.ACKNOWLEDGE: ["details", "person", "client_contact"],
    Step.ROOT_CAUSE: ["root_cause", "client_contact"],
    Step.OPTIONS: ["option", "client_contact"],
    Step.COMMUNICATE: ["client_contact", "person"],
    Step.APOLOGISE: ["apology", "person"],
    Step.COMPENSATE: ["compensation", "no_compensation", "client_loss"],
    Step.FOLLOW_UP: ["follow_up", "close"],
    Step.CLOSED: [],
}


# Forms drawn as typed even when the case has left the steps they belong to
# (a refused send): a written email is too long to lose.
KEPT_AS_TYPED = frozenset({"confirmation"})

# How many timeline entries show before the rest fold away.
TIMELINE_SHOWN = 10


def make_form(name: str, case, data=None, initial=None):
    return ACTIONS[name].build(case, data, name, initial)


def repeat_order_wanted(case) -> bool:
    """A closed recovered case without a new order may record one."""
    return case.outcome == Outcome.RECOVERED and case.repeat_order_on is None


def reuse_option(request, case) -> dict:
    """Forms prefilled from a chosen option ("Promise it", "Offer it as
    compensation"), so the same remedy is not typed again; still editable."""
    prefills = {}
    for param, name, fill in (
        ("promise_from", "promise", _promise_from),
        ("offer_from", "compensation", _offer_from),
    ):
        wanted = request.GET.get(param, "")
        option = next(
            (o for o in case.options.all() if o.chosen and str(o.pk) == wanted), None
        )
        if option is not None:
            prefills[name] = fill(option, case)
    return prefills


_SPAN = re.compile(r"(\d+)\s*(day|week|hour)s?\b", re.IGNORECASE)


def due_from_words(words: str, today: dt.date) -> dt.date | None:
    """A due date read from an option's "time to deliver" ("2 days", "1 week",
    "48 hours", "tomorrow"); None when the words say no span we can read."""
    if "tomorrow" in words.lower():
        return today + dt.timedelta(days=1)
    found = _SPAN.search(words)
    if found is None:
        return None
    count, unit = int(found[1]), found[2].lower()
    days = {"day": count, "week": 7 * count, "hour": -(-count // 24)}[unit]
    if days > 366:
        return None
    return today + dt.timedelta(days=days)


def _promise_from(option, case) -> dict:
    due = due_from_words(option.time_to_deliver, timezone.localdate())
    return {"description": option.description, **({"due_on": due} if due else {})}


def _offer_from(option, case) -> dict:
    return {"description": option.description, "cost_to_us": option.cost_to_us}


def progress(case) -> list[dict]:
    current = ORDER.index(Step(case.step))
    return [
        {
            "label": step.label,
            "number": index + 1,
            "state": "done"
            if index < current
            else "current"
            if index == current
            else "todo",
        }
        for index, step in enumerate(ORDER)
    ]


def case_page_context(request, case, *, bound=None, problem=None) -> dict:
    """Everything the case page needs. `bound` holds a form that failed, as typed."""
    can_work, can_manage = case.may_work, case.may_manage
    # The step work this user may do now: forms and record buttons are drawn
    # only for these (workflow.WORK says which steps each belongs to).
    offered = (
        {name for name in WORK if may_do_in(name, case.step)} if can_work else set()
    )
    forms = {}
    prefills = reuse_option(request, case)
    for name in [*STEP_FORMS[Step(case.step)], "promise"]:
        if name in offered:
            forms[name] = make_form(name, case, initial=prefills.get(name))
    if "repeat_order" in offered and repeat_order_wanted(case):
        forms["repeat_order"] = make_form("repeat_order", case)
    if "pause" in offered and case.step_paused_at is None:
        forms["pause"] = make_form("pause", case)
    for name in ("progress_report", "report_cadence", "confirmation"):
        if name in offered:
            forms[name] = make_form(name, case)
    if can_work:
        forms["comment"] = make_form("comment", case)
        forms["attach"] = make_form("attach", case)
    if can_manage and not case.is_closed:
        forms["reassign"] = make_form("reassign", case)
    if can_manage:
        forms["send_back"] = make_form("send_back", case)
    if can_manage and case.second_failure:
        forms["second_failure_override"] = make_form("second_failure_override", case)
    promise_page = promise_page_card(case, can_work)
    if "promise_page_share" in offered and promise_page["live"] is None:
        forms["promise_page_share"] = make_form("promise_page_share", case)
    # The form as typed goes where it is drawn; one the page no longer offers
    # (the case moved on meanwhile) is not drawn, so its problem shows on top.
    if bound is not None and bound[0] in KEPT_AS_TYPED and can_work:
        # Refused because the case went back a step meanwhile: the email as
        # typed is still shown (with why), rather than lost with the form.
        forms.setdefault(bound[0], bound[1])
    problem_at_top = problem is not None and (bound is None or bound[0] not in forms)
    if bound is not None and bound[0] in forms:
        forms[bound[0]] = bound[1]
    answers = {a.question: a for a in case.root_cause_answers.all()}
    sent_back = next(
        (
            entry
            for entry in case.timeline.all()
            if entry.kind == TimelineKind.SENT_BACK and entry.at >= case.step_entered_at
        ),
        None,
    )
    show_guideline = case.step == Step.COMPENSATE or case.compensations.all()
    options = case.options.all()
    contacts = case.client_contacts.all()
    timeline = list(case.timeline.all())
    return {
        "case": case,
        "steps": progress(case),
        "guidance": guidance_for(case),
        "second_failure": second_failure_card(case, request.user),
        "forms": forms,
        "offered": offered,
        "can_work": can_work,
        "can_manage": can_manage,
        "missing": missing_for(case) if case.step in WORKING_STEPS else [],
        "problem": problem,
        "problem_at_top": problem_at_top,
        "guideline": guideline_for(case) if show_guideline else None,
        "answers": [
            (text, answers.get(key)) for key, text in ROOT_CAUSE_QUESTIONS.items()
        ],
        "is_last_working_step": case.step == Step.FOLLOW_UP,
        "sent_back": sent_back,
        "second_drops": sum(
            p.status == PromiseStatus.MISSED for p in case.promises.all()
        ),
        "clock": step_clock(case, zone=user_zone(request.user, case.team)),
        "chosen_options": [o for o in options if o.chosen],
        "promise_prefilled": "promise" in prefills,
        "timing": timing_card(case, request.user),
        "last_contact": contacts[len(contacts) - 1] if contacts else None,
        "open_follow_ups": sum(
            f.status == FollowUpStatus.SCHEDULED for f in case.follow_ups.all()
        ),
        "pending_offers": any(
            c.approval == Approval.PENDING or not c.delivered_on
            for c in case.compensations.all()
            if c.approval != Approval.DECLINED
        ),
        "show_root_cause": case.step != Step.ROOT_CAUSE
        and bool(case.root_cause_answers.all() or case.client_view or case.our_view),
        "timeline_recent": timeline[:TIMELINE_SHOWN],
        "timeline_older": timeline[TIMELINE_SHOWN:],
        "reports": report_card(case),
        "confirmation_guidance": CONFIRMATION_GUIDANCE,
        "attachments": list(case.attachments.all()),
        "promise_page": promise_page,
        "check_ins": check_in_card(case),
    }


# Until the full apology is the step's work, the per-person table shows in
# the current step's card; later it folds into the case so far.
TIMING_STEPS = frozenset(ORDER[: ORDER.index(Step.APOLOGISE) + 1])


def timing_card(case, user) -> dict:
    """Acknowledgement and full apology per affected person, in business
    hours from detection (casework.timing); `late`: those with no word from
    us a business day after we found out, while the case is open."""
    calendar = WorkCalendar.for_team(case.team)
    rows = person_timings(case, calendar, timezone.now())
    return {
        "rows": rows,
        "late": [] if case.is_closed else [r for r in rows if r.late],
        "due": acknowledge_by(case, calendar),
        "zone": user_zone(user, case.team).key,
        "in_card": case.step in TIMING_STEPS,
    }


def check_in_card(case) -> dict:
    """The client check-ins card: each check-in, and whether one is low (then
    a manager may reopen the case into Follow up by sending it back)."""
    rows = list(case.check_ins.all())
    return {
        "rows": rows,
        "low": any(c.is_low for c in rows),
        "now": timezone.now(),
    }


def promise_page_card(case, can_work: bool) -> dict:
    """The client's promise page on the case page: the live link, if any
    (its address only for those who may work on the case: read-only
    teammates see that it is shared, not the link), or how the last ended."""
    now = timezone.now()
    shares = list(case.promise_shares.all())
    live = next((share for share in shares if share.is_live(now)), None)
    return {
        "live": live,
        "link": promise_page_link(live) if live is not None and can_work else "",
        "last": shares[0] if shares and live is None else None,
        "now": now,
    }


def report_card(case) -> dict:
    """The progress-report card: the next due day (the owner's local date, as
    the reminders count it) and whether it has passed."""
    due_on = case_report_due_on(case)
    today = timezone.now().astimezone(user_zone(case.owner, case.team)).date()
    return {
        "due_on": due_on,
        "overdue": due_on is not None and due_on < today,
        "due_today": due_on == today,
        "runs_in": REPORTING_STEPS,
        "sent": list(case.progress_reports.all()),
    }
