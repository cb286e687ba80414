"""Navigation by role, computed once per request for the page shell."""

from dataclasses import dataclass

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
    NavItem("Admin", "admin:index", access.may_use_admin),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for item in NAVIGATION:
        if not item.show(user):
            continue
        url = item.url()
        active = path == url if url == "/" else path.startswith(url)
        items.append(
            {
                "label": item.label,
                "url": url,
                "active": active,
                # Home is where "New to you" is: its link carries the count.
                "shows_new": item.url_name == "home",
            }
        )
    # Counted once, and only by a page that shows it (a panel does not).
    unread = SimpleLazyObject(
        lambda: Notice.objects.for_recipient(user).unread().count()
    )
    return {"nav_items": items, "nav_new": unread}
