"""The demo's teams, people and clients with their contacts, keyed on names:
created the first time, their details refreshed on every later run."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from cases.calendar import WorkCalendar
from cases.casework.services.targets import closure_day_add, team_holidays_set
from cases.choices import Role
from cases.models import Client, Contact, Membership, Team, User


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    teams: str


def seed_teams(rows: list[dict]) -> dict[str, Team]:
    """Teams keyed on name."""
    return {
        row["name"]: Team.objects.get_or_create(name=row["name"])[0] for row in rows
    }


def seed_team_calendars(rows: list[dict], teams: dict[str, Team]) -> None:
    """Each team's public holidays and its closure days ahead, if the data
    gives them. A closure day falls `in_days` from today or on the first
    working day after; one of that name already ahead is left alone."""
    for row in rows:
        team = teams[row["name"]]
        region = row.get("holidays")
        if region:
            team_holidays_set(
                team=team,
                country=region["country"],
                subdivision=region.get("subdivision", ""),
            )
        calendar = WorkCalendar.for_team(team)
        today = timezone.now().astimezone(calendar.zone).date()
        for closure in row.get("closures", []):
            if team.closure_days.filter(name=closure["name"], date__gte=today).exists():
                continue
            day = today + dt.timedelta(days=closure["in_days"])
            while not calendar.works_on(day):
                day += dt.timedelta(days=1)
            closure_day_add(team=team, date=day, name=closure["name"])


def seed_people(
    rows: list[dict], teams: dict[str, Team], password: str
) -> tuple[dict[str, User], list[DemoLogin]]:
    """People keyed on username, all with the demo password, in their teams."""
    logins = []
    users = {}
    for person in rows:
        username, role = person["username"], person["role"]
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": person["first_name"],
                "last_name": person["last_name"],
                "email": f"{username}@demo.mend.test",
                "role": role,
                "is_staff": role == Role.ADMINISTRATOR,
                "is_superuser": role == Role.ADMINISTRATOR,
                "is_active": True,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        users[username] = user
        for name in person["teams"]:
            Membership.objects.get_or_create(user=user, team=teams[name])
        logins.append(
            DemoLogin(
                username=username,
                password=password,
                role=role,
                teams=",".join(person["teams"]) or "all",
            )
        )
    return users, logins


def seed_clients(rows: list[dict], teams: dict[str, Team]) -> dict:
    """Clients keyed on team + name, contacts on client + name; refresh details."""
    clients = {}
    for row in rows:
        client, _ = Client.objects.update_or_create(
            team=teams[row["team"]],
            name=row["name"],
            defaults={
                "segment": row["segment"],
                "annual_value": Decimal(row["annual_value"]),
                "notes": row.get("notes", ""),
            },
        )
        for person in row["contacts"]:
            details = {key: person[key] for key in ("role", "email", "phone")}
            # Not update_or_create: a person added twice by hand in the demo
            # must not stop the seed.
            same = Contact.objects.filter(client=client, name=person["name"])
            if existing := same.first():
                Contact.objects.filter(pk=existing.pk).update(**details)
            else:
                Contact.objects.create(client=client, name=person["name"], **details)
        clients[row["team"], row["name"]] = client
    return clients
