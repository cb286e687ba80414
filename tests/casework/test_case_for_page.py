"""case_for_page: what a user may see and do on a case, and every record the
page shows, read up front."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.casework.selectors import case_for_page, may
from cases.casework.services import (
    confirmations,
    promise_page,
    promises,
    reports,
    steps,
)
from cases.casework.services.attachments import attachment_add
from cases.casework.services.cases import case_advance
from cases.choices import BossPermission, Channel, CheckInRound, Role, Step
from cases.models import Apology, Case, CheckIn, Promise, TimelineEntry, User
from tests.casework.files import PDF, upload
from tests.factories import (
    TeamFactory,
    UserFactory,
    case_in_step,
    make_case,
    version_of,
    walk_to,
)

pytestmark = pytest.mark.django_db

# What the page shows of a case, by relation name: each one's records and
# what the page reaches through each record, besides its own fields.
RECORDS = {
    "contacts": [],
    "parts": [],
    "root_cause_answers": [],
    "options": [],
    "follow_ups": [],
    "client_contacts": ["logged_by", "case"],
    "apologies": ["contact", "case"],
    "compensations": ["decided_by", "case"],
    "promises": ["made_by", "case"],
    "timeline": ["actor", "case"],
    "progress_reports": ["sent_by", "case"],
    "promise_shares": ["created_by", "revoked_by", "case"],
    "attachments": ["uploaded_by", "contact", "compensation", "case"],
    "confirmations": ["sent_by", "case"],
    "check_ins": ["contact", "case"],
}


def case_with_every_record(owner) -> Case:
    """A case in Follow up; two people met in Communicate, each with an apology."""
    case = case_in_step(Step.COMMUNICATE, owner=owner)
    today = timezone.localdate()
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
    case_advance(case_id=case.pk, by=owner, version=version_of(case))
    case = walk_to(case, Step.FOLLOW_UP, owner)
    # Apologies are listed by moment: one a day, so the order is not a tie.
    for days, apology in enumerate(case.apologies.order_by("-pk")):
        Apology.objects.filter(pk=apology.pk).update(
            apologised_on=today - dt.timedelta(days=days),
            apologised_at=timezone.now() - dt.timedelta(days=days),
        )
    steps.follow_up_schedule(
        case_id=case.pk, by=owner, due_on=today, purpose="Check the rollout"
    )
    promises.promise_make(
        case_id=case.pk,
        by=owner,
        description="Send the recording",
        due_on=today + dt.timedelta(days=2),
    )
    promise_page.promise_page_share(case_id=case.pk, by=owner, days=30)
    reports.progress_report_record(
        case_id=case.pk,
        by=owner,
        sent_at=timezone.now(),
        channel=Channel.EMAIL,
        summary="The recording is on its way.",
        people=people,
    )
    attachment_add(
        case_id=case.pk,
        by=owner,
        file=upload("minutes.pdf", PDF),
        contact_id=people[0].pk,
    )
    confirmations.confirmation_send(
        case_id=case.pk,
        by=owner,
        version=version_of(case),
        subject="The recording",
        body="As agreed on the call.",
        contacts=[c for c in case.contacts.all() if c.email],
        promises=[],
    )
    # Check-ins from an earlier closing (the case was reopened since).
    for n, person in enumerate(people):
        CheckIn.objects.create(
            case=case,
            contact=person,
            round=CheckInRound.AT_CLOSE,
            sent_at=timezone.now() - dt.timedelta(days=2 - n),
            nonce=f"n{n}",
        )
    return case


def test_every_record_is_read_as_the_orm_reads_it(account_manager, sales_manager):
    case = case_with_every_record(account_manager)
    page = case_for_page(account_manager, case.pk)
    for name in RECORDS:
        got = [row.pk for row in getattr(page, name).all()]
        assert got, f"the test case has no {name}"
        assert got == list(getattr(case, name).values_list("pk", flat=True)), name
    people = [list(c.people.all()) for c in page.client_contacts.all()]
    assert [p.name for p in people[-1]] == ["Adam Buyer", "Zoe Buyer"]


def test_the_page_reads_every_record_up_front(account_manager, sales_manager):
    case = case_with_every_record(account_manager)
    with CaptureQueriesContext(connection) as queries:
        page = case_for_page(account_manager, case.pk)
    # The case with the user's rights, each record table, the people of the
    # client contacts, of the progress reports and of the confirmations, the
    # pauses of the current step visit, the files of the timeline's entries,
    # and the team's closure days (its calendar: step clock, apology timings).
    assert len(queries) == 1 + len(RECORDS) + 3 + 1 + 1 + 1
    with CaptureQueriesContext(connection) as queries:
        for name, related in RECORDS.items():
            for row in getattr(page, name).all():
                for field in related:
                    getattr(row, field)
                if name in ("client_contacts", "progress_reports"):
                    list(row.people.all())
                if name == "timeline":
                    list(row.attachments.all())
                if name == "confirmations":
                    list(row.contacts.all())
        page.client, page.owner, page.team  # noqa: B018 - read to count queries
        list(page.team.closure_days.all())
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_the_case_page_template_asks_nothing_more(
    client, account_manager, sales_manager
):
    """Once the case is read, drawing its page asks only for the few things
    outside it (the session, the forms' choice lists), however many records."""
    case = case_with_every_record(account_manager)
    client.force_login(account_manager)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(case.get_absolute_url()).status_code == 200
    tables = " ".join(q["sql"] for q in queries)
    for table in ("cases_timelineentry", "cases_promise", "cases_clientcontact"):
        assert tables.count(f'FROM "{table}"') == 1, table


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
    # Two of the timeline's entries: the filter is not answered by the
    # timeline read up front.
    added = page.timeline.filter(kind="person")
    assert list(added) == list(TimelineEntry.objects.filter(case=case, kind="person"))
    assert added.count() == 2
    assert page.promises.count() == 1


@pytest.mark.parametrize("pk", [0, 2**31, 2**62])
def test_an_id_no_case_has_finds_nothing(account_manager, sales_manager, pk):
    make_case(account_manager)
    with pytest.raises(Case.DoesNotExist):
        case_for_page(account_manager, pk)


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
    if not sees:
        with pytest.raises(Case.DoesNotExist):
            case_for_page(user, case.pk)
        return
    page = case_for_page(user, case.pk)
    assert (page.may_work, page.may_manage) == (works, manages)
