"""The demo fills "What worked" (issue 23, item 3): at the default period,
every breakdown has at least two groups large enough to show a share, for
the Enterprise sales manager; the Midmarket one and the administrator see at
least two groups with their counts in each."""

import pytest

from cases.demo.loader import case_specs, demo_data
from cases.insights import Period, insights
from cases.models import Case, User

pytestmark = pytest.mark.django_db


def tables(username: str) -> dict:
    user = User.objects.get(username=username)
    return {t["key"]: t for t in insights(user, Period.last(90))["what_worked"]}


def test_every_breakdown_shows_shares_for_the_sales_manager(seeded):
    for key, table in tables("maria").items():
        rated = [g for g in table["groups"] if g.rated]
        assert len(rated) >= 2, key
        assert all(g.rate_text.endswith("%") for g in rated), key
    # The first word and the apology, early and late.
    contact = {g.key for g in tables("maria")["contact"]["groups"] if g.rated}
    assert {"contact_4", "contact_late"} <= contact
    apology = {g.key for g in tables("maria")["apology"]["groups"] if g.rated}
    assert {"apology_8", "apology_late"} <= apology
    # Compensation under and within the guideline, and some far above it.
    money = {g.key: g for g in tables("maria")["compensation"]["groups"]}
    assert money["under"].rated and money["meets"].rated
    assert money["far_above"].closed
    # Each check ticked on some apologies and not on others.
    checks = {g.key for g in tables("maria")["checks"]["groups"] if g.rated}
    assert {"named_impact_yes", "named_impact_no"} <= checks


def test_the_section_says_what_it_suggests_where_the_counts_bear_it(seeded):
    said = {key: t["suggestions"] for key, t in tables("maria").items()}
    assert said["second"] and said["apology"] and said["compensation"]


@pytest.mark.parametrize("username", ["tom", "admin"])
def test_the_other_manager_and_the_administrator_see_numbers_in_each(seeded, username):
    for key, table in tables(username).items():
        assert len(table["groups"]) >= 2, key


def test_every_shorter_case_was_built_and_closed(seeded):
    rows = demo_data()["worked_cases"]
    assert len(rows) >= 20
    specs = case_specs(demo_data())
    built = Case.objects.filter(
        commitment__in=[row["commitment"] for row in rows], step="closed"
    )
    assert built.count() == len(rows)
    assert (
        sum(1 for s in specs if s.get("second_failure"))
        == Case.objects.filter(second_failure=True).count()
    )
