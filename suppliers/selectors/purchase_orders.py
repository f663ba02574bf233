"""Reads of the suppliers app. Every supplier-facing read takes the supplier it is scoped
to, so one tenant's object is never reachable from another's page (DESIGN §1.6)."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from integrations.money import line_amount_in, minor_unit, total_amount
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


class Delivery(NamedTuple):
    position: int
    quantity: Decimal
    date: datetime.date
    shipped_qty: Decimal


def single_delivery(
    *, confirmed_qty: Decimal | None, confirmed_date: datetime.date | None, shipped_qty: Decimal
) -> Delivery | None:
    """The one delivery a line without schedule lines reads as (confirmed before schedule
    lines existed, or set up without them): the confirmed quantity on the confirmed date,
    shipped at most that much. None for a line not confirmed (or rejected: 0)."""
    if not confirmed_qty or confirmed_date is None:
        return None
    return Delivery(1, confirmed_qty, confirmed_date, min(shipped_qty, confirmed_qty))


def schedule_of(po_line: PurchaseOrderLine) -> list[PurchaseOrderScheduleLine]:
    """The line's schedule lines (prefetched or not), or its `single_delivery` (unsaved,
    so nothing is written by a read)."""
    lines = list(po_line.schedule_lines.all())
    delivery = (
        None
        if lines
        else single_delivery(
            confirmed_qty=po_line.confirmed_qty,
            confirmed_date=po_line.confirmed_date,
            shipped_qty=po_line.shipped_qty,
        )
    )
    if delivery is None:
        return lines
    return [
        PurchaseOrderScheduleLine(
            line=po_line,
            position=delivery.position,
            quantity=delivery.quantity,
            date=delivery.date,
            shipped_qty=delivery.shipped_qty,
        )
    ]


def line_amount_of(
    ordered_qty: Decimal,
    unit_price: Decimal,
    confirmed_qty: Decimal | None,
    confirmed_price: Decimal | None,
    unit: Decimal,
) -> Decimal:
    """What a line is worth, from its columns, rounded to `unit` (the PO currency's
    `integrations.money.minor_unit`, looked up once per page by readers of many lines):
    the confirmed quantity at the confirmed price once the supplier confirmed it (0 for a
    rejected line), the ordered quantity at the ordered price until then."""
    return line_amount_in(
        confirmed_qty if confirmed_qty is not None else ordered_qty,
        confirmed_price if confirmed_price is not None else unit_price,
        unit,
    )


def po_line_amount(line: PurchaseOrderLine, currency: str) -> Decimal:
    """What a line is worth in the PO's currency and its decimals (`line_amount_of`)."""
    return line_amount_of(
        line.ordered_qty,
        line.unit_price,
        line.confirmed_qty,
        line.confirmed_price,
        minor_unit(currency),
    )


def line_amounts(currency_of: dict[int, str]) -> dict[int, list[Decimal]]:
    """The amount (`line_amount_of`) of every line of these POs (id → currency), by PO,
    from one query. Tuples, not model instances: building ~300 instances was most of a
    list page's Python outside rendering (issue 24); and each currency's minor unit is
    looked up once, not per line."""
    rows = PurchaseOrderLine.objects.filter(purchase_order_id__in=list(currency_of)).values_list(
        "purchase_order_id", "ordered_qty", "unit_price", "confirmed_qty", "confirmed_price"
    )
    return amounts_of_lines(currency_of, rows.order_by())


def amounts_of_lines(
    currency_of: dict[int, str],
    rows: Iterable[tuple[int, Decimal, Decimal, Decimal | None, Decimal | None]],
) -> dict[int, list[Decimal]]:
    """`line_amounts` of lines already read as (PO id, ordered qty, unit price, confirmed
    qty, confirmed price) rows, by PO: the one place a page's line amounts are made."""
    units = {currency: minor_unit(currency) for currency in set(currency_of.values())}
    unit_of = {pk: units[currency] for pk, currency in currency_of.items()}
    amounts: dict[int, list[Decimal]] = defaultdict(list)
    for po_id, ordered_qty, unit_price, confirmed_qty, confirmed_price in rows:
        amounts[po_id].append(
            line_amount_of(ordered_qty, unit_price, confirmed_qty, confirmed_price, unit_of[po_id])
        )
    return amounts


def purchase_order_totals(purchase_orders: Iterable[PurchaseOrder]) -> dict[int, Decimal]:
    """Each PO's total (the sum of its rounded line amounts, as an invoice adds them), in
    one query for a whole page of POs."""
    currency_of = {po.pk: po.currency for po in purchase_orders}
    amounts = line_amounts(currency_of)
    return {pk: total_amount(amounts.get(pk, []), cur) for pk, cur in currency_of.items()}


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
