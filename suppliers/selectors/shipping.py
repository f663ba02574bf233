"""Reads for shipping: ASNs, their lines and timeline, supplier availability, and the
buyer's inbound schedule and risk summary. Supplier-facing reads take the supplier they
are scoped to; lists have a constant query count whatever the volume."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from itertools import chain

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.shortcuts import get_object_or_404

from integrations.selectors.deliveries import audit_entries_for
from inventory.models import Warehouse
from suppliers.models import (
    AsnLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Shipment,
    ShipmentMilestone,
    Supplier,
    SupplierAvailability,
    SupplierItem,
)

# ---------------------------------------------------------------- ASNs


def shipments_for_supplier(*, supplier: Supplier, status: str = "", q: str = "") -> QuerySet:
    """A supplier's ASNs, newest first, with their line count."""
    queryset = Shipment.objects.filter(supplier=supplier).select_related("ship_to", "supplier")
    if status:
        queryset = queryset.filter(status=status)
    q = q.strip()
    if q:
        on_po = AsnLine.objects.filter(
            shipment=OuterRef("pk"), po_line__purchase_order__number__iexact=q
        )
        queryset = queryset.filter(
            Q(asn_number__icontains=q) | Q(tracking_number__iexact=q) | Exists(on_po)
        )
    return queryset.annotate(line_count=Count("lines")).order_by("-created_at", "-id")


def _shipment_detail_queryset() -> QuerySet:
    return Shipment.objects.select_related("supplier", "ship_to", "created_by")


def get_shipment_for_supplier(*, supplier: Supplier, asn_number: str) -> Shipment:
    """The supplier's ASN with this number; another supplier's is a 404."""
    return get_object_or_404(_shipment_detail_queryset(), supplier=supplier, asn_number=asn_number)


def get_shipment_for_buyer(*, supplier_code: str, asn_number: str) -> Shipment:
    return get_object_or_404(
        _shipment_detail_queryset(), supplier__code=supplier_code, asn_number=asn_number
    )


def shipment_lines(*, shipment: Shipment) -> list[AsnLine]:
    return list(
        shipment.lines.select_related(
            "po_line__purchase_order", "po_line__item", "po_line__uom", "uom", "schedule_line"
        ).order_by("line_no")
    )


def shipment_timeline(*, shipment: Shipment) -> list[dict]:
    """Milestones and audit entries of the ASN, newest first, as one list."""
    milestones = [
        {
            "at": m.occurred_at,
            "what": m.get_code_display(),
            "detail": " · ".join(
                part
                for part in (
                    m.location,
                    f"new ETA {m.new_eta:%Y-%m-%d}" if m.new_eta else "",
                    m.reason,
                    m.note,
                )
                if part
            ),
            "who": str(m.reported_by) if m.reported_by_id else m.get_channel_display(),
            "kind": "milestone",
            "code": m.code,
        }
        for m in ShipmentMilestone.objects.filter(shipment=shipment).select_related("reported_by")
    ]
    audits = [
        {
            "at": entry.occurred_at,
            "what": f"ASN {entry.action}",
            "detail": "",
            "who": entry.actor_label,
            "kind": "audit",
            "code": entry.action,
        }
        # A milestone has its own, richer row above; its audit entry would repeat it.
        for entry in audit_entries_for(shipment).exclude(action__startswith="milestone ")[:100]
    ]
    return sorted(chain(milestones, audits), key=lambda row: row["at"], reverse=True)


def shippable_purchase_orders(*, supplier: Supplier) -> QuerySet[PurchaseOrder]:
    """The supplier's POs with a confirmed line still open to ship, by ship-to."""
    open_line = PurchaseOrderLine.objects.filter(
        purchase_order=OuterRef("pk"), confirmed_qty__gt=F("shipped_qty")
    )
    return (
        PurchaseOrder.objects.filter(supplier=supplier, status__in=PurchaseOrder.OPEN_TO_SHIP)
        .filter(Exists(open_line))
        .select_related("ship_to")
        .order_by("ship_to__code", "number")
    )


def asn_lines_by_po_line(*, purchase_order: PurchaseOrder) -> dict[int, list[AsnLine]]:
    """Every ASN line on this PO (cancelled ones included, marked by their shipment's
    status), grouped by PO line: the PO page's shipped/received progress."""
    grouped: dict[int, list[AsnLine]] = defaultdict(list)
    for asn_line in (
        AsnLine.objects.filter(po_line__purchase_order=purchase_order)
        .select_related("shipment", "uom")
        .order_by("shipment__created_at", "line_no")
    ):
        grouped[asn_line.po_line_id].append(asn_line)
    return grouped


# ---------------------------------------------------------------- availability


def _stale_filter(*, now: datetime.datetime, prefix: str = "") -> Q:
    """Availability rows older than their supplier's freshness window. The window is a
    column, so the cut-off differs per supplier: one OR branch per distinct window (a
    handful), computed in one query, keeps this portable across SQLite and PostgreSQL."""
    hours = Supplier.objects.values_list("availability_freshness_hours", flat=True).distinct()
    condition = Q(pk__in=[])
    for window in hours:
        condition |= Q(
            **{
                f"{prefix}supplier_item__supplier__availability_freshness_hours": window,
                f"{prefix}as_of__lt": now - datetime.timedelta(hours=window),
            }
        )
    return condition


@dataclass(frozen=True)
class AvailabilityRow:
    """A supplier item on the availability page: its latest availability, if any, and
    whether that is stale (no availability at all counts as stale)."""

    supplier_item: SupplierItem
    current: SupplierAvailability | None
    is_stale: bool


def availability_for_supplier(
    *, supplier: Supplier, now: datetime.datetime, q: str = ""
) -> list[AvailabilityRow]:
    """The supplier's active items with their latest availability and whether it is
    stale, in one query."""
    queryset = (
        SupplierItem.objects.filter(supplier=supplier, is_active=True)
        .select_related("item", "uom", "availability", "supplier")
        .order_by("supplier_sku")
    )
    q = q.strip()
    if q:
        queryset = queryset.filter(Q(supplier_sku__icontains=q) | Q(item__sku__icontains=q))
    return [availability_row(supplier_item, now=now) for supplier_item in queryset]


def availability_row(supplier_item: SupplierItem, *, now: datetime.datetime) -> AvailabilityRow:
    current = getattr(supplier_item, "availability", None)
    return AvailabilityRow(
        supplier_item=supplier_item,
        current=current,
        is_stale=current is None
        or current.is_stale(
            now=now, freshness_hours=supplier_item.supplier.availability_freshness_hours
        ),
    )


def get_supplier_item_for_supplier(*, supplier: Supplier, supplier_item_id: int) -> SupplierItem:
    return get_object_or_404(
        SupplierItem.objects.select_related("item", "uom", "supplier"),
        pk=supplier_item_id,
        supplier=supplier,
    )


def availability_for_buyer(
    *, now: datetime.datetime, supplier_code: str = "", stale_only: bool = False
) -> QuerySet[SupplierAvailability]:
    queryset = SupplierAvailability.objects.select_related(
        "supplier_item__supplier", "supplier_item__item", "supplier_item__uom"
    ).order_by("supplier_item__supplier__code", "supplier_item__supplier_sku")
    if supplier_code:
        queryset = queryset.filter(supplier_item__supplier__code=supplier_code)
    if stale_only:
        queryset = queryset.filter(_stale_filter(now=now))
    return queryset


# ---------------------------------------------------------------- buyer inbound
# The schedule itself: inbound_schedule.py.


def warehouses_for_filter() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).only("code", "name").order_by("code")
