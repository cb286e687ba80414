"""TeamScopedQuerySet: rows scoped to what a user may see, by the rules in access."""

from django.db import models
from django.db.models import BooleanField, Value, When

from cases import access
from cases.access import ALL, NONE, TEAMS
from cases.choices import Step


class TeamScopedQuerySet(models.QuerySet):
    """Rows owned by a team. `team_field` is the path to that team."""

    team_field = "team"
    owner_field: str | None = None

    def for_user(self, user, action: str = "view"):
        return self.reached(self.reach(user, action), user)

    def reach(self, user, action: str) -> str:
        return access.reach(user, action, owned=self.owner_field is not None)

    def one_for_user(self, user, pk, action: str = "view"):
        """The row with this id if `user` reaches it for `action`; None for
        any other id: unknown, another team's, or not a number at all."""
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            return None
        return self.for_user(user, action).filter(pk=pk).first()

    def reached(self, reach: str, user):
        """The rows `user` reaches with `reach` (from reach(); user needs a pk)."""
        if reach == ALL:
            return self
        if reach == NONE:
            return self.none()
        in_teams = models.Q(
            **{f"{self.team_field}__in": user.memberships.values("team_id")}
        )
        if reach == TEAMS:
            return self.filter(in_teams)
        return self.filter(in_teams, **{self.owner_field: user})

    def for_insights(self, user):
        """What a user may study: account managers their own cases only."""
        visible = self.for_user(user, "view")
        if access.studies_own_cases_only(user):
            return visible.filter(**{self.owner_field: user})
        return visible


def normal_name(name: str) -> str:
    """A name as compared for twins: case and spacing ignored ("ACME  mills"
    is "Acme Mills")."""
    return " ".join(name.split()).casefold()


def tidy_name(name: str) -> str:
    """A name as stored: inner runs of spaces collapsed, ends trimmed."""
    return " ".join(name.split())


class ClientQuerySet(TeamScopedQuerySet):
    def named(self, team, name: str, *, exclude: int | None = None):
        """The team's client whose name is `name`, case and spacing ignored;
        None if there is none. A team has tens of clients, not thousands, so
        they are compared here rather than by a database function."""
        wanted = normal_name(name)
        if not wanted:
            return None
        rows = self.filter(team=team).exclude(pk=exclude).only("pk", "name", "team")
        return next((c for c in rows if normal_name(c.name) == wanted), None)


class ContactQuerySet(models.QuerySet):
    def named(self, client, name: str, *, exclude: int | None = None):
        """The client's (not erased) contact called `name`, case and spacing
        ignored; None if there is none."""
        wanted = normal_name(name)
        if not wanted:
            return None
        rows = self.filter(client=client, erased=False).exclude(pk=exclude)
        return next((c for c in rows if normal_name(c.name) == wanted), None)


class TeamQuerySet(models.QuerySet):
    def for_user(self, user):
        """The teams a user belongs to; every team for administrators."""
        return self.reached(self.reach(user), user)

    def reach(self, user) -> str:
        return access.reach(user, "view")

    def reached(self, reach: str, user):
        if reach == ALL:
            return self
        if reach == NONE:
            return self.none()
        return self.filter(memberships__user=user)

    def for_logging(self, user):
        """The teams a user may log a dropped ball for: the ones they are in.

        The author owns the new case, and a case's owner is one of its team,
        so administrators too log only for their own teams.
        """
        if access.role_of(user) is None:
            return self.none()
        return self.filter(memberships__user=user)


class CaseQuerySet(TeamScopedQuerySet):
    owner_field = "owner"

    def open(self):
        return self.exclude(step=Step.CLOSED)


class CaseRecordQuerySet(TeamScopedQuerySet):
    """A case's dated records (step visits, follow-ups, promises, offers,
    check-ins): scoped by the team id each row keeps, so a report reads them
    through an index on (team, date) rather than through a list of cases."""

    owner_field = "case__owner"

    def bulk_create(self, objs, *args, **kwargs):
        """As QuerySet.bulk_create, with each row's team copied from its case
        (CaseRecord.save() does the same for one row): one query for the
        cases not already loaded on their rows."""
        objs = list(objs)
        case = self.model._meta.get_field("case")
        missing = [o for o in objs if o.team_id is None]
        unloaded = {o.case_id for o in missing if not case.is_cached(o)}
        teams = {}
        if unloaded:
            cases = case.related_model._base_manager.using(self.db)
            teams = dict(cases.filter(pk__in=unloaded).values_list("pk", "team_id"))
        for obj in missing:
            loaded = case.get_cached_value(obj) if case.is_cached(obj) else None
            obj.team_id = loaded.team_id if loaded else teams.get(obj.case_id)
        return super().bulk_create(objs, *args, **kwargs)


class CompensationQuerySet(CaseRecordQuerySet):
    def with_may_decide(self, user):
        """Each offer's `may_decide`: whether its author leaves the decision
        to `user` (four eyes, see access.may_decide_offer). Their reach over
        the case ("manage") is asked apart."""
        return self.annotate(
            may_decide=models.Case(
                When(access.decidable_offers_q(user), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )


class NoticeQuerySet(TeamScopedQuerySet):
    """ "New to you": a user's notices, on the cases they may still see (one
    handed on to another team's owner, say, drops out of their list)."""

    team_field = "case__team"

    def for_recipient(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.for_user(user, "view").filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def new_to_you(self, user, *, unread: int = 10, read: int = 5) -> dict:
        """The home page's card: the newest unread notices, then a few read
        ones; two queries however many there are."""
        mine = self.for_recipient(user).select_related("case__client", "actor")
        return {
            "unread": list(mine.unread()[:unread]),
            "read": list(mine.filter(read_at__isnull=False)[:read]),
        }
