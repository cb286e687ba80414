"""Login lockouts: axes' database handler, plus a limit per client address.

Axes locks a username from one address after AXES_FAILURE_LIMIT failures
(AXES_LOCKOUT_PARAMETERS). Axes compares every lockout parameter against that
one limit, so an address-wide limit, which must be higher, is added here:
an address is locked once its failures, each username counted at most up to
the per-username limit, reach AXES_ADDRESS_FAILURE_LIMIT. Password spraying
(a few passwords over many usernames) reaches it; one person who keeps
trying after their own lockout cannot lock everyone else behind the same
office NAT.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum, Value
from django.db.models.functions import Least


def address_failures(request) -> int:
    """Recent failures from the request's address, capped per username."""
    cap = settings.AXES_FAILURE_LIMIT
    attempts = AccessAttempt.objects.filter(
        ip_address=request.axes_ip_address,
        attempt_time__gte=get_cool_off_threshold(request),
    )
    total = attempts.aggregate(n=Sum(Least("failures_since_start", Value(cap))))["n"]
    return total or 0


class MendAxesHandler(AxesDatabaseHandler):
    """Axes' database handler that also locks an address trying many usernames."""

    def get_failures(self, request, credentials=None) -> int:
        failures = super().get_failures(request, credentials)
        if address_failures(request) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            # Axes locks when this reaches its (per-username) limit.
            return max(failures, settings.AXES_FAILURE_LIMIT)
        return failures


def is_provider_callback(request, credentials=None) -> bool:
    """Axes leaves single sign-on's callback alone (AXES_WHITELIST_CALLABLE).

    No password is tried there: the provider has checked the person, and the
    callback's code and state work once. So a refused sign-in is no failed
    password (five of them from an office would otherwise pause everyone's
    single sign-on there), and someone guessing at a person's password
    cannot keep that person out of single sign-on.
    """
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "oidc_authentication_callback"
