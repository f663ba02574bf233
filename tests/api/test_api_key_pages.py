import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import ApiKey, AuditEntry
from integrations.services import api_key_create
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_supplier_admin_creates_a_key_and_sees_it_once(client, supplier_user, supplier):
    client.force_login(supplier_user)

    created = client.post("/orders/api-keys/", {"name": "ERP sync", "scopes": ["read", "ship"]})
    listed = client.get("/orders/api-keys/")

    assert created.status_code == 200
    plaintext = created.context["issued"].plaintext
    assert plaintext.encode() in created.content
    assert created["Cache-Control"] == "no-store"
    assert plaintext.encode() not in listed.content
    key = ApiKey.objects.get()
    assert (key.name, key.scopes, key.supplier_id, key.created_by) == (
        "ERP sync",
        ["read", "ship"],
        supplier.pk,
        supplier_user,
    )
    assert client_for(plaintext).get("/api/v1/purchase-orders").status_code == 200
    assert (
        AuditEntry.objects.filter(object_type="integrations.apikey", action="created").count() == 1
    )


def test_a_key_without_scopes_is_refused_with_the_form_error(client, supplier_user):
    client.force_login(supplier_user)

    response = client.post("/orders/api-keys/", {"name": "ERP"})

    assert response.status_code == 400
    assert response.context["form"].errors["scopes"] == ["This field is required."]
    assert not ApiKey.objects.exists()


def test_supplier_staff_cannot_manage_keys(client, teammate, supplier):
    issued = api_key_create(actor=None, name="erp", scopes=["read"], supplier_id=supplier.pk)
    client.force_login(teammate)

    listing = client.get("/orders/api-keys/")
    revoke = client.post(f"/orders/api-keys/{issued.api_key.pk}/revoke/")

    assert (listing.status_code, revoke.status_code) == (403, 403)
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_at is None


def test_a_supplier_admin_revokes_a_key(client, supplier_user, supplier):
    issued = api_key_create(actor=None, name="erp", scopes=["read"], supplier_id=supplier.pk)
    client.force_login(supplier_user)

    response = client.post(f"/orders/api-keys/{issued.api_key.pk}/revoke/")

    assert response.status_code == 302
    assert client_for(issued.plaintext).get("/api/v1/purchase-orders").status_code == 401


def test_another_suppliers_admin_gets_404_revoking_a_key(client, supplier, other_supplier):
    from tests.suppliers.factories import SupplierMembershipFactory

    other_admin = SupplierMembershipFactory(
        supplier=other_supplier, role="supplier_admin", user__email="max@globex.example"
    ).user
    issued = api_key_create(actor=None, name="erp", scopes=["read"], supplier_id=supplier.pk)
    client.force_login(other_admin)

    response = client.post(f"/orders/api-keys/{issued.api_key.pk}/revoke/")
    listing = client.get("/orders/api-keys/")

    assert response.status_code == 404
    assert b"erp" not in listing.content.split(b'id="api-keys"')[1]
    issued.api_key.refresh_from_db()
    assert issued.api_key.revoked_at is None


def test_the_key_list_runs_the_same_number_of_queries_for_1_or_6_keys(
    client, supplier_user, supplier
):
    client.force_login(supplier_user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/orders/api-keys/").status_code == 200
        return len(queries)

    api_key_create(actor=supplier_user, name="k0", scopes=["read"], supplier_id=supplier.pk)
    small = count()
    for n in range(1, 6):
        api_key_create(actor=supplier_user, name=f"k{n}", scopes=["read"], supplier_id=supplier.pk)

    assert count() == small


def test_an_operator_creates_an_internal_key_for_the_wms(client, operator):
    client.force_login(operator)

    response = client.post(
        "/integrations/api-keys/", {"name": "WMS", "scopes": ["receipts", "snapshots"]}
    )

    assert response.status_code == 200
    key = ApiKey.objects.get()
    assert (key.supplier_id, key.scopes) == (None, ["receipts", "snapshots"])


def test_an_operator_cannot_grant_supplier_scopes_to_an_internal_key(client, operator):
    client.force_login(operator)

    response = client.post("/integrations/api-keys/", {"name": "WMS", "scopes": ["ship"]})

    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_supplier_users_cannot_reach_the_internal_key_pages(client, supplier_user, supplier):
    issued = api_key_create(actor=None, name="wms", scopes=["receipts"], supplier_id=None)
    client.force_login(supplier_user)

    assert client.get("/integrations/api-keys/").status_code == 403
    assert client.post(f"/integrations/api-keys/{issued.api_key.pk}/revoke/").status_code == 403


def test_an_operator_revokes_an_internal_key_but_not_a_suppliers(client, operator, supplier):
    internal = api_key_create(actor=None, name="wms", scopes=["receipts"], supplier_id=None)
    suppliers = api_key_create(actor=None, name="erp", scopes=["read"], supplier_id=supplier.pk)
    client.force_login(operator)

    revoked = client.post(f"/integrations/api-keys/{internal.api_key.pk}/revoke/")
    other = client.post(f"/integrations/api-keys/{suppliers.api_key.pk}/revoke/")

    assert (revoked.status_code, other.status_code) == (302, 404)
