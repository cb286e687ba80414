"""The apology, timed and checked: hours from detection to each affected
person's acknowledgement and full apology, the one-business-day warning, and
the three checks of the full apology (page, service and API)."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.calendar import WorkCalendar
from cases.casework.services import steps
from cases.casework.services.cases import case_advance, case_update_details
from cases.casework.services.contacts import ERASED_NAME, contact_erase
from cases.casework.timing import case_figures, person_timings
from cases.choices import ApologyMethod, BossPermission, Channel, OnBehalf, Step
from cases.exceptions import NotAllowed, StepIncomplete
from cases.models import Apology, Case, ClientContact
from tests.factories import (
    ContactFactory,
    TeamFactory,
    UserFactory,
    case_in_step,
    version_of,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Wednesday 24 December 2025, 15:00 in London: Christmas Day and Boxing Day
# (Thursday, Friday) and the weekend follow, so the next working day is
# Monday 29 December. The team works 09:00-17:30, 8.5 h a day.
DETECTED = dt.datetime(2025, 12, 24, 15, 0, tzinfo=LONDON)


def london(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 12, day, hour, minute, tzinfo=LONDON)


@pytest.fixture
def london_team():
    return TeamFactory(
        name="London",
        time_zone="Europe/London",
        holiday_country="GB",
        holiday_subdivision="ENG",
    )


@pytest.fixture
def owner(london_team):
    UserFactory(username="manager", role="sales_manager", teams=[london_team])
    return UserFactory(username="owner", teams=[london_team])


def christmas_case(step, owner, **kwargs) -> Case:
    return case_in_step(step, owner=owner, at=DETECTED, **kwargs)


def talk(case, owner, when, people):
    return steps.client_contact_log(
        case_id=case.pk,
        by=owner,
        happened_at=when,
        channel=Channel.CALL,
        people=people,
        summary="Called to say we know and are on it.",
        reaction="",
        manager_joined=False,
        boss_permission=BossPermission.NOT_ASKED,
    )


CHECKS = {
    "named_impact": True,
    "named_impact_note": "Their rollout slipped a week",
    "owned_our_part": True,
    "owned_our_part_note": "We booked the trainer twice",
    "fix_presented": True,
    "fix_presented_note": "Senior trainer on Monday",
}


def apologise(case, owner, contact, day, at=None, **checks):
    return steps.apology_record(
        case_id=case.pk,
        by=owner,
        contact=contact,
        method=ApologyMethod.CALL,
        on_behalf=OnBehalf.COMPANY,
        asked_forgiveness=True,
        response="Accepted.",
        apologised_on=day,
        apologised_time=at,
        **checks,
    )


def test_hours_are_counted_over_christmas_and_the_weekend_as_worked_by_hand(owner):
    case = christmas_case(Step.ROOT_CAUSE, owner)
    dana = case.contacts.get()
    # Wednesday 15:00-17:30 is 2.5 h; Thursday to Sunday are closed; Monday
    # 09:00-10:00 is 1 h more: 3.5 h.
    talk(case, owner, london(29, 10), [dana])
    case.refresh_from_db()
    assert case.acknowledged_hours == Decimal("3.50")
    assert case.apology_hours is None
    # The full apology on Tuesday at 11:30: 2.5 + 8.5 (all Monday) + 2.5 h.
    Case.objects.filter(pk=case.pk).update(step=Step.APOLOGISE)
    apologise(case, owner, dana, dt.date(2025, 12, 30), dt.time(11, 30), **CHECKS)
    case.refresh_from_db()
    assert case.apology_hours == Decimal("13.50")
    assert case.acknowledged_hours == Decimal("3.50")
    apology = case.apologies.get()
    assert apology.apologised_at == london(30, 11, 30)
    assert apology.apologised_on == dt.date(2025, 12, 30)


def test_the_first_of_any_affected_person_counts_and_an_apology_acknowledges(owner):
    case = christmas_case(Step.APOLOGISE, owner)
    dana = case.contacts.get()
    eve = ContactFactory(client=case.client, name="Eve Buyer")
    case.contacts.add(eve)
    # Eve hears first by the apology itself, on Monday at 12:00: 2.5 + 3 h.
    apologise(case, owner, eve, dt.date(2025, 12, 29), dt.time(12, 0))
    case.refresh_from_db()
    # Dana was called at detection (the factory's Communicate contact).
    assert case.acknowledged_hours == Decimal("0.00")
    assert case.apology_hours == Decimal("5.50")
    calendar = WorkCalendar.for_team(case.team)
    rows = {r.contact: r for r in person_timings(case, calendar, timezone.now())}
    assert rows[dana].acknowledged_how == "Phone call"
    assert rows[dana].apology is None and rows[dana].apology_hours is None
    assert rows[eve].acknowledged_how == "the apology"
    assert rows[eve].acknowledged_hours == Decimal("5.50")
    assert rows[eve].checks_ticked == 0
    assert case_figures(list(rows.values())) == (Decimal("0.00"), Decimal("5.50"))


def test_a_contact_naming_nobody_or_someone_not_affected_acknowledges_nobody(owner):
    case = christmas_case(Step.ROOT_CAUSE, owner)
    bystander = ContactFactory(client=case.client, name="Finance Desk")
    talk(case, owner, london(29, 10), [])
    talk(case, owner, london(29, 11), [bystander])
    case.refresh_from_db()
    assert case.acknowledged_hours is None


def test_the_one_business_day_mark_skips_the_holidays(owner):
    case = christmas_case(Step.ROOT_CAUSE, owner)
    calendar = WorkCalendar.for_team(case.team)
    # 2.5 h on Wednesday, then 6 h of Monday: Monday 15:00.
    before = person_timings(case, calendar, london(29, 14, 59))
    after = person_timings(case, calendar, london(29, 15, 1))
    assert before[0].acknowledge_by == london(29, 15)
    assert not before[0].late and after[0].late


def page(client, case):
    response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_warning_shows_until_the_person_hears_from_us(client, owner):
    case = christmas_case(Step.ROOT_CAUSE, owner)
    dana = case.contacts.get()
    client.force_login(owner)
    html = page(client, case)
    assert 'data-testid="acknowledge-warning"' in html
    assert "No word from us yet to Dana Client" in html
    assert "No word yet" in html
    # The early acknowledgement, from the Root cause step's own form.
    response = client.post(
        reverse("case_action", args=[case.pk, "client_contact"]),
        {
            "client_contact-submission_key": str(uuid.uuid4()),
            "client_contact-happened_at": "2025-12-29T16:00",
            "client_contact-channel": Channel.CALL,
            "client_contact-people": [dana.pk],
            "client_contact-summary": "We know, it is ours, more tomorrow.",
            "client_contact-boss_permission": BossPermission.NOT_ASKED,
        },
    )
    assert response.status_code == 302
    html = page(client, case)
    assert 'data-testid="acknowledge-warning"' not in html
    assert "after a day" in html  # 16:00 is past Monday 15:00
    case.refresh_from_db()
    assert case.acknowledged_hours == Decimal("9.50")  # 2.5 + 7


def test_no_warning_within_the_first_business_day(client, owner):
    case = case_in_step(Step.ACKNOWLEDGE, owner=owner, complete=True)
    client.force_login(owner)
    html = page(client, case)
    assert 'data-testid="apology-timing"' in html
    assert 'data-testid="acknowledge-warning"' not in html
    assert "Not yet: by" in html


def test_an_early_acknowledgement_does_not_complete_communicate(owner):
    case = case_in_step(Step.OPTIONS, owner=owner, complete=True)
    # The Options step's records are there; the early word comes first.
    ClientContact.objects.filter(case=case).delete()
    talk(case, owner, timezone.now(), list(case.contacts.all()))
    assert case.client_contacts.get().logged_in_step == Step.OPTIONS
    case_advance(case_id=case.pk, by=owner, version=version_of(case))
    with pytest.raises(StepIncomplete) as refused:
        case_advance(case_id=case.pk, by=owner, version=version_of(case))
    assert refused.value.missing == ["Log at least one contact with the client."]
    talk(case, owner, timezone.now(), list(case.contacts.all()))
    assert case_advance(case_id=case.pk, by=owner, version=version_of(case)).step
    assert Case.objects.get(pk=case.pk).step == Step.APOLOGISE


def apology_post(client, case, **fields):
    data = {
        "submission_key": str(uuid.uuid4()),
        "contacts": [c.pk for c in case.contacts.all()],
        "method": ApologyMethod.CALL,
        "on_behalf": OnBehalf.COMPANY,
        "apologised_on": timezone.localdate().isoformat(),
        "response": "They accepted.",
        **fields,
    }
    return client.post(
        reverse("case_action", args=[case.pk, "apology"]),
        {f"apology-{k}": v for k, v in data.items()},
    )


def test_a_tick_without_its_note_is_refused_and_everything_typed_is_kept(client, owner):
    case = case_in_step(Step.APOLOGISE, owner=owner)
    client.force_login(owner)
    response = apology_post(
        client,
        case,
        named_impact="on",
        named_impact_note="  ",
        owned_our_part="on",
        owned_our_part_note="We double-booked",
        fix_presented_note="The fix is not ready yet",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "You ticked “It named how they were affected”" in html
    assert "We double-booked" in html and "The fix is not ready yet" in html
    assert "They accepted." in html
    assert not Apology.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).apology_hours is None


def test_the_three_checks_are_saved_with_their_notes(client, owner):
    case = case_in_step(Step.APOLOGISE, owner=owner)
    client.force_login(owner)
    response = apology_post(
        client,
        case,
        named_impact="on",
        named_impact_note="A week of their rollout lost",
        owned_our_part="on",
        owned_our_part_note="We booked the trainer twice",
        fix_presented_note="Not shown yet: the trainer is confirmed tomorrow",
    )
    assert response.status_code == 302
    apology = Apology.objects.get(case=case)
    assert (apology.named_impact, apology.owned_our_part) == (True, True)
    assert apology.fix_presented is False
    assert apology.named_impact_note == "A week of their rollout lost"
    assert apology.fix_presented_note.startswith("Not shown yet")
    html = page(client, case)
    assert "2 of 3 checks" in html
    assert "A week of their rollout lost" in html
    case.refresh_from_db()
    assert case.apology_hours is not None


def test_a_time_later_today_is_refused(client, owner):
    case = case_in_step(Step.APOLOGISE, owner=owner)
    client.force_login(owner)
    later = (timezone.now() + dt.timedelta(hours=2)).astimezone(LONDON)
    response = apology_post(
        client,
        case,
        apologised_on=later.date().isoformat(),
        apologised_time=later.strftime("%H:%M"),
    )
    assert response.status_code == 200
    assert "The apology cannot be in the future." in response.content.decode()
    assert not Apology.objects.filter(case=case).exists()


def test_the_service_refuses_a_tick_without_a_note(owner):
    case = case_in_step(Step.APOLOGISE, owner=owner)
    with pytest.raises(NotAllowed):
        apologise(
            case,
            owner,
            case.contacts.get(),
            timezone.localdate(),
            fix_presented=True,
            fix_presented_note="",
        )
    assert not Apology.objects.filter(case=case).exists()


def queries_for_page(client, case) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(case.get_absolute_url()).status_code == 200
    return len(queries)


def heard_and_apologised(case, owner, people):
    for person in people:
        ClientContact.objects.create(
            case=case,
            happened_at=london(29, 10),
            channel=Channel.CALL,
            summary="Told them.",
            logged_by=owner,
        ).people.set([person])
        Apology.objects.create(
            case=case,
            contact=person,
            method=ApologyMethod.CALL,
            on_behalf=OnBehalf.COMPANY,
            apologised_on=dt.date(2025, 12, 30),
            apologised_at=london(30, 10),
            named_impact=True,
            named_impact_note="Named it",
        )


@pytest.mark.parametrize("step", [Step.ROOT_CAUSE, Step.APOLOGISE, Step.FOLLOW_UP])
def test_the_case_page_asks_as_many_queries_however_many_people(client, owner, step):
    """One affected person or five, each heard and apologised to: the table
    and the warning are drawn from what the page read up front."""
    client.force_login(owner)
    one = christmas_case(step, owner)
    heard_and_apologised(one, owner, list(one.contacts.all()))
    many = christmas_case(step, owner)
    people = [ContactFactory(client=many.client, name=f"P {n}") for n in range(4)]
    many.contacts.add(*people)
    heard_and_apologised(many, owner, list(many.contacts.all()))
    late = christmas_case(step, owner)  # nobody heard anything: the warning
    late.contacts.add(*[ContactFactory(client=late.client) for _ in range(3)])
    ClientContact.objects.filter(case=late).delete()
    Apology.objects.filter(case=late).delete()
    heard_and_apologised(late, owner, [])
    queries_for_page(client, one)  # warm the session and caches
    counts = [queries_for_page(client, case) for case in (one, many, one)]
    assert counts[0] == counts[1] == counts[2]
    # Without any contact logged, the people of contacts are not asked for.
    assert queries_for_page(client, late) <= counts[0]


def test_erasing_a_contact_scrubs_their_name_from_the_apology_notes(owner):
    case = case_in_step(Step.APOLOGISE, owner=owner)
    dana = case.contacts.get()
    apologise(
        case,
        owner,
        dana,
        timezone.localdate(),
        named_impact=True,
        named_impact_note="Dana Client lost a week of rollout",
    )
    admin = UserFactory(role="administrator", is_staff=True)
    contact_erase(contact_id=dana.pk, by=admin)
    note = Apology.objects.get(case=case).named_impact_note
    assert note == f"{ERASED_NAME} lost a week of rollout"


def test_moving_when_we_found_out_moves_the_figures(owner):
    case = christmas_case(Step.ROOT_CAUSE, owner)
    talk(case, owner, london(29, 10), list(case.contacts.all()))
    case.refresh_from_db()
    assert case.acknowledged_hours == Decimal("3.50")
    case_update_details(
        case_id=case.pk,
        by=owner,
        version=version_of(case),
        commitment=case.commitment,
        what_happened=case.what_happened,
        severity=case.severity,
        promised_on=case.promised_on,
        detected_at=london(29, 9),  # found out on Monday morning instead
        failure_source=case.failure_source,
        parts=list(case.parts.values_list("part", flat=True)),
        contacts=list(case.contacts.all()),
    )
    case.refresh_from_db()
    assert case.acknowledged_hours == Decimal("1.00")
