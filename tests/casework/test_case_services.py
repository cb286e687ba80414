"""Opening, editing, moving and closing cases; and who may touch which case."""

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from cases.casework.services import cases as services
from cases.casework.services import steps
from cases.casework.services.repeat_business import team_today
from cases.choices import (
    ROOT_CAUSE_QUESTIONS,
    Answer,
    ClientFit,
    FailureSource,
    Feasibility,
    OurPart,
    Outcome,
    Role,
    Severity,
    Step,
)
from cases.exceptions import (
    AlreadySubmitted,
    ConcurrentEdit,
    NotAllowed,
    StepIncomplete,
    TransitionNotAllowed,
    WrongStep,
)
from cases.models import Case, Client, Option, OutboxMessage, StepPeriod, Submission
from tests.factories import (
    ClientFactory,
    ContactFactory,
    UserFactory,
    case_in_step,
    make_case,
    version_of,
)


@pytest.fixture
def client_(team):
    return ClientFactory(team=team, name="Northwind")


@pytest.fixture
def case(account_manager, sales_manager, client_):
    return make_case(account_manager, client=client_)


def open_case(by, team, **fields):
    values = {
        "client": None,
        "commitment": "Deliver 40 laptops by Friday",
        "what_happened": "The supplier shipped to the wrong warehouse.",
        "severity": Severity.MEDIUM,
    }
    values.update(fields)
    return services.case_open(by=by, team=team, **values)


def kinds(case):
    return list(case.timeline.order_by("at", "id").values_list("kind", flat=True))


def reload(case):
    return Case.objects.get(pk=case.pk)


# case_open


def test_open_starts_the_case_in_acknowledge_owned_by_its_author(
    account_manager, sales_manager, team, client_
):
    case = open_case(account_manager, team, client=client_)
    assert case.step == Step.ACKNOWLEDGE
    assert case.owner == account_manager
    assert case.team == team
    assert case.client == client_
    assert case.version == 1
    period = StepPeriod.objects.get(case=case)
    assert period.step == Step.ACKNOWLEDGE
    assert period.completed_at is None


def test_open_records_the_case_and_the_alert_on_the_timeline(
    account_manager, sales_manager, team, client_
):
    case = open_case(account_manager, team, client=client_)
    assert kinds(case) == ["logged", "manager_alerted"]
    alert = case.timeline.get(kind="manager_alerted")
    assert str(sales_manager) in alert.summary
    assert case.timeline.get(kind="logged").actor == account_manager


def test_open_queues_the_alert_for_the_teams_sales_manager_only(
    account_manager, teammate, sales_manager, team, other_team, client_
):
    UserFactory(role=Role.SALES_MANAGER, teams=[other_team])
    case = open_case(account_manager, team, client=client_)
    message = OutboxMessage.objects.get()
    assert message.case == case
    assert message.kind == "case_logged"
    assert message.recipient == sales_manager
    assert message.status == "pending"


def test_open_alerts_an_administrator_when_the_team_has_no_sales_manager(
    account_manager, administrator, team, client_
):
    case = open_case(account_manager, team, client=client_)
    message = OutboxMessage.objects.get(case=case)
    assert message.kind == "case_logged"
    assert message.recipient == administrator


def test_open_creates_a_new_client_by_name_in_the_team(
    account_manager, sales_manager, team
):
    case = open_case(account_manager, team, new_client_name="  Contoso  ")
    assert case.client.name == "Contoso"
    assert case.client.team == team
    assert Client.objects.filter(name="Contoso").count() == 1


def test_open_reuses_a_client_of_the_same_name(
    account_manager, sales_manager, team, client_
):
    case = open_case(account_manager, team, new_client_name="Northwind")
    assert case.client == client_
    assert Client.objects.count() == 1


def test_open_refuses_a_client_of_another_team(
    account_manager, sales_manager, team, other_team
):
    theirs = ClientFactory(team=other_team, name="Fabrikam")
    with pytest.raises(NotAllowed, match="another team"):
        open_case(account_manager, team, client=theirs)
    assert not Case.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_open_saves_the_acknowledge_details_given(
    account_manager, sales_manager, team, client_
):
    dana = ContactFactory(client=client_, name="Dana")
    case = open_case(
        account_manager,
        team,
        client=client_,
        failure_source=FailureSource.EXTERNAL,
        parts=[OurPart.NO_BACKUP, OurPart.NO_BUFFER],
        contacts=[dana],
    )
    assert case.failure_source == FailureSource.EXTERNAL
    assert set(case.parts.values_list("part", flat=True)) == {"no_backup", "no_buffer"}
    assert list(case.contacts.all()) == [dana]


def test_opening_twice_with_the_same_submission_key_saves_one_case(
    account_manager, sales_manager, team, client_
):
    key = uuid.uuid4()
    open_case(account_manager, team, client=client_, submission_key=key)
    with pytest.raises(AlreadySubmitted):
        open_case(account_manager, team, client=client_, submission_key=key)
    assert Case.objects.count() == 1
    assert Submission.objects.filter(key=key).count() == 1
    assert OutboxMessage.objects.count() == 1


def test_adding_an_option_twice_with_the_same_submission_key_saves_one(
    account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    key = uuid.uuid4()
    values = {
        "case_id": case.pk,
        "by": account_manager,
        "description": "A loaner unit",
        "cost_to_us": Decimal("10"),
        "time_to_deliver": "1 day",
        "feasibility": Feasibility.HIGH,
        "submission_key": key,
    }
    steps.option_add(**values)
    with pytest.raises(AlreadySubmitted):
        steps.option_add(**values)
    assert Option.objects.filter(case=case).count() == 1
    assert case.timeline.filter(kind="option").count() == 1


# case_advance


def test_advance_refuses_an_incomplete_step_and_says_what_is_missing(
    account_manager, sales_manager, client_
):
    case = make_case(account_manager, client=client_, acknowledged=False)
    with pytest.raises(StepIncomplete) as refused:
        services.case_advance(
            case_id=case.pk, by=account_manager, version=version_of(case)
        )
    assert refused.value.missing == [
        "Say where the failure came from (source of the failure).",
        "Tick at least one box under “our part in it”.",
        "Name at least one affected person at the client.",
    ]
    stored = reload(case)
    assert stored.step == Step.ACKNOWLEDGE
    assert stored.version == case.version
    assert not stored.timeline.filter(kind="advanced").exists()
    assert stored.periods.count() == 1


def test_advance_moves_a_complete_step_on_and_records_it(case, account_manager):
    before = case.step_entered_at
    services.case_advance(case_id=case.pk, by=account_manager, version=version_of(case))

    stored = reload(case)
    assert stored.step == Step.ROOT_CAUSE
    assert stored.step_entered_at > before
    assert stored.version == case.version + 1
    assert stored.updated_by == account_manager
    entry = stored.timeline.get(kind="advanced")
    assert entry.actor == account_manager
    assert entry.changes == [
        {"field": "Step", "old": "Acknowledge", "new": "Root cause"}
    ]


def test_advance_closes_the_step_period_and_opens_the_next(case, account_manager):
    services.case_advance(case_id=case.pk, by=account_manager, version=version_of(case))
    acknowledge = StepPeriod.objects.get(case=case, step=Step.ACKNOWLEDGE)
    root_cause = StepPeriod.objects.get(case=case, step=Step.ROOT_CAUSE)
    assert acknowledge.completed_at is not None
    assert acknowledge.completed_at == root_cause.entered_at
    assert root_cause.completed_at is None


def test_advance_refuses_to_skip_a_step(case, account_manager):
    # Work of later steps cannot be recorded ahead of time, so it cannot
    # carry the case past the next step either.
    with pytest.raises(WrongStep, match="belongs to the Root cause step"):
        steps.root_cause_save(
            case_id=case.pk,
            by=account_manager,
            version=case.version,
            answers={key: (Answer.YES, "") for key in ROOT_CAUSE_QUESTIONS},
            client_view="They lost a week.",
            our_view="We double-booked.",
            client_feeling="",
        )
    with pytest.raises(WrongStep, match="belongs to the Options step"):
        steps.option_add(
            case_id=case.pk,
            by=account_manager,
            description="A loaner unit",
            cost_to_us=Decimal("10"),
            time_to_deliver="1 day",
            feasibility=Feasibility.HIGH,
            chosen=True,
        )
    services.case_advance(case_id=case.pk, by=account_manager, version=version_of(case))
    assert reload(case).step == Step.ROOT_CAUSE
    assert not case.root_cause_answers.exists() and not case.options.exists()
    assert StepPeriod.objects.filter(case=case).count() == 2


def test_advance_from_follow_up_asks_for_closing_instead(
    account_manager, sales_manager
):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    steps.follow_up_schedule(
        case_id=case.pk,
        by=account_manager,
        due_on=timezone.localdate(),
        purpose="Check in",
    )
    follow_up = case.follow_ups.get()
    steps.follow_up_settle(
        case_id=case.pk,
        by=account_manager,
        follow_up_id=follow_up.pk,
        status="done",
        notes="",
    )
    with pytest.raises(NotAllowed, match="Close the case"):
        services.case_advance(
            case_id=case.pk, by=account_manager, version=version_of(case)
        )
    assert reload(case).step == Step.FOLLOW_UP


def test_advance_refuses_a_closed_case(account_manager, sales_manager):
    case = case_in_step(Step.CLOSED, owner=account_manager)
    with pytest.raises(TransitionNotAllowed):
        services.case_advance(
            case_id=case.pk, by=account_manager, version=version_of(case)
        )
    assert reload(case).step == Step.CLOSED


def test_a_teammate_cannot_advance_someone_elses_case(case, teammate):
    with pytest.raises(Case.DoesNotExist):
        services.case_advance(case_id=case.pk, by=teammate, version=version_of(case))
    assert reload(case).step == Step.ACKNOWLEDGE


def test_the_sales_manager_can_advance_a_team_case(case, sales_manager):
    services.case_advance(case_id=case.pk, by=sales_manager, version=version_of(case))
    assert reload(case).step == Step.ROOT_CAUSE


# case_send_back


def test_an_account_manager_cannot_send_back_even_their_own_case(
    account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    with pytest.raises(Case.DoesNotExist):
        services.case_send_back(
            case_id=case.pk, by=account_manager, reason="Redo", version=version_of(case)
        )
    assert reload(case).step == Step.OPTIONS


def test_the_sales_manager_sends_back_with_a_reason_on_the_timeline(
    account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    services.case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="Ask the client first.",
        version=version_of(case),
    )
    stored = reload(case)
    assert stored.step == Step.ROOT_CAUSE
    entry = stored.timeline.get(kind="sent_back")
    assert entry.actor == sales_manager
    assert "Ask the client first." in entry.summary
    assert entry.changes == [{"field": "Step", "old": "Options", "new": "Root cause"}]


def test_send_back_closes_the_step_period_and_opens_a_new_visit(
    account_manager, sales_manager
):
    case = case_in_step(Step.OPTIONS, owner=account_manager)
    services.case_send_back(
        case_id=case.pk, by=sales_manager, reason="Redo", version=version_of(case)
    )
    options = StepPeriod.objects.get(case=case, step=Step.OPTIONS)
    assert options.completed_at is not None
    visits = StepPeriod.objects.filter(case=case, step=Step.ROOT_CAUSE)
    assert visits.count() == 2
    assert visits.filter(completed_at__isnull=True).count() == 1
    assert StepPeriod.objects.filter(case=case, completed_at__isnull=True).count() == 1


def test_an_administrator_can_send_back_any_case(
    account_manager, administrator, sales_manager
):
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager)
    services.case_send_back(
        case_id=case.pk, by=administrator, reason="Redo", version=version_of(case)
    )
    assert reload(case).step == Step.ACKNOWLEDGE


def test_a_sales_manager_of_another_team_cannot_send_back(
    account_manager, other_team, sales_manager
):
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager)
    stranger = UserFactory(role=Role.SALES_MANAGER, teams=[other_team])
    with pytest.raises(Case.DoesNotExist):
        services.case_send_back(
            case_id=case.pk, by=stranger, reason="Redo", version=version_of(case)
        )
    assert reload(case).step == Step.ROOT_CAUSE


# case_close


def close(case, by, **overrides):
    values = {
        "outcome": Outcome.RECOVERED,
        "lessons": "Confirm the trainer's calendar the day before.",
        "client_fit": ClientFit.GOOD,
        "order_on": team_today(case),
        "order_value": Decimal("2400.00"),
    }
    values.update(overrides)
    return services.case_close(
        case_id=case.pk, by=by, version=reload(case).version, **values
    )


@pytest.fixture
def ready_to_close(account_manager, sales_manager):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    follow_up = steps.follow_up_schedule(
        case_id=case.pk,
        by=account_manager,
        due_on=timezone.localdate(),
        purpose="Check in",
    )
    steps.follow_up_settle(
        case_id=case.pk,
        by=account_manager,
        follow_up_id=follow_up.pk,
        status="done",
        notes="They ordered again.",
    )
    return reload(case)


def test_close_records_outcome_lessons_and_fit(ready_to_close, account_manager):
    close(ready_to_close, account_manager)
    stored = reload(ready_to_close)
    assert stored.step == Step.CLOSED
    assert stored.outcome == Outcome.RECOVERED
    assert stored.lessons == "Confirm the trainer's calendar the day before."
    assert stored.client_fit == ClientFit.GOOD
    assert stored.closed_at is not None
    entry = stored.timeline.get(kind="closed")
    assert entry.summary == "Closed the case: Recovered: the client bought again."
    closed = StepPeriod.objects.get(case=stored, step=Step.CLOSED)
    assert closed.completed_at == closed.entered_at
    assert not stored.periods.filter(completed_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("missing_field", "message"),
    [
        ("outcome", "Choose the outcome."),
        ("lessons", "Write the lessons learned."),
        ("client_fit", "Give the client-fit verdict."),
    ],
)
def test_close_needs_outcome_lessons_and_client_fit(
    ready_to_close, account_manager, missing_field, message
):
    with pytest.raises(StepIncomplete) as refused:
        close(ready_to_close, account_manager, **{missing_field: ""})
    assert refused.value.missing == [message]
    stored = reload(ready_to_close)
    assert stored.step == Step.FOLLOW_UP
    assert stored.outcome == ""
    assert stored.version == ready_to_close.version


def test_close_needs_the_follow_ups_settled(account_manager, sales_manager):
    case = case_in_step(Step.FOLLOW_UP, owner=account_manager)
    steps.follow_up_schedule(
        case_id=case.pk,
        by=account_manager,
        due_on=timezone.localdate(),
        purpose="Check in",
    )
    with pytest.raises(StepIncomplete) as refused:
        close(case, account_manager)
    assert refused.value.missing == ["Mark 1 scheduled follow-up done or missed."]
    assert reload(case).step == Step.FOLLOW_UP


def test_close_is_refused_before_follow_up(account_manager, sales_manager):
    case = case_in_step(Step.COMPENSATE, owner=account_manager)
    with pytest.raises(NotAllowed, match="belongs to the Follow up step"):
        close(case, account_manager)
    stored = reload(case)
    assert stored.step == Step.COMPENSATE
    assert stored.outcome == ""


def test_a_closed_case_takes_no_more_step_records(account_manager, sales_manager):
    case = case_in_step(Step.CLOSED, owner=account_manager)
    with pytest.raises(NotAllowed, match="closed"):
        steps.follow_up_schedule(
            case_id=case.pk,
            by=account_manager,
            due_on=timezone.localdate(),
            purpose="One more",
        )
    assert case.follow_ups.count() == 1


def test_the_details_of_a_closed_case_cannot_be_edited(account_manager, sales_manager):
    case = case_in_step(Step.CLOSED, owner=account_manager)
    with pytest.raises(NotAllowed, match="closed"):
        services.case_update_details(
            case_id=case.pk,
            by=account_manager,
            version=case.version,
            commitment="Rewritten after the fact",
            what_happened=case.what_happened,
            severity=Severity.LOW,
            promised_on=None,
            detected_at=case.detected_at,
            failure_source=FailureSource.CLIENT,
            parts=[OurPart.NO_BUFFER],
            contacts=list(case.contacts.all()),
        )
    stored = reload(case)
    assert stored.commitment == case.commitment
    assert stored.severity == Severity.HIGH
    assert stored.version == case.version
    assert not stored.timeline.filter(kind="edited").exists()


# Optimistic locking: a save based on an older copy is refused and changes nothing.


def test_editing_details_with_a_stale_version_is_refused(
    case, account_manager, sales_manager
):
    stale = case.version

    def edit(by, commitment):
        return services.case_update_details(
            case_id=case.pk,
            by=by,
            version=stale,
            commitment=commitment,
            what_happened=case.what_happened,
            severity=case.severity,
            promised_on=None,
            detected_at=case.detected_at,
            failure_source=case.failure_source,
            parts=[OurPart.NO_BUFFER],
            contacts=list(case.contacts.all()),
        )

    edit(sales_manager, "Training on 12 March")
    with pytest.raises(ConcurrentEdit) as refused:
        edit(account_manager, "Training on 13 March")

    assert sales_manager.get_full_name() in str(refused.value)
    stored = reload(case)
    assert stored.commitment == "Training on 12 March"
    assert stored.version == stale + 1
    assert stored.updated_by == sales_manager
    assert stored.timeline.filter(kind="edited").count() == 1


def test_editing_details_records_old_and_new_values(case, account_manager):
    services.case_update_details(
        case_id=case.pk,
        by=account_manager,
        version=case.version,
        commitment=case.commitment,
        what_happened=case.what_happened,
        severity=Severity.CRITICAL,
        promised_on=None,
        detected_at=case.detected_at,
        failure_source=FailureSource.INDIVIDUAL,
        parts=[OurPart.NO_BUFFER, OurPart.EAGER_YES],
        contacts=list(case.contacts.all()),
    )
    entry = reload(case).timeline.get(kind="edited")
    assert entry.changes == [
        {
            "field": "Severity",
            "old": "High: the client's business is hurt",
            "new": "Critical: the account is at risk",
        },
        {
            "field": "Source of the failure",
            "old": "Our process or product",
            "new": "An individual on our side",
        },
        {
            "field": "Our part in it",
            "old": "No buffer in the promise",
            "new": "No buffer in the promise, "
            "Said yes out of eagerness when the answer was no",
        },
    ]


def test_saving_root_cause_with_a_stale_version_is_refused(
    account_manager, sales_manager
):
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager)
    stale = case.version
    question = next(iter(ROOT_CAUSE_QUESTIONS))

    def save(by, our_view):
        return steps.root_cause_save(
            case_id=case.pk,
            by=by,
            version=stale,
            answers={question: (Answer.NO, "Nothing written down.")},
            client_view="They lost a week.",
            our_view=our_view,
            client_feeling="",
        )

    save(sales_manager, "Double booking.")
    with pytest.raises(ConcurrentEdit):
        save(account_manager, "Bad luck.")

    stored = reload(case)
    assert stored.our_view == "Double booking."
    assert stored.version == stale + 1
    assert stored.root_cause_answers.count() == 1


def test_closing_with_a_stale_version_is_refused(
    ready_to_close, account_manager, sales_manager
):
    stale = ready_to_close.version
    services.case_update_details(
        case_id=ready_to_close.pk,
        by=sales_manager,
        version=stale,
        commitment="Deliver the training, and invite them to the user day",
        what_happened=ready_to_close.what_happened,
        severity=ready_to_close.severity,
        promised_on=ready_to_close.promised_on,
        detected_at=ready_to_close.detected_at,
        failure_source=ready_to_close.failure_source,
        parts=list(ready_to_close.parts.values_list("part", flat=True)),
        contacts=list(ready_to_close.contacts.all()),
    )
    with pytest.raises(ConcurrentEdit):
        services.case_close(
            case_id=ready_to_close.pk,
            by=account_manager,
            version=stale,
            outcome=Outcome.RECOVERED,
            lessons="Done.",
            client_fit=ClientFit.GOOD,
            order_on=team_today(ready_to_close),
            order_value=Decimal("2400.00"),
        )
    stored = reload(ready_to_close)
    assert stored.step == Step.FOLLOW_UP
    assert stored.outcome == ""
    assert stored.closed_at is None
    assert not stored.timeline.filter(kind="closed").exists()


# Who may do what: Case.objects.for_user.


def visible(user, action):
    return set(Case.objects.for_user(user, action).values_list("pk", flat=True))


def test_the_owner_can_view_and_work_their_case_but_not_manage_it(
    case, account_manager
):
    assert visible(account_manager, "view") == {case.pk}
    assert visible(account_manager, "work") == {case.pk}
    assert visible(account_manager, "manage") == set()


def test_a_teammate_can_view_but_not_work_the_case(case, teammate):
    assert visible(teammate, "view") == {case.pk}
    assert visible(teammate, "work") == set()
    assert visible(teammate, "manage") == set()


def test_an_outsider_sees_nothing(case, outsider):
    for action in ("view", "work", "manage"):
        assert visible(outsider, action) == set()


def test_the_teams_sales_manager_can_view_work_and_manage(case, sales_manager):
    for action in ("view", "work", "manage"):
        assert visible(sales_manager, action) == {case.pk}


def test_a_sales_manager_of_another_team_sees_nothing(case, other_team):
    stranger = UserFactory(role=Role.SALES_MANAGER, teams=[other_team])
    for action in ("view", "work", "manage"):
        assert visible(stranger, action) == set()


def test_an_administrator_sees_every_team_for_every_action(
    case, outsider, other_team, administrator
):
    theirs = make_case(outsider, team=other_team)
    for action in ("view", "work", "manage"):
        assert visible(administrator, action) == {case.pk, theirs.pk}


def test_the_administrator_role_without_superuser_sees_every_case(case):
    admin = UserFactory(role=Role.ADMINISTRATOR)
    assert visible(admin, "manage") == {case.pk}


def test_anonymous_and_inactive_users_see_nothing(case, account_manager):
    assert not Case.objects.for_user(AnonymousUser()).exists()
    assert not Case.objects.for_user(None).exists()
    account_manager.is_active = False
    account_manager.save()
    assert visible(account_manager, "view") == set()


def test_an_unknown_action_is_a_programming_error(case, account_manager):
    with pytest.raises(ValueError, match="unknown action"):
        Case.objects.for_user(account_manager, "delete")


def test_send_back_needs_a_reason(account_manager, sales_manager):
    case = case_in_step(Step.ROOT_CAUSE, owner=account_manager)
    with pytest.raises(NotAllowed):
        services.case_send_back(
            case_id=case.pk, by=sales_manager, reason="  ", version=version_of(case)
        )
    assert Case.objects.get(pk=case.pk).step == Step.ROOT_CAUSE


def test_case_open_ignores_contacts_of_another_client(account_manager, sales_manager):
    elsewhere = ContactFactory(client=ClientFactory(name="Someone else"))
    case = make_case(account_manager, contacts=[elsewhere])
    assert list(case.contacts.all()) == []
