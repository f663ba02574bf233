"""Login throttling by account and by address (issue 18): one user's wrong passwords lock
that account only, never the colleagues signing in from the same office address."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.portal.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"


@pytest.fixture(autouse=True)
def own_cache(settings, request):
    """Rate-limit counts of this test's own (they live in the cache)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"login-{request.node.nodeid}",
        }
    }


def sign_in(email: str, password: str = PASSWORD):
    """A fresh browser at the office's one address (the test client's REMOTE_ADDR)."""
    browser = Client()
    response = browser.post(reverse("account_login"), {"login": email, "password": password})
    return browser, response


def test_five_wrong_passwords_lock_that_account_but_not_a_colleague_at_the_same_address():
    unlucky = UserFactory(email="ann@office.example")
    colleague = UserFactory(email="bob@office.example")
    for _ in range(5):
        sign_in(unlucky.email, "wrong-password")

    locked, locked_response = sign_in(unlucky.email)
    colleague_browser, colleague_response = sign_in(colleague.email)

    assert "_auth_user_id" not in locked.session
    assert TOO_MANY in locked_response.content.decode()
    assert colleague_response.status_code == 302
    assert colleague_browser.session["_auth_user_id"] == str(colleague.pk)


def test_forty_wrong_passwords_from_one_office_address_do_not_lock_it_out():
    typists = [UserFactory(email=f"user{n}@office.example") for n in range(10)]
    for user in typists:
        for _ in range(4):
            sign_in(user.email, "wrong-password")
    colleague = UserFactory(email="carol@office.example")

    browser, response = sign_in(colleague.email)

    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(colleague.pk)
    # …and each typist can still sign in: 4 misses are under their account's limit.
    assert sign_in(typists[0].email)[1].status_code == 302
