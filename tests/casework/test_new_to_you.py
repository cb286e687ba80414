""" "New to you": what happens to a user's cases, or to them, in the app.

Each service that changes a case writes its notices in its own transaction;
the navigation counts the unread ones; opening the case reads them."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.casework.services import cases as case_services
from cases.casework.services import compensation as comp
from cases.casework.services.contacts import contact_erase
from cases.casework.services.review import case_comment, case_reassign
from cases.choices import CompensationKind, NotificationKind, Step
from cases.mentions import mentioned_names
from cases.models import Notice, OutboxMessage
from cases.notifications.deliver import send_due
from tests.factories import (
    ClientFactory,
    UserFactory,
    case_in_step,
    make_case,
    version_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account_manager, sales_manager):
    return make_case(account_manager)


def notices(user) -> list[tuple[str, str]]:
    return list(Notice.objects.filter(recipient=user).values_list("kind", "summary"))


def post_comment(http, case, text):
    return http.post(
        reverse("case_action", args=[case.pk, "comment"]),
        {"comment-text": text, "comment-submission_key": uuid.uuid4()},
        follow=True,
    )


def nav(html: str) -> str:
    return html.split('id="main-nav"')[1].split("</nav>")[0]


# What writes a notice, and to whom.


def test_a_send_back_is_new_to_the_owner(case, account_manager, sales_manager):
    case_services.case_advance(
        case_id=case.pk, by=account_manager, version=version_of(case)
    )
    case_services.case_send_back(
        case_id=case.pk,
        by=sales_manager,
        reason="Name everyone affected",
        version=version_of(case),
    )
    [notice] = Notice.objects.filter(recipient=account_manager)
    assert notice.kind == NotificationKind.CASE_SENT_BACK
    assert notice.actor == sales_manager and notice.case_id == case.pk
    assert "Name everyone affected" in notice.summary
    assert notice.read_at is None
    assert notices(sales_manager) == []


def test_a_hand_over_is_new_to_the_new_owner_only(
    case, account_manager, teammate, sales_manager
):
    case_reassign(
        case_id=case.pk, by=sales_manager, to=teammate, version=version_of(case)
    )
    assert notices(teammate) == [
        (
            NotificationKind.CASE_REASSIGNED,
            f"Handed the case to you (it was {account_manager}'s).",
        )
    ]
    assert notices(account_manager) == []


def test_a_decided_offer_is_new_to_its_author(
    account_manager, sales_manager, team, settings
):
    settings.COMPENSATION_DEFAULTS = {
        "marketing_spend": 5000,
        "new_clients_won": 50,
        "average_client_value": 20000,
        "approval_threshold": 500,
    }
    case = case_in_step(
        Step.COMPENSATE,
        owner=account_manager,
        client=ClientFactory(team=team, annual_value=Decimal("60000")),
    )
    offer = comp.compensation_offer(
        case_id=case.pk,
        by=account_manager,
        kind=CompensationKind.UPGRADE,
        description="A year of premium support",
        value_to_client=Decimal("2400"),
        cost_to_us=Decimal("900"),
    )
    comp.compensation_decide(
        case_id=case.pk,
        by=sales_manager,
        compensation_id=offer.pk,
        approve=False,
        note="Too much for a late delivery",
        version=version_of(case),
    )
    assert notices(account_manager) == [
        (
            NotificationKind.COMPENSATION_DECIDED,
            "Declined the offer: A year of premium support "
            "(Too much for a late delivery)",
        )
    ]


def test_a_comment_is_new_to_the_owner_but_not_to_its_writer(
    case, account_manager, sales_manager
):
    case_comment(case_id=case.pk, by=sales_manager, text="Call them today.\nThanks")
    assert notices(account_manager) == [
        (NotificationKind.CASE_COMMENT, "Commented: Call them today.")
    ]
    case_comment(case_id=case.pk, by=account_manager, text="Done, they were calm.")
    assert Notice.objects.count() == 1


def test_a_mention_reaches_a_teammate_in_the_app_and_by_email(
    case, account_manager, teammate, sales_manager
):
    posted = case_comment(
        case_id=case.pk, by=sales_manager, text="@bob you know their buyer: call her?"
    )
    assert posted.mentions.told == [teammate]
    assert notices(teammate) == [
        (
            NotificationKind.MENTION,
            "Mentioned you: @bob you know their buyer: call her?",
        )
    ]
    # The owner still hears of the comment, as a comment.
    assert [kind for kind, _ in notices(account_manager)] == ["case_comment"]
    send_due()
    [email] = [m for m in mail.outbox if m.to == [teammate.email]]
    assert email.subject.startswith(f"{sales_manager} mentioned you on ")
    assert (
        "you know their buyer" in email.body and case.get_absolute_url() in email.body
    )


def test_a_mentioned_owner_gets_one_email_and_one_notice(
    case, account_manager, sales_manager
):
    case_comment(case_id=case.pk, by=sales_manager, text="@alice, @Alice: call them.")
    assert [kind for kind, _ in notices(account_manager)] == ["mention"]
    to_owner = OutboxMessage.objects.filter(recipient=account_manager).exclude(
        kind=NotificationKind.CASE_LOGGED
    )
    assert list(to_owner.values_list("kind", flat=True)) == ["mention"]


def test_mentioning_yourself_tells_nobody_twice(case, account_manager, sales_manager):
    case_comment(case_id=case.pk, by=sales_manager, text="Note to self @sam")
    assert notices(sales_manager) == []
    assert [kind for kind, _ in notices(account_manager)] == ["case_comment"]


# Mention parsing.


@pytest.mark.parametrize(
    "text, names",
    [
        ("@bob can you help?", ["bob"]),
        ("Thanks @bob.", ["bob"]),
        ("(@Bob) and @bob again", ["bob"]),
        ("@j.doe-x and @sam!", ["j.doe-x", "sam"]),
        ("Write to bob@example.com or a@b.com", []),
        ("an @ alone, @@bob, x@bob", []),
    ],
)
def test_mentions_are_at_usernames_not_email_addresses(text, names):
    assert mentioned_names(text) == names


def test_an_email_address_in_a_comment_mentions_nobody(
    case, account_manager, teammate, sales_manager
):
    posted = case_comment(
        case_id=case.pk, by=sales_manager, text="Their buyer is bob@example.com"
    )
    assert posted.mentions.told == [] and posted.mentions.unknown == []
    assert notices(teammate) == []


def test_an_unknown_name_reaches_nobody_and_the_writer_is_told(
    client, case, sales_manager
):
    client.force_login(sales_manager)
    page = post_comment(client, case, "@zed please check this").content.decode()
    assert "Nobody was told about @zed: no such username." in page
    assert case.timeline.filter(kind="comment").exists()
    assert not OutboxMessage.objects.filter(kind=NotificationKind.MENTION).exists()


def test_someone_outside_the_team_is_not_told_and_the_writer_knows(
    client, case, sales_manager, outsider
):
    client.force_login(sales_manager)
    page = post_comment(client, case, "@charlie seen this before?").content.decode()
    assert f"Not told: {outsider}, who cannot see this case" in page
    assert notices(outsider) == []
    assert not OutboxMessage.objects.filter(recipient=outsider).exists()


def test_the_writer_hears_whom_a_mention_reached(client, case, sales_manager, teammate):
    client.force_login(sales_manager)
    page = post_comment(client, case, "@bob over to you").content.decode()
    assert f"Mentioned and emailed: {teammate}." in page


# Email follows the recipient's settings.


def test_a_muted_mention_is_shown_in_the_app_but_not_emailed(
    case, teammate, sales_manager
):
    teammate.muted_kinds = [NotificationKind.MENTION]
    teammate.save(update_fields=["muted_kinds"])
    case_comment(case_id=case.pk, by=sales_manager, text="@bob have a look")
    send_due()
    assert [m for m in mail.outbox if teammate.email in m.to] == []
    message = OutboxMessage.objects.get(recipient=teammate)
    assert message.status == "skipped"
    assert [kind for kind, _ in notices(teammate)] == ["mention"]


def test_mentions_can_be_muted_in_the_notification_settings(client, teammate):
    client.force_login(teammate)
    page = client.get(reverse("notification_settings")).content.decode()
    assert 'value="mention"' in page and "A comment that mentions me" in page


# The timeline marks mentions, escaped.


def test_the_timeline_marks_mentions_and_escapes_the_rest(
    client, case, account_manager, sales_manager
):
    case_comment(
        case_id=case.pk,
        by=sales_manager,
        text="<b>Hi</b> @alice\nnext line <script>x</script>",
    )
    client.force_login(account_manager)
    page = client.get(case.get_absolute_url()).content.decode()
    assert (
        '&lt;b&gt;Hi&lt;/b&gt; <mark class="mention">@alice</mark><br>'
        "next line &lt;script&gt;x&lt;/script&gt;"
    ) in page
    assert "Mention a teammate with @username" in page


# The count in the navigation, and reading.


def test_the_navigation_counts_unread_notices_and_opening_the_case_reads_them(
    client, account_manager, sales_manager
):
    first, second = make_case(account_manager), make_case(account_manager)
    case_comment(case_id=first.pk, by=sales_manager, text="One")
    case_comment(case_id=first.pk, by=sales_manager, text="Two")
    case_comment(case_id=second.pk, by=sales_manager, text="Three")
    client.force_login(account_manager)
    home = client.get(reverse("home")).content.decode()
    assert 'aria-label="Home, 3 new">Home<span' in nav(home)
    assert 'aria-label="Show navigation, 3 new"' in home
    assert home.count('data-testid="notice-unread"') == 3

    page = client.get(first.get_absolute_url()).content.decode()
    assert 'aria-label="Home, 1 new"' in nav(page)
    assert not Notice.objects.filter(case=first, read_at=None).exists()
    assert Notice.objects.filter(case=second, read_at=None).count() == 1
    home = client.get(reverse("home")).content.decode()
    assert home.count('data-testid="notice-unread"') == 1
    assert home.count('data-testid="notice-read"') == 2


def test_opening_a_case_reads_only_the_readers_own_notices(
    client, case, account_manager, teammate, sales_manager
):
    case_comment(case_id=case.pk, by=sales_manager, text="@bob and the owner")
    client.force_login(teammate)
    client.get(case.get_absolute_url())
    assert Notice.objects.get(recipient=account_manager).read_at is None
    assert Notice.objects.get(recipient=teammate).read_at is not None


def test_mark_all_read_empties_the_count(client, case, account_manager, sales_manager):
    case_comment(case_id=case.pk, by=sales_manager, text="One")
    client.force_login(account_manager)
    home = client.post(reverse("notices_read"), follow=True).content.decode()
    assert "Everything new to you is marked read." in home
    assert 'class="badge rounded-pill text-bg-warning ms-1 nav-new"' not in home
    assert 'aria-label="Show navigation"' in home
    assert 'data-testid="notice-read"' in home


def test_nothing_new_says_what_will_show(client, account_manager):
    client.force_login(account_manager)
    home = client.get(reverse("home")).content.decode()
    box = home.split('data-testid="new-to-you"')[1].split("</section>")[0]
    assert "Nothing yet" in box and "@alice" in box and "Mark all read" not in box


def test_the_managers_dashboard_has_new_to_you(
    client, case, sales_manager, account_manager
):
    case_comment(
        case_id=case.pk, by=account_manager, text="@sam can you join the call?"
    )
    client.force_login(sales_manager)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="dashboard"' in home
    box = home.split('data-testid="new-to-you"')[1].split("</section>")[0]
    assert "Mentioned you: @sam can you join the call?" in box
    assert case.get_absolute_url() in box and "Mark all read" in box


def test_a_case_no_longer_visible_leaves_the_count(
    client, case, account_manager, sales_manager, other_team
):
    case_comment(case_id=case.pk, by=sales_manager, text="One")
    account_manager.memberships.update(team=other_team)
    client.force_login(account_manager)
    home = client.get(reverse("home")).content.decode()
    assert 'aria-label="Show navigation"' in home and "nav-new" not in nav(home)
    assert case.commitment not in home


def test_erasing_a_contact_scrubs_the_notices(
    case, account_manager, sales_manager, administrator
):
    case_comment(case_id=case.pk, by=sales_manager, text="Dana Client is upset")
    dana = case.contacts.get(name="Dana Client")
    contact_erase(contact_id=dana.pk, by=administrator)
    [(_, summary)] = notices(account_manager)
    assert "Dana" not in summary and "erased contact" in summary


# Home pages cost the same queries however much is new.


def count_queries(http, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["account_manager", "sales_manager"])
def test_home_pages_cost_the_same_queries_however_much_is_new(
    client, request, who, account_manager, sales_manager, teammate
):
    viewer = request.getfixturevalue(who)
    # The owner writes to the manager; the manager to the owner.
    other = account_manager if viewer == sales_manager else sales_manager
    client.force_login(viewer)

    def add(n):
        for _ in range(n):
            case = make_case(account_manager)
            case_comment(case_id=case.pk, by=other, text=f"@{viewer.username} look")

    add(1)
    client.get(reverse("home"))  # warm whatever is read once per process
    few = count_queries(client, reverse("home"))
    add(12)
    many = count_queries(client, reverse("home"))
    assert many == few


def test_nobody_new_is_told_about_a_deactivated_account(
    case, account_manager, sales_manager
):
    gone = UserFactory(username="gone", teams=[case.team], is_active=False)
    posted = case_comment(case_id=case.pk, by=sales_manager, text="@gone still here?")
    assert posted.mentions.unknown == ["gone"]
    assert notices(gone) == []
