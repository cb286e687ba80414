"""The replies that wait for review: an administrator puts each on a case
or dismisses it, once; the owner of the case is told as for any reply."""

import pytest
from django.urls import reverse

from cases.choices import InboundStatus, NotificationKind, TimelineKind
from cases.models import InboundMail, Notice, OutboxMessage
from cases.notifications.deliver import send_due
from cases.replies.services import inbound_take
from tests.factories import make_case
from tests.replies.conftest import email

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account_manager, sales_manager, settings):
    settings.MEND_REPLY_ADDRESS = "replies@mend.example.com"
    return make_case(account_manager)


@pytest.fixture
def waiting(case):
    mail, _ = inbound_take(
        raw=email(
            sender="Eve Stranger <eve@elsewhere.example>",
            to="sales@acme.example.com",
            subject="About <b>the</b> delivery",
            text="Please call me <script>alert(1)</script> about the order.",
        ).as_bytes()
    )
    assert mail.status == InboundStatus.REVIEW
    return mail


def review(client, **data):
    return client.post(reverse("replies_review"), data)


def test_the_review_page_lists_waiting_replies_escaped(client, administrator, waiting):
    client.force_login(administrator)
    response = client.get(reverse("replies_review"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Eve Stranger" in page and "eve@elsewhere.example" in page
    assert "About &lt;b&gt;the&lt;/b&gt; delivery" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "names no case" in page


def test_the_review_page_costs_the_same_queries_for_many_replies(
    client, administrator, case, django_assert_max_num_queries
):
    for n in range(12):
        inbound_take(
            raw=email(
                sender=f"someone{n}@elsewhere.example", subject=f"n{n}"
            ).as_bytes()
        )
    client.force_login(administrator)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("replies_review")).status_code == 200


def test_putting_a_waiting_reply_on_a_case_records_it_and_tells_the_owner(
    client, administrator, waiting, case, smtp_sink
):
    client.force_login(administrator)
    response = review(client, mail=waiting.pk, decision="attach", case=case.pk)
    assert response.status_code == 302

    waiting.refresh_from_db()
    assert (waiting.status, waiting.case, waiting.decided_by) == (
        InboundStatus.ATTACHED,
        case,
        administrator,
    )
    entry = waiting.entry
    assert (entry.kind, entry.actor) == (TimelineKind.CLIENT_REPLIED, administrator)
    assert "Eve Stranger <eve@elsewhere.example>" in entry.summary
    assert Notice.objects.filter(
        recipient=case.owner, kind=NotificationKind.CLIENT_REPLY
    ).exists()
    send_due()
    [sent] = [m for m in smtp_sink.messages if m["To"] == case.owner.email]
    assert "Eve Stranger" in sent["Subject"]

    # A second click (or a second administrator) is told, nothing repeats.
    again = client.post(
        reverse("replies_review"),
        {"mail": waiting.pk, "decision": "attach", "case": case.pk},
        follow=True,
    )
    assert "already on its case" in again.content.decode()
    assert case.timeline.filter(kind=TimelineKind.CLIENT_REPLIED).count() == 1
    assert OutboxMessage.objects.filter(kind=NotificationKind.CLIENT_REPLY).count() == 1


def test_the_case_page_shows_the_reply_escaped(client, administrator, waiting, case):
    client.force_login(administrator)
    review(client, mail=waiting.pk, decision="attach", case=case.pk)
    page = client.get(case.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_a_case_number_that_does_not_exist_is_refused_with_a_message(
    client, administrator, waiting
):
    client.force_login(administrator)
    response = client.post(
        reverse("replies_review"),
        {"mail": waiting.pk, "decision": "attach", "case": 99999},
        follow=True,
    )
    assert "There is no case 99999" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == InboundStatus.REVIEW


def test_attaching_without_a_case_number_says_so(client, administrator, waiting):
    client.force_login(administrator)
    response = review(client, mail=waiting.pk, decision="attach", case="")
    assert response.status_code == 400
    assert "Enter the number of the case" in response.content.decode()


def test_dismissing_keeps_the_email_out_of_the_list(client, administrator, waiting):
    client.force_login(administrator)
    review(client, mail=waiting.pk, decision="dismiss")
    waiting.refresh_from_db()
    assert waiting.status == InboundStatus.DISMISSED
    page = client.get(reverse("replies_review")).content.decode()
    assert "Nothing waits for review." in page
    assert InboundMail.objects.count() == 1


def test_an_outsider_cannot_see_or_decide_a_waiting_reply(
    client, outsider, sales_manager, waiting, case
):
    for person in (outsider, sales_manager):
        client.force_login(person)
        assert client.get(reverse("replies_review")).status_code == 404
        response = review(client, mail=waiting.pk, decision="attach", case=case.pk)
        assert response.status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == InboundStatus.REVIEW


def test_only_administrators_see_the_review_list_in_the_navigation(
    client, administrator, sales_manager
):
    client.force_login(administrator)
    assert "Replies to review" in client.get(reverse("home")).content.decode()
    client.force_login(sales_manager)
    assert "Replies to review" not in client.get(reverse("home")).content.decode()
