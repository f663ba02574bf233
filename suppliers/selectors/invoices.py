"""Reads for supplier invoices and disputes: the supplier's own, the buyer's view across
suppliers, the AP queue of holds, and the lines an invoice is pre-filled with when a
supplier flips a PO, an ASN or a receipt into it. Lists have a constant query count
whatever the volume; another supplier's invoice, dispute or receipt is a 404."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from suppliers.models import (
    Dispute,
    DisputeMessage,
    Invoice,
    InvoiceLine,
    InvoicingTerms,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Shipment,
    Supplier,
)

ZERO = Decimal(0)
# Lines that still bill a PO line: those of invoices that were not credited away.
_COUNTED = ~Q(invoice__status=Invoice.Status.CREDITED)


def _list_queryset(*, po_number: str, status: str = "") -> QuerySet[Invoice]:
    queryset = Invoice.objects.select_related("supplier", "purchase_order").annotate(
        line_count=Count("lines"),
        held_count=Count(
            "lines",
            filter=Q(
                lines__result__in=[
                    InvoiceLine.Result.PRICE_VARIANCE,
                    InvoiceLine.Result.QUANTITY_VARIANCE,
                    InvoiceLine.Result.NOT_RECEIVED,
                    InvoiceLine.Result.DUPLICATE,
                ]
            ),
        ),
    )
    po_number = po_number.strip()
    if po_number:
        queryset = queryset.filter(purchase_order__number__iexact=po_number)
    if status in Invoice.Status.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-received_at", "-id")


def invoices_for_supplier(
    *, supplier: Supplier, po_number: str = "", status: str = ""
) -> QuerySet[Invoice]:
    """The supplier's invoices and credit notes, newest first, with their line count."""
    return _list_queryset(po_number=po_number, status=status).filter(supplier=supplier)


def invoices_for_buyer(
    *, supplier_code: str = "", po_number: str = "", status: str = ""
) -> QuerySet[Invoice]:
    """Every supplier's invoices (the buyer's view), newest first."""
    queryset = _list_queryset(po_number=po_number, status=status)
    if supplier_code:
        queryset = queryset.filter(supplier__code=supplier_code)
    return queryset


def _detail_queryset() -> QuerySet[Invoice]:
    return Invoice.objects.select_related(
        "supplier", "purchase_order", "credited_invoice", "duplicate_of"
    )


def get_invoice_for_supplier(*, supplier: Supplier, number: str) -> Invoice:
    """The supplier's invoice with this number; another supplier's is a 404."""
    return get_object_or_404(_detail_queryset(), supplier=supplier, number=number)


def get_invoice_for_buyer(*, supplier_code: str, number: str) -> Invoice:
    # Invoice numbers are unique per supplier only, so the buyer's URL names both.
    return get_object_or_404(_detail_queryset(), supplier__code=supplier_code, number=number)


def invoice_lines(*, invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.select_related("po_line__item", "po_line__uom").order_by("line_no"))


def credit_notes_of(*, invoice: Invoice) -> list[Invoice]:
    return list(invoice.credit_notes.order_by("received_at", "id"))


def ap_hold_queue(*, supplier_code: str = "") -> list[InvoiceLine]:
    """The AP queue: every held line of invoices on hold, oldest hold first, each with its
    PO line (price, unit) and what was received: the variance beside the PO and receipt."""
    queryset = InvoiceLine.objects.filter(invoice__status=Invoice.Status.ON_HOLD).exclude(
        result__in=[InvoiceLine.Result.MATCHED, InvoiceLine.Result.ACCEPTED]
    )
    if supplier_code:
        queryset = queryset.filter(invoice__supplier__code=supplier_code)
    return list(
        queryset.select_related(
            "invoice__supplier", "invoice__purchase_order", "po_line__item", "po_line__uom"
        ).order_by("invoice__held_at", "invoice_id", "line_no")
    )


# ---------------------------------------------------------------- pre-filled invoices


@dataclass(frozen=True)
class DraftLine:
    po_line: PurchaseOrderLine
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class InvoiceDraft:
    purchase_order: PurchaseOrder
    source_ref: str
    basis: str
    lines: list[DraftLine]


def terms_of(supplier: Supplier) -> InvoicingTerms:
    return InvoicingTerms.objects.filter(supplier=supplier).first() or InvoicingTerms.defaults(
        supplier
    )


def _invoiced(po_line_ids: list[int]) -> dict[int, Decimal]:
    """What invoices (net of their credit notes) already billed of each PO line."""
    rows = (
        InvoiceLine.objects.filter(_COUNTED, po_line_id__in=po_line_ids)
        .values("po_line_id")
        .annotate(total=Sum("qty_po_uom"))
    )
    return {row["po_line_id"]: row["total"] or ZERO for row in rows}


def _price(po_line: PurchaseOrderLine) -> Decimal:
    return po_line.confirmed_price if po_line.confirmed_price is not None else po_line.unit_price


def _draft(
    purchase_order, source_ref, basis, quantities: dict[int, Decimal], po_lines
) -> InvoiceDraft:
    invoiced = _invoiced(list(quantities))
    lines = []
    for po_line in po_lines:
        left = quantities.get(po_line.pk, ZERO) - invoiced.get(po_line.pk, ZERO)
        if left > 0:
            lines.append(DraftLine(po_line=po_line, quantity=left, unit_price=_price(po_line)))
    return InvoiceDraft(purchase_order, source_ref, basis, lines)


def invoice_draft_for_purchase_order(*, supplier: Supplier, number: str) -> InvoiceDraft:
    """A PO flipped into an invoice: each line's received (or, by the supplier's terms,
    shipped) quantity not invoiced yet, at the PO price."""
    purchase_order = get_object_or_404(PurchaseOrder, supplier=supplier, number=number)
    po_lines = list(purchase_order.lines.select_related("item", "uom").order_by("line_no"))
    basis = terms_of(supplier).basis
    shipped = basis == InvoicingTerms.Basis.SHIPPED
    quantities = {line.pk: line.shipped_qty if shipped else line.received_qty for line in po_lines}
    return _draft(purchase_order, f"PO {number}", basis, quantities, po_lines)


def invoice_draft_for_shipment(
    *, supplier: Supplier, asn_number: str, po_number: str = ""
) -> InvoiceDraft:
    """An ASN flipped into an invoice (for one of its POs: the first unless `po_number`):
    what was shipped on it, or received of it by the supplier's terms."""
    shipment = get_object_or_404(Shipment, supplier=supplier, asn_number=asn_number)
    asn_lines = list(
        shipment.lines.select_related(
            "po_line__purchase_order", "po_line__item", "po_line__uom"
        ).order_by("line_no")
    )
    purchase_order = _chosen_po([line.po_line for line in asn_lines], po_number)
    basis = terms_of(supplier).basis
    shipped = basis == InvoicingTerms.Basis.SHIPPED
    quantities: dict[int, Decimal] = defaultdict(Decimal)
    po_lines = []
    for line in asn_lines:
        if line.po_line.purchase_order_id != purchase_order.pk:
            continue
        quantities[line.po_line_id] += line.quantity_po_uom if shipped else line.received_qty
        if line.po_line not in po_lines:
            po_lines.append(line.po_line)
    return _draft(purchase_order, f"ASN {asn_number}", basis, quantities, po_lines)


def get_receipt_for_supplier(*, supplier: Supplier, receipt_id: int) -> Receipt:
    """A receipt of one of the supplier's ASNs; another supplier's is a 404."""
    return get_object_or_404(
        Receipt.objects.select_related("shipment__supplier"),
        pk=receipt_id,
        shipment__supplier=supplier,
    )


def invoice_draft_for_receipt(
    *, supplier: Supplier, receipt_id: int, po_number: str = ""
) -> InvoiceDraft:
    """A receipt flipped into an invoice: what it accepted (received less damaged)."""
    receipt = get_receipt_for_supplier(supplier=supplier, receipt_id=receipt_id)
    receipt_lines = list(
        ReceiptLine.objects.filter(receipt=receipt)
        .select_related(
            "asn_line__po_line__purchase_order", "asn_line__po_line__item", "asn_line__po_line__uom"
        )
        .order_by("asn_line__line_no")
    )
    po_lines_all = [line.asn_line.po_line for line in receipt_lines]
    purchase_order = _chosen_po(po_lines_all, po_number)
    quantities: dict[int, Decimal] = defaultdict(Decimal)
    po_lines = []
    for line in receipt_lines:
        po_line = line.asn_line.po_line
        if po_line.purchase_order_id != purchase_order.pk:
            continue
        quantities[po_line.pk] += line.qty_received - line.qty_damaged
        if po_line not in po_lines:
            po_lines.append(po_line)
    return _draft(
        purchase_order,
        f"Receipt {receipt.reference}",
        InvoicingTerms.Basis.RECEIVED,
        quantities,
        po_lines,
    )


def _chosen_po(po_lines: list[PurchaseOrderLine], po_number: str) -> PurchaseOrder:
    orders = {line.purchase_order.number: line.purchase_order for line in po_lines}
    if not orders:
        raise Http404("This document has no lines to invoice.")
    if po_number and po_number in orders:
        return orders[po_number]
    return orders[sorted(orders)[0]]


# ---------------------------------------------------------------- disputes


def _dispute_queryset() -> QuerySet[Dispute]:
    return Dispute.objects.select_related(
        "supplier", "invoice", "invoice_line", "receipt"
    ).annotate(message_count=Count("messages"))


def disputes_for_supplier(*, supplier: Supplier, status: str = "") -> QuerySet[Dispute]:
    queryset = _dispute_queryset().filter(supplier=supplier)
    return queryset.filter(status=status) if status in Dispute.Status.values else queryset


def disputes_for_buyer(*, status: str = "") -> QuerySet[Dispute]:
    queryset = _dispute_queryset()
    return queryset.filter(status=status) if status in Dispute.Status.values else queryset


def get_dispute_for_supplier(*, supplier: Supplier, pk: int) -> Dispute:
    return get_object_or_404(_dispute_queryset(), pk=pk, supplier=supplier)


def get_dispute_for_buyer(*, pk: int) -> Dispute:
    return get_object_or_404(_dispute_queryset(), pk=pk)


def dispute_messages(*, dispute: Dispute) -> list[DisputeMessage]:
    return list(dispute.messages.select_related("author").order_by("created_at", "id"))


def get_dispute_message_for_supplier(*, supplier: Supplier, pk: int) -> DisputeMessage:
    return get_object_or_404(
        DisputeMessage.objects.exclude(attachment=""), pk=pk, dispute__supplier=supplier
    )


def get_dispute_message_for_buyer(*, pk: int) -> DisputeMessage:
    return get_object_or_404(DisputeMessage.objects.exclude(attachment=""), pk=pk)


# ---------------------------------------------------------------- receipts to dispute


def _variance_receipts() -> QuerySet[Receipt]:
    return (
        Receipt.objects.filter(lines__within_tolerance=False)
        .select_related("shipment__supplier")
        .distinct()
        .order_by("-received_at", "-id")
    )


def receipts_with_variance(*, supplier: Supplier | None = None, limit: int = 20) -> list[Receipt]:
    """The latest receipts with a line outside tolerance (a variance to dispute): the
    supplier's own, or every supplier's for the buyer (`supplier` None)."""
    queryset = _variance_receipts()
    if supplier is not None:
        queryset = queryset.filter(shipment__supplier=supplier)
    return list(queryset[:limit])


def get_receipt_for_buyer(*, receipt_id: int) -> Receipt:
    return get_object_or_404(Receipt.objects.select_related("shipment__supplier"), pk=receipt_id)


def receipt_lines(*, receipt: Receipt) -> list[ReceiptLine]:
    """A receipt's lines with their ASN and PO lines, for the dispute page."""
    return list(
        ReceiptLine.objects.filter(receipt=receipt)
        .select_related("asn_line__po_line__purchase_order", "asn_line__po_line__uom")
        .order_by("asn_line__line_no")
    )
