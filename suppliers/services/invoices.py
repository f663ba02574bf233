"""Invoices received from suppliers (EDI 810 today): recorded and shown, not matched yet.

INVOICE is the invoice's table of moves. It holds one so far, the creation (received,
publishing `invoice.received`); matching, holds, approval and payment add theirs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record, publish
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from portal.access import Actor
from suppliers.models import Invoice, InvoiceLine, PurchaseOrder, PurchaseOrderLine, Supplier

# The creation: `invoice_record` writes its audit entry and publishes its event.
RECEIVED = Move(
    CREATED, Invoice.Status.RECEIVED, "received", "supplier (EDI 810)", event="invoice.received"
)
INVOICE = Lifecycle(
    document="invoice",
    model=Invoice,
    aggregate_type="invoice",
    aggregate_id=lambda invoice: f"{invoice.supplier.code}:{invoice.number}",
    moves=[RECEIVED],
)


@dataclass(frozen=True)
class InvoiceLineInput:
    line_no: int
    quantity: Decimal
    uom_code: str
    unit_price: Decimal
    po_line: PurchaseOrderLine | None = None
    supplier_sku: str = ""


@transaction.atomic
def invoice_record(
    *,
    actor: Actor,
    supplier: Supplier,
    purchase_order: PurchaseOrder,
    number: str,
    invoice_date: datetime.date,
    currency: str,
    total_amount: Decimal,
    lines: list[InvoiceLineInput],
    channel: str = Channel.EDI,
) -> Invoice:
    """Record a supplier's invoice against one of its POs. The stated total must equal the
    lines (to the cent); an invoice number is used once per supplier."""
    number = number.strip()
    if not number:
        raise DomainError("The invoice has no number.", field="number")
    if purchase_order.supplier_id != supplier.pk:
        raise DomainError(f"PO {purchase_order.number} is not one of your purchase orders.")
    if Invoice.objects.filter(supplier=supplier, number=number).exists():
        raise DomainError(f"Invoice {number} was already received.", field="number")
    if not lines:
        raise DomainError("An invoice needs at least one line.", field="lines")
    if currency and currency != purchase_order.currency:
        raise DomainError(
            f"The invoice is in {currency} but PO {purchase_order.number} is in "
            f"{purchase_order.currency}.",
            field="currency",
        )
    for line in lines:
        if line.quantity <= 0:
            raise DomainError(
                "Invoiced quantity must be positive.", field="quantity", line=line.line_no
            )
        if line.po_line is not None and line.po_line.purchase_order_id != purchase_order.pk:
            raise DomainError("The line is not on this PO.", field="po_line", line=line.line_no)
    computed = sum((line.quantity * line.unit_price for line in lines), Decimal(0))
    if computed.quantize(Decimal("0.01")) != total_amount:
        raise DomainError(
            f"The invoice total {total_amount:f} does not match its lines "
            f"({computed.quantize(Decimal('0.01')):f}).",
            field="total_amount",
        )
    INVOICE.check_created(RECEIVED.target)
    invoice = Invoice.objects.create(
        status=RECEIVED.target,
        supplier=supplier,
        purchase_order=purchase_order,
        number=number,
        invoice_date=invoice_date,
        currency=currency or purchase_order.currency,
        total_amount=total_amount,
        channel=channel,
        received_at=timezone.now(),
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            line_no=line.line_no,
            po_line=line.po_line,
            supplier_sku=line.supplier_sku[:60],
            quantity=line.quantity,
            uom_code=line.uom_code[:10],
            unit_price=line.unit_price,
        )
        for line in lines
    )
    data = {
        "supplier": supplier.code,
        "invoice_number": number,
        "po_number": purchase_order.number,
        "invoice_date": invoice_date,
        "currency": invoice.currency,
        "total_amount": f"{total_amount:f}",
        "lines": [
            {
                "line_no": line.line_no,
                "po_line_no": line.po_line.line_no if line.po_line else None,
                "quantity": line.quantity,
                "uom": line.uom_code,
                "unit_price": line.unit_price,
            }
            for line in lines
        ],
    }
    audit_record(actor=actor, channel=channel, obj=invoice, action=RECEIVED.action, after=data)
    publish(
        event_type=RECEIVED.event,
        aggregate_type=INVOICE.aggregate_type,
        aggregate_id=INVOICE.aggregate_id(invoice),
        data=data,
        actor=actor,
        channel=channel,
    )
    return invoice
