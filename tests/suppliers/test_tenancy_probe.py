"""Every supplier-facing URL, probed with a user of another supplier: always a 404.

The probe walks the URL patterns, so a new page is covered without a new test. A pattern
whose URL keyword it cannot fill fails the test: add the keyword to `owned_objects`.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from integrations.services import api_key_create
from suppliers.models import Dispute, DisputeMessage, Invoice, Receipt
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    ShipmentFactory,
    SupplierItemFactory,
)

pytestmark = pytest.mark.django_db

# Namespaces whose pages show a supplier's own data to supplier users.
SUPPLIER_FACING_NAMESPACES = {"suppliers"}


def _walk(resolver, namespace=None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace, entry


def supplier_facing_patterns() -> list[tuple[str, URLPattern]]:
    return [
        (namespace, pattern)
        for namespace, pattern in _walk(get_resolver())
        if namespace in SUPPLIER_FACING_NAMESPACES and pattern.pattern.converters
    ]


@pytest.fixture
def owned_objects(supplier):
    """URL keyword → a value naming an object that belongs to `supplier`."""
    purchase_order = PurchaseOrderFactory(supplier=supplier, number="PO-OWNED-1")
    po_line = PurchaseOrderLineFactory(purchase_order=purchase_order, line_no=1)
    shipment = ShipmentFactory(
        supplier=supplier, asn_number="ASN-OWNED-1", ship_to=purchase_order.ship_to
    )
    supplier_item = SupplierItemFactory(supplier=supplier, item=po_line.item)
    api_key = api_key_create(actor=None, name="erp", scopes=["read"], supplier_id=supplier.pk)
    invoice = Invoice.objects.create(
        supplier=supplier,
        purchase_order=purchase_order,
        number="INV-OWNED-1",
        invoice_date=datetime.date(2024, 3, 5),
        total_amount=Decimal("10.00"),
        received_at=timezone.now(),
    )
    receipt = Receipt.objects.create(
        shipment=shipment, reference="R-OWNED-1", received_at=timezone.now()
    )
    dispute = Dispute.objects.create(
        supplier=supplier,
        invoice=invoice,
        reason=Dispute.Reason.PRICE,
        amount=Decimal("1.00"),
        opened_by_side=Dispute.Side.SUPPLIER,
    )
    message = DisputeMessage.objects.create(dispute=dispute, side="supplier", body="Why?")
    return {
        "receipt_id": receipt.pk,
        "dispute_id": dispute.pk,
        "message_id": message.pk,
        "key_id": api_key.api_key.pk,
        "number": purchase_order.number,
        "asn_number": shipment.asn_number,
        "supplier_item_id": supplier_item.pk,
        "invoice_number": invoice.number,
    }


def test_the_probe_finds_the_supplier_pages():
    names = {f"{ns}:{pattern.name}" for ns, pattern in supplier_facing_patterns()}

    assert "suppliers:po_detail" in names


def test_every_supplier_facing_url_is_a_404_for_another_suppliers_user(
    client, supplier_user, outsider, owned_objects
):
    probed = []
    for namespace, pattern in supplier_facing_patterns():
        keywords = list(pattern.pattern.converters)
        missing = [k for k in keywords if k not in owned_objects]
        assert not missing, f"{namespace}:{pattern.name}: add {missing} to owned_objects"
        url = reverse(f"{namespace}:{pattern.name}", kwargs={k: owned_objects[k] for k in keywords})

        client.force_login(outsider)
        get_status = client.get(url).status_code
        post_status = client.post(url).status_code

        assert get_status in (404, 405), f"GET {url} gave {get_status} to an outsider"
        assert post_status in (404, 405), f"POST {url} gave {post_status} to an outsider"
        assert (get_status, post_status) != (405, 405), f"{url} was never looked up"
        probed.append(url)

    assert "/orders/PO-OWNED-1/" in probed
    # One-click shipping, the PO's print view and the ASN's papers (issue 21).
    assert {
        "/orders/PO-OWNED-1/ship/",
        "/orders/PO-OWNED-1/print/",
        "/orders/shipments/ASN-OWNED-1/packing-slip.pdf",
        "/orders/shipments/ASN-OWNED-1/labels.pdf",
    } <= set(probed)


def test_the_owner_sees_the_same_purchase_order(client, supplier_user, owned_objects):
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_detail", args=[owned_objects["number"]]))

    assert response.status_code == 200
    assert b"PO-OWNED-1" in response.content


def test_the_not_found_page_says_what_to_do(client, outsider, owned_objects):
    client.force_login(outsider)

    response = client.get(reverse("suppliers:po_detail", args=[owned_objects["number"]]))

    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"PO-OWNED-1" not in response.content
