"""One demo case, built through the services the app uses, then dated.

Going through the services keeps the workflow's rules and writes the timeline
and outbox as the app would; afterwards every row is moved to the demo's
clock, so ages, durations and due dates look real.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from cases.calendar import WorkCalendar, deadlines
from cases.casework.services.cases import (
    case_advance,
    case_close,
    case_open,
    case_send_back,
)
from cases.casework.services.check_ins import check_in_answer
from cases.casework.services.compensation import (
    client_loss_record,
    compensation_decide,
    compensation_deliver,
    compensation_none_due,
    compensation_offer,
)
from cases.casework.services.promises import promise_make, promise_settle
from cases.casework.services.reports import progress_report_record, report_cadence_set
from cases.casework.services.review import case_comment
from cases.casework.services.second_failure import (
    second_failure_alert,
    second_failure_mark,
)
from cases.casework.services.steps import (
    apology_record,
    client_contact_log,
    follow_up_schedule,
    follow_up_settle,
    option_add,
    option_choose,
    person_add,
    root_cause_save,
)
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    BossPermission,
    BuyAgain,
    FollowUpStatus,
    OutboxStatus,
    Step,
)
from cases.demo.clock import ACTION_GAP, Clock, opening
from cases.models import (
    Case,
    CheckIn,
    Compensation,
    Contact,
    FollowUp,
    Notice,
    Option,
    OutboxMessage,
    ProgressReport,
    Promise,
    StepPeriod,
    TimelineEntry,
)
from cases.workflow import WORKING_STEPS

# A follow-up with this status was held, but LATE_BY_DAYS after its date.
FOLLOW_UP_LATE = "late"
LATE_BY_DAYS = 3
# How long before logging the ball was seen to drop, unless a case says
# (noticed_hours): mostly soon, sometimes the next day, so time-to-alert
# figures vary as they would.
NOTICED_HOURS = (2, 0.5, 1, 4, 1.5, 20, 0.75, 3)


class CaseBuilder:
    """Builds one demo case through the services, then dates it."""

    def __init__(self, spec, index, *, team, owner, manager, client, started):
        self.spec = spec
        self.index = index
        self.team = team
        self.owner = owner
        self.manager = manager
        self.client = client
        self.started = started
        opened = opening(spec["opened"], index, started)
        # Nothing may be stamped at or after `started`: that is how rows the
        # services have just written are told apart from rows already dated.
        self.clock = Clock(opened, spec.get("moves", []), started - ACTION_GAP)
        self.case_id = None
        self.last_at = opened  # when the latest service call happened

    # The services, each followed by dating what it wrote.

    def call(self, service, *, by=None, at=None, versioned=False, **kwargs):
        if versioned:
            kwargs["version"] = Case.objects.get(pk=self.case_id).version
        by = by or self.owner
        result = service(case_id=self.case_id, by=by, **kwargs)
        self.last_at = at or self.clock.tick()
        self.stamp(self.last_at)
        # Whoever acts on a case has had it open: what was new to them on it
        # is read by then. What nobody acted on since stays new.
        Notice.objects.filter(
            case_id=self.case_id,
            recipient=by,
            read_at=None,
            created_at__lt=self.last_at,
        ).update(read_at=self.last_at)
        return result

    def stamp(self, at: dt.datetime) -> None:
        fresh = {"case_id": self.case_id}
        TimelineEntry.objects.filter(**fresh, at__gte=self.started).update(at=at)
        # These would have gone out when they were due; left pending, the first
        # sweep would mail every demo manager the whole back-story at once.
        OutboxMessage.objects.filter(**fresh, created_at__gte=self.started).update(
            created_at=at, due_at=at, status=OutboxStatus.SENT
        )
        Notice.objects.filter(**fresh, created_at__gte=self.started).update(
            created_at=at
        )

    def contact(self, name: str) -> Contact:
        return Contact.objects.filter(client=self.client, name=name).earliest("pk")

    def build(self) -> None:
        spec, clock = self.spec, self.clock
        opened = clock.times[0]
        noticed = spec.get(
            "noticed_hours", NOTICED_HOURS[self.index % len(NOTICED_HOURS)]
        )
        case = case_open(
            by=self.owner,
            team=self.team,
            client=self.client,
            commitment=spec["commitment"],
            what_happened=spec["what_happened"],
            severity=spec["severity"],
            promised_on=timezone.localdate(opened)
            + dt.timedelta(days=spec["promised"]),
            detected_at=opened - dt.timedelta(hours=noticed),
            failure_source=spec["source"],
            parts=spec["parts"],
            contacts=[self.contact(name) for name in spec["affected"]],
            # Judged below as of the day it was opened, not today.
            second_failure_rule=False,
        )
        if spec.get("second_failure"):
            # The client's cases in the story, as they stood that day: one
            # built earlier but opened later in the story does not count.
            if not second_failure_mark(case, parts=spec["parts"], at=opened):
                raise ValueError(
                    f"Demo case {spec['commitment']!r} is no second failure."
                )
            second_failure_alert(case)
        self.case_id = case.pk
        self.stamp(opened)
        # Dated now, before the story's records: a delivery is checked
        # against the day the case was opened (date_the_case does the rest).
        Case.objects.filter(pk=case.pk).update(opened_at=opened)
        target = Step(spec["step"])
        for step in WORKING_STEPS:
            getattr(self, f"work_{step}")()
            self.make_promises(step)
            if step == target:
                break
            if step == Step.FOLLOW_UP:
                self.close()
                break
            self.advance()
            if step == Step.ROOT_CAUSE and "send_back" in spec:
                self.send_back_and_redo()
        self.work_reports()
        self.comment_and_send_back()
        clock.check_all_moves_used()
        self.date_the_case()

    def advance(self) -> None:
        self.call(case_advance, versioned=True, at=self.clock.move())

    def send_back_and_redo(self) -> None:
        """The manager sends the pit stop back; the owner answers it again."""
        redo = self.spec["send_back"]
        self.call(
            case_send_back,
            versioned=True,
            by=self.manager,
            at=self.clock.move(),
            reason=redo["reason"],
        )
        self.call(
            root_cause_save,
            versioned=True,
            answers={
                question: (row["answer"], row["note"])
                for question, row in redo["answers"].items()
            },
            client_view=self.spec["client_view"],
            our_view=redo["our_view"],
            client_feeling=self.spec["client_feeling"],
        )
        self.advance()

    def comment_and_send_back(self) -> None:
        """The last words on an open case: comments (with @mentions), then
        perhaps the manager sending it back a step. Nobody has opened the
        case since, so their notices are still new to whom they concern."""
        for row in self.spec.get("comments", []):
            by = self.manager if row["by"] == "manager" else self.owner
            self.call(case_comment, by=by, text=row["text"])
        if reason := self.spec.get("send_back_last"):
            self.call(
                case_send_back,
                versioned=True,
                by=self.manager,
                at=self.clock.move(),
                reason=reason,
            )

    def close(self) -> None:
        at = self.clock.move(after_everything=True)
        spec = dict(self.spec["close"])
        if order := spec.pop("order", None):
            # Recovered on a new order, placed a few days before the closing.
            spec["order_on"] = timezone.localdate(at) - dt.timedelta(
                days=order["days_before_close"]
            )
            spec["order_value"] = Decimal(order["value"])
        if first := spec.pop("first_closed_as", None):
            # Closed, heard from the client, reopened, and closed on the answer.
            words = spec.pop("check_in_answer")
            reason = spec.pop("reopened_because")
            self.call(case_close, at=at, versioned=True, **{**spec, "outcome": first})
            spec["check_in_id"] = self.answer_yes(at, words).pk
            self.call(
                case_send_back,
                versioned=True,
                by=self.manager,
                at=self.clock.move(after_everything=True),
                reason=reason,
            )
            at = self.clock.move(after_everything=True)
        self.call(case_close, at=at, versioned=True, **spec)

    def answer_yes(self, closed_at: dt.datetime, words: str) -> CheckIn:
        """The first check-in of the closing, answered "would buy again" by
        the client a day later (as seed_check_ins answers the others)."""
        check_in = CheckIn.objects.filter(case_id=self.case_id).earliest("pk")
        check_in_answer(
            check_in_id=check_in.pk,
            nonce=check_in.nonce,
            score=5,
            buy_again=BuyAgain.YES,
            comment=words,
        )
        answered = closed_at + dt.timedelta(days=1)
        CheckIn.objects.filter(pk=check_in.pk).update(
            sent_at=closed_at, answered_at=answered
        )
        self.clock.cap(answered)
        self.stamp(answered)
        return check_in

    # What each step records.

    def work_acknowledge(self) -> None:
        """case_open recorded the dropped ball; then perhaps the quick word
        to the client (`acknowledged`), before the options are ready."""
        for talk in self.spec.get("acknowledged", []):
            when = self.clock.tick()
            self.call(
                client_contact_log,
                at=when,
                happened_at=when,
                channel=talk["channel"],
                people=[self.contact(name) for name in talk["people"]],
                summary=talk["summary"],
                reaction=talk.get("reaction", ""),
                manager_joined=False,
                boss_permission=BossPermission.NOT_ASKED,
            )

    def work_root_cause(self) -> None:
        spec = self.spec
        notes = spec.get("notes", {})
        answers = {
            question: (answer, notes.get(question, ""))
            for question, answer in zip(
                ROOT_CAUSE_QUESTIONS, spec["answers"].split(), strict=True
            )
            if answer != "-"
        }
        self.call(
            root_cause_save,
            versioned=True,
            answers=answers,
            client_view=spec["client_view"],
            our_view=spec["our_view"],
            client_feeling=spec["client_feeling"],
        )

    def work_options(self) -> None:
        for row in self.spec["options"]:
            option = self.call(
                option_add,
                description=row["description"],
                cost_to_us=Decimal(row["cost"]),
                time_to_deliver=row["time"],
                feasibility=row["feasibility"],
                chosen=row["chosen"] is True,
            )
            Option.objects.filter(pk=option.pk).update(created_at=self.last_at)
            if row["chosen"] == "later":
                self.call(option_choose, option_id=option.pk, chosen=True)

    def work_communicate(self) -> None:
        for person in self.spec.get("new_people", []):
            self.call(person_add, **person, affected=True)
        for talk in self.spec.get("contacts_log", []):
            when = self.clock.tick()
            self.call(
                client_contact_log,
                at=when,
                happened_at=when,
                channel=talk["channel"],
                people=[self.contact(name) for name in talk["people"]],
                summary=talk["summary"],
                reaction=talk["reaction"],
                manager_joined=talk.get("manager_joined", False),
                boss_permission=talk.get("boss_permission", BossPermission.NOT_ASKED),
            )

    def work_apologise(self) -> None:
        zone = WorkCalendar.for_team(self.team).zone
        for row in self.spec.get("apologies", []):
            when = self.clock.tick()
            # A check named in `checks` was ticked, with its note.
            checks = row.get("checks", {})
            ticks = {}
            for name, note in checks.items():
                ticks[name], ticks[f"{name}_note"] = True, note
            self.call(
                apology_record,
                at=when,
                contact=self.contact(row["to"]),
                method=row["method"],
                on_behalf=row["on_behalf"],
                asked_forgiveness=row["asked_forgiveness"],
                response=row["response"],
                apologised_on=when.astimezone(zone).date(),
                apologised_time=when.astimezone(zone).time(),
                **ticks,
            )

    def work_compensate(self) -> None:
        if "client_loss" in self.spec:
            self.call(
                client_loss_record,
                versioned=True,
                loss=Decimal(str(self.spec["client_loss"])),
            )
        if "none_due" in self.spec:
            self.call(
                compensation_none_due, versioned=True, reason=self.spec["none_due"]
            )
        for offer in self.spec.get("compensations", []):
            compensation = self.call(
                compensation_offer,
                kind=offer["kind"],
                description=offer["description"],
                value_to_client=Decimal(offer["value"]),
                cost_to_us=Decimal(offer["cost"]),
            )
            dates = {"created_at": self.last_at}
            if decision := offer.get("decide"):
                self.call(
                    compensation_decide,
                    versioned=True,
                    by=self.manager,
                    compensation_id=compensation.pk,
                    approve=decision["approve"],
                    note=decision["note"],
                )
                dates["decided_at"] = self.last_at
            Compensation.objects.filter(pk=compensation.pk).update(**dates)
            if offer.get("deliver"):
                when = self.clock.tick()
                self.call(
                    compensation_deliver,
                    at=when,
                    compensation_id=compensation.pk,
                    delivered_on=timezone.localdate(when),
                )

    def work_follow_up(self) -> None:
        for row in self.spec.get("follow_ups", []):
            due_on = self.clock.due(row)
            follow_up = self.call(
                follow_up_schedule, due_on=due_on, purpose=row["purpose"]
            )
            if status := row["status"]:
                late = status == FOLLOW_UP_LATE
                day = due_on + dt.timedelta(days=LATE_BY_DAYS if late else 0)
                settled = self.clock.on(day, 11 if late else 14)
                self.call(
                    follow_up_settle,
                    at=settled,
                    follow_up_id=follow_up.pk,
                    status=FollowUpStatus.DONE if late else status,
                    notes=row["notes"],
                )
                FollowUp.objects.filter(pk=follow_up.pk).update(settled_at=settled)

    def work_reports(self) -> None:
        """The cadence changed and the progress reports sent, in time order."""
        events = [
            (row["days_ago"], 1, row) for row in self.spec.get("progress_reports", [])
        ]
        if cadence := self.spec.get("report_cadence"):
            events.append((cadence["days_ago"], 0, cadence))
        today = timezone.localdate(self.clock.limit)
        for days_ago, is_report, row in sorted(events, key=lambda e: (-e[0], e[1])):
            when = self.clock.on(
                today - dt.timedelta(days=days_ago), 15 if is_report else 11
            )
            if not is_report:
                self.call(report_cadence_set, at=when, days=row["days"])
                continue
            report = self.call(
                progress_report_record,
                at=when,
                sent_at=when,
                channel=row["channel"],
                summary=row["summary"],
                people=[self.contact(name) for name in row["to"]],
                others=row.get("others", ""),
            )
            ProgressReport.objects.filter(pk=report.pk).update(created_at=when)

    def make_promises(self, step: Step) -> None:
        """Promises made in this step; settled on (or, if missed, after) the day."""
        for row in self.spec.get("promises", []):
            if row["step"] != step:
                continue
            due_on = self.clock.due(row)
            promise = self.call(
                promise_make, description=row["description"], due_on=due_on
            )
            dates = {"created_at": self.last_at}
            if (kept := row["kept"]) is not None:
                day = due_on if kept else due_on + dt.timedelta(days=1)
                settled = self.clock.on(day, 16 if kept else 10)
                self.call(promise_settle, at=settled, promise_id=promise.pk, kept=kept)
                dates["settled_at"] = settled
            Promise.objects.filter(pk=promise.pk).update(**dates)

    def date_the_case(self) -> None:
        """Move the case and its step periods to the demo's timeline."""
        times = self.clock.times
        periods = list(StepPeriod.objects.filter(case_id=self.case_id).order_by("pk"))
        if len(periods) != len(times):
            raise ValueError("Demo case moved a different number of times.")
        closed = self.spec["step"] == Step.CLOSED
        # Each period ends when the next begins; the closed period is a moment.
        ends = [*times[1:], times[-1] if closed else None]
        calendar = WorkCalendar.for_team(self.team)
        # A second failure's targets are tighter (Case.target_factor).
        factor = Case.objects.values_list("target_factor", flat=True).get(
            pk=self.case_id
        )
        for period, entered, completed in zip(periods, times, ends, strict=True):
            due_at = None
            if period.step != Step.CLOSED:
                due_at = deadlines(self.team, period.step, entered, factor=factor)[1]
            # Insights reads each finished visit's length in business hours.
            hours = None
            if completed is not None:
                hours = calendar.business_hours_between(entered, completed)
                hours = Decimal(f"{hours:.2f}")
            StepPeriod.objects.filter(pk=period.pk).update(
                entered_at=entered,
                completed_at=completed,
                due_at=due_at,
                business_hours=hours,
            )
        Case.objects.filter(pk=self.case_id).update(
            opened_at=times[0],
            step_entered_at=times[-1],
            closed_at=times[-1] if closed else None,
            updated_at=self.clock.latest,
        )
