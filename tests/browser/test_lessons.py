"""Lessons from similar past cases appear where lessons are read and written."""

import pytest
from playwright.sync_api import expect

from cases.choices import Step
from tests.factories import PASSWORD, ClientFactory, case_in_step

pytestmark = pytest.mark.django_db(transaction=True)

LESSON = "Book two trainers for every rollout"
OTHER_LESSON = "Quote delivery dates with a week in hand"


def test_lessons_show_when_logging_and_before_closing(
    page, live_server, sign_in, account_manager, sales_manager, team, csp_violations
):
    acme = ClientFactory(team=team, name="Acme Mills")
    case_in_step(Step.CLOSED, owner=account_manager, client=acme, lessons=LESSON)
    now = case_in_step(Step.FOLLOW_UP, owner=account_manager, client=acme)

    sign_in("alice", PASSWORD)
    page.goto(f"{live_server.url}/cases/new/")
    page.get_by_label("Client", exact=True).select_option(label="Acme Mills")
    panel = page.get_by_test_id("similar-cases")
    expect(panel).to_contain_text(LESSON)
    expect(panel).to_contain_text("same client")

    # Ticking our part in it finds another client's case with that cause.
    case_in_step(
        Step.CLOSED,
        owner=account_manager,
        client=ClientFactory(team=team, name="Bolt Ltd"),
        lessons=OTHER_LESSON,
    )
    page.reload()
    page.get_by_label("Client", exact=True).select_option(label="Acme Mills")
    expect(panel).to_contain_text(LESSON)
    expect(panel).not_to_contain_text(OTHER_LESSON)
    page.get_by_label("No buffer in the promise").check()
    expect(panel).to_contain_text(OTHER_LESSON)

    page.goto(f"{live_server.url}/cases/{now.pk}/")
    close = page.get_by_test_id("close-case")
    expect(close.get_by_test_id("similar-cases")).to_contain_text(LESSON)
    assert csp_violations == []
