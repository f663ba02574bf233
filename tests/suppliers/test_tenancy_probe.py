"""Every supplier-facing URL, probed with a user of another supplier: always a 404.

The probe walks the URL patterns, so a new page is covered without a new test. A pattern
whose URL keyword it cannot fill fails the test: add the keyword to `owned_objects`.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from integrations.services import api_key_create
from inventory.models import Item
from suppliers.models import Dispute, DisputeMessage, Invoice, PurchaseOrder, Receipt
from suppliers.services.schedule_lines import schedule_lines_replace
from tests.inventory.movements import event, send
from tests.inventory.snapshots import items, warehouse
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
    # Invoices and disputes (issue 19): every page, partial and download that names one.
    invoice_routes = {
        name: reverse(f"suppliers:{name}", kwargs=kwargs)
        for name, kwargs in {
            "invoice_detail": {"invoice_number": "INV-OWNED-1"},
            "invoice_pdf": {"invoice_number": "INV-OWNED-1"},
            "invoice_credit_note": {"invoice_number": "INV-OWNED-1"},
            "invoice_dispute": {"invoice_number": "INV-OWNED-1"},
            "invoice_new_po": {"number": "PO-OWNED-1"},
            "invoice_new_asn": {"asn_number": "ASN-OWNED-1"},
            "invoice_new_receipt": {"receipt_id": owned_objects["receipt_id"]},
            "dispute_detail": {"dispute_id": owned_objects["dispute_id"]},
            "dispute_message": {"dispute_id": owned_objects["dispute_id"]},
            "dispute_attachment": {"message_id": owned_objects["message_id"]},
            "receipt_dispute": {"receipt_id": owned_objects["receipt_id"]},
        }.items()
    }
    assert set(invoice_routes.values()) <= set(probed)


def test_invoice_and_dispute_lists_uploads_and_templates_show_an_outsider_only_its_own(
    client, outsider, owned_objects
):
    """The invoice pages without a keyword to probe are scoped to the user's supplier."""
    client.force_login(outsider)

    pages = {
        name: client.get(reverse(f"suppliers:{name}"))
        for name in (
            "invoice_list",
            "dispute_list",
            "invoice_upload",
            "invoice_upload_template",
        )
    }

    for name, response in pages.items():
        assert response.status_code == 200, name
        assert b"INV-OWNED-1" not in response.content, name
        assert b"R-OWNED-1" not in response.content, name
    assert pages["dispute_list"].context["disputes"].count() == 0


def test_every_invoice_api_route_hides_the_owners_invoice_from_another_suppliers_key(
    other_supplier, owned_objects
):
    key = api_key_create(
        actor=None, name="probe", scopes=["read", "invoice"], supplier_id=other_supplier.pk
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key.plaintext}")
    routes = {
        pattern.name: pattern
        for _namespace, pattern in _walk(get_resolver())
        if pattern.name and pattern.name.startswith("api_invoice")
    }
    assert set(routes) == {
        "api_invoice_collection",
        "api_invoice_item",
        "api_invoice_credit_notes",
    }, "a new invoice API route: probe it here"

    listed = api.get("/api/v1/invoices")
    read = api.get("/api/v1/invoices/INV-OWNED-1")
    credit = api.post(
        "/api/v1/invoices/INV-OWNED-1/credit-notes",
        {"credit_note_number": "CN-X", "invoice_date": "2026-03-21"},
        format="json",
    )
    submitted = api.post(
        "/api/v1/invoices",
        {
            "invoice_number": "INV-X",
            "invoice_date": "2026-03-20",
            "po_number": "PO-OWNED-1",
            "lines": [{"po_line_no": 1, "quantity": "1", "unit_price": "1"}],
        },
        format="json",
    )

    assert listed.status_code == 200
    assert listed.json()["results"] == []
    assert (read.status_code, credit.status_code) == (404, 404)
    assert submitted.status_code == 422
    assert not Invoice.objects.filter(number="INV-X").exists()


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


# ---------------------------------------------------------------- stock of an item (issue 22)


def test_a_supplier_sees_returns_to_vendor_and_inbound_for_its_own_items_only(
    client, supplier, other_supplier, supplier_user, outsider
):
    items("SHARED")
    dc1 = warehouse("DC1")
    shared = Item.objects.get(sku="SHARED")
    own_item = SupplierItemFactory(supplier=supplier, item=shared, supplier_sku="ACME-S")
    their_item = SupplierItemFactory(supplier=other_supplier, item=shared, supplier_sku="GLX-S")
    soon = timezone.localdate() + datetime.timedelta(days=5)
    for owner, number, quantity in (
        (supplier, "PO-ACME-7", "12"),
        (other_supplier, "PO-GLX-7", "30"),
    ):
        order = PurchaseOrderFactory(
            supplier=owner, number=number, ship_to=dc1, status=PurchaseOrder.Status.CONFIRMED
        )
        line = PurchaseOrderLineFactory(purchase_order=order, line_no=1, item=shared)
        schedule_lines_replace([(line, [(Decimal(quantity), soon)], None)])
    send(
        event(1, "return_to_vendor", 2, sku="SHARED", document_ref="PO-ACME-7"),
        event(2, "return_to_vendor", 3, sku="SHARED", document_ref="PO-GLX-7"),
        event(3, "return_to_vendor", 4, sku="SHARED", asn_line_ref="GLOBEX:ASN-9/1"),
        event(4, "return_to_vendor", 5, sku="SHARED", asn_line_ref="ACME:ASN-3/1"),
    )

    client.force_login(supplier_user)
    own = client.get(reverse("suppliers:item_stock", args=[own_item.pk]))
    client.force_login(outsider)
    theirs = client.get(reverse("suppliers:item_stock", args=[their_item.pk]))
    probe = client.get(reverse("suppliers:item_stock", args=[own_item.pk]))

    assert own.status_code == 200
    assert [m.quantity for m in own.context["returns"].object_list] == [5, 2]
    assert [row.document_ref for row in own.context["inbound"]] == ["PO-ACME-7 line 1"]
    assert b"PO-GLX-7" not in own.content and b"GLOBEX" not in own.content
    assert [m.quantity for m in theirs.context["returns"].object_list] == [4, 3]
    assert [row.document_ref for row in theirs.context["inbound"]] == ["PO-GLX-7 line 1"]
    assert b"PO-ACME-7" not in theirs.content
    assert probe.status_code == 404
