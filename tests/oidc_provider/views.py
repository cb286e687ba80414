"""The provider's claims (email, names, groups) and its setup endpoints."""

import json

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.http import HttpResponseForbidden, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """Puts the person's email, names and groups in the ID token and userinfo,
    as Okta or Entra ID do once a groups claim is configured."""

    # Every claim below goes out whatever the scopes (the groups claim belongs
    # to no standard scope).
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": True,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }


def _setup(view):
    @csrf_exempt
    @require_POST
    def guarded(request):
        token = request.headers.get("X-Setup-Token", "")
        if not constant_time_compare(token, settings.SETUP_TOKEN):
            return HttpResponseForbidden()
        return view(request, json.loads(request.body))

    return guarded


@_setup
def setup_client(request, data):
    """Register (or re-register) Mend as a confidential client."""
    Application = get_application_model()
    Application.objects.filter(client_id=data["client_id"]).delete()
    Application.objects.create(
        name="Mend",
        client_id=data["client_id"],
        client_secret=data["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=data["redirect_uri"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    return JsonResponse({"ok": True})


@_setup
def setup_user(request, data):
    """Create or update a person: password, email, names and groups."""
    user, _ = User.objects.get_or_create(username=data["username"])
    user.email = data["email"]
    user.first_name = data.get("first_name", "")
    user.last_name = data.get("last_name", "")
    user.set_password(data["password"])
    user.save()
    user.groups.set(
        [Group.objects.get_or_create(name=name)[0] for name in data["groups"]]
    )
    return JsonResponse({"ok": True})
