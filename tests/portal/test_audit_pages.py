"""Audit pages: a supplier's history (its own record and everything that belongs to it)
for admins, and one object's history for internal staff — who, when, what, which channel."""

import pytest
from django.urls import reverse

from integrations.models import AuditEntry
from suppliers import services
from tests.suppliers.factories import PurchaseOrderFactory
from tests.suppliers.onboarding_support import BASE_URL, PROFILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(supplier, supplier_user, other_supplier, outsider):
    services.supplier_contact_add(
        actor=supplier_user, supplier=supplier, role="orders", name="Olive", email="o@acme.example"
    )
    services.supplier_profile_save(actor=supplier_user, supplier=supplier, data=PROFILE)
    services.invitation_create(
        actor=supplier_user, supplier=supplier, email="new@acme.example", base_url=BASE_URL
    )
    po = PurchaseOrderFactory(supplier=supplier, number="PO-AUD-1")
    AuditEntry.objects.create(
        actor_label="erp",
        channel="connector",
        object_type="suppliers.purchaseorder",
        object_id=str(po.pk),
        object_repr="PO-AUD-1",
        action="received",
    )
    # Another supplier's history must not appear on ACME's page.
    services.supplier_contact_add(
        actor=outsider, supplier=other_supplier, role="orders", name="Gus", email="g@globex.example"
    )
    return po


def test_the_supplier_page_shows_who_when_what_and_channel(
    client, portal_admin, supplier_user, history
):
    client.force_login(portal_admin)

    response = client.get(reverse("supplier_admin:supplier_audit", args=["ACME"]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "4 entries" in page
    assert "Olive" in page  # the contact added
    assert "ERP issued PO-AUD-1." in page and "from the ERP or WMS" in page
    assert f"{supplier_user} added contact Olive (Orders)." in page and "in the portal" in page
    assert "•••• 6789" in page and "000123456789" not in page
    assert "Gus" not in page


def test_the_object_page_shows_one_objects_history(client, portal_admin, history):
    client.force_login(portal_admin)

    response = client.get(
        reverse("supplier_admin:object_audit", args=["suppliers.purchaseorder", history.pk])
    )

    page = response.content.decode()
    assert "1 entry" in page
    assert "Audit trail of PO-AUD-1" in page
    assert "ERP issued PO-AUD-1." in page


def test_buyers_may_open_object_history_but_not_a_suppliers_page(client, buyer, history):
    client.force_login(buyer)

    object_page = client.get(
        reverse("supplier_admin:object_audit", args=["suppliers.purchaseorder", history.pk])
    )
    supplier_page = client.get(reverse("supplier_admin:supplier_audit", args=["ACME"]))

    assert (object_page.status_code, supplier_page.status_code) == (200, 403)


@pytest.mark.parametrize("who", ["supplier_user", "outsider"])
def test_supplier_users_cannot_read_audit_pages(client, request, who, history):
    client.force_login(request.getfixturevalue(who))

    for url in (
        reverse("supplier_admin:supplier_audit", args=["ACME"]),
        reverse("supplier_admin:object_audit", args=["suppliers.purchaseorder", history.pk]),
    ):
        assert client.get(url).status_code == 403


def test_the_supplier_audit_page_runs_a_constant_number_of_queries(
    client, portal_admin, supplier, supplier_user, history, django_assert_max_num_queries
):
    client.force_login(portal_admin)
    url = reverse("supplier_admin:supplier_audit", args=["ACME"])
    client.get(url)
    with django_assert_max_num_queries(30) as captured:
        client.get(url)
    for n in range(10):
        services.supplier_contact_add(
            actor=supplier_user,
            supplier=supplier,
            role="shipping",
            name=f"S{n}",
            email=f"s{n}@acme.example",
        )

    with django_assert_max_num_queries(len(captured.captured_queries)):
        client.get(url)
