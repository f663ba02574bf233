"""Reads for supplier invoices (EDI 810 today): the supplier's own and the buyer's view
across suppliers. Lists have a constant query count whatever the volume; another
supplier's invoice is a 404."""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from suppliers.models import Invoice, InvoiceLine, Supplier


def _list_queryset(*, po_number: str) -> QuerySet[Invoice]:
    queryset = Invoice.objects.select_related("supplier", "purchase_order").annotate(
        line_count=Count("lines")
    )
    po_number = po_number.strip()
    if po_number:
        queryset = queryset.filter(purchase_order__number__iexact=po_number)
    return queryset.order_by("-received_at", "-id")


def invoices_for_supplier(*, supplier: Supplier, po_number: str = "") -> QuerySet[Invoice]:
    """The supplier's invoices, newest first, with their line count."""
    return _list_queryset(po_number=po_number).filter(supplier=supplier)


def invoices_for_buyer(*, supplier_code: str = "", po_number: str = "") -> QuerySet[Invoice]:
    """Every supplier's invoices (the buyer's view), newest first."""
    queryset = _list_queryset(po_number=po_number)
    if supplier_code:
        queryset = queryset.filter(supplier__code=supplier_code)
    return queryset


def _detail_queryset() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("supplier", "purchase_order")


def get_invoice_for_supplier(*, supplier: Supplier, number: str) -> Invoice:
    """The supplier's invoice with this number; another supplier's is a 404."""
    return get_object_or_404(_detail_queryset(), supplier=supplier, number=number)


def get_invoice_for_buyer(*, supplier_code: str, number: str) -> Invoice:
    # Invoice numbers are unique per supplier only, so the buyer's URL names both.
    return get_object_or_404(_detail_queryset(), supplier__code=supplier_code, number=number)


def invoice_lines(*, invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.select_related("po_line__item", "po_line__uom").order_by("line_no"))
