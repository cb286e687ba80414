import re
from io import StringIO

from django.core.management import call_command

from cases.models import Membership, Role, Team, User

LOGIN_LINE = re.compile(
    r"^login: (\S+) (\S+) (account_manager|sales_manager|administrator) (\S+)$"
)


def seed() -> list[str]:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue().splitlines()


def counts():
    return (Team.objects.count(), User.objects.count(), Membership.objects.count())


def test_seed_demo_prints_one_valid_login_per_line(db):
    lines = [line for line in seed() if line.startswith("login:")]
    parsed = [LOGIN_LINE.match(line) for line in lines]
    assert all(parsed), lines
    for match in parsed:
        username, password, role, teams = match.groups()
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert user.role == role
        expected = (
            "all"
            if role == Role.ADMINISTRATOR
            else ",".join(t.name for t in user.teams.order_by("name"))
        )
        assert teams == expected


def test_seed_demo_covers_two_teams_each_with_a_manager_and_two_account_managers(db):
    seed()
    teams = Team.objects.all()
    assert teams.count() >= 2
    for team in teams:
        members = team.members.all()
        assert members.filter(role=Role.SALES_MANAGER).count() >= 1
        assert members.filter(role=Role.ACCOUNT_MANAGER).count() >= 2
    assert User.objects.filter(role=Role.ADMINISTRATOR, is_superuser=True).exists()


def test_seed_demo_twice_duplicates_nothing(db):
    first = seed()
    before = counts()
    second = seed()
    assert counts() == before
    assert first == second
