"""Sharing the client's promise page from the case: one live link a case,
withdrawn at will, each change on the timeline."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.casework.services.promise_page import (
    promise_page_revoke,
    promise_page_share,
)
from cases.choices import Step, TimelineKind
from cases.exceptions import AlreadySubmitted, NotAllowed
from cases.models import Case, PromiseShare
from tests.factories import case_in_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account_manager, sales_manager):
    return case_in_step(Step.FOLLOW_UP, owner=account_manager)


def share(case, by, days=90, **extra):
    return promise_page_share(case_id=case.pk, by=by, days=days, **extra)


def entries(case):
    return list(
        case.timeline.filter(kind=TimelineKind.PROMISE_PAGE).values_list(
            "summary", flat=True
        )
    )


def test_sharing_makes_one_live_link_for_the_days_chosen(case, account_manager):
    before = Case.objects.get(pk=case.pk).version
    made = share(case, account_manager, days=30)
    assert made.is_live()
    assert made.created_by == account_manager
    assert made.expires_at - made.created_at == dt.timedelta(days=30)
    assert len(made.nonce) >= 16
    assert Case.objects.get(pk=case.pk).version == before + 1
    (summary,) = entries(case)
    assert "Shared the promise page" in summary and "30 days" in summary


def test_a_second_link_is_refused_while_one_works(case, account_manager, sales_manager):
    first = share(case, account_manager)
    with pytest.raises(NotAllowed, match="Withdraw it first"):
        share(case, sales_manager, days=30)
    assert list(PromiseShare.objects.filter(case=case)) == [first]
    assert len(entries(case)) == 1


def test_a_double_submit_shares_once(case, account_manager):
    key = uuid.uuid4()
    share(case, account_manager, submission_key=key)
    with pytest.raises(AlreadySubmitted):
        share(case, account_manager, submission_key=key)
    assert PromiseShare.objects.filter(case=case).count() == 1


def test_withdrawing_ends_the_link_and_a_new_one_may_follow(
    case, account_manager, sales_manager
):
    first = share(case, account_manager)
    promise_page_revoke(case_id=case.pk, by=sales_manager, share_id=first.pk)
    first.refresh_from_db()
    assert not first.is_live()
    assert first.revoked_by == sales_manager
    with pytest.raises(NotAllowed, match="already withdrawn"):
        promise_page_revoke(case_id=case.pk, by=account_manager, share_id=first.pk)
    second = share(case, account_manager)
    assert second.is_live() and second.nonce != first.nonce
    assert [s for s in entries(case) if s.startswith("Withdrew")] != []
    assert len(entries(case)) == 3


def test_an_expired_link_does_not_block_a_new_one(case, account_manager, time_machine):
    time_machine.move_to(timezone.now())
    share(case, account_manager, days=30)
    time_machine.shift(dt.timedelta(days=31))
    assert share(case, account_manager).is_live()


def test_a_closed_case_shares_no_new_link_but_withdraws_its_live_one(
    account_manager, sales_manager
):
    closed = case_in_step(Step.CLOSED, owner=account_manager)
    # A link shared before the case closed.
    live = PromiseShare.objects.create(
        case=closed,
        created_by=account_manager,
        expires_at=timezone.now() + dt.timedelta(days=10),
    )
    promise_page_revoke(case_id=closed.pk, by=account_manager, share_id=live.pk)
    live.refresh_from_db()
    assert not live.is_live()
    with pytest.raises(NotAllowed, match="closed"):
        share(closed, account_manager)


def test_only_those_who_work_the_case_may_share_or_withdraw(
    client, case, account_manager, teammate, outsider
):
    url = reverse("case_action", args=[case.pk, "promise_page_share"])
    data = {
        "promise_page_share-days": "90",
        "promise_page_share-submission_key": str(uuid.uuid4()),
    }
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(teammate)
    assert client.post(url, data).status_code == 403
    assert not PromiseShare.objects.exists()
    made = share(case, account_manager)
    revoke = reverse("case_action", args=[case.pk, "promise_page_revoke"])
    assert client.post(revoke, {"record": made.pk}).status_code == 403
    client.force_login(outsider)
    assert client.post(revoke, {"record": made.pk}).status_code == 404
    made.refresh_from_db()
    assert made.is_live()


def test_the_owner_shares_from_the_case_page_and_sees_the_link(
    client, case, account_manager, teammate
):
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "Share with the client" in page
    response = client.post(
        reverse("case_action", args=[case.pk, "promise_page_share"]),
        {
            "promise_page_share-days": "30",
            "promise_page_share-submission_key": str(uuid.uuid4()),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Link ready, working until" in page
    assert 'data-testid="promise-share-link"' in page
    assert "/promises/" in page
    assert "Share with the client" not in page
    # A read-only teammate sees that it is shared, not the link itself.
    client.force_login(teammate)
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="promise-share-status"' in page
    assert "/promises/" not in page


def test_a_days_value_not_offered_is_refused_with_nothing_saved(
    client, case, account_manager
):
    client.force_login(account_manager)
    response = client.post(
        reverse("case_action", args=[case.pk, "promise_page_share"]),
        {
            "promise_page_share-days": "5000",
            "promise_page_share-submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not PromiseShare.objects.exists()


def test_withdrawing_without_javascript_comes_back_to_the_card(
    client, case, account_manager
):
    made = share(case, account_manager)
    client.force_login(account_manager)
    response = client.post(
        reverse("case_action", args=[case.pk, "promise_page_revoke"]),
        {"record": made.pk},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#promise-page")
    made.refresh_from_db()
    assert made.revoked_by == account_manager
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="promise-share-last"' in page
    assert "Share with the client" in page


def test_a_live_link_costs_the_case_page_no_extra_query(client, case, account_manager):
    client.force_login(account_manager)
    with CaptureQueriesContext(connection) as before:
        client.get(case.get_absolute_url())
    share(case, account_manager)
    with CaptureQueriesContext(connection) as after:
        page = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="promise-share-link"' in page
    assert len(after) == len(before)
