"""Test data builders. Every object a test needs is made here."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from cases.calendar import deadlines
from cases.casework.services import cases as services
from cases.casework.services import compensation, promises, steps
from cases.casework.services.repeat_business import team_today
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    Answer,
    ApologyMethod,
    BossPermission,
    Channel,
    ClientFit,
    CompensationKind,
    FailureSource,
    Feasibility,
    FollowUpStatus,
    NotificationKind,
    OnBehalf,
    OurPart,
    Outcome,
    PromiseStatus,
    Role,
    Segment,
    Severity,
    Step,
)
from cases.guideline import guideline_for
from cases.models import (
    Apology,
    Case,
    CasePart,
    Client,
    ClientContact,
    Compensation,
    Contact,
    FollowUp,
    Membership,
    Option,
    OutboxMessage,
    RootCauseAnswer,
    StepPeriod,
    Team,
    TimelineEntry,
    User,
)
from cases.models.search import search_text_refresh
from cases.notifications.record import Owed, managers_of
from cases.workflow import ORDER

PASSWORD = "correct-horse-battery"


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.ACCOUNT_MANAGER
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def teams(self, create, extracted, **kwargs):
        if create and extracted:
            for team in extracted:
                Membership.objects.create(user=self, team=team)


# Recovery cases opened and moved through the services: a test that walks a
# case runs the real workflow rules. To start a test in a later step, use
# case_in_step below.


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        django_get_or_create = ["team", "name"]

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    segment = Segment.MIDMARKET
    annual_value = None


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    role = "Buyer"
    email = factory.LazyAttribute(
        lambda c: f"{c.name.lower().replace(' ', '.')}@client.example.com"
    )


def make_case(
    owner: User,
    *,
    team: Team | None = None,
    client: Client | None = None,
    acknowledged: bool = True,
    **fields,
) -> Case:
    """Open a case as `owner` through case_open.

    With `acknowledged`, the Acknowledge step's data is filled in (source of the
    failure, our part, one affected person); the step is complete once the team
    has someone to alert (a sales manager, or an administrator).
    """
    team = team or owner.teams.first()
    client = client or ClientFactory(team=team)
    values = {
        "commitment": "Deliver the training on the new ordering system",
        "what_happened": "The trainer was double-booked and did not come.",
        "severity": Severity.HIGH,
    }
    if acknowledged:
        values.update(
            failure_source=FailureSource.PROCESS,
            parts=[OurPart.NO_BUFFER],
            contacts=[ContactFactory(client=client, name="Dana Client")],
        )
    values.update(fields)
    # The second-failure rule would raise the severity and tighten the
    # targets of every further case a test opens for one client; the tests
    # of that rule (tests/casework/test_second_failure.py) turn it on.
    values.setdefault("second_failure_rule", False)
    return services.case_open(by=owner, team=team, client=client, **values)


def fill_step(case: Case, by: User) -> None:
    """Record, through the services, what the case's current step needs."""
    case = Case.objects.get(pk=case.pk)
    step = Step(case.step)
    today = timezone.localdate()
    if step == Step.ACKNOWLEDGE:
        if not case.contacts.exists():
            steps.person_add(
                case_id=case.pk, by=by, name="Dana Client", role="", email="", phone=""
            )
            case.refresh_from_db()
        services.case_update_details(
            case_id=case.pk,
            by=by,
            version=case.version,
            commitment=case.commitment,
            what_happened=case.what_happened,
            severity=case.severity,
            promised_on=case.promised_on,
            detected_at=case.detected_at,
            failure_source=case.failure_source or FailureSource.PROCESS,
            parts=list(case.parts.values_list("part", flat=True))
            or [OurPart.NO_BUFFER],
            contacts=list(case.contacts.all()),
        )
    elif step == Step.ROOT_CAUSE:
        steps.root_cause_save(
            case_id=case.pk,
            by=by,
            version=case.version,
            answers={key: (Answer.PARTLY, "") for key in ROOT_CAUSE_QUESTIONS},
            client_view="They lost a week of rollout.",
            our_view="We booked the trainer twice.",
            client_feeling="Let down.",
        )
    elif step == Step.OPTIONS:
        steps.option_add(
            case_id=case.pk,
            by=by,
            description="Send our senior trainer on Monday",
            cost_to_us=Decimal("200"),
            time_to_deliver="3 days",
            feasibility=Feasibility.HIGH,
            chosen=True,
        )
    elif step == Step.COMMUNICATE:
        steps.client_contact_log(
            case_id=case.pk,
            by=by,
            happened_at=timezone.now(),
            channel=Channel.CALL,
            people=list(case.contacts.all()),
            summary="Called to explain and offer Monday.",
            reaction="Relieved.",
            manager_joined=False,
            boss_permission=BossPermission.NOT_ASKED,
        )
    elif step == Step.APOLOGISE:
        apologised = set(case.apologies.values_list("contact_id", flat=True))
        for contact in case.contacts.exclude(pk__in=apologised):
            steps.apology_record(
                case_id=case.pk,
                by=by,
                contact=contact,
                method=ApologyMethod.CALL,
                on_behalf=OnBehalf.COMPANY,
                asked_forgiveness=True,
                response="Accepted.",
                apologised_on=today,
            )
    elif step == Step.COMPENSATE:
        # Worth 100 to the client, 25 to us: under any sensible threshold.
        offer = compensation.compensation_offer(
            case_id=case.pk,
            by=by,
            kind=CompensationKind.TRAINING,
            description="An extra advanced session",
            value_to_client=Decimal("100"),
            cost_to_us=Decimal("25"),
        )
        compensation.compensation_deliver(
            case_id=case.pk, by=by, compensation_id=offer.pk, delivered_on=today
        )
    elif step == Step.FOLLOW_UP:
        if not case.follow_ups.exists():
            steps.follow_up_schedule(
                case_id=case.pk, by=by, due_on=today, purpose="Check in after training"
            )
        for follow_up in case.follow_ups.filter(status=FollowUpStatus.SCHEDULED):
            steps.follow_up_settle(
                case_id=case.pk,
                by=by,
                follow_up_id=follow_up.pk,
                status=FollowUpStatus.DONE,
                notes="Went well.",
                # Used only when it is due later (done early needs a reason).
                early_reason="The client asked to meet sooner.",
            )
        for promise in case.promises.filter(status=PromiseStatus.OPEN):
            promises.promise_settle(
                case_id=case.pk,
                by=by,
                promise_id=promise.pk,
                kept=True,
                early_reason="Done ahead of the date.",
            )


def version_of(case: Case) -> int:
    """The case's version as stored now: what a freshly drawn page posts with
    a move, a hand-over or a decision (the services require it)."""
    return Case.objects.get(pk=case.pk).version


def close_case(
    case: Case,
    by: User,
    outcome: str = Outcome.RECOVERED,
    *,
    order_on: dt.date | None = None,
    order_value: Decimal | None = None,
    check_in_id: int | None = None,
) -> Case:
    """Close a case in Follow up through the service, as its page would, with
    lessons and a good fit (its check-ins, if any, go out as on the page).

    "Recovered" rests on a new order of 1,000.00 today unless told otherwise
    (the order, or a check-in answer of the case)."""
    if outcome == Outcome.RECOVERED and check_in_id is None:
        order_on = order_on or team_today(case)
        order_value = order_value or Decimal("1000.00")
    return services.case_close(
        case_id=case.pk,
        by=by,
        version=version_of(case),
        outcome=outcome,
        lessons="Keep a second trainer on call.",
        client_fit=ClientFit.GOOD,
        order_on=order_on,
        order_value=order_value,
        check_in_id=check_in_id,
    )


def walk_to(case: Case, step: Step, by: User) -> Case:
    """Fill in each step and move the case on until it reaches `step`.

    Reaching Closed closes the case (outcome, lessons, client fit). Returns the
    case as stored.
    """
    case = Case.objects.get(pk=case.pk)
    if ORDER.index(Step(step)) < ORDER.index(Step(case.step)):
        raise ValueError(f"{case.step} is already past {step}")
    while case.step != step:
        fill_step(case, by)
        case.refresh_from_db()
        if case.step == Step.FOLLOW_UP:
            close_case(case, by, Outcome.RETAINED)
        else:
            services.case_advance(
                case_id=case.pk, by=by, step=case.step, version=case.version
            )
        case.refresh_from_db()
    return case


# Cases already in a step, written row by row: no services walk them there, so
# a test of Compensate starts at Compensate. Each earlier step holds the
# records its completion rule asks for (cases.workflow.COMPLETION), so the case
# could have got there; test_factories checks that it could.


def case_in_step(
    step: Step,
    *,
    owner: User | None = None,
    team: Team | None = None,
    client: Client | None = None,
    contacts: list[Contact] | None = None,
    complete: bool = False,
    at: dt.datetime | None = None,
    **fields,
) -> Case:
    """A case in `step`, with what every earlier step needed on record.

    Without an owner, a new team with an account manager (the owner) and a
    sales manager is made. The team needs someone to alert, a sales manager or
    an administrator, as the case was: it is alerted (an outbox row), else the
    case could not have left Acknowledge. With `complete`, the current step's
    records are written too, so the case may move on. Every step is entered
    and finished at `at` (now by default); `fields` override the case's own.
    Returns the case as stored.
    """
    step = Step(step)
    at = at or timezone.now()
    if owner is None:
        team = team or TeamFactory()
        owner = UserFactory(role=Role.ACCOUNT_MANAGER, teams=[team])
        UserFactory(role=Role.SALES_MANAGER, teams=[team])
    team = team or owner.teams.first()
    managers = managers_of(Case(team=team))
    if step != Step.ACKNOWLEDGE and not managers:
        raise ValueError(
            f"{team} has no sales manager or administrator to alert, so no case "
            "of theirs could leave Acknowledge."
        )
    client = client or ClientFactory(team=team)
    reached = ORDER.index(step)
    done = ORDER[: reached + 1] if complete or step == Step.CLOSED else ORDER[:reached]

    values = {
        "commitment": "Deliver the training on the new ordering system",
        "what_happened": "The trainer was double-booked and did not come.",
        "severity": Severity.HIGH,
        "detected_at": at,
        "opened_at": at,
        "step_entered_at": at,
    }
    if Step.ACKNOWLEDGE in done:
        values["failure_source"] = FailureSource.PROCESS
    if Step.ROOT_CAUSE in done:
        values.update(
            client_view="They lost a week of rollout.",
            our_view="We booked the trainer twice.",
            client_feeling="Let down.",
        )
    if step == Step.CLOSED:
        values.update(
            outcome=Outcome.RETAINED,
            lessons="Keep a second trainer on call.",
            client_fit=ClientFit.GOOD,
            closed_at=at,
        )
    values.update(fields)
    warn_at, due_at = deadlines(team, step, values["step_entered_at"])
    case = Case.objects.create(
        team=team,
        owner=owner,
        client=client,
        step=step,
        step_warn_at=warn_at,
        step_due_at=due_at,
        updated_by=owner,
        **values,
    )
    search_text_refresh(Case.objects.filter(pk=case.pk))
    StepPeriod.objects.bulk_create(
        StepPeriod(
            case=case,
            step=visited,
            entered_at=at,
            completed_at=at if visited != step or step == Step.CLOSED else None,
            due_at=deadlines(team, visited, at)[1],
        )
        for visited in ORDER[: reached + 1]
    )
    TimelineEntry.objects.create(
        case=case, at=at, actor=owner, kind="logged", summary="Logged the dropped ball."
    )
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            case=case,
            kind=NotificationKind.CASE_LOGGED,
            recipient=manager,
            dedupe_key=Owed(
                case, NotificationKind.CASE_LOGGED, manager, "alert"
            ).dedupe_key,
            due_at=at,
            created_at=at,
        )
        for manager in managers
    )
    if Step.ACKNOWLEDGE in done:
        CasePart.objects.create(
            case=case, part=OurPart.NO_BUFFER, of_open_case=step != Step.CLOSED
        )
        if contacts is None:
            contacts = [ContactFactory(client=client, name="Dana Client")]
    case.contacts.set(contacts or [])
    _write_records(case, done, at)
    return Case.objects.get(pk=case.pk)


def _write_records(case: Case, done: list[Step], at: dt.datetime) -> None:
    """The records each step in `done` needs, as the step's services write them."""
    contacts = list(case.contacts.all())
    day = timezone.localdate(at)
    if Step.ROOT_CAUSE in done:
        RootCauseAnswer.objects.bulk_create(
            RootCauseAnswer(case=case, question=key, answer=Answer.PARTLY)
            for key in ROOT_CAUSE_QUESTIONS
        )
    if Step.OPTIONS in done:
        Option.objects.create(
            case=case,
            description="Send our senior trainer on Monday",
            cost_to_us=Decimal("200"),
            time_to_deliver="3 days",
            feasibility=Feasibility.HIGH,
            chosen=True,
            created_at=at,
        )
    if Step.COMMUNICATE in done:
        talk = ClientContact.objects.create(
            case=case,
            happened_at=at,
            channel=Channel.CALL,
            summary="Called to explain and offer Monday.",
            reaction="Relieved.",
            logged_by=case.owner,
        )
        talk.people.set(contacts)
        steps.first_contact_refresh(case_ids=[case.pk])
    if Step.APOLOGISE in done:
        Apology.objects.bulk_create(
            Apology(
                case=case,
                contact=contact,
                method=ApologyMethod.CALL,
                on_behalf=OnBehalf.COMPANY,
                asked_forgiveness=True,
                response="Accepted.",
                apologised_on=day,
                apologised_at=at,
            )
            for contact in contacts
        )
    if Step.COMPENSATE in done:
        # Worth 100 to the client, 25 to us: under any sensible threshold.
        Compensation.objects.create(
            case=case,
            offered_by=case.owner,
            kind=CompensationKind.TRAINING,
            description="An extra advanced session",
            value_to_client=Decimal("100"),
            cost_to_us=Decimal("25"),
            guideline=guideline_for(case).amount,
            delivered_on=day,
            created_at=at,
        )
    if Step.FOLLOW_UP in done:
        FollowUp.objects.create(
            case=case,
            due_on=day,
            purpose="Check in after training",
            status=FollowUpStatus.DONE,
            notes="Went well.",
            settled_at=at,
        )
