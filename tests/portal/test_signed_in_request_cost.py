"""What a signed-in request costs before its view: the portal backend loads user, supplier
membership and supplier in one query, roles need no group query for supplier users, the
authenticator table is read once per session; nothing of it goes stale."""

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
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
    # On PostgreSQL the group names come in that same query; nowhere else a group query.
    assert [sql for sql in sqls if '"auth_group"' in sql and sql not in reading_membership] == []


def test_a_buyers_user_and_group_names_are_one_query_on_postgresql(client, buyer):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads the group names when first needed")
    client.force_login(buyer)
    client.get(reverse("buyer:po_list"))

    sqls = _tables_read(client, reverse("buyer:po_list"))

    assert len([sql for sql in sqls if '"auth_group"' in sql]) == 1
    assert [sql for sql in sqls if '"auth_group"' in sql and '"portal_user"' in sql]


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


def test_a_signed_in_request_reads_its_session_from_the_cache_not_the_database(
    client, supplier_user
):
    client.force_login(supplier_user)
    client.get(reverse("suppliers:po_list"))

    sqls = _tables_read(client, reverse("suppliers:po_list"))

    assert [sql for sql in sqls if '"django_session"' in sql] == []


def test_with_the_session_cache_off_every_request_reads_the_session_row(
    settings, client, supplier_user
):
    settings.SESSION_CACHE_SECONDS = 0
    client.force_login(supplier_user)

    sqls = _tables_read(client, reverse("suppliers:po_list"))

    assert len([sql for sql in sqls if 'FROM "django_session"' in sql]) == 1


def test_a_logout_ends_the_session_for_a_copy_of_its_cookie_at_once(client, supplier_user):
    client.post(reverse("account_login"), {"login": supplier_user.email, "password": PASSWORD})
    copy = Client()
    copy.cookies = client.cookies.__class__(client.cookies)
    assert copy.get(reverse("suppliers:po_list")).status_code == 200

    client.post(reverse("account_logout"))

    assert copy.get(reverse("suppliers:po_list")).status_code == 302


def test_a_session_ended_behind_the_caches_back_lasts_at_most_session_cache_seconds(
    settings, client, supplier_user
):
    # What a logout while Redis is unreachable leaves: the row gone, the cached copy kept.
    settings.SESSION_CACHE_SECONDS = 1
    client.force_login(supplier_user)
    assert client.get(reverse("suppliers:po_list")).status_code == 200
    Session.objects.all().delete()
    assert client.get(reverse("suppliers:po_list")).status_code == 200

    time.sleep(1.1)

    assert client.get(reverse("suppliers:po_list")).status_code == 302
