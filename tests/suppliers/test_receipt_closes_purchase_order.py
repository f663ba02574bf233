"""The receipt of a PO's last open quantity moves the PO to received through its table: the
PO's `updated_at` changes, an audit entry is written and `purchase_order.goods_received`
is published, so an API client syncing by `updated_since` and the ERP hear of it. PO lines
are received as their confirmed quantity arrives."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.contracts import EventContractError, validate_envelope
from integrations.models import AuditEntry, Event
from suppliers import services
from suppliers.models import PurchaseOrder, PurchaseOrderLine
from tests.api.conftest import client_for, issue_key
from tests.suppliers.receipts_helpers import receive, submitted_asn
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship

pytestmark = pytest.mark.django_db


def _backdate(purchase_order: PurchaseOrder, days: int = 3) -> None:
    PurchaseOrder.objects.filter(pk=purchase_order.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=days)
    )


def _line_statuses(number: str) -> list[tuple[int, str]]:
    return list(
        PurchaseOrderLine.objects.filter(purchase_order__number=number)
        .order_by("line_no")
        .values_list("line_no", "status")
    )


def test_receiving_the_last_open_quantity_moves_the_po_to_received_with_audit_and_event(
    supplier, supplier_user
):
    asn = submitted_asn(supplier, supplier_user)
    purchase_order = PurchaseOrder.objects.get(number="PO-R1")
    _backdate(purchase_order)
    before = PurchaseOrder.objects.get(pk=purchase_order.pk).updated_at
    received_at = timezone.now().replace(microsecond=0)

    receive(asn, "R-1", "100", received_at=received_at)

    purchase_order.refresh_from_db()
    assert purchase_order.status == PurchaseOrder.Status.RECEIVED
    assert purchase_order.updated_at > before
    timeline = AuditEntry.objects.filter(
        object_type="suppliers.purchaseorder", object_id=str(purchase_order.pk)
    ).order_by("id")
    assert [(e.action, e.actor_label, e.before, e.after) for e in timeline] == [
        (
            "asn_submitted",
            str(supplier_user),
            {"status": "confirmed"},
            {"status": "shipped", "asn": "ASN-1"},
        ),
        (
            "goods_received",
            "system",
            {"status": "shipped"},
            {"status": "received", "receipt": "wms:R-1", "asn": "ASN-1"},
        ),
    ]
    event = Event.objects.get(type="purchase_order.goods_received")
    assert (event.aggregate_type, event.aggregate_id) == ("purchase_order", "PO-R1")
    assert event.data == {
        "number": "PO-R1",
        "supplier": "ACME",
        "revision": 1,
        "received_at": received_at.isoformat(),
        "receipt": "wms:R-1",
        "asn_number": "ASN-1",
        "lines": [
            {
                "line_no": 1,
                "sku": "BOLT-M8",
                "confirmed_qty": "100.000000",
                "received_qty": "100.000000",
                "uom": "EA",
            }
        ],
    }
    assert not Event.objects.filter(type="purchase_order.received").exists()


def test_a_partial_receipt_leaves_the_po_shipped_and_publishes_no_goods_received(
    supplier, supplier_user
):
    asn = submitted_asn(supplier, supplier_user)

    receive(asn, "R-1", "60")

    assert PurchaseOrder.objects.get(number="PO-R1").status == PurchaseOrder.Status.SHIPPED
    assert _line_statuses("PO-R1") == [(1, "open")]
    assert not Event.objects.filter(type="purchase_order.goods_received").exists()
    assert not AuditEntry.objects.filter(action="goods_received").exists()


def test_damaged_goods_do_not_count_as_received(supplier, supplier_user):
    asn = submitted_asn(supplier, supplier_user)

    receive(asn, "R-1", "100", damaged="5")

    assert PurchaseOrder.objects.get(number="PO-R1").status == PurchaseOrder.Status.SHIPPED
    assert _line_statuses("PO-R1") == [(1, "open")]


def test_each_po_line_is_received_when_its_confirmed_quantity_has_arrived(supplier, supplier_user):
    purchase_order = confirmed_po(
        supplier, "PO-2L", lines=[("BOLT-M8", "100", "EA"), ("NUT-M8", "50", "EA")]
    )
    asn = ship(
        supplier,
        supplier_user,
        "ASN-2L",
        [(line_of(purchase_order, 1), "100"), (line_of(purchase_order, 2), "50")],
    )

    services.receipt_record(
        actor=None,
        shipment=asn,
        reference="R-1",
        lines=[
            services.ReceiptLineInput(1, Decimal("100")),
            services.ReceiptLineInput(2, Decimal("20")),
        ],
    )

    assert _line_statuses("PO-2L") == [(1, "received"), (2, "open")]
    assert PurchaseOrder.objects.get(number="PO-2L").status == PurchaseOrder.Status.SHIPPED
    line_entry = AuditEntry.objects.get(object_type="suppliers.purchaseorderline")
    assert (line_entry.object_id, line_entry.action, line_entry.before, line_entry.after) == (
        str(line_of(purchase_order, 1).pk),
        "goods_received",
        {"status": "open"},
        {"status": "received", "receipt": "wms:R-1"},
    )

    services.receipt_record(
        actor=None,
        shipment=asn,
        reference="R-2",
        lines=[services.ReceiptLineInput(2, Decimal("30"))],
    )

    assert _line_statuses("PO-2L") == [(1, "received"), (2, "received")]
    assert PurchaseOrder.objects.get(number="PO-2L").status == PurchaseOrder.Status.RECEIVED
    assert Event.objects.filter(type="purchase_order.goods_received").count() == 1


def test_a_line_confirmed_at_zero_is_received_with_its_po_not_before(supplier, supplier_user):
    purchase_order = confirmed_po(
        supplier, "PO-Z", lines=[("BOLT-M8", "100", "EA"), ("NUT-M8", "50", "EA")]
    )
    PurchaseOrderLine.objects.filter(purchase_order=purchase_order, line_no=2).update(
        confirmed_qty=Decimal(0)
    )
    asn = ship(supplier, supplier_user, "ASN-Z", [(line_of(purchase_order, 1), "100")])

    receive(asn, "R-1", "40")

    assert _line_statuses("PO-Z") == [(1, "open"), (2, "open")]

    receive(asn, "R-2", "60")

    assert _line_statuses("PO-Z") == [(1, "received"), (2, "received")]
    assert PurchaseOrder.objects.get(number="PO-Z").status == PurchaseOrder.Status.RECEIVED


def test_the_same_receipt_sent_again_moves_nothing_twice(supplier, supplier_user):
    asn = submitted_asn(supplier, supplier_user)
    receive(asn, "R-1", "100")

    receive(asn, "R-1", "100")

    assert Event.objects.filter(type="purchase_order.goods_received").count() == 1
    assert AuditEntry.objects.filter(action="goods_received").count() == 2  # the PO, its line


def test_the_received_po_shows_in_the_api_sync_with_its_event_and_audit_entry(
    supplier, supplier_user
):
    asn = submitted_asn(supplier, supplier_user)
    untouched = confirmed_po(supplier, "PO-UNTOUCHED")
    for purchase_order in PurchaseOrder.objects.all():
        _backdate(purchase_order)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    api = client_for(issue_key(supplier=supplier).plaintext)
    wms = client_for(issue_key(scopes=["receipts"], name="wms").plaintext)
    assert api.get("/api/v1/purchase-orders", {"updated_since": since}).json()["results"] == []

    response = wms.post(
        "/api/v1/receipts",
        {
            "supplier": "ACME",
            "asn_number": asn.asn_number,
            "reference": "GR-1",
            "lines": [{"line_no": 1, "qty_received": "100"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    synced = api.get("/api/v1/purchase-orders", {"updated_since": since}).json()["results"]
    assert [(row["number"], row["status"]) for row in synced] == [("PO-R1", "received")]
    assert untouched.number not in {row["number"] for row in synced}
    events = api.get("/api/v1/events", {"type": "purchase_order.goods_received"}).json()
    assert [(e["aggregate"]["id"], e["data"]["receipt"]) for e in events["results"]] == [
        ("PO-R1", "wms:GR-1")
    ]
    entry = AuditEntry.objects.get(object_type="suppliers.purchaseorder", action="goods_received")
    assert (entry.object_repr, entry.channel, entry.after["status"]) == ("PO-R1", "api", "received")


def test_an_outsider_key_sees_neither_the_received_po_nor_its_event(
    supplier, supplier_user, other_supplier
):
    asn = submitted_asn(supplier, supplier_user)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    receive(asn, "R-1", "100")
    outsider = client_for(issue_key(supplier=other_supplier, name="globex").plaintext)

    listed = outsider.get("/api/v1/purchase-orders", {"updated_since": since}).json()
    events = outsider.get("/api/v1/events", {"type": "purchase_order.goods_received"}).json()
    detail = outsider.get("/api/v1/purchase-orders/PO-R1")

    assert listed["results"] == []
    assert events["results"] == []
    assert detail.status_code == 404


def test_the_goods_received_contract_refuses_a_field_it_does_not_name(supplier, supplier_user):
    receive(submitted_asn(supplier, supplier_user), "R-1", "100")
    envelope = Event.objects.get(type="purchase_order.goods_received").envelope()
    validate_envelope(envelope)

    envelope["data"]["surprise"] = 1
    with pytest.raises(EventContractError) as error:
        validate_envelope(envelope)

    assert "data: Additional properties are not allowed ('surprise' was unexpected)" in str(
        error.value
    )
