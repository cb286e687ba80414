"""Single sign-on in tests: a real OpenID Connect provider process
(tests.oidc_provider) and Mend's settings pointed at it.

The provider runs as a subprocess on a free port of 127.0.0.1 with its own
SQLite file; Mend (the live server, on localhost) meets it over HTTP exactly
as it would meet Entra ID or Okta: discovery, the browser's redirect to its
sign-in page, the code exchanged with the PKCE verifier, an RS256 ID token
checked against its JWKS, userinfo.
"""

import contextlib
import json
import os
import secrets
import select
import subprocess
import sys
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
START_SECONDS = 60
CLIENT_ID = "mend-tests"
PROVIDER_NAME = "Acme ID"
PASSWORD = "provider-pass-2026"
GROUP_MAP = {
    "mend-enterprise-ams": ("account_manager", "Enterprise"),
    "mend-enterprise-managers": ("sales_manager", "Enterprise"),
    "mend-midmarket-ams": ("account_manager", "Midmarket"),
    "mend-admins": ("administrator", ""),
}


class ProviderDidNotStart(Exception):
    pass


class Provider:
    """The running provider: its issuer, and its setup endpoints."""

    def __init__(self, issuer: str, token: str):
        self.issuer = issuer
        self.client_secret = secrets.token_urlsafe(24)
        self._token = token
        self._root = issuer.rsplit("/o", 1)[0]

    def _post(self, path: str, data: dict) -> None:
        # Always http:// on 127.0.0.1: the provider this module started.
        request = urllib.request.Request(  # noqa: S310
            f"{self._root}{path}",
            data=json.dumps(data).encode(),
            headers={"X-Setup-Token": self._token},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 200

    def register_client(self, redirect_uri: str) -> None:
        self._post(
            "/setup/client",
            {
                "client_id": CLIENT_ID,
                "client_secret": self.client_secret,
                "redirect_uri": redirect_uri,
            },
        )

    def person(self, username, *, email, groups, first_name="", last_name=""):
        """Create or update a person at the provider (password: PASSWORD)."""
        self._post(
            "/setup/user",
            {
                "username": username,
                "password": PASSWORD,
                "email": email,
                "groups": list(groups),
                "first_name": first_name,
                "last_name": last_name,
            },
        )


@contextlib.contextmanager
def running_provider(folder: Path):
    """Start the provider, wait for it to say READY, stop it afterwards."""
    token = secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "PROVIDER_SECRET_KEY": secrets.token_urlsafe(50),
        "PROVIDER_SETUP_TOKEN": token,
        "PYTHONPATH": str(BASE_DIR),
    }
    log = folder / "provider.log"
    with open(log, "w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve", str(folder / "p.db")],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
    try:
        ready, _, _ = select.select([process.stdout], [], [], START_SECONDS)
        line = process.stdout.readline() if ready else ""
        if not line.startswith("READY "):
            raise ProviderDidNotStart(
                f"the test provider did not start: {line!r} {log.read_text()[-2000:]}"
            )
        yield Provider(line.split()[1], token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def point_mend_at(settings, provider: Provider, *, password_login=True) -> None:
    """Mend's settings as the environment would give them for this provider
    (pytest-django's `settings` fixture puts them back afterwards)."""
    from cases.accounts import sso

    settings.MEND_OIDC_ENABLED = True
    settings.MEND_OIDC_ISSUER = provider.issuer
    settings.MEND_OIDC_PROVIDER_NAME = PROVIDER_NAME
    settings.MEND_OIDC_ALLOWED_DOMAINS = ["acme.test"]
    settings.MEND_OIDC_GROUPS_CLAIM = "groups"
    settings.MEND_OIDC_GROUP_MAP = GROUP_MAP
    settings.MEND_OIDC_ENDPOINTS = {}
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
    settings.MEND_PASSWORD_LOGIN = password_login
    backends = ["axes.backends.AxesStandaloneBackend"]
    if password_login:
        backends.append("django.contrib.auth.backends.ModelBackend")
    settings.AUTHENTICATION_BACKENDS = [
        *backends,
        "cases.accounts.backends.ProviderBackend",
    ]
    sso.forget_discovery()
