"""The demo's apologies: early acknowledgements and well-timed, checked
apologies on some cases, a late one on another, and a case in Root cause
where one affected person has not heard from us yet."""

import pytest

from cases.models import Apology, Case, User

pytestmark = pytest.mark.django_db


def case_of(commitment_start: str) -> Case:
    return Case.objects.get(commitment__startswith=commitment_start)


def test_well_timed_apologies_carry_their_three_checks(seeded):
    pellworth = case_of("Claims archive migrated")
    # Grace and Samuel were called within the hour of the case being logged.
    assert pellworth.acknowledged_hours is not None
    assert pellworth.acknowledged_hours < 3
    grace = Apology.objects.get(case=pellworth, contact__name="Grace Okafor")
    assert grace.named_impact and grace.owned_our_part and grace.fix_presented
    assert "board" in grace.named_impact_note
    fully = Apology.objects.filter(
        named_impact=True, owned_our_part=True, fix_presented=True
    )
    assert fully.values("case").distinct().count() >= 4
    # Every stored figure agrees with the apology it counts from.
    for case in Case.objects.filter(apology_hours__isnull=False):
        assert case.acknowledged_hours <= case.apology_hours


def test_the_late_apology_is_late_and_owned_little(seeded):
    late = case_of("Accessibility audit of the council")
    timely = case_of("Claims archive migrated")
    assert late.apology_hours > 3 * timely.apology_hours
    assert late.apology_hours > 40  # well past a working week
    rafael = Apology.objects.get(case=late, contact__name="Rafael Ortiz")
    assert (rafael.named_impact, rafael.owned_our_part, rafael.fix_presented) == (
        False,
        True,
        False,
    )


def test_a_demo_case_warns_of_someone_not_told_yet(seeded, client):
    northgate = case_of("Staff logins ready for the new Northgate")
    client.force_login(User.objects.get(username="alex"))
    html = client.get(northgate.get_absolute_url()).content.decode()
    assert "No word from us yet to Colin Frears" in html
    assert "Dr Nadia Hussain" in html
    assert northgate.acknowledged_hours is not None
