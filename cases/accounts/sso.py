"""Single sign-on's configuration: the provider's endpoints and what its
groups mean in Mend.

The endpoints come from the issuer's discovery document
(ISSUER/.well-known/openid-configuration), fetched the first time a sign-in
needs them and kept for the life of the process; an endpoint given in the
environment (MEND_OIDC_TOKEN_ENDPOINT...) wins over the document.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import requests
from django.conf import settings

from cases.choices import Role

# The endpoints mozilla-django-oidc needs, by their discovery names.
ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
)
# When one person's groups give different roles, the widest counts.
ROLE_ORDER = [Role.ACCOUNT_MANAGER, Role.SALES_MANAGER, Role.ADMINISTRATOR]

_documents: dict[str, dict] = {}
_lock = threading.Lock()


class ProviderUnreachable(Exception):
    """The provider's discovery document could not be had."""


def enabled() -> bool:
    return settings.MEND_OIDC_ENABLED


def endpoint(name: str) -> str:
    """One of the provider's endpoints (ENDPOINTS), or ProviderUnreachable."""
    given = settings.MEND_OIDC_ENDPOINTS.get(name)
    if given:
        return given
    value = _discovery().get(name)
    if not value:
        raise ProviderUnreachable(f"the discovery document names no {name}")
    return value


def _discovery() -> dict:
    issuer = settings.MEND_OIDC_ISSUER
    with _lock:
        if issuer not in _documents:
            url = f"{issuer}/.well-known/openid-configuration"
            try:
                response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
                response.raise_for_status()
                document = response.json()
            except (requests.RequestException, ValueError) as exc:
                # Not kept: the next sign-in asks again.
                raise ProviderUnreachable(f"{url}: {exc}") from exc
            if document.get("issuer", "").rstrip("/") != issuer:
                raise ProviderUnreachable(
                    f"{url} names the issuer {document.get('issuer')!r}, not {issuer!r}"
                )
            _documents[issuer] = document
        return _documents[issuer]


def forget_discovery() -> None:
    """Drop the kept documents (tests, or a provider that moved its endpoints)."""
    with _lock:
        _documents.clear()


@dataclass(frozen=True)
class Placement:
    """Where a person's groups put them in Mend: a role and its teams."""

    role: str
    teams: tuple[str, ...]


def placement(groups) -> Placement | None:
    """The role and teams the mapped groups among `groups` give; None when
    no group of theirs is mapped. Teams come only from the groups of the
    widest role, so being an account manager in one team and a sales manager
    in another never makes anyone a sales manager of both."""
    mapped = [
        settings.MEND_OIDC_GROUP_MAP[group]
        for group in groups
        if group in settings.MEND_OIDC_GROUP_MAP
    ]
    if not mapped:
        return None
    role = max((role for role, _ in mapped), key=ROLE_ORDER.index)
    teams = sorted({team for r, team in mapped if r == role and team})
    return Placement(role=role, teams=tuple(teams))


def groups_of(claims: dict) -> list[str]:
    """The groups claim as a list of strings (a lone string counts as one)."""
    value = claims.get(settings.MEND_OIDC_GROUPS_CLAIM) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return []
    return [str(group) for group in value]


def email_domain_allowed(email: str) -> bool:
    domain = email.rpartition("@")[2].lower()
    return bool(domain) and domain in settings.MEND_OIDC_ALLOWED_DOMAINS
