"""The client's promise page: opened from a link, without signing in.

cases.links does what every public page must (no cookie, noindex, no cache,
rate limit, the "not available" page); this view reads the share the token
names and shows only the case's promises and its next follow-up date.
"""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.views.decorators.http import require_safe

from cases import links
from cases.casework.forms.promise_page import share_days
from cases.casework.selectors import promise_page_for
from cases.casework.services.promise_page import promise_page_viewed

PURPOSE = "promises"


def promise_page_link(share) -> str:
    """The address to give the client (a new token each time it is drawn:
    it carries its own age; each works until the share ends)."""
    token = links.make_token(PURPOSE, share.pk, nonce=share.nonce)
    return f"{settings.SITE_URL}{reverse('promise_page', args=[token])}"


def _longest_share() -> dt.timedelta:
    # The token's own age limit, a bound beyond the share's expiry (which
    # is what ends a link): no token outlives the longest share.
    return dt.timedelta(days=max(share_days()) + 1)


@links.public_page
@require_safe
def promise_page(request, token: str):
    share_id, nonce = links.read_token(PURPOSE, token, max_age=_longest_share())
    context = promise_page_for(share_id, nonce)
    if request.method == "GET":
        promise_page_viewed(share_id=share_id)
    return links.public_render(request, "public/promises.html", context)
