"""What a signed-in request costs before its view: the portal backend loads user, supplier
membership and supplier in one query, roles need no group query for supplier users, the
authenticator table is read once per session; nothing of it goes stale."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.access import Role
from tests.portal.factories import PASSWORD

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _tables_read(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_allauth_login_signs_in_with_the_portal_backend(client, teammate):
    response = client.post(
        reverse("account_login"), {"login": teammate.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert (
        client.session["_auth_user_backend"] == "portal.auth_backends.PortalAuthenticationBackend"
    )
    assert client.get(reverse("suppliers:po_list")).context["user"] == teammate


@pytest.mark.parametrize(
    "backend",
    [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ],
)
def test_a_session_signed_in_before_the_portal_backend_stays_signed_in(client, teammate, backend):
    client.force_login(teammate, backend=backend)

    assert client.get(reverse("suppliers:po_list")).context["user"] == teammate


def test_a_supplier_user_is_loaded_with_membership_and_supplier_in_one_query(client, supplier_user):
    client.force_login(supplier_user)
    client.get(reverse("suppliers:po_list"))

    sqls = _tables_read(client, reverse("suppliers:po_list"))

    reading_membership = [sql for sql in sqls if '"suppliers_suppliermembership"' in sql]
    assert len(reading_membership) == 1
    assert '"portal_user"' in reading_membership[0]
    assert [sql for sql in sqls if 'FROM "auth_group"' in sql] == []


def test_group_changes_take_effect_on_the_next_request(client, buyer):
    client.force_login(buyer)
    assert client.get(reverse("buyer:po_list")).status_code == 200

    buyer.groups.remove(Group.objects.get(name=Role.BUYER.value))

    assert client.get(reverse("buyer:po_list")).status_code == 403


def test_membership_changes_take_effect_on_the_next_request(client, teammate):
    client.force_login(teammate)
    assert client.get(reverse("suppliers:po_list")).status_code == 200

    teammate.supplier_membership.is_active = False
    teammate.supplier_membership.save(update_fields=["is_active"])

    assert client.get(reverse("suppliers:po_list")).status_code == 403


def test_the_authenticator_table_is_read_once_per_session(settings, client, supplier_user):
    settings.PORTAL_MFA_REQUIRED = True
    TOTP.activate(supplier_user, SECRET)
    client.force_login(supplier_user)

    first = _tables_read(client, reverse("suppliers:po_list"))
    second = _tables_read(client, reverse("suppliers:po_list"))

    assert len([sql for sql in first if '"mfa_authenticator"' in sql]) == 1
    assert [sql for sql in second if '"mfa_authenticator"' in sql] == []


def test_a_session_taken_over_by_another_user_is_checked_for_mfa_again(
    settings, client, supplier_user, buyer
):
    settings.PORTAL_MFA_REQUIRED = True
    TOTP.activate(supplier_user, SECRET)
    client.force_login(supplier_user)
    assert client.get("/").status_code == 200

    client.force_login(buyer)

    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/totp/activate/")
