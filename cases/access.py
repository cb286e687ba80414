"""Who may do what: the role table and every "may this user ..." question.

Querysets, forms, templates, the admin and services ask here; nothing else in
Mend looks at a user's role. A superuser counts as an administrator.
"""

from __future__ import annotations

from django.db.models import Q

from cases.choices import Role

# How far a user reaches for an action: every row, their teams' rows, the rows
# they own in their teams, or none.
ALL, TEAMS, OWN, NONE = "all", "teams", "own", "none"

# The role table. Actions on team-owned rows:
#   view:   see the case (account managers see their team's cases read-only)
#   work:   edit the case and its step records (the owner, or a manager)
#   manage: send back, approve compensation (sales managers and administrators)
ROLES_FOR: dict[str, dict[str, str]] = {
    "view": {
        Role.ADMINISTRATOR: ALL,
        Role.SALES_MANAGER: TEAMS,
        Role.ACCOUNT_MANAGER: TEAMS,
    },
    "work": {
        Role.ADMINISTRATOR: ALL,
        Role.SALES_MANAGER: TEAMS,
        Role.ACCOUNT_MANAGER: OWN,
    },
    "manage": {
        Role.ADMINISTRATOR: ALL,
        Role.SALES_MANAGER: TEAMS,
        Role.ACCOUNT_MANAGER: NONE,
    },
}
ACTIONS = frozenset(ROLES_FOR)


def role_of(user) -> str | None:
    """The role that counts for the rules; None for nobody signed in or inactive."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    return user.role


def reach(user, action: str, *, owned: bool = True) -> str:
    """ALL, TEAMS, OWN or NONE of the rows for `action`.

    `owned` says whether the rows have an owner; without one, an account
    manager's OWN reach over them is NONE.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    role = role_of(user)
    found = ROLES_FOR[action].get(role, NONE) if role else NONE
    if found == OWN and not owned:
        return NONE
    return found


def is_administrator(user) -> bool:
    return role_of(user) == Role.ADMINISTRATOR


def is_sales_manager(user) -> bool:
    return role_of(user) == Role.SALES_MANAGER


def is_account_manager(user) -> bool:
    return role_of(user) == Role.ACCOUNT_MANAGER


def may_use_admin(user) -> bool:
    """Django admin: administrators with staff status, as Django requires."""
    return is_administrator(user) and user.is_staff


def studies_own_cases_only(user) -> bool:
    """Insights: account managers study their own cases; managers their teams'."""
    return is_account_manager(user)


def oversees_teams(user) -> bool:
    """Sales managers and administrators: the dashboard is their home, and
    forms let them choose among the teams they oversee."""
    return reach(user, "manage") != NONE


def keeps_team_calendars(user) -> bool:
    """The team calendar page (holidays, closure days): sales managers for
    their own teams, administrators for every team. Account managers do not
    get it (404): their deadlines already show the result on each case."""
    return reach(user, "manage") != NONE


def overrides_second_failure(user) -> bool:
    """Taking back Mend's second-failure measures on a case (the flag, the
    raised severity, the tighter targets, the guidance, the alert): sales
    managers for their teams' cases, administrators for any. Not account
    managers (403): the rule is there so the owner cannot wave it away."""
    return reach(user, "manage") != NONE


def reviews_replies(user) -> bool:
    """The review list of emails that reached the reply mailbox but no case
    (no case named, or a sender who is not the client's contact):
    administrators only. Such an email may name no team at all, so nobody
    narrower may be shown it; a sales manager gets 404 there."""
    return is_administrator(user)


def gets_manager_alerts(user) -> bool:
    """Alerts, approvals and escalations go to a team's sales managers, and to
    administrators when a team has none (see notifications.record)."""
    return is_sales_manager(user) or is_administrator(user)


# Four eyes on compensation: whoever offered it never approves it, and a
# manager's own offer goes up to an administrator. The author's stored role
# counts (not role_of), so an offer by someone since deactivated can still be
# decided.


def _rank(user) -> str:
    return Role.ADMINISTRATOR if user.is_superuser else user.role


def may_decide_offer(user, author) -> bool:
    """May `user` approve or decline an offer `author` made? (Their reach over
    the case, "manage", is asked separately.)"""
    if author is None or user.pk == author.pk:
        return False
    if is_administrator(user):
        return True
    return is_sales_manager(user) and _rank(author) == Role.ACCOUNT_MANAGER


def decidable_offers_q(user, prefix: str = "") -> Q:
    """may_decide_offer for Compensation queries; `prefix` is the path to it."""
    author = f"{prefix}offered_by"
    if is_administrator(user):
        return ~Q(**{author: user.pk})
    if is_sales_manager(user):
        return sales_managers_decide_q(prefix)
    return Q(**{f"{prefix}pk__in": []})


def sales_managers_decide_q(prefix: str = "") -> Q:
    """Offers a sales manager decides: those an account manager made."""
    author = f"{prefix}offered_by"
    return Q(**{f"{author}__role": Role.ACCOUNT_MANAGER}) & Q(
        **{f"{author}__is_superuser": False}
    )


def may_undo_settlement(user, *, author_id, settled_at, now, window) -> str | None:
    """May `user` undo a record's Done, Missed, Kept or Delivered? Its author
    may, within `window` of clicking; after that (or someone else's click)
    only a sales manager or an administrator, and they must say why.
    Returns "author", "manager" (a reason is needed) or None. Their reach
    over the case ("work") is asked separately."""
    if settled_at is not None and user.pk == author_id and now - settled_at <= window:
        return "author"
    if reach(user, "manage") != NONE:
        return "manager"
    return None


def approvers_are_administrators(author) -> bool:
    """An offer by a sales manager or an administrator needs an administrator."""
    return _rank(author) != Role.ACCOUNT_MANAGER


def approver_label(author) -> str:
    """Who may approve an offer by `author`, in words for the page."""
    if _rank(author) == Role.ADMINISTRATOR:
        return "another administrator"
    if _rank(author) == Role.SALES_MANAGER:
        return "an administrator"
    return "a sales manager"


# The same rules as role_of, for User queries: a superuser is an
# administrator whatever role is stored.


def administrators_q() -> Q:
    return Q(role=Role.ADMINISTRATOR) | Q(is_superuser=True)


def sales_managers_q() -> Q:
    return Q(role=Role.SALES_MANAGER, is_superuser=False)


def second_escalation_q(team) -> Q:
    """Who may take a team's second escalation (a case long past its target):
    administrators, and the team's own sales managers, who see its cases.
    A team not saved yet has no members: administrators only."""
    if team is None or team.pk is None:
        return administrators_q()
    return administrators_q() | (sales_managers_q() & Q(memberships__team=team))


def account_managers_q() -> Q:
    return Q(role=Role.ACCOUNT_MANAGER, is_superuser=False)


def may_edit_client(user, *, owns_one_of_its_cases: bool) -> bool:
    """The client page's edit forms (name, segment, value, notes, contacts):
    sales managers and administrators for the clients they see, and an
    account manager who owns one of the client's cases (open or closed), as
    the one holding that relationship. Their teammates see it read-only."""
    if reach(user, "manage") != NONE:
        return True
    return is_account_manager(user) and owns_one_of_its_cases


def imports_clients(user) -> bool:
    """The "Import clients" page: sales managers, into the teams they manage,
    and administrators, into any team. Account managers do not get it (404):
    a file changes a whole team's clients at once."""
    return reach(user, "manage") != NONE


def client_owners_q() -> Q:
    """Who may own a client (hold the relationship), among its team's
    members: active account managers and sales managers."""
    return Q(is_active=True) & (account_managers_q() | sales_managers_q())
