"""A real OpenID Connect provider for the single sign-on tests.

A small Django project on django-oauth-toolkit's OIDC support, run by the
tests as a process of its own (serve.py) with its own SQLite database: its
own sign-in page, discovery document, signed ID tokens, PKCE and userinfo,
exactly as Mend meets Entra ID, Google or Okta. The tests set up its people,
their groups and Mend's client through /setup/, guarded by a token.
"""
