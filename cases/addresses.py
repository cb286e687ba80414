"""The client's address, as the trusted proxies in front of Mend report it.

Login throttling (axes, through AXES_CLIENT_IP_CALLABLE) and the password-reset
throttle both call client_address(), so they always agree on who is asking.
"""

import ipaddress
import logging

from django.conf import settings

log = logging.getLogger(__name__)


def _address(text: str) -> str | None:
    """One hop as a plain address: '203.0.113.5', '203.0.113.5:4711' and
    '[2001:db8::1]:443' all count (some load balancers append the port)."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The address of whoever sent the request.

    Every proxy appends the address it received the request from to
    X-Forwarded-For, and the last one is REMOTE_ADDR itself. So with N trusted
    proxies the client is the hop N places from the right of
    "X-Forwarded-For entries, then REMOTE_ADDR". Hops further left were written
    by the client and are never believed: a forged header with extra entries
    cannot choose the address that is throttled.
    """
    peer = request.META.get("REMOTE_ADDR")
    trusted = settings.TRUSTED_PROXY_COUNT
    if not trusted:
        return peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()] + [peer or ""]
    # Fewer hops than proxies: the request skipped one (or a proxy does not
    # append); the furthest hop we were told of is the best we have.
    chosen = hops[-(trusted + 1)] if len(hops) > trusted else hops[0]
    address = _address(chosen)
    if address is None:
        log.warning(
            "X-Forwarded-For hop %r is not an address; is TRUSTED_PROXY_COUNT right?",
            chosen,
        )
        return peer
    return address
