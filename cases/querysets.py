"""TeamScopedQuerySet: the one place rows are scoped to what a user may see."""

from django.db import models

# action -> how each role reaches the rows
#   view:   see the case (account managers see their team's cases read-only)
#   work:   edit the case and its step records (the owner, or a manager)
#   manage: send back, approve compensation (sales managers and administrators)
ACTIONS = {"view", "work", "manage"}

# How far a user reaches for an action: every row, their teams' rows, the rows
# they own in their teams, or none.
ALL, TEAMS, OWN, NONE = "all", "teams", "own", "none"


def user_reach(user, action: str, *, owned: bool = False) -> str:
    """The role rules: ALL, TEAMS, OWN or NONE of the rows for `action`.

    `owned` says whether the rows have an owner (an account manager's own).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return NONE
    if user.is_superuser or user.role == "administrator":
        return ALL
    if user.role == "sales_manager" or action == "view":
        return TEAMS
    if action == "work" and owned:
        return OWN
    return NONE


class TeamScopedQuerySet(models.QuerySet):
    """Rows owned by a team. `team_field` is the path to that team."""

    team_field = "team"
    owner_field: str | None = None

    def for_user(self, user, action: str = "view"):
        return self.reached(self.reach(user, action), user)

    def reach(self, user, action: str) -> str:
        return user_reach(user, action, owned=self.owner_field is not None)

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


class TeamQuerySet(models.QuerySet):
    def for_user(self, user):
        """The teams a user belongs to; every team for administrators."""
        return self.reached(self.reach(user), user)

    def reach(self, user) -> str:
        return user_reach(user, "view")

    def reached(self, reach: str, user):
        if reach == ALL:
            return self
        if reach == NONE:
            return self.none()
        return self.filter(memberships__user=user)


class CaseQuerySet(TeamScopedQuerySet):
    owner_field = "owner"

    def for_insights(self, user):
        """What a user may study: account managers their own cases only."""
        visible = self.for_user(user, "view")
        if user.is_authenticated and user.role == "account_manager":
            return visible.filter(owner=user)
        return visible

    def open(self):
        return self.exclude(step="closed")
