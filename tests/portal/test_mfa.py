"""MFA: supplier admins, buyers, integration operators and portal admins set up TOTP
before anything else when PORTAL_MFA_REQUIRED is on; login then asks for a code; failed
logins are rate-limited."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.urls import reverse

from tests.portal.factories import PASSWORD, totp_code

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.PORTAL_MFA_REQUIRED = True
    # Rate limits and used TOTP codes live in the cache: start and leave every test clean.
    cache.clear()
    yield
    cache.clear()


def _login(client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


@pytest.mark.parametrize("who", ["supplier_user", "buyer", "operator", "portal_admin"])
def test_each_role_that_needs_mfa_is_sent_to_set_it_up_first(client, request, who):
    client.force_login(request.getfixturevalue(who))

    for url in ("/", reverse("suppliers:po_list"), reverse("buyer:po_list")):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, ACTIVATE), url


def test_supplier_staff_are_not_forced(client, teammate):
    client.force_login(teammate)

    assert client.get("/").status_code == 200


def test_nobody_is_forced_when_the_setting_is_off(settings, client, buyer):
    settings.PORTAL_MFA_REQUIRED = False
    client.force_login(buyer)

    assert client.get("/").status_code == 200


@pytest.mark.parametrize("who", ["supplier_user", "buyer", "operator", "portal_admin"])
def test_each_role_with_an_authenticator_goes_on(client, request, who):
    user = request.getfixturevalue(who)
    TOTP.activate(user, SECRET)
    client.force_login(user)

    assert client.get("/").status_code == 200


def test_signing_out_stays_possible_before_setup(client, buyer):
    client.force_login(buyer)

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_setting_up_totp_after_login_gives_recovery_codes(client, buyer):
    assert _login(client, buyer.email)["Location"] == "/"
    assert client.get("/")["Location"] == ACTIVATE

    # allauth asks for the password again before adding an authenticator.
    reauth = client.get(ACTIVATE)
    assert reauth["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reauth["Location"], {"password": PASSWORD})
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = re.search(r'value="([A-Z2-7]{32})"', page.content.decode())
    response = client.post(ACTIVATE, {"code": totp_code(secret.group(1))})

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert set(Authenticator.objects.filter(user=buyer).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }
    assert client.get("/").status_code == 200


def test_login_asks_for_the_code_once_totp_is_set_up(client, portal_admin):
    TOTP.activate(portal_admin, SECRET)

    response = _login(client, portal_admin.email)

    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert wrong.status_code == 200
    client.post(reverse("mfa_authenticate"), {"code": totp_code(SECRET)})
    assert client.session["_auth_user_id"] == str(portal_admin.pk)
    assert client.get("/").status_code == 200


def test_a_required_authenticator_cannot_be_switched_off(client, buyer):
    TOTP.activate(buyer, SECRET)
    _login(client, buyer.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(SECRET)})

    client.post(reverse("mfa_deactivate_totp"), {})

    assert Authenticator.objects.filter(user=buyer, type=Authenticator.Type.TOTP).exists()


def test_repeated_failed_logins_are_refused_even_with_the_right_password(client, teammate):
    for _ in range(5):
        response = _login(client, teammate.email, "wrong-password")
        assert "_auth_user_id" not in client.session

    response = _login(client, teammate.email)

    assert "_auth_user_id" not in client.session
    assert "Too many failed login attempts" in response.content.decode()
