"""Single sign-on without the browser: who sso_sign_in lets in and where it
places them, the login page with and without a provider, password pages
with password login off, and the settings' group roles. The protocol itself
(state, nonce, PKCE, signatures) is tested against a real provider in
tests/browser/test_single_sign_on.py."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from cases.accounts import services, sso
from cases.choices import Role
from cases.models import User
from tests.factories import PASSWORD, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

GROUP_MAP = {
    "ent-ams": ("account_manager", "Enterprise"),
    "ent-managers": ("sales_manager", "Enterprise"),
    "mid-managers": ("sales_manager", "Midmarket"),
    "mid-ams": ("account_manager", "Midmarket"),
    "it": ("administrator", ""),
}
PROVIDER_BACKEND = "cases.accounts.backends.ProviderBackend"


@pytest.fixture
def sso_on(settings):
    settings.MEND_OIDC_ENABLED = True
    settings.MEND_OIDC_ISSUER = "http://127.0.0.1:9/o"  # nothing listens there
    settings.MEND_OIDC_PROVIDER_NAME = "Acme ID"
    settings.MEND_OIDC_ALLOWED_DOMAINS = ["acme.test"]
    settings.MEND_OIDC_GROUPS_CLAIM = "groups"
    settings.MEND_OIDC_GROUP_MAP = GROUP_MAP
    settings.MEND_OIDC_ENDPOINTS = {}
    settings.OIDC_RP_CLIENT_ID = "mend"
    settings.OIDC_RP_CLIENT_SECRET = "not-a-real-secret"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        PROVIDER_BACKEND,
    ]
    sso.forget_discovery()
    TeamFactory(name="Enterprise")
    TeamFactory(name="Midmarket")
    return settings


def claims(email="nina@acme.test", groups=("ent-ams",), **more):
    return {"sub": "1", "email": email, "groups": list(groups), **more}


def placed(user):
    user.refresh_from_db()
    return user.role, sorted(user.teams.values_list("name", flat=True))


def test_the_mappable_roles_in_settings_are_mends_roles():
    assert set(django_settings.OIDC_MAPPABLE_ROLES) == set(Role.values)


@pytest.mark.parametrize(
    "groups, expected",
    [
        (["ent-ams"], sso.Placement(Role.ACCOUNT_MANAGER, ("Enterprise",))),
        (
            ["ent-managers", "mid-managers", "other"],
            sso.Placement(Role.SALES_MANAGER, ("Enterprise", "Midmarket")),
        ),
        # The widest role, with only its own teams.
        (
            ["ent-ams", "mid-managers"],
            sso.Placement(Role.SALES_MANAGER, ("Midmarket",)),
        ),
        (["it", "ent-ams"], sso.Placement(Role.ADMINISTRATOR, ())),
        (["other"], None),
        ([], None),
    ],
)
def test_groups_give_the_widest_role_and_its_teams(sso_on, groups, expected):
    assert sso.placement(groups) == expected


def test_a_first_sign_in_creates_the_person_with_no_usable_password(sso_on):
    user = services.sso_sign_in(
        claims=claims(given_name="Nina", family_name="Novak\nInjected")
    )
    assert placed(user) == (Role.ACCOUNT_MANAGER, ["Enterprise"])
    assert (user.username, user.first_name, user.last_name) == (
        "nina@acme.test",
        "Nina",
        "Novak Injected",
    )
    assert not user.has_usable_password()


def test_every_sign_in_places_the_person_again(sso_on):
    nina = UserFactory(
        username="nina", email="Nina@Acme.test", teams=[TeamFactory(name="Enterprise")]
    )
    assert services.sso_sign_in(claims=claims(groups=["mid-managers"])) == nina
    assert placed(nina) == (Role.SALES_MANAGER, ["Midmarket"])
    services.sso_sign_in(claims=claims(groups=["ent-managers", "mid-managers"]))
    assert placed(nina) == (Role.SALES_MANAGER, ["Enterprise", "Midmarket"])
    assert nina.has_usable_password()  # a password of hers stays hers


@pytest.mark.parametrize(
    "person, message",
    [
        (claims(email="eve@elsewhere.test"), "is not an address of a company"),
        (claims(email_verified=False), "did not give Mend a verified email"),
        (claims(email=""), "did not give Mend a verified email"),
        (claims(groups=["other"]), "does not give you access to Mend"),
        (claims(groups=[]), "does not give you access to Mend"),
    ],
)
def test_a_person_mend_should_not_let_in_is_refused_and_nothing_is_saved(
    sso_on, person, message
):
    with pytest.raises(services.SignInRefused, match=message):
        services.sso_sign_in(claims=person)
    assert not User.objects.exists()


def test_a_deactivated_person_is_refused_and_stays_as_they_were(sso_on):
    dan = UserFactory(email="nina@acme.test", is_active=False, role=Role.SALES_MANAGER)
    with pytest.raises(services.SignInRefused, match="switched off"):
        services.sso_sign_in(claims=claims())
    assert placed(dan) == (Role.SALES_MANAGER, [])


def test_a_removed_person_keeps_nothing_new_and_is_refused(sso_on):
    rita = UserFactory(email="nina@acme.test", teams=[TeamFactory(name="Enterprise")])
    with pytest.raises(services.SignInRefused):
        services.sso_sign_in(claims=claims(groups=["other"]))
    assert placed(rita) == (Role.ACCOUNT_MANAGER, ["Enterprise"])


def test_a_group_pointing_at_a_team_mend_lacks_is_refused_naming_it(sso_on):
    sso_on.MEND_OIDC_GROUP_MAP = {"x": ("account_manager", "Atlantis")}
    with pytest.raises(services.SignInRefused, match="Atlantis"):
        services.sso_sign_in(claims=claims(groups=["x"]))
    assert not User.objects.exists()


def test_the_groups_claim_name_comes_from_settings(sso_on):
    sso_on.MEND_OIDC_GROUPS_CLAIM = "roles"
    user = services.sso_sign_in(claims={"email": "nina@acme.test", "roles": "it"})
    assert placed(user) == (Role.ADMINISTRATOR, [])


def test_without_a_provider_the_login_page_is_the_password_form_alone(client):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with" not in page
    assert 'name="password"' in page and "Forgot your password?" in page


def test_with_a_provider_the_login_page_offers_it_beside_the_password_form(
    client, sso_on
):
    page = client.get(reverse("login") + "?next=/cases/").content.decode()
    assert "Sign in with Acme ID" in page
    assert f"{reverse('oidc_authentication_init')}?next=/cases/" in page
    assert 'name="password"' in page


def test_with_password_login_off_every_password_page_is_404(
    client, sso_on, account_manager
):
    sso_on.MEND_PASSWORD_LOGIN = False
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Acme ID" in page
    assert 'name="password"' not in page and "Forgot your password?" not in page
    posted = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert posted.status_code == 404
    for name in ["password_reset", "password_reset_done", "password_reset_complete"]:
        assert client.get(reverse(name)).status_code == 404, name
    client.force_login(account_manager, backend=PROVIDER_BACKEND)
    for name in ["password_change", "password_change_done"]:
        assert client.get(reverse(name)).status_code == 404, name


def test_an_unreachable_provider_is_said_on_the_login_page(client, sso_on):
    response = client.get(reverse("oidc_authentication_init"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "Mend cannot reach Acme ID just now" in response.content.decode()


def test_a_deactivated_persons_single_sign_on_session_ends(client, sso_on):
    nina = UserFactory(email="nina@acme.test", teams=[TeamFactory(name="Enterprise")])
    client.force_login(nina, backend=PROVIDER_BACKEND)
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(pk=nina.pk).update(is_active=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
