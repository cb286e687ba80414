"""Who an API request is: a personal token (Authorization: Bearer mend_…),
or the signed-in browser session (the browsable docs), with its CSRF check."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from cases.api.tokens import api_token_user


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as: Authorization: Bearer <token>."
            )
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("That token is not valid.") from None
        found = api_token_user(raw)
        if found is None:
            raise exceptions.AuthenticationFailed(
                "That token is not valid: it was revoked, mistyped, or its owner's "
                "account is switched off."
            )
        return found

    def authenticate_header(self, request):
        return self.keyword


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, made on Settings → API tokens.",
        }
