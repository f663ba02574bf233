"""Builders for the invoice tests: a PO line shipped and received through the real
services, and invoices submitted through `invoice_submit`."""

import datetime
from decimal import Decimal

from suppliers import services
from suppliers.models import Invoice, PurchaseOrder, PurchaseOrderLine
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship

INVOICE_DATE = datetime.date(2026, 3, 10)


def received_line(
    supplier,
    *,
    po: str = "PO-I1",
    qty: str = "100",
    receive: str = "100",
    price: str = "2.50",
    uom: str = "EA",
    asn: str = "ASN-I1",
    sku: str = "BOLT-M8",
) -> PurchaseOrderLine:
    """A confirmed PO line of `qty` `uom` at `price`, shipped in full and received
    `receive` (in the PO line's unit; "0" ships only)."""
    purchase_order = confirmed_po(supplier, po, lines=[(sku, qty, uom)])
    PurchaseOrderLine.objects.filter(purchase_order=purchase_order).update(
        unit_price=Decimal(price)
    )
    line = line_of(purchase_order)
    shipment = ship(supplier, None, asn, [(line, qty)])
    if Decimal(receive):
        services.receipt_record(
            actor=None,
            shipment=shipment,
            reference=f"R-{asn}",
            lines=[services.ReceiptLineInput(1, Decimal(receive))],
        )
    return line_of(purchase_order)


def submit(
    supplier,
    po_line: PurchaseOrderLine,
    *,
    number: str = "INV-1",
    qty: str = "100",
    price: str = "2.50",
    uom: str = "",
    extra: list | None = None,
    invoice_date: datetime.date = INVOICE_DATE,
    channel: str = "portal",
) -> Invoice:
    lines = [
        services.InvoiceLineInput(
            line_no=1,
            quantity=Decimal(qty),
            uom_code=uom or po_line.uom.code,
            unit_price=Decimal(price),
            po_line=po_line,
        ),
        *(extra or []),
    ]
    return services.invoice_submit(
        actor="test",
        supplier=supplier,
        purchase_order=po_line.purchase_order,
        header=services.InvoiceHeader(number=number, invoice_date=invoice_date),
        lines=lines,
        channel=channel,
    )


def unshipped_line(
    supplier, *, po: str = "PO-U1", qty: str = "100", price: str = "2.50"
) -> PurchaseOrderLine:
    """A confirmed PO line of `qty` EA at `price` (the ERP's `erp_id` 7), nothing shipped:
    the ERP may still revise it."""
    purchase_order = confirmed_po(supplier, po, lines=[("BOLT-M8", qty, "EA")])
    PurchaseOrder.objects.filter(pk=purchase_order.pk).update(erp_id="7")
    PurchaseOrderLine.objects.filter(purchase_order=purchase_order).update(
        unit_price=Decimal(price)
    )
    return line_of(purchase_order)


def revised_line(po_line: PurchaseOrderLine, *, line_no: int = 1, **changes) -> object:
    """The PO line as the ERP sends it again (`PurchaseOrderLineInput`), with `changes`."""
    values = {
        "line_no": line_no,
        "item": po_line.item,
        "ordered_qty": po_line.ordered_qty,
        "uom": po_line.uom,
        "unit_price": po_line.unit_price,
        "requested_date": po_line.requested_date,
        **changes,
    }
    return services.PurchaseOrderLineInput(**values)
