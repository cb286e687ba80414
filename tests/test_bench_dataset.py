"""The bench data set (tests/bench/dataset.py) looks like what the app writes:
a few hundred cases loaded by the same set-based SQL as `make bench`, then
their kept columns held against what the app's own services and selectors
work out for the same rows.

PostgreSQL only (the loader is PostgreSQL SQL); CI runs on PostgreSQL, where
this test must run, not skip.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F, Min
from django.utils import timezone

from cases.calendar import WorkCalendar
from cases.casework.timing import CHECKS, case_figures, person_timings
from cases.choices import Severity, Step
from cases.models import (
    Apology,
    Case,
    CasePart,
    CheckIn,
    ClientContact,
    Compensation,
    FollowUp,
    Promise,
    StepPeriod,
    User,
)
from cases.review.filters import CaseFilter
from cases.review.selectors import cases_for_review
from cases.workflow import ORDER
from tests.bench.dataset import PREFIX, TEAMS, Loader

pytestmark = pytest.mark.django_db

CASES = 300
SAMPLE = 25


@pytest.fixture
def loaded():
    if connection.vendor != "postgresql":
        pytest.skip("The bench loader is PostgreSQL SQL: set DATABASE_URL to postgres")
    now = timezone.now()
    loader = Loader(CASES, lambda line: None, now)
    loader.fill()
    cases = Case.objects.filter(team__name__in=TEAMS)
    assert cases.count() == CASES
    return loader, cases, now


def sample(queryset, size: int = SAMPLE):
    """Every k-th row, oldest to newest: open and closed, early and late steps."""
    rows = list(queryset.order_by("pk"))
    step = max(len(rows) // size, 1)
    return rows[::step][:size]


def test_the_clock_agrees_with_the_calendar_second_failures_included(loaded):
    loader, _, _ = loaded
    agree, compared = loader.check_clock(sample=80)
    assert compared > 0 and agree == compared


def test_search_finds_a_case_by_its_client_and_number_through_the_list_filter(
    loaded,
):
    _, cases, _ = loaded
    manager = User.objects.get(username=f"{PREFIX}manager")
    for case in sample(cases.select_related("client")):
        expected = "\n".join([case.client.name, case.commitment, case.what_happened])
        assert case.search_text == expected.lower()  # the bench's words: no accents
        words = case.client.name.split()
        for q in (f"{words[0]} {case.pk}", f"{words[1].lower()} #{case.pk}"):
            found = CaseFilter({"q": q}, cases_for_review(manager), user=manager).qs
            assert case in found, q
        cause = case.what_happened.split()[2]
        found = CaseFilter({"q": cause}, cases_for_review(manager), user=manager).qs
        assert case in found


def test_first_contact_is_the_earliest_contact_logged(loaded):
    _, cases, _ = loaded
    rows = cases.annotate(earliest=Min("client_contacts__happened_at"))
    assert rows.filter(earliest__isnull=False).exists()
    assert rows.filter(earliest__isnull=True).exists()  # not every case has one
    for case in rows:
        assert case.first_contact_at == case.earliest


def test_dated_records_carry_their_case_team(loaded):
    _, cases, _ = loaded
    for model in (StepPeriod, Promise, FollowUp, Compensation, CheckIn):
        rows = model.objects.filter(case__in=cases)
        if model is not CheckIn:  # the bench sends no check-ins
            assert rows.exists(), model.__name__
        assert not rows.exclude(team_id=F("case__team_id")).exists(), model.__name__


def test_parts_know_whether_their_case_is_open(loaded):
    _, cases, _ = loaded
    parts = CasePart.objects.filter(case__in=cases)
    assert parts.filter(of_open_case=True).exists()
    assert parts.filter(of_open_case=False).exists()
    assert not parts.filter(of_open_case=True, case__step=Step.CLOSED).exists()
    assert not parts.filter(of_open_case=False).exclude(case__step=Step.CLOSED).exists()


def test_contacts_record_the_step_they_were_logged_in(loaded):
    _, cases, _ = loaded
    contacts = ClientContact.objects.filter(case__in=cases).select_related("case")
    assert {c.logged_in_step for c in contacts} == {Step.ACKNOWLEDGE, Step.COMMUNICATE}
    for contact in sample(contacts, 60):
        period = StepPeriod.objects.get(
            case=contact.case,
            entered_at__lte=contact.happened_at,
            completed_at__gt=contact.happened_at,
        )
        assert contact.logged_in_step == period.step
        assert list(contact.people.all()) == list(contact.case.contacts.all())


def test_apologies_tick_checks_with_notes_in_the_apologise_step_or_after(loaded):
    _, cases, now = loaded
    apologies = Apology.objects.filter(case__in=cases).select_related("case__team")
    assert apologies.exists()
    ticked = dict.fromkeys(CHECKS, 0)
    zones = {}
    for apology in apologies:
        case = apology.case
        assert ORDER.index(Step(case.step)) >= ORDER.index(Step.APOLOGISE)
        assert apology.contact in case.contacts.all()
        assert case.detected_at < apology.apologised_at <= now
        if case.team_id not in zones:
            zones[case.team_id] = WorkCalendar.for_team(case.team).zone
        zone = zones[case.team_id]
        assert apology.apologised_on == apology.apologised_at.astimezone(zone).date()
        for name in CHECKS:
            note = getattr(apology, f"{name}_note")
            assert bool(note) == getattr(apology, name), name  # a tick has its note
            ticked[name] += getattr(apology, name)
    assert all(0 < count < len(apologies) for count in ticked.values())


def test_hours_to_the_first_word_and_apology_are_the_apps(loaded):
    _, cases, now = loaded
    rows = cases.select_related("team").prefetch_related(
        "contacts", "client_contacts__people", "apologies"
    )
    chosen = sample(rows.filter(apology_hours__isnull=False)) + sample(
        rows.filter(apology_hours__isnull=True)
    )
    assert any(case.acknowledged_hours is None for case in chosen)
    calendar = WorkCalendar.for_team(chosen[0].team)
    for case in chosen:
        acknowledged, apology = case_figures(person_timings(case, calendar, now))
        for stored, app in (
            (case.acknowledged_hours, acknowledged),
            (case.apology_hours, apology),
        ):
            assert (stored is None) == (app is None), case.pk
            if app is not None:
                assert abs(stored - app) <= Decimal("0.01"), case.pk


def test_second_failures_are_a_share_at_least_high_with_their_earlier_case(loaded):
    _, cases, _ = loaded
    second = list(cases.filter(second_failure=True).select_related("team"))
    assert 0.03 * CASES < len(second) < 0.2 * CASES
    high = {Severity.HIGH, Severity.CRITICAL}
    assert all(case.severity in high for case in second)
    assert any(case.severity_raised_from for case in second)
    assert all(
        case.severity_raised_from in {"", Severity.LOW, Severity.MEDIUM}
        for case in second
    )
    for case in second:
        assert case.damage_guidance
        assert case.target_factor == case.team.second_failure_factor
        if case.earlier_case_id is None:
            assert case.second_failure_found == []
            continue
        earlier = Case.objects.get(pk=case.earlier_case_id)
        assert earlier.client_id == case.client_id
        assert earlier.opened_at <= case.opened_at
        assert case.second_failure_found[0]["case"] == earlier.pk
    others = cases.filter(second_failure=False)
    assert not others.exclude(severity_raised_from="").exists()
    assert not others.exclude(target_factor=1).exists()
    assert not others.filter(earlier_case__isnull=False).exists()
