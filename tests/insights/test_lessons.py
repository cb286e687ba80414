"""Similar past cases and their lessons, for a case being worked or a client."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.insights.lessons import similar_cases
from cases.models import Case
from tests.factories import ClientFactory, UserFactory
from tests.insights.test_insights_figures import answers, at, case, parts

pytestmark = pytest.mark.django_db


def closed(owner, client, day, lessons="Keep a buffer.", **kwargs):
    past = case(
        owner,
        client,
        detected=at(3, day),
        opened=at(3, day),
        closed=at(4, day),
        outcome="retained",
        fit="good",
        **kwargs,
    )
    Case.objects.filter(pk=past.pk).update(lessons=lessons)
    return past


@pytest.fixture
def world(team, other_team, account_manager, sales_manager):
    x, y = ClientFactory(team=team, name="Xeno"), ClientFactory(team=team, name="Yew")
    now = case(account_manager, x, detected=at(6, 1), opened=at(6, 1))
    parts(now, "no_buffer")
    answers(now, buffer="no", backup_plan="yes")

    same_client = closed(account_manager, x, 1)
    same_cause = closed(account_manager, y, 2)
    parts(same_cause, "no_buffer")
    answers(same_cause, buffer="no")
    unrelated = closed(account_manager, y, 3)
    parts(unrelated, "misunderstood")
    answers(unrelated, backup_plan="no")  # answered No, but not by the case
    no_lessons = closed(account_manager, x, 4, lessons="")
    still_open = case(account_manager, x, detected=at(5, 1), opened=at(5, 1))
    stranger = UserFactory(username="sol", teams=[other_team])
    theirs = closed(stranger, ClientFactory(team=other_team), 5)
    parts(theirs, "no_buffer")
    return {
        "case": now,
        "same_client": same_client,
        "same_cause": same_cause,
        "hidden": {unrelated, no_lessons, still_open, theirs},
    }


def test_the_clients_own_cases_come_first_then_the_closest_with_why(
    world, account_manager
):
    found = similar_cases(account_manager, case=world["case"])

    # The same client scores 1, the same cause 2: the client's own still leads.
    assert found == [world["same_client"], world["same_cause"]]
    assert [past.this_client for past in found] == [True, False]
    assert found[0].shared == ["same client"]
    assert found[1].shared == [
        "No buffer in the promise",
        "1 root-cause question also answered No",
    ]
    assert not world["hidden"] & set(found)


def test_before_a_case_exists_the_clients_closed_cases_are_shown(
    world, account_manager
):
    found = similar_cases(account_manager, client=world["case"].client)

    assert found == [world["same_client"]]


def test_the_panel_for_a_case_and_for_a_client(client, world, account_manager):
    client.force_login(account_manager)

    page = client.get(reverse("similar_cases"), {"case": world["case"].pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Read what was learned before writing" in text
    assert text.index("This client before") < text.index("Xeno: A delivery")
    assert text.index("Xeno: A delivery") < text.index("Yew")
    assert text.count("This client before") == 1

    page = client.get(reverse("similar_cases"), {"client": world["case"].client_id})
    assert "Closed cases with Xeno or the same" in page.content.decode()


def test_before_logging_the_ticked_parts_find_cases_of_other_clients(
    client, world, account_manager
):
    found = similar_cases(account_manager, parts=["no_buffer"])
    assert found == [world["same_cause"]]
    assert found[0].shared == ["No buffer in the promise"]

    client.force_login(account_manager)
    page = client.get(
        reverse("similar_cases"),
        {"client": world["case"].client_id, "parts": ["no_buffer", "bogus"]},
    )
    assert page.status_code == 200
    assert page.context["similar"] == [world["same_client"], world["same_cause"]]
    nothing = client.get(reverse("similar_cases"), {"parts": "bogus"})
    assert "Choose the client and tick our part" in nothing.content.decode()


def test_the_panel_reveals_nothing_of_another_team(client, world, outsider):
    client.force_login(outsider)

    assert (
        client.get(reverse("similar_cases"), {"case": world["case"].pk}).status_code
        == 404
    )
    assert client.get(reverse("similar_cases"), {"case": "abc"}).status_code == 404
    page = client.get(reverse("similar_cases"), {"client": world["case"].client_id})
    assert page.status_code == 200
    assert "Xeno" not in page.content.decode()


def test_the_panel_reads_a_fixed_number_of_queries(client, world, account_manager):
    client.force_login(account_manager)
    url = reverse("similar_cases") + f"?case={world['case'].pk}"

    def count():
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    few = count()
    for day in range(6, 26):
        past = closed(account_manager, world["case"].client, day)
        parts(past, "no_buffer")
    assert count() == few
