"""What the case page shows: built once, used by the page and by failed actions."""

from django.utils import timezone

from cases.calendar import step_clock, user_zone
from cases.casework.actions import ACTIONS
from cases.casework.forms import cases as case_forms
from cases.casework.guidance import GUIDANCE
from cases.casework.guideline import guideline_for
from cases.choices import ROOT_CAUSE_QUESTIONS, PromiseStatus, Step, TimelineKind
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
    Step.ACKNOWLEDGE: ["details", "person"],
    Step.ROOT_CAUSE: ["root_cause"],
    Step.OPTIONS: ["option"],
    Step.COMMUNICATE: ["client_contact", "person"],
    Step.APOLOGISE: ["apology", "person"],
    Step.COMPENSATE: ["compensation", "no_compensation"],
    Step.FOLLOW_UP: ["follow_up", "close"],
    Step.CLOSED: [],
}


def make_form(name: str, case, data=None):
    return ACTIONS[name].build(case, data, name)


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
    for name in [*STEP_FORMS[Step(case.step)], "promise"]:
        if name in offered:
            forms[name] = make_form(name, case)
    if "pause" in offered and case.step_paused_at is None:
        forms["pause"] = make_form("pause", case)
    for name in ("progress_report", "report_cadence"):
        if name in offered:
            forms[name] = make_form(name, case)
    if can_work:
        forms["comment"] = make_form("comment", case)
    if can_manage and not case.is_closed:
        forms["reassign"] = make_form("reassign", case)
    if can_manage:
        forms["send_back"] = case_forms.SendBackForm(
            initial={"version": case.version}, prefix="send_back"
        )
    if bound is not None:
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
    return {
        "case": case,
        "steps": progress(case),
        "guidance": GUIDANCE[Step(case.step)],
        "forms": forms,
        "offered": offered,
        "can_work": can_work,
        "can_manage": can_manage,
        "missing": missing_for(case) if case.step in WORKING_STEPS else [],
        "problem": problem,
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
        "reports": report_card(case),
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
