"""Builders for receipt tests: a submitted ASN of 100 EA against one confirmed PO line."""

from decimal import Decimal

from suppliers import services
from suppliers.models import Shipment
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship


def submitted_asn(supplier, actor, *, number: str = "ASN-1", qty: str = "100", po="PO-R1"):
    purchase_order = confirmed_po(supplier, po, lines=[("BOLT-M8", qty, "EA")])
    return ship(supplier, actor, number, [(line_of(purchase_order), qty)])


def receive(shipment: Shipment, reference: str, received: str, damaged: str = "0", **kwargs):
    return services.receipt_record(
        actor=None,
        shipment=shipment,
        reference=reference,
        lines=[services.ReceiptLineInput(1, Decimal(received), Decimal(damaged))],
        **kwargs,
    )
