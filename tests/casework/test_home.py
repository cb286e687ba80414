import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.casework.services.promises import promise_make
from tests.factories import make_case


def test_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "who, marker",
    [
        ("account_manager", "home-account-manager"),
        ("sales_manager", "dashboard"),
        ("administrator", "dashboard"),
    ],
)
def test_each_role_gets_its_own_home_page(db, client, request, who, marker):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert f'data-testid="{marker}"'.encode() in response.content


def test_account_manager_home_names_their_team(client, account_manager):
    client.force_login(account_manager)
    assert b"Your team: Enterprise" in client.get(reverse("home")).content


def test_only_administrators_see_the_admin_in_navigation(
    client, account_manager, sales_manager, administrator
):
    admin_link = f'href="{reverse("admin:index")}"'.encode()
    for user, sees_admin in [
        (account_manager, False),
        (sales_manager, False),
        (administrator, True),
    ]:
        client.force_login(user)
        page = client.get(reverse("home")).content
        nav = page.split(b'id="main-nav"')[1].split(b"</nav>")[0]
        assert (admin_link in nav) is sees_admin, user.role


def test_admin_refuses_non_administrators(client, sales_manager):
    client.force_login(sales_manager)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_account_manager_home_lists_what_needs_them_now(
    client, account_manager, sales_manager
):
    calm = make_case(account_manager, commitment="Nothing late here")
    late = make_case(account_manager, commitment="Ship the spare parts")
    promise_make(
        case_id=late.pk,
        by=account_manager,
        description="Call back",
        due_on=timezone.localdate(),
    )
    late.promises.update(due_on=timezone.localdate() - dt.timedelta(days=2))
    client.force_login(account_manager)
    html = client.get(reverse("home")).content.decode()
    box = html.split('data-testid="needs-you"')[1].split("</section>")[0]
    assert "Ship the spare parts" in box and "a promise was due" in box
    assert calm.commitment not in box
