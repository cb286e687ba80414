"""Insights, "What worked" (issue 23, item 3), against figures worked out by
hand. June 2026 is the period. Twelve cases of team North close in it:

  case  failure  outcome    1st word  apology  checks (impact owned fix)  says
  c1    first    recovered   2 h       6 h     y y y                      yes, not sure
  c2    first    recovered   3 h      20 h     y y y                      yes
  c3    first    recovered  10 h      30 h     n y y                      yes, no
  c4    first    recovered   4 h       8 h     y y y                      -
  c5    first    recovered   6 h       -       -                          not sure
  c6    first    retained   20 h      50 h     y y y and y y n (2 people) yes
  c7    first    lost        -         -       -                          no
  c8    second   recovered   1 h       5 h     y y y                      yes
  c9    second   retained    5 h      12 h     y n y                      unanswered
  c10   second   lost        7 h      24 h     y y y                      no
  c11   second   lost        8 h      40 h     n n y                      -
  c12   second   parted     16 h       -       -                          yes

  case  part(s)                   given (floor, loss)    verdict
  c1    no_buffer, misunderstood  1000 (800, -)          within
  c2    no_buffer                 offer still pending    none given
  c3    misunderstood             300 (800, -)           under
  c4    -                         500 (500, -)           within
  c5    no_buffer                 -                      none given
  c6    no_backup                 2000 (500, 1000)       far above
  c7    no_buffer                 -                      none given
  c8    no_buffer                 900 (500, 1000)        within
  c9    no_buffer                 700 (500, 2000)        under
  c10   eager_yes                 200 + 200 (500, 600)   under
  c11   no_buffer                 -                      none given
  c12   no_buffer                 -                      none given

c7 closes at 00:00 on 1 June and c12 at 23:59 on 30 June: both inside. Not
counted: a case closed at 23:59 on 31 May, one at 00:00 on 1 July, an open
case, and another team's case closed in June (all recovered second failures
with every check ticked, so counting one would change the figures below).

The verdicts (cases.guideline.judge; bar = max(floor, 60% of loss), ceiling =
max(2 x floor, 150% of loss)): c1 1000 in [800, 1600]; c4 500 in [500, 1000];
c8 900 in [max(500, 600), max(1000, 1500)]; c3 300 < 800; c9 700 < max(500,
1200); c10 400 < 600 (the highest floor of its two offers; its declined 5000
offer is not counted); c6 2000 > max(1000, 1500).
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.choices import BuyAgain, CheckInRound, Outcome, Role, Step
from cases.insights import Period, insights
from cases.insights.worked import Group, suggestion
from cases.models import Apology, Case, CasePart, CheckIn, Compensation
from tests.factories import ClientFactory, ContactFactory, TeamFactory, UserFactory
from tests.insights.test_client_words import closed_case

pytestmark = pytest.mark.django_db

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
R, K, L, P = Outcome.RECOVERED, Outcome.RETAINED, Outcome.LOST, Outcome.PARTED
YES, NO, UNSURE = BuyAgain.YES, BuyAgain.NO, BuyAgain.NOT_SURE
ALL = (True, True, True)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


def closed(owner, client, outcome, when, *, second=False, ack=None, apology=None):
    return closed_case(
        owner,
        client,
        outcome,
        when,
        second_failure=second,
        acknowledged_hours=None if ack is None else Decimal(ack),
        apology_hours=None if apology is None else Decimal(apology),
    )


def apologise(case, *checks):
    for impact, owned, fix in checks:
        Apology.objects.create(
            case=case,
            contact=ContactFactory(client=case.client),
            method="call",
            on_behalf="company",
            named_impact=impact,
            owned_our_part=owned,
            fix_presented=fix,
        )


def parts(case, *names):
    CasePart.objects.bulk_create(CasePart(case=case, part=p) for p in names)


def give(case, value, floor, delivered=True, approval="not_needed"):
    Compensation.objects.create(
        case=case,
        offered_by=case.owner,
        kind="credit",
        description="Credit",
        value_to_client=Decimal(value),
        cost_to_us=Decimal(1),
        guideline=Decimal(floor),
        approval=approval,
        delivered_on=case.closed_at.date() if delivered else None,
    )


def says(case, *answers):
    for answer in answers:
        CheckIn.objects.create(
            case=case,
            contact=ContactFactory(client=case.client),
            round=CheckInRound.AT_CLOSE,
            sent_at=case.closed_at,
            nonce="n",
            score=4 if answer else None,
            buy_again=answer or "",
            answered_at=case.closed_at + dt.timedelta(days=1) if answer else None,
        )


def build(team, owner, client):
    day = iter(range(2, 30))

    def case(outcome, **kw):
        return closed(owner, client, outcome, at(6, next(day)), **kw)

    c1 = case(R, ack=2, apology=6)
    apologise(c1, ALL)
    parts(c1, "no_buffer", "misunderstood")
    give(c1, 1000, 800)
    says(c1, YES, UNSURE)
    c2 = case(R, ack=3, apology=20)
    apologise(c2, ALL)
    parts(c2, "no_buffer")
    give(c2, 900, 800, delivered=False, approval="pending")
    says(c2, YES)
    c3 = case(R, ack=10, apology=30)
    apologise(c3, (False, True, True))
    parts(c3, "misunderstood")
    give(c3, 300, 800)
    says(c3, YES, NO)
    c4 = case(R, ack=4, apology=8)
    apologise(c4, ALL)
    give(c4, 500, 500)
    c5 = case(R, ack=6)
    parts(c5, "no_buffer")
    says(c5, UNSURE)
    c6 = case(K, ack=20, apology=50)
    apologise(c6, ALL, (True, True, False))
    parts(c6, "no_backup")
    c6.client_loss = Decimal(1000)
    c6.save(update_fields=["client_loss"])
    give(c6, 2000, 500)
    says(c6, YES)
    c7 = closed(owner, client, L, at(6, 1, 0, 0))
    parts(c7, "no_buffer")
    says(c7, NO)

    c8 = case(R, second=True, ack=1, apology=5)
    apologise(c8, ALL)
    parts(c8, "no_buffer")
    c8.client_loss = Decimal(1000)
    c8.save(update_fields=["client_loss"])
    give(c8, 900, 500)
    says(c8, YES)
    c9 = case(K, second=True, ack=5, apology=12)
    apologise(c9, (True, False, True))
    parts(c9, "no_buffer")
    c9.client_loss = Decimal(2000)
    c9.save(update_fields=["client_loss"])
    give(c9, 700, 500)
    says(c9, None)
    c10 = case(L, second=True, ack=7, apology=24)
    apologise(c10, ALL)
    parts(c10, "eager_yes")
    give(c10, 200, 500)
    give(c10, 200, 600)
    give(c10, 5000, 600, delivered=False, approval="declined")
    says(c10, NO)
    c11 = case(L, second=True, ack=8, apology=40)
    apologise(c11, (False, False, True))
    parts(c11, "no_buffer")
    c12 = closed(owner, client, P, at(6, 30, 23, 59), second=True, ack=16)
    parts(c12, "no_buffer")
    says(c12, YES)


def outside(owner, client, when):
    c = closed(owner, client, R, when, second=True, ack=1, apology=1)
    apologise(c, ALL)
    parts(c, "no_buffer")
    give(c, 900, 500)
    says(c, YES)
    return c


@pytest.fixture
def data():
    team, elsewhere = TeamFactory(name="North"), TeamFactory(name="South")
    ann = UserFactory(username="ann", teams=[team])
    manager = UserFactory(username="meg", role=Role.SALES_MANAGER, teams=[team])
    stranger = UserFactory(username="sol", teams=[elsewhere])
    client = ClientFactory(team=team, name="Xeno")
    build(team, ann, client)
    outside(ann, client, at(5, 31, 23, 59))
    outside(ann, client, at(7, 1, 0, 0))
    open_case = outside(ann, client, at(6, 15))
    Case.objects.filter(pk=open_case.pk).update(
        closed_at=None, step=Step.COMPENSATE, outcome=""
    )
    outside(stranger, ClientFactory(team=elsewhere), at(6, 15))
    return {"manager": manager, "ann": ann, "team": team, "client": client}


def tables(user):
    return {t["key"]: t for t in insights(user, JUNE)["what_worked"]}


def rows(table) -> dict:
    """label: (closed, recovered, share, retained, lost, would buy again)."""
    return {
        g.label: (
            g.closed,
            g.recovered,
            g.rate_text,
            g.retained,
            g.lost,
            g.buy_again_text,
        )
        for g in table["groups"]
    }


def test_first_or_second_failure_with_its_suggestion(data):
    table = tables(data["manager"])["second"]
    # First: c1-c7, recovered c1-c5 (5 of 7 = 71%), retained c6, lost c7;
    # answered c1 c2 c3 c5 c6 c7 (6), yes c1 c2 c6 (c3 also said no) = 3 (50%).
    # Second: c8-c12, recovered c8 (1 of 5 = 20%), retained c9, lost c10 c11
    # and c12 (parted); answered c8 c10 c12, yes c8 c12: 2 of 3, no share.
    assert rows(table) == {
        "First failure for the client": (7, 5, "71%", 1, 1, "3 of 6 (50%)"),
        "Second failure": (5, 1, "20%", 1, 3, "2 of 3"),
    }
    # 71% and 20% are 51 points apart, both groups have five cases or more.
    assert table["suggestions"] == [
        "In this period, cases that were the client's first failure won the "
        "client back more often: 5 of 7, against 1 of 5 for cases that were a "
        "second failure for the client."
    ]


def test_time_to_first_word_in_business_hours_bands(data):
    table = tables(data["manager"])["contact"]
    # <=4: c1 c2 c4 c8 (4 h is inside); 4-8: c5 c9 c10 c11 (8 h inside);
    # 8-16: c3 c12 (16 inside); over 16: c6; none: c7. All under five cases.
    assert rows(table) == {
        "Within 4 business hours": (4, 4, "too few cases", 0, 0, "3 of 3"),
        "4 to 8 business hours": (4, 1, "too few cases", 1, 2, "0 of 2"),
        "8 to 16 (the next business day)": (2, 1, "too few cases", 0, 1, "1 of 2"),
        "More than 16 business hours": (1, 0, "too few cases", 1, 0, "1 of 1"),
        "No word recorded": (1, 0, "too few cases", 0, 1, "0 of 1"),
    }
    assert table["suggestions"] == []


def test_time_to_the_full_apology(data):
    table = tables(data["manager"])["apology"]
    # <=8: c1 c4 c8; 8-24: c2 c9 c10 (24 inside); 24-40: c3 c11 (40 inside);
    # over 40: c6; none: c5 c7 c12.
    assert rows(table) == {
        "Within 8 business hours": (3, 3, "too few cases", 0, 0, "2 of 2"),
        "8 to 24 (within 3 business days)": (3, 1, "too few cases", 1, 1, "1 of 2"),
        "24 to 40 (within a working week)": (2, 1, "too few cases", 0, 1, "0 of 1"),
        "More than 40 business hours": (1, 0, "too few cases", 1, 0, "1 of 1"),
        "No full apology recorded": (3, 1, "too few cases", 0, 2, "1 of 3"),
    }


def test_the_three_apology_checks(data):
    table = tables(data["manager"])["checks"]
    # With an apology: c1 c2 c3 c4 c6 c8 c9 c10 c11 (9). A case is "no" when
    # any of its apologies lacks the check (c6's second one lacks the fix).
    # Impact yes: c1 c2 c4 c6 c8 c9 c10 (7), recovered c1 c2 c4 c8 = 4 (57%),
    #   answered c1 c2 c6 c8 c10, yes c1 c2 c6 c8: 4 of 5 (80%); no: c3 c11.
    # Owned yes: c1 c2 c3 c4 c6 c8 c10 (7), recovered c1 c2 c3 c4 c8 = 5 (71%),
    #   answered c1 c2 c3 c6 c8 c10, yes c1 c2 c6 c8: 4 of 6 (67%); no: c9 c11.
    # Fix yes: c1 c2 c3 c4 c8 c9 c10 c11 (8), recovered 5 (62.5, shown 62%),
    #   answered c1 c2 c3 c8 c10, yes c1 c2 c8: 3 of 5 (60%); no: c6.
    assert rows(table) == {
        "Named how they were affected: yes": (7, 4, "57%", 2, 1, "4 of 5 (80%)"),
        "Named how they were affected: no": (2, 1, "too few cases", 0, 1, "0 of 1"),
        "Owned our part, without excuses: yes": (7, 5, "71%", 1, 1, "4 of 6 (67%)"),
        "Owned our part, without excuses: no": (
            2,
            0,
            "too few cases",
            1,
            1,
            "none answered",
        ),
        "The fix was presented: yes": (8, 5, "62%", 1, 2, "3 of 5 (60%)"),
        "The fix was presented: no": (1, 0, "too few cases", 1, 0, "1 of 1"),
    }
    # No "no" group reaches five cases: nothing to compare.
    assert table["suggestions"] == []


def test_compensation_against_the_guideline(data):
    table = tables(data["manager"])["compensation"]
    # Under: c3 c9 c10, recovered c3, retained c9, lost c10; answered c3 c10, no yes.
    # Within: c1 c4 c8, all recovered; answered c1 c8, both yes.
    # Far above: c6, retained, yes. None given: c2 c5 c7 c11 c12, recovered
    # c2 c5 (2 of 5 = 40%), lost c7 c11 c12; answered c2 c5 c7 c12, yes c2 c12.
    assert rows(table) == {
        "Under the guideline": (3, 1, "too few cases", 1, 1, "0 of 2"),
        "Within the guideline": (3, 3, "too few cases", 0, 0, "2 of 2"),
        "Far above the guideline": (1, 0, "too few cases", 1, 0, "1 of 1"),
        "None given": (5, 2, "40%", 0, 3, "2 of 4"),
    }
    assert table["suggestions"] == []


def test_our_part(data):
    table = tables(data["manager"])["parts"]
    # No buffer: c1 c2 c5 c7 c8 c9 c11 c12 (8), recovered c1 c2 c5 c8 (50%),
    #   retained c9, lost c7 c11 c12; answered c1 c2 c5 c7 c8 c12 (6), yes
    #   c1 c2 c8 c12: 4 of 6 (67%). Misunderstood: c1 c3, both recovered.
    assert rows(table) == {
        "Said yes out of eagerness when the answer was no": (
            1,
            0,
            "too few cases",
            0,
            1,
            "0 of 1",
        ),
        "Misunderstood what was asked": (2, 2, "too few cases", 0, 0, "1 of 2"),
        "No buffer in the promise": (8, 4, "50%", 1, 3, "4 of 6 (67%)"),
        "No backup plan for an outside event": (1, 0, "too few cases", 1, 0, "1 of 1"),
    }
    assert table["suggestions"] == []


def group(key, closed, recovered):
    return Group(key, key, f"in {key}", closed, recovered, 0, 0, 0, 0)


def test_the_suggestion_needs_two_groups_of_five_twenty_points_apart():
    # 4 of 5 (80%) against 3 of 5 (60%): exactly 20 points, said.
    assert suggestion([group("a", 5, 4), group("b", 5, 3)]).startswith(
        "In this period, cases in a won the client back more often: 4 of 5, "
        "against 3 of 5 for cases in b."
    )
    # 4 of 5 (80%) against 5 of 8 (62.5%): 17.5 points, not said.
    assert suggestion([group("a", 5, 4), group("b", 8, 5)]) == ""
    # 4 of 4 against 0 of 6: the first group is under five cases.
    assert suggestion([group("a", 4, 4), group("b", 6, 0)]) == ""
    # Three rated groups: the highest against the lowest.
    assert "in c" in suggestion([group("a", 5, 3), group("b", 6, 6), group("c", 10, 1)])


def test_a_group_under_five_cases_gives_counts_but_no_share():
    four = group("a", 4, 3)
    assert (four.rate_text, four.bar, four.rate) == ("too few cases", 0, None)
    five = group("b", 5, 3)
    assert (five.rate_text, five.bar) == ("60%", 60)


def test_an_account_manager_sees_only_their_own_cases(data):
    # ann owns all twelve; a teammate with none of them sees no groups.
    other = UserFactory(username="cy", teams=[data["team"]])
    assert all(t["groups"] == [] for t in tables(other).values())
    assert rows(tables(data["ann"])["second"])["Second failure"][0] == 5


def test_the_page_shows_the_section_in_a_fixed_number_of_queries(client, data):
    client.force_login(data["manager"])
    url = reverse("insights") + "?start=2026-06-01&end=2026-06-30"

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    few, text = queries()
    assert "What worked" in text
    assert "won the client back" in text
    assert "too few cases" in text
    build(data["team"], data["ann"], data["client"])
    more, _ = queries()
    assert more == few


def test_the_figures_export_has_the_what_worked_rows(client, data):
    client.force_login(data["manager"])
    response = client.get(
        reverse("insights_figures_export") + "?start=2026-06-01&end=2026-06-30"
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [
        "What worked: First or second failure",
        "Second failure",
        "5 closed, 1 recovered (20%), 1 retained, 3 lost; would buy again: 2 of 3",
        "",
    ] in rows
    assert [
        "What worked: Compensation against the guideline",
        "Within the guideline",
        "3 closed, 3 recovered (too few cases), 0 retained, 0 lost; "
        "would buy again: 2 of 2",
        "",
    ] in rows
