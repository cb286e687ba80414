"""Demo data for a newcomer's first look. Idempotent: keyed on natural names."""

from dataclasses import dataclass

from django.db import transaction

from ..models import Membership, Role, Team, User

DEMO_PASSWORD = "mend-demo-2026"  # noqa: S105 (public demo password, DEBUG only)

TEAMS = ["Enterprise", "Midmarket"]

PEOPLE = [
    # username, first, last, role, teams
    ("admin", "Ada", "Admin", Role.ADMINISTRATOR, []),
    ("maria", "Maria", "Santos", Role.SALES_MANAGER, ["Enterprise"]),
    ("alex", "Alex", "Murphy", Role.ACCOUNT_MANAGER, ["Enterprise"]),
    ("priya", "Priya", "Shah", Role.ACCOUNT_MANAGER, ["Enterprise"]),
    ("tom", "Tom", "Becker", Role.SALES_MANAGER, ["Midmarket"]),
    ("lena", "Lena", "Novak", Role.ACCOUNT_MANAGER, ["Midmarket"]),
    ("omar", "Omar", "Haddad", Role.ACCOUNT_MANAGER, ["Midmarket"]),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    teams: str


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
    """Create or refresh the demo teams and people; return their logins."""
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in TEAMS}
    logins = []
    for username, first, last, role, team_names in PEOPLE:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.mend.test",
                "role": role,
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
                "is_active": True,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        for name in team_names:
            Membership.objects.get_or_create(user=user, team=teams[name])
        logins.append(
            DemoLogin(
                username=username,
                password=DEMO_PASSWORD,
                role=role,
                teams=",".join(team_names) if team_names else "all",
            )
        )
    return logins
