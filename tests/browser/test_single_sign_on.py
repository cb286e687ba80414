"""Single sign-on in Chromium against a real OpenID Connect provider process
(tests.oidc_provider, started here on a free port): people are created,
placed and moved by their provider groups, and refused with a clear message
when Mend should not let them in; a forged or replayed callback gets nobody in.
"""

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from playwright.sync_api import expect

from cases.choices import Role
from cases.models import User
from tests.browser.test_sign_in import serious_violations
from tests.conftest import IN_CI
from tests.factories import TeamFactory, UserFactory
from tests.sso import (
    PASSWORD,
    PROVIDER_NAME,
    ProviderDidNotStart,
    point_mend_at,
    running_provider,
)

pytestmark = pytest.mark.django_db(transaction=True)
SCREENSHOTS = "var/screenshots"


@pytest.fixture(scope="module")
def provider(tmp_path_factory, live_server):
    try:
        with running_provider(tmp_path_factory.mktemp("oidc")) as running:
            running.register_client(f"{live_server.url}/oidc/callback/")
            yield running
    except ProviderDidNotStart as exc:
        if IN_CI:
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture
def sso(settings, provider):
    point_mend_at(settings, provider)
    TeamFactory(name="Enterprise")
    TeamFactory(name="Midmarket")
    return provider


def start(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()


def sign_in_at_provider(page, live_server, username):
    """Mend's login page, "Sign in with Acme ID", the provider's own form."""
    start(page, live_server)
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def signed_in(page, live_server):
    """At Mend's home page, which only a signed-in person reaches."""
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("user-menu")).to_be_attached()


def refusal(page):
    return page.get_by_role("alert")


def placement(email):
    user = User.objects.get(email=email)
    return user.role, sorted(user.teams.values_list("name", flat=True))


def test_a_new_person_signs_in_and_appears_with_their_mapped_team_and_role(
    page, live_server, sso, csp_violations
):
    sso.person(
        "nina",
        email="nina@acme.test",
        groups=["mend-enterprise-ams", "all-staff"],
        first_name="Nina",
        last_name="Novak",
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=f"{SCREENSHOTS}/sso-login-desktop.png", full_page=True)
    assert serious_violations(page) == []
    sign_in_at_provider(page, live_server, "nina")
    signed_in(page, live_server)
    expect(page.get_by_test_id("home-account-manager")).to_be_visible()
    page.get_by_test_id("user-menu").click()
    expect(page.get_by_role("link", name="Change password")).to_have_count(0)
    page.screenshot(path=f"{SCREENSHOTS}/sso-home-desktop.png")
    assert placement("nina@acme.test") == (Role.ACCOUNT_MANAGER, ["Enterprise"])
    nina = User.objects.get(email="nina@acme.test")
    assert (nina.first_name, nina.last_name) == ("Nina", "Novak")
    assert not nina.has_usable_password()
    assert csp_violations == []


def test_a_person_moved_in_the_provider_is_moved_in_mend(browser, live_server, sso):
    UserFactory(
        username="omar",
        email="omar@acme.test",
        role=Role.ACCOUNT_MANAGER,
        teams=[TeamFactory(name="Enterprise")],
    )
    sso.person("omar", email="omar@acme.test", groups=["mend-midmarket-ams"])
    for groups, expected in [
        (["mend-midmarket-ams"], (Role.ACCOUNT_MANAGER, ["Midmarket"])),
        (
            ["mend-enterprise-managers", "mend-midmarket-ams"],
            (Role.SALES_MANAGER, ["Enterprise"]),
        ),
    ]:
        sso.person("omar", email="omar@acme.test", groups=groups)
        context = browser.new_context()
        page = context.new_page()
        sign_in_at_provider(page, live_server, "omar")
        signed_in(page, live_server)
        assert placement("omar@acme.test") == expected
        context.close()
    assert User.objects.filter(email="omar@acme.test").count() == 1


def test_a_person_removed_from_every_mapped_group_is_refused_with_a_clear_message(
    page, live_server, sso
):
    UserFactory(
        username="rita",
        email="rita@acme.test",
        role=Role.SALES_MANAGER,
        teams=[TeamFactory(name="Enterprise")],
    )
    sso.person("rita", email="rita@acme.test", groups=["all-staff"])
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_at_provider(page, live_server, "rita")
    expect(refusal(page)).to_contain_text(
        f"{PROVIDER_NAME} does not give you access to Mend"
    )
    expect(page.get_by_role("heading", name="Sign in to Mend")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/sso-refused-phone.png", full_page=True)
    assert serious_violations(page) == []
    # Nothing of hers changed; a refusal is no failed password for axes.
    assert placement("rita@acme.test") == (Role.SALES_MANAGER, ["Enterprise"])
    assert not AccessAttempt.objects.exists()


@pytest.mark.parametrize(
    "email, setup, message",
    [
        ("eve@elsewhere.test", None, "is not an address of a company"),
        ("dan@acme.test", "deactivated", "Your Mend account is switched off"),
    ],
)
def test_an_outside_address_or_a_deactivated_person_is_refused(
    page, live_server, sso, email, setup, message
):
    if setup == "deactivated":
        UserFactory(username="dan", email=email, is_active=False)
    sso.person("someone", email=email, groups=["mend-enterprise-ams"])
    sign_in_at_provider(page, live_server, "someone")
    expect(refusal(page)).to_contain_text(message)
    expect(page.get_by_role("heading", name="Sign in to Mend")).to_be_visible()
    assert User.objects.filter(email=email, is_active=True).count() == 0


def test_a_forged_callback_is_refused(page, live_server, sso):
    sso.person("nina", email="nina@acme.test", groups=["mend-enterprise-ams"])
    # A sign-in under way in this browser (its state is in the session), and
    # a callback with a state the attacker made up.
    start(page, live_server)
    page.goto(f"{live_server.url}/oidc/callback/?code=stolen&state=made-up")
    expect(refusal(page)).to_contain_text("not started here or has already been used")
    expect(page.get_by_role("heading", name="Sign in to Mend")).to_be_visible()
    assert not User.objects.filter(email="nina@acme.test").exists()


def test_a_replayed_callback_is_refused(browser, page, live_server, sso):
    sso.person("nina", email="nina@acme.test", groups=["mend-enterprise-ams"])
    callbacks = []
    page.on(
        "request",
        lambda r: callbacks.append(r.url) if "/oidc/callback/" in r.url else None,
    )
    sign_in_at_provider(page, live_server, "nina")
    signed_in(page, live_server)
    [used] = callbacks
    assert re.search(r"[?&]code=", used) and re.search(r"[?&]state=", used)
    # The same code and state again: in the browser that used them, and in
    # another that found the address (a log, a shared screen).
    page.goto(used)
    expect(refusal(page)).to_contain_text("already been used")
    other = browser.new_context()
    stolen = other.new_page()
    stolen.goto(used)
    expect(refusal(stolen)).to_contain_text("already been used")
    expect(stolen.get_by_role("heading", name="Sign in to Mend")).to_be_visible()
    other.close()


def test_a_password_lockout_does_not_keep_the_person_out_of_single_sign_on(
    page, live_server, sso, settings
):
    UserFactory(
        username="nina@acme.test",
        email="nina@acme.test",
        teams=[TeamFactory(name="Enterprise")],
    )
    guesser = Client(REMOTE_ADDR="127.0.0.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        guesser.post(
            "/accounts/login/", {"username": "nina@acme.test", "password": "guess"}
        )
    assert (
        guesser.post(
            "/accounts/login/", {"username": "nina@acme.test", "password": "guess"}
        ).status_code
        == 429
    )
    sso.person("nina", email="nina@acme.test", groups=["mend-enterprise-ams"])
    sign_in_at_provider(page, live_server, "nina")
    signed_in(page, live_server)


def test_with_password_login_off_the_provider_is_the_only_way_in(
    page, live_server, sso, settings
):
    point_mend_at(settings, sso, password_login=False)
    sso.person("nina", email="nina@acme.test", groups=["mend-enterprise-ams"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_label("Password")).to_have_count(0)
    expect(page.get_by_role("link", name="Forgot your password?")).to_have_count(0)
    page.screenshot(path=f"{SCREENSHOTS}/sso-only-phone.png", full_page=True)
    sign_in_at_provider(page, live_server, "nina")
    signed_in(page, live_server)
