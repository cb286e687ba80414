"""How the reports read: whose rows, from which database, for how long.

The insights page and its exports read through a `Scope` (the cases a user
may study, and the dated records of those cases by the team id each record
keeps) on the database alias settings.REPORTS_DATABASE: the main database
unless REPORTS_DATABASE_URL names another (a read replica, say). Their queries
run inside `report_reads()`, under a statement timeout, so a report too big
for its period stops with a message instead of holding the database.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.models import Model, QuerySet

from cases.models import Case, Team, User
from cases.money import currency_of_teams

# PostgreSQL's code for a statement cancelled (by its timeout, or by an
# administrator's pg_cancel_backend: either way the report did not finish).
QUERY_CANCELED = "57014"


class ReportTooSlow(Exception):
    """A report's query ran past INSIGHTS_STATEMENT_TIMEOUT_MS."""


def reports_db() -> str:
    return settings.REPORTS_DATABASE


@dataclass(frozen=True)
class Scope:
    """The cases a report covers: what `user` may study, narrowed to a team
    and an owner when chosen."""

    user: User
    team: Team | None = None
    owner: User | None = None
    using: str = "default"

    @property
    def cases(self) -> QuerySet:
        return self._narrowed(Case, owner_field="owner")

    def records(self, model: type[Model]) -> QuerySet:
        """A case record model's rows in scope (cases.models.records): picked
        by their own team id, the case joined only for an owner."""
        return self._narrowed(model, owner_field="case__owner")

    def _narrowed(self, model: type[Model], owner_field: str) -> QuerySet:
        rows = model.objects.db_manager(self.using).for_insights(self.user)
        if self.team is not None:
            rows = rows.filter(team=self.team.pk)
        if self.owner is not None:
            rows = rows.filter(**{owner_field: self.owner.pk})
        return rows

    @property
    def currency(self) -> str:
        """The currency of the teams whose cases are in view; "" when they
        count in different ones. Without a case in view, the team asked for
        or Mend's."""
        teams = Team.objects.using(self.using).filter(pk__in=self.cases.values("team"))
        return currency_of_teams(teams)


def scope(user: User, team=None, owner=None) -> Scope:
    return Scope(user=user, team=team, owner=owner, using=reports_db())


@contextmanager
def report_reads(using: str):
    """Run a report's queries in one read transaction with settings of their
    own; raise ReportTooSlow when one of them hits the statement timeout.

    PostgreSQL's JIT compiler takes longer to compile these aggregates
    (hundreds of milliseconds at 100,000 cases) than they take to run, and
    the medians sort their rows, which spill to disk under the default
    work_mem. SQLite has neither, nor a statement timeout.
    """
    connection = connections[using]
    # Inside a caller's transaction (a test's, say) SET LOCAL would outlive
    # this block: the timeout is put back at its end.
    nested = connection.in_atomic_block
    postgres = connection.vendor == "postgresql"
    timeout = int(settings.INSIGHTS_STATEMENT_TIMEOUT_MS)
    try:
        with transaction.atomic(using=using):
            if postgres:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; "
                        f"SET LOCAL statement_timeout = {timeout}"
                    )
            yield
            if postgres and nested:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == QUERY_CANCELED:
            raise ReportTooSlow(timeout) from error
        raise
