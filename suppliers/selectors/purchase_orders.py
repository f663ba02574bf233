"""Reads of the suppliers app. Every supplier-facing read takes the supplier it is scoped
to, so one tenant's object is never reachable from another's page (DESIGN §1.6)."""

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from integrations.money import line_amount, total_amount
from inventory.models import Item
from portal.access import User, active_membership
from suppliers.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
    Supplier,
    SupplierItem,
)


def supplier_for_user(user: User | AnonymousUser) -> Supplier | None:
    """The supplier a signed-in user acts for, or None for internal users."""
    membership = active_membership(user)
    return membership.supplier if membership is not None else None


def get_supplier_for_user(user: User | AnonymousUser) -> Supplier:
    """The supplier of a supplier user, for the pages behind `supplier_required`; anyone
    else (who never gets past that decorator) is refused here too."""
    supplier = supplier_for_user(user)
    if supplier is None:
        raise PermissionDenied("This page is for supplier users.")
    return supplier


def _line_totals() -> dict:
    lines = PurchaseOrderLine.objects.filter(purchase_order=OuterRef("pk")).values("purchase_order")
    return {
        "line_count": Coalesce(Subquery(lines.annotate(n=Count("pk")).values("n")[:1]), 0),
    }


def _filtered(queryset: QuerySet, *, status: str | None, q: str | None) -> QuerySet:
    if status:
        queryset = queryset.filter(status=status)
    q = (q or "").strip()
    if q:
        # Resolve the SKU first (a small table), so the PO side is an indexed semi-join on
        # line.item rather than a case-folded comparison against every line.
        item_ids = Item.objects.filter(sku__iexact=q).values("pk")
        with_sku = PurchaseOrderLine.objects.filter(item_id__in=item_ids).values(
            "purchase_order_id"
        )
        queryset = queryset.filter(Q(number__icontains=q) | Q(pk__in=with_sku))
    return queryset


def purchase_orders_for_supplier(
    *, supplier: Supplier, status: str | None = None, q: str | None = None
) -> QuerySet[PurchaseOrder]:
    """A supplier's purchase orders, newest first, filtered by status and PO number or SKU."""
    queryset = PurchaseOrder.objects.filter(supplier=supplier).select_related("ship_to")
    return _filtered(queryset, status=status, q=q).annotate(**_line_totals())


def purchase_orders_for_buyer(
    *, supplier_code: str | None = None, status: str | None = None, q: str | None = None
) -> QuerySet[PurchaseOrder]:
    """Every supplier's purchase orders for the distributor's buyers."""
    queryset = PurchaseOrder.objects.select_related("ship_to", "supplier")
    if supplier_code:
        queryset = queryset.filter(supplier__code=supplier_code)
    return _filtered(queryset, status=status, q=q).annotate(**_line_totals())


def get_purchase_order_for_supplier(*, supplier: Supplier, number: str) -> PurchaseOrder:
    """The supplier's PO with this number; 404 for any other supplier's, never 403, so a
    supplier cannot even learn that another supplier's PO number exists."""
    return get_object_or_404(_detail_queryset(), number=number, supplier=supplier)


def get_purchase_order_for_buyer(*, number: str) -> PurchaseOrder:
    return get_object_or_404(_detail_queryset(), number=number)


def _detail_queryset() -> QuerySet[PurchaseOrder]:
    return PurchaseOrder.objects.select_related("supplier", "ship_to", "buyer")


def schedule_of(po_line: PurchaseOrderLine) -> list[PurchaseOrderScheduleLine]:
    """The line's schedule lines (prefetched or not); a line confirmed before schedule
    lines existed, or set up without them, reads as one delivery: confirmed quantity on
    the confirmed date (unsaved, so nothing is written by a read)."""
    lines = list(po_line.schedule_lines.all())
    if lines or not po_line.confirmed_qty or po_line.confirmed_date is None:
        return lines
    return [
        PurchaseOrderScheduleLine(
            line=po_line,
            position=1,
            quantity=po_line.confirmed_qty,
            date=po_line.confirmed_date,
            shipped_qty=min(po_line.shipped_qty, po_line.confirmed_qty),
        )
    ]


def po_line_amount(line: PurchaseOrderLine, currency: str) -> Decimal:
    """What a line is worth in the PO's currency and its decimals: the confirmed quantity
    at the confirmed price once the supplier confirmed it (0 for a rejected line), the
    ordered quantity at the ordered price until then."""
    quantity = line.confirmed_qty if line.confirmed_qty is not None else line.ordered_qty
    price = line.confirmed_price if line.confirmed_price is not None else line.unit_price
    return line_amount(quantity, price, currency)


def purchase_order_totals(purchase_orders: Iterable[PurchaseOrder]) -> dict[int, Decimal]:
    """Each PO's total (the sum of its rounded line amounts, as an invoice adds them), in
    one query for a whole page of POs."""
    orders = {po.pk: po for po in purchase_orders}
    amounts: dict[int, list[Decimal]] = defaultdict(list)
    # Tuples, not model instances: building ~300 instances was most of a list page's
    # Python outside rendering (issue 24). Same rule as po_line_amount.
    rows = PurchaseOrderLine.objects.filter(purchase_order_id__in=orders).values_list(
        "purchase_order_id", "ordered_qty", "unit_price", "confirmed_qty", "confirmed_price"
    )
    for po_id, ordered_qty, unit_price, confirmed_qty, confirmed_price in rows:
        quantity = confirmed_qty if confirmed_qty is not None else ordered_qty
        price = confirmed_price if confirmed_price is not None else unit_price
        amounts[po_id].append(line_amount(quantity, price, orders[po_id].currency))
    return {pk: total_amount(amounts.get(pk, []), po.currency) for pk, po in orders.items()}


def with_totals(purchase_orders: Iterable[PurchaseOrder]) -> list[PurchaseOrder]:
    """The POs (a page of a list) with `total_amount` set on each, in one query."""
    orders = list(purchase_orders)
    totals = purchase_order_totals(orders)
    for purchase_order in orders:
        purchase_order.total_amount = totals[purchase_order.pk]
    return orders


def purchase_order_lines(*, purchase_order: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The PO's lines with item, unit, amount (`line.amount`), confirmed deliveries
    (`line.schedule`) and the supplier's own SKU, in three queries."""
    lines = list(
        purchase_order.lines.select_related("item", "uom", "item__base_uom").prefetch_related(
            "schedule_lines"
        )
    )
    for line in lines:
        line.amount = po_line_amount(line, purchase_order.currency)
        line.schedule = schedule_of(line)
    supplier_items = {
        si.item_id: si
        for si in SupplierItem.objects.filter(
            supplier_id=purchase_order.supplier_id, item_id__in=[line.item_id for line in lines]
        ).select_related("uom")
    }
    for line in lines:
        line.supplier_item = supplier_items.get(line.item_id)
    return lines


def purchase_order_counts(*, supplier: Supplier | None = None) -> dict[str, int]:
    """PO counts by status, for one supplier or across all."""
    queryset = PurchaseOrder.objects.all()
    if supplier is not None:
        queryset = queryset.filter(supplier=supplier)
    rows = queryset.values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def supplier_overdue_acknowledgments(*, supplier: Supplier, now) -> int:
    return PurchaseOrder.objects.filter(
        supplier=supplier,
        status__in=PurchaseOrder.AWAITING_ACKNOWLEDGMENT,
        ack_due_at__lt=now,
    ).count()


def suppliers_for_filter() -> QuerySet[Supplier]:
    return Supplier.objects.only("code", "name").order_by("code")


def open_value_for_supplier(*, supplier: Supplier) -> dict:
    """Lines of the supplier's open POs: how many, and the ordered quantity per unit of
    measure ({"EA": …, "CS": …}): quantities in different units are never added."""
    rows = (
        PurchaseOrderLine.objects.filter(
            purchase_order__supplier=supplier, purchase_order__status__in=PurchaseOrder.OPEN
        )
        .values("uom__code")
        .annotate(lines=Count("pk"), ordered=Sum("ordered_qty"))
        .order_by("uom__code")
    )
    per_unit = {row["uom__code"]: (row["lines"], row["ordered"]) for row in rows}
    return {
        "lines": sum(lines for lines, _ordered in per_unit.values()),
        "ordered": {unit: ordered for unit, (_lines, ordered) in per_unit.items()},
    }
