"""case_for_page reads every record of a case once, with SQL compiled once."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.db.models import prefetch_related_objects
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import (
    BossPermission,
    Case,
    Channel,
    Promise,
    Role,
    TimelineEntry,
    User,
)
from cases.precompiled import Precompiled
from cases.selectors import CASE_RECORDS, case_for_page, may
from cases.services import promises, steps
from cases.workflow import Step
from tests.factories import TeamFactory, UserFactory, make_case, walk_to

pytestmark = pytest.mark.django_db

# What the page reaches through each record, besides its own fields.
RELATED = {
    "client_contacts": ["logged_by", "case"],
    "apologies": ["contact", "case"],
    "compensations": ["decided_by", "case"],
    "promises": ["made_by", "case"],
    "timeline": ["actor", "case"],
}


def case_with_every_record(owner) -> Case:
    case = walk_to(make_case(owner), Step.FOLLOW_UP, owner)
    today = timezone.localdate()
    steps.follow_up_schedule(
        case_id=case.pk, by=owner, due_on=today, purpose="Check the rollout"
    )
    promises.promise_make(
        case_id=case.pk,
        by=owner,
        description="Send the recording",
        due_on=today + dt.timedelta(days=2),
    )
    people = [
        steps.person_add(
            case_id=case.pk, by=owner, name=name, role="", email="", phone=""
        )
        for name in ("Zoe Buyer", "Adam Buyer")
    ]
    steps.client_contact_log(
        case_id=case.pk,
        by=owner,
        happened_at=timezone.now(),
        channel=Channel.MEETING,
        people=people,
        summary="Met both buyers.",
        reaction="Calmer.",
        manager_joined=True,
        boss_permission=BossPermission.NOT_ASKED,
    )
    return case


def as_orm_reads_it(case: Case) -> Case:
    case = Case.objects.get(pk=case.pk)
    prefetch_related_objects([case], *CASE_RECORDS, "client_contacts__people")
    return case


def fields(row) -> dict:
    return {k: v for k, v in row.__dict__.items() if not k.startswith("_")}


def test_every_record_is_what_the_orm_reads(account_manager, sales_manager):
    case = case_with_every_record(account_manager)
    page = case_for_page(account_manager, case.pk)
    expected = as_orm_reads_it(case)
    for name in CASE_RECORDS:
        got = list(getattr(page, name).all())
        want = list(getattr(expected, name).all())
        assert want, f"the test case has no {name}"
        assert [fields(row) for row in got] == [fields(row) for row in want], name
        for related in RELATED.get(name, []):
            assert [getattr(row, related) for row in got] == [
                getattr(row, related) for row in want
            ], f"{name}.{related}"
    people = [list(c.people.all()) for c in page.client_contacts.all()]
    assert [p.name for p in people[-1]] == ["Adam Buyer", "Zoe Buyer"]
    assert people == [list(c.people.all()) for c in expected.client_contacts.all()]


def test_the_page_reads_each_record_table_once(account_manager, sales_manager):
    case = case_with_every_record(account_manager)
    with CaptureQueriesContext(connection) as queries:
        page = case_for_page(account_manager, case.pk)
    read = len(queries)
    # Case, each record table, and the people of the client contacts.
    assert read == 1 + len(CASE_RECORDS) + 1
    with CaptureQueriesContext(connection) as queries:
        for name in CASE_RECORDS:
            for row in getattr(page, name).all():
                for related in RELATED.get(name, []):
                    getattr(row, related)
                if name == "client_contacts":
                    list(row.people.all())
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_two_cases_each_get_their_own_records(account_manager, sales_manager):
    first = case_with_every_record(account_manager)
    second = make_case(account_manager)
    promises.promise_make(
        case_id=second.pk,
        by=account_manager,
        description="Call back on Friday",
        due_on=timezone.localdate(),
    )
    for case in (first, second, first):
        page = case_for_page(account_manager, case.pk)
        assert {p.case_id for p in page.promises.all()} == {case.pk}
        assert [p.pk for p in page.promises.all()] == list(
            Promise.objects.filter(case=case).values_list("pk", flat=True)
        )
        assert {e.case_id for e in page.timeline.all()} == {case.pk}


def test_a_refined_relation_asks_the_database_about_this_case(
    account_manager, sales_manager
):
    case = case_with_every_record(account_manager)
    page = case_for_page(account_manager, case.pk)
    advanced = page.timeline.filter(kind="advanced")
    assert list(advanced) == list(
        TimelineEntry.objects.filter(case=case, kind="advanced")
    )
    assert advanced.exists()
    assert page.promises.count() == 1


def test_a_query_that_does_not_pass_its_ids_as_parameters_is_refused():
    ignores = Precompiled(lambda case_id: Case.objects.all())
    with pytest.raises(ValueError, match="used none"):
        ignores.fetch(1)
    # Written into the SQL, the marker would be run as it is.
    inline = Precompiled(
        lambda case_id: Case.objects.filter(pk=case_id).extra(  # noqa: S610 - on purpose
            where=[f"id = {case_id}"]
        )
    )
    with pytest.raises(ValueError, match="wrote one into the SQL"):
        inline.fetch(1)


def test_an_id_beyond_any_column_finds_nothing(account_manager, sales_manager):
    case = make_case(account_manager)
    assert CASE_RECORDS["timeline"].fetch(case.pk)
    assert CASE_RECORDS["timeline"].fetch(2**70) == []
    with pytest.raises(Case.DoesNotExist):
        case_for_page(account_manager, 2**70)


@pytest.mark.django_db(transaction=True)
def test_another_thread_reads_on_its_own_connection(account_manager, sales_manager):
    case = make_case(account_manager)
    timeline = CASE_RECORDS["timeline"]
    here = timeline.fetch(case.pk)  # compiled on this thread's connection
    there, failures = [], []

    def read():
        try:
            there.extend(timeline.fetch(case.pk))
        except Exception as error:  # reported below, with its type
            failures.append(error)
        finally:
            connection.close()

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    assert not failures, failures
    assert [e.pk for e in there] == [e.pk for e in here]


@pytest.mark.parametrize(
    "who, sees, works, manages",
    [
        ("account_manager", True, True, False),  # the owner
        ("teammate", True, False, False),
        ("sales_manager", True, True, True),
        ("administrator", True, True, True),
        ("outsider", False, False, False),
        ("other_manager", False, False, False),
        ("inactive_owner", False, False, False),
    ],
)
def test_the_page_knows_what_each_user_may_do(
    request, account_manager, sales_manager, who, sees, works, manages
):
    other_manager = UserFactory(
        username="olga", role=Role.SALES_MANAGER, teams=[TeamFactory(name="Retail")]
    )
    case = make_case(account_manager)
    if who == "inactive_owner":
        User.objects.filter(pk=account_manager.pk).update(is_active=False)
        user = User.objects.get(pk=account_manager.pk)
    elif who == "other_manager":
        user = other_manager
    else:
        user = request.getfixturevalue(who)
    for action, allowed in [("view", sees), ("work", works), ("manage", manages)]:
        assert may(user, case, action) is allowed, action
    # Twice: the second read runs the SQL the first one compiled.
    for _ in range(2):
        if not sees:
            with pytest.raises(Case.DoesNotExist):
                case_for_page(user, case.pk)
            continue
        page = case_for_page(user, case.pk)
        assert (page.may_work, page.may_manage) == (works, manages)
