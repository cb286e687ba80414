"""Signing in through the OpenID Connect provider: mozilla-django-oidc's
backend, with Mend's rules for who gets in (services.sso_sign_in)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from cases.accounts import services, sso


class ProviderBackend(OIDCAuthenticationBackend):
    """The library's code flow (token exchange, signature, nonce, PKCE
    verifier), then Mend's checks on the ID token and the person."""

    def __init__(self, *args, **kwargs):
        # Not the library's __init__, which reads every endpoint at once:
        # Django makes a backend for each request of a signed-in person
        # (get_user), and only a sign-in needs the provider's endpoints, so
        # they are looked up then (the properties below).
        self.UserModel = get_user_model()

    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = None
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: sso.endpoint("token_endpoint"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: sso.endpoint("userinfo_endpoint"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: sso.endpoint("jwks_uri"))

    def verify_token(self, token, **kwargs):
        """The library checks the signature, expiry and nonce; the token must
        also come from our issuer and be meant for Mend (it skips both)."""
        payload = super().verify_token(token, **kwargs)
        if payload.get("iss", "").rstrip("/") != settings.MEND_OIDC_ISSUER:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if settings.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token meant for another client")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """Userinfo over the ID token's claims: Entra ID puts the groups in
        the ID token only, Okta may put them in either."""
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub", payload.get("sub")) != payload.get("sub"):
            # OpenID Connect Core 5.3.2: else the answer may be about another.
            raise SuspiciousOperation("userinfo about another subject")
        return {**payload, **userinfo}

    def verify_claims(self, claims):
        return True  # Mend's own checks, with their reasons: sso_sign_in

    def filter_users_by_claims(self, claims):
        # One service decides who this is and what they may be.
        return [services.sso_sign_in(claims=claims)]

    def update_user(self, user, claims):
        return user

    def get_user(self, user_id):
        """The signed-in person of a session; a deactivated one is signed out
        at their next request, as with a password."""
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
