"""Navigation by role, computed once per request for the page shell."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from cases import access
from cases.models import Notice


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    show: callable

    def url(self) -> str:
        return reverse(self.url_name)


def _anyone(user) -> bool:
    return True


NAVIGATION = [
    NavItem("Home", "home", _anyone),
    NavItem("My cases", "my_cases", access.is_account_manager),
    NavItem("All cases", "case_list", _anyone),
    NavItem("Log a dropped ball", "case_new", _anyone),
    NavItem("Insights", "insights", _anyone),
    NavItem("Replies to review", "replies_review", access.reviews_replies),
    NavItem("Import clients", "imports", access.imports_clients),
    NavItem("Admin", "admin:index", access.may_use_admin),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [
        {
            "label": item.label,
            "url": item.url(),
            "active": False,
            "current": "",
            # Home is where "New to you" is: its link carries the count.
            "shows_new": item.url_name == "home",
        }
        for item in NAVIGATION
        if item.show(user)
    ]
    current = _current(request.path, [item["url"] for item in items])
    for item in items:
        if item["url"] == current:
            item["active"] = True
            # A page of its own is "page"; a page inside its section (a case
            # under All cases) marks the section, its breadcrumb the page.
            item["current"] = "page" if current == request.path else "true"
    # Counted once, and only by a page that shows it (a panel does not).
    unread = SimpleLazyObject(
        lambda: Notice.objects.for_recipient(user).unread().count()
    )
    return {
        "nav_items": items,
        "nav_new": unread,
        # Someone who signs in only through the provider has no password to
        # change, and with password login off nobody has.
        "may_change_password": settings.MEND_PASSWORD_LOGIN
        and user.has_usable_password(),
    }


def _current(path: str, urls: list[str]) -> str | None:
    """The one item the page belongs to: the longest address it starts with
    ("My cases" on /cases/mine/, "All cases" on a case), home only at home."""
    matches = [
        url for url in urls if path == url or (url != "/" and path.startswith(url))
    ]
    return max(matches, key=len, default=None)
