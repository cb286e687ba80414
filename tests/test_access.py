"""The role rules: one table, asked by querysets, forms, templates and the admin."""

import pytest
from django.contrib.auth.models import AnonymousUser

from cases import access
from cases.casework.forms.cases import teams_for
from cases.casework.services.cases import case_open
from cases.choices import Approval, Role, Step
from cases.exceptions import NotAllowed
from cases.models import Case, Compensation, Team, User
from tests.factories import ClientFactory, UserFactory, case_in_step

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "action", "expected"),
    [
        (Role.ACCOUNT_MANAGER, "view", access.TEAMS),
        (Role.ACCOUNT_MANAGER, "work", access.OWN),
        (Role.ACCOUNT_MANAGER, "manage", access.NONE),
        (Role.SALES_MANAGER, "view", access.TEAMS),
        (Role.SALES_MANAGER, "work", access.TEAMS),
        (Role.SALES_MANAGER, "manage", access.TEAMS),
        (Role.ADMINISTRATOR, "manage", access.ALL),
    ],
)
def test_the_role_table_decides_the_reach(role, action, expected):
    assert access.reach(UserFactory(role=role), action) == expected


def test_an_account_manager_reaches_no_unowned_rows_for_work():
    user = UserFactory(role=Role.ACCOUNT_MANAGER)
    assert access.reach(user, "work", owned=False) == access.NONE


def test_a_superuser_is_an_administrator_everywhere(team):
    superuser = UserFactory(role=Role.ACCOUNT_MANAGER, is_superuser=True)
    assert access.is_administrator(superuser)
    assert superuser.is_administrator  # templates ask the same rules
    assert not superuser.is_account_manager
    assert access.reach(superuser, "manage") == access.ALL


def test_inactive_and_anonymous_users_reach_nothing():
    inactive = UserFactory(role=Role.ADMINISTRATOR, is_active=False)
    assert access.reach(inactive, "view") == access.NONE
    assert access.reach(AnonymousUser(), "view") == access.NONE
    assert not access.is_administrator(AnonymousUser())


def test_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action"):
        access.reach(UserFactory(), "delete")


def test_the_admin_opens_for_staff_administrators_only(client, administrator):
    staff_manager = UserFactory(role=Role.SALES_MANAGER, is_staff=True)
    client.force_login(staff_manager)
    assert client.get("/admin/").status_code == 302  # to the admin's login
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200


def test_case_open_refuses_a_team_its_author_is_not_in(account_manager, other_team):
    client = ClientFactory(team=other_team)
    with pytest.raises(NotAllowed, match="team you are in"):
        case_open(
            by=account_manager,
            team=other_team,
            client=client,
            commitment="Training",
            what_happened="It did not happen",
            severity="high",
        )
    assert not Case.objects.exists()


def test_teams_for_a_new_case_follow_the_same_rules(account_manager, team, other_team):
    assert list(teams_for(account_manager)) == [team]
    # An administrator sees every team but logs only for those they are in.
    admin = UserFactory(role=Role.ADMINISTRATOR, teams=[other_team])
    assert list(teams_for(admin)) == [other_team]
    assert set(Team.objects.for_user(admin)) == {team, other_team}
    with pytest.raises(NotAllowed, match="team you are in"):
        case_open(
            by=admin,
            team=team,
            client=ClientFactory(team=team),
            commitment="Training",
            what_happened="It did not happen",
            severity="high",
        )


def test_user_queries_count_a_superuser_as_an_administrator(team):
    superuser = UserFactory(role=Role.SALES_MANAGER, is_superuser=True, teams=[team])
    manager = UserFactory(role=Role.SALES_MANAGER, teams=[team])
    users = User.objects.filter(memberships__team=team)
    assert set(users.filter(access.sales_managers_q())) == {manager}
    assert set(users.filter(access.administrators_q())) == {superuser}
    assert access.gets_manager_alerts(superuser) and access.gets_manager_alerts(manager)


# Four eyes on compensation: who may decide an offer, by who made it.

DECIDERS = {
    # author role: (account manager, another sales manager, administrator)
    Role.ACCOUNT_MANAGER: (False, True, True),
    Role.SALES_MANAGER: (False, False, True),
    Role.ADMINISTRATOR: (False, False, True),
}


@pytest.mark.parametrize("author_role", list(DECIDERS))
def test_who_may_decide_an_offer_depends_on_who_made_it(author_role, team):
    author = UserFactory(role=author_role, teams=[team])
    deciders = [
        UserFactory(role=Role.ACCOUNT_MANAGER, teams=[team]),
        UserFactory(role=Role.SALES_MANAGER, teams=[team]),
        UserFactory(role=Role.ADMINISTRATOR),
    ]
    case = case_in_step(Step.COMPENSATE, owner=deciders[0], team=team)
    offer = Compensation.objects.create(
        case=case,
        offered_by=author,
        kind="refund",
        description="Refund",
        value_to_client=1,
        cost_to_us=1,
        guideline=1,
        approval=Approval.PENDING,
    )
    expected = DECIDERS[author_role]
    assert tuple(access.may_decide_offer(u, author) for u in deciders) == expected
    # The query form of the rule gives the same answers.
    assert (
        tuple(
            Compensation.objects.with_may_decide(u).get(pk=offer.pk).may_decide
            for u in deciders
        )
        == expected
    )
    # Never the author, whatever their role.
    assert not access.may_decide_offer(author, author)
    assert not Compensation.objects.with_may_decide(author).get(pk=offer.pk).may_decide


def test_the_approver_is_named_for_the_page():
    assert access.approver_label(UserFactory(role=Role.ACCOUNT_MANAGER)) == (
        "a sales manager"
    )
    assert access.approver_label(UserFactory(role=Role.SALES_MANAGER)) == (
        "an administrator"
    )
    assert access.approver_label(UserFactory(is_superuser=True)) == (
        "another administrator"
    )
