"""The client's promise page: only this recovery's promises and its next
follow-up date, in the company's name; a withdrawn, expired or altered link
gets the "not available" page; no cookie, not indexed, constant queries."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import links
from cases.casework.services.promise_page import (
    promise_page_revoke,
    promise_page_share,
)
from cases.casework.views.promise_page import PURPOSE, promise_page_link
from cases.choices import FollowUpStatus, PromiseStatus, Step
from cases.models import FollowUp, Promise, PromiseShare
from tests.factories import case_in_step

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    # Every request here comes from the test client's one address: each test
    # starts its own minute, so the limit never answers for another test.
    cache.clear()


def promise(case, description, due_on, status=PromiseStatus.OPEN, **extra):
    return Promise.objects.create(
        case=case,
        description=description,
        due_on=due_on,
        made_by=case.owner,
        made_in_step=case.step,
        status=status,
        **extra,
    )


@pytest.fixture
def case(account_manager, sales_manager, settings):
    settings.MEND_COMPANY_NAME = "Acme Service"
    case = case_in_step(
        Step.FOLLOW_UP, owner=account_manager, commitment="Secret rollout plan"
    )
    settled = timezone.now() - 2 * DAY
    promise(
        case,
        "Send the visit dates",
        TODAY - DAY,
        PromiseStatus.KEPT,
        settled_at=settled,
        settled_by=account_manager,
    )
    promise(
        case,
        "Train the night shift",
        TODAY + 5 * DAY,
        PromiseStatus.KEPT,
        settled_at=settled,
        settled_by=account_manager,
        settled_early=True,
        early_reason="Internal: the trainer was free",
    )
    promise(case, "Replace the <b>scanner</b>", TODAY - 3 * DAY, PromiseStatus.MISSED)
    promise(case, "Call back about the invoice", TODAY - 2 * DAY)
    promise(case, "Send the signed sheet", TODAY + 3 * DAY)
    case.follow_ups.all().delete()
    FollowUp.objects.create(case=case, due_on=TODAY - DAY, purpose="Overdue call")
    FollowUp.objects.create(
        case=case, due_on=TODAY + 9 * DAY, purpose="Internal purpose text"
    )
    FollowUp.objects.create(
        case=case,
        due_on=TODAY + 4 * DAY,
        purpose="Done early",
        status=FollowUpStatus.DONE,
    )
    return case


def path_of(share) -> str:
    link = promise_page_link(share)
    return link[link.index("/promises/") :]


@pytest.fixture
def share(case, account_manager):
    return promise_page_share(case_id=case.pk, by=account_manager, days=90)


def test_the_page_shows_each_promise_and_whether_it_was_kept(client, share):
    response = client.get(path_of(share))
    assert response.status_code == 200
    page = response.content.decode()
    states = [(p["description"], p["label"]) for p in response.context["promises"]]
    assert states == [
        ("Replace the <b>scanner</b>", "Missed"),
        ("Call back about the invoice", "Overdue"),
        ("Send the visit dates", "Kept"),
        ("Send the signed sheet", "Open"),
        ("Train the night shift", "Kept early"),
    ]
    assert "Acme Service" in page
    assert "We did not keep this promise." in page
    # The next follow-up still to come, not the overdue nor the done one.
    next_date = TODAY + 9 * DAY
    assert response.context["next_follow_up"] == next_date
    assert f"{next_date:%B}" in page and f" {next_date.day} " in page
    # Typed text is escaped.
    assert "Replace the &lt;b&gt;scanner&lt;/b&gt;" in page
    assert "<b>scanner" not in page


def test_a_promise_kept_after_its_day_reads_kept_late(client, case, share):
    late = promise(
        case,
        "Send the report",
        TODAY - 4 * DAY,
        PromiseStatus.KEPT,
        settled_at=timezone.now(),
        settled_by=case.owner,
    )
    found = {
        p["description"]: p for p in client.get(path_of(share)).context["promises"]
    }
    assert found[late.description]["label"] == "Kept late"
    assert found[late.description]["kept_on"] == TODAY


def test_nothing_else_of_the_case_is_on_the_page(client, case, share):
    page = client.get(path_of(share)).content.decode()
    for private in [
        case.commitment,
        case.what_happened,
        case.client.name,
        case.owner.get_full_name(),
        case.owner.username,
        "Internal: the trainer was free",
        "Internal purpose text",
        "Overdue call",
    ]:
        assert private and private not in page, private
    # No navigation of Mend's, no form, no script.
    assert "<form" not in page and "<script" not in page
    assert reverse("case_list") not in page


def test_another_cases_promises_are_not_shown(
    client, share, account_manager, sales_manager
):
    other = case_in_step(Step.COMMUNICATE, owner=account_manager)
    promise(other, "A promise to someone else", TODAY + DAY)
    page = client.get(path_of(share)).content.decode()
    assert "A promise to someone else" not in page


def test_a_case_without_promises_or_follow_ups_says_so(
    client, account_manager, sales_manager
):
    bare = case_in_step(Step.COMMUNICATE, owner=account_manager)
    bare.follow_ups.all().delete()
    made = promise_page_share(case_id=bare.pk, by=account_manager, days=30)
    page = client.get(path_of(made)).content.decode()
    assert 'data-testid="no-promises"' in page
    assert "No follow-up date is set" in page


def test_a_withdrawn_link_is_gone(client, case, share, account_manager):
    path = path_of(share)
    promise_page_revoke(case_id=case.pk, by=account_manager, share_id=share.pk)
    response = client.get(path)
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link was withdrawn." in page
    assert "Send the visit dates" not in page


def test_an_expired_link_is_gone(client, share, time_machine):
    path = path_of(share)
    time_machine.move_to(share.expires_at + dt.timedelta(minutes=1))
    response = client.get(path)
    assert response.status_code == 410
    assert links.EXPIRED in response.content.decode()


def test_an_altered_or_foreign_token_is_not_a_link(client, case, share):
    path = path_of(share)
    assert client.get(path[:-3] + "xx/").status_code == 404
    # Signed for another purpose (a check-in) with the same row id.
    check_in = links.make_token("check-in", share.pk, nonce=share.nonce)
    assert client.get(reverse("promise_page", args=[check_in])).status_code == 404
    # Signed right, but naming another share's row with this one's nonce.
    other = PromiseShare.objects.create(
        case=case,
        created_by=case.owner,
        expires_at=timezone.now() + DAY,
        revoked_at=timezone.now(),
        revoked_by=case.owner,
    )
    forged = links.make_token(PURPOSE, other.pk, nonce=share.nonce)
    response = client.get(reverse("promise_page", args=[forged]))
    assert response.status_code == 404
    assert links.UNKNOWN in response.content.decode()
    assert client.get("/promises/not-a-token/").status_code == 404


def test_the_page_sets_no_cookie_and_is_not_indexed_or_kept(client, share):
    response = client.get(path_of(share))
    assert response.cookies == {}
    assert "Set-Cookie" not in response
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert 'name="robots" content="noindex' in response.content.decode()
    assert client.post(path_of(share)).status_code == 405


def test_visits_are_counted_for_the_case_page(client, share):
    client.get(path_of(share))
    client.get(path_of(share))
    share.refresh_from_db()
    assert share.views == 2 and share.last_viewed_at is not None


def test_the_page_costs_the_same_queries_however_many_promises(client, case, share):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path_of(share)).status_code == 200
        return len(captured)

    few = queries()
    for n in range(12):
        promise(case, f"Promise {n}", TODAY + n * DAY)
    assert queries() == few <= 3


def test_one_address_opening_the_page_too_often_is_held_back(client, share):
    path = path_of(share)
    codes = [
        client.get(path, REMOTE_ADDR="198.51.100.7").status_code
        for _ in range(links.RATE_PER_MINUTE + 1)
    ]
    assert codes[:-1] == [200] * links.RATE_PER_MINUTE and codes[-1] == 429
    assert client.get(path, REMOTE_ADDR="198.51.100.8").status_code == 200
    share.refresh_from_db()
    assert share.views == links.RATE_PER_MINUTE + 1
