"""Test data builders. Every object a test needs is made here."""

from decimal import Decimal

import factory
from django.utils import timezone

from cases.models import (
    ROOT_CAUSE_QUESTIONS,
    Answer,
    ApologyMethod,
    BossPermission,
    Case,
    Channel,
    Client,
    ClientFit,
    CompensationKind,
    Contact,
    FailureSource,
    Feasibility,
    FollowUpStatus,
    Membership,
    OnBehalf,
    OurPart,
    Outcome,
    PromiseStatus,
    Role,
    Segment,
    Severity,
    Team,
    User,
)
from cases.services import cases as services
from cases.services import compensation, promises, steps
from cases.workflow import ORDER, Step

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


# Recovery cases. Cases are opened and moved through the services, never
# saved directly, so a test that walks a case runs the real workflow rules.


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
            )
        for promise in case.promises.filter(status=PromiseStatus.OPEN):
            promises.promise_settle(
                case_id=case.pk, by=by, promise_id=promise.pk, kept=True
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
            services.case_close(
                case_id=case.pk,
                by=by,
                version=case.version,
                outcome=Outcome.RETAINED,
                lessons="Keep a second trainer on call.",
                client_fit=ClientFit.GOOD,
            )
        else:
            services.case_advance(case_id=case.pk, by=by)
        case.refresh_from_db()
    return case
