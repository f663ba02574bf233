"""A short receipt and what is open to ship afterwards (issue 23): under the buyer's
"keep open" rule (the default, and the portal without an ERP) the rest of an ASN received
short and closed is open to ship again on its PO line and delivery, as Tryton's backorder
is; under "cancel backorder" the line is closed as received and nothing is open."""

from decimal import Decimal

import pytest

from integrations.errors import DomainError
from integrations.models import AuditEntry, ErpShortReceiptRule
from inventory.models import StockPosition
from suppliers import selectors
from suppliers.models import PurchaseOrder, PurchaseOrderLine
from suppliers.services import erp_follow
from tests.integrations.factories import ConnectorFactory
from tests.suppliers.receipts_helpers import receive
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship

pytestmark = pytest.mark.django_db


def _shipped_10_received_6(supplier, supplier_user, *, closes_asn: bool = True):
    purchase_order = confirmed_po(supplier, "PO-S1", lines=[("BOLT-M8", "10", "EA")])
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")])
    receive(asn, "R-1", "6", closes_asn=closes_asn)
    return purchase_order, asn


def _open_figures(purchase_order: PurchaseOrder) -> tuple:
    line = line_of(purchase_order)
    (delivery,) = line.schedule_lines.all()
    return (
        line.shipped_qty,
        line.open_to_ship,
        delivery.shipped_qty,
        delivery.open_qty,
        PurchaseOrder.objects.get(pk=purchase_order.pk).status,
    )


def _open_po_position(sku: str) -> Decimal:
    return StockPosition.objects.get(item__sku=sku).inbound_open_po


def test_under_keep_open_the_rest_of_a_short_closed_asn_is_open_to_ship_again(
    supplier, supplier_user
):
    purchase_order, _asn = _shipped_10_received_6(supplier, supplier_user)

    assert _open_figures(purchase_order) == (
        Decimal(6),
        Decimal(4),
        Decimal(6),
        Decimal(4),
        PurchaseOrder.Status.PARTIALLY_SHIPPED,
    )
    assert line_of(purchase_order).status == PurchaseOrderLine.Status.OPEN
    assert list(selectors.shippable_purchase_orders(supplier=supplier)) == [purchase_order]
    assert _open_po_position("BOLT-M8") == Decimal(4)
    entry = AuditEntry.objects.get(object_type="suppliers.purchaseorder", action="short_received")
    assert (entry.before, entry.after) == (
        {"status": "shipped"},
        {"status": "partially_shipped", "asn": "ASN-1", "receipt": "wms:R-1"},
    )


def test_under_keep_open_the_supplier_can_ship_the_4_left_but_not_5(supplier, supplier_user):
    purchase_order, _asn = _shipped_10_received_6(supplier, supplier_user)

    with pytest.raises(DomainError) as refused:
        ship(supplier, supplier_user, "ASN-5", [(line_of(purchase_order), "5")])
    ship(supplier, supplier_user, "ASN-2", [(line_of(purchase_order), "4")])

    assert refused.value.message == (
        "PO-S1 line 1: shipping 5 EA would bring the total shipped to 11 EA, more than the "
        "10 EA allowed (confirmed 10 EA + 0% over-ship tolerance). Other ASNs already ship "
        "6 EA; at most 4 EA more can ship."
    )
    assert _open_figures(purchase_order) == (
        Decimal(10),
        Decimal(0),
        Decimal(10),
        Decimal(0),
        PurchaseOrder.Status.SHIPPED,
    )


def test_an_asn_received_short_but_not_closed_keeps_its_rest_in_flight(supplier, supplier_user):
    purchase_order, _asn = _shipped_10_received_6(supplier, supplier_user, closes_asn=False)

    assert _open_figures(purchase_order) == (
        Decimal(10),
        Decimal(0),
        Decimal(10),
        Decimal(0),
        PurchaseOrder.Status.SHIPPED,
    )
    assert not AuditEntry.objects.filter(action="short_received").exists()


def test_damaged_goods_arrived_and_free_nothing_to_ship_again(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-S1", lines=[("BOLT-M8", "10", "EA")])
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")])

    receive(asn, "R-1", "10", damaged="2")

    assert _open_figures(purchase_order) == (
        Decimal(10),
        Decimal(0),
        Decimal(10),
        Decimal(0),
        PurchaseOrder.Status.SHIPPED,
    )


def test_under_cancel_backorder_the_line_is_closed_and_no_asn_is_possible(supplier, supplier_user):
    connector = ConnectorFactory(name="tryton-test", kind="tryton")
    ErpShortReceiptRule.objects.create(
        connector=connector, supplier_code="ACME", rule=ErpShortReceiptRule.Rule.CANCEL_BACKORDER
    )
    purchase_order, asn = _shipped_10_received_6(supplier, supplier_user)
    assert erp_follow.short_receipt_rule(connector=connector, supplier_code="ACME") == (
        ErpShortReceiptRule.Rule.CANCEL_BACKORDER
    )

    closed = erp_follow.short_lines_close(
        actor=None, shipment=asn, lines=erp_follow.short_lines(asn)
    )

    assert closed == 1
    assert line_of(purchase_order).status == PurchaseOrderLine.Status.RECEIVED
    assert _open_figures(purchase_order) == (
        Decimal(10),
        Decimal(0),
        Decimal(10),
        Decimal(0),
        PurchaseOrder.Status.RECEIVED,
    )
    assert list(selectors.shippable_purchase_orders(supplier=supplier)) == []
    with pytest.raises(DomainError) as refused:
        ship(supplier, supplier_user, "ASN-2", [(line_of(purchase_order), "4")])
    assert refused.value.message == (
        "PO-S1 line 1 is not confirmed; only acknowledged (confirmed) lines can be shipped."
    )


def test_a_line_closed_short_cannot_ship_while_its_po_has_another_open_line(
    supplier, supplier_user
):
    purchase_order = confirmed_po(
        supplier, "PO-S2", lines=[("BOLT-M8", "10", "EA"), ("NUT-M8", "5", "EA")]
    )
    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order, 1), "10")])
    receive(asn, "R-1", "6", closes_asn=True)
    assert line_of(purchase_order, 1).open_to_ship == Decimal(4)

    erp_follow.short_lines_close(
        actor=None,
        shipment=asn,
        lines=[erp_follow.ShortLine("PO-S2", 1, Decimal(4))],
    )

    assert line_of(purchase_order, 1).open_to_ship == Decimal(0)
    assert PurchaseOrder.objects.get(pk=purchase_order.pk).status == (
        PurchaseOrder.Status.PARTIALLY_SHIPPED
    )
    assert _open_po_position("BOLT-M8") == Decimal(0)
    assert _open_po_position("NUT-M8") == Decimal(5)
    with pytest.raises(DomainError) as refused:
        ship(supplier, supplier_user, "ASN-2", [(line_of(purchase_order, 1), "4")])
    assert refused.value.message == "PO-S2 line 1 is received; nothing is open to ship on it."


def test_an_outsider_cannot_ship_the_reopened_rest(
    supplier, supplier_user, other_supplier, outsider
):
    purchase_order, _asn = _shipped_10_received_6(supplier, supplier_user)

    with pytest.raises(DomainError) as refused:
        ship(other_supplier, outsider, "ASN-X", [(line_of(purchase_order), "4")])

    assert refused.value.message == "PO-S1 line 1 is not one of your purchase orders."
    assert line_of(purchase_order).open_to_ship == Decimal(4)
