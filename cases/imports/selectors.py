"""Reads for the import page, scoped by the role rules in cases.access."""

from django.db.models import QuerySet

from cases import access
from cases.models import ImportRun, Team, User


def import_teams(user: User) -> QuerySet:
    """The teams `user` may import clients into: a sales manager's own,
    every team for an administrator, none for anyone else."""
    if not access.imports_clients(user):
        return Team.objects.none()
    return Team.objects.for_user(user).order_by("name")


def import_runs(user: User) -> QuerySet:
    """The imports into those teams, newest first, without their files."""
    return (
        ImportRun.objects.filter(team__in=import_teams(user))
        .select_related("team", "by")
        .defer("content", "rows")
    )


def import_run(user: User, pk) -> ImportRun:
    """One of those imports, with its rows. ImportRun.DoesNotExist when the
    user does not reach it."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise ImportRun.DoesNotExist from None
    return (
        ImportRun.objects.filter(team__in=import_teams(user))
        .select_related("team", "by")
        .defer("content")
        .get(pk=pk)
    )
