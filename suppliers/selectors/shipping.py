"""Reads for shipping: ASNs, their lines and timeline, supplier availability, and the
buyer's inbound schedule and risk summary. Supplier-facing reads take the supplier they
are scoped to; lists have a constant query count whatever the volume."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from integrations.selectors.deliveries import audit_entries_for
from inventory.models import Warehouse
from suppliers.models import (
    AsnLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
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

INBOUND_COLUMNS = (
    "warehouse",
    "day",
    "kind",
    "supplier_code",
    "document",
    "po_number",
    "po_line_no",
    "sku",
    "qty",
    "uom_code",
    "state",
    "risk",
    "promised",
)


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def inbound_schedule(
    *,
    supplier_code: str = "",
    warehouse_code: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet:
    """What is expected at our warehouses, by warehouse and day: one row per line of an
    ASN on its way (day = expected delivery) and one per confirmed delivery (schedule
    line) not yet shipped in full (day = its own date), so a split confirmation shows
    each delivery on its date. A confirmed line without schedule lines (set up before
    them) shows as one row on its confirmed date. One SQL UNION, so it paginates and
    counts in the database."""
    asn_rows = AsnLine.objects.filter(shipment__status__in=Shipment.INBOUND)
    schedule_rows = PurchaseOrderScheduleLine.objects.filter(
        line__purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
        quantity__gt=F("shipped_qty"),
    )
    bare_rows = PurchaseOrderLine.objects.filter(
        purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
        confirmed_qty__gt=F("shipped_qty"),
        schedule_lines__isnull=True,
    )
    if supplier_code:
        asn_rows = asn_rows.filter(shipment__supplier__code=supplier_code)
        schedule_rows = schedule_rows.filter(line__purchase_order__supplier__code=supplier_code)
        bare_rows = bare_rows.filter(purchase_order__supplier__code=supplier_code)
    if warehouse_code:
        asn_rows = asn_rows.filter(shipment__ship_to__code=warehouse_code)
        schedule_rows = schedule_rows.filter(line__purchase_order__ship_to__code=warehouse_code)
        bare_rows = bare_rows.filter(purchase_order__ship_to__code=warehouse_code)
    promised = Coalesce("confirmed_date", "requested_date")
    if date_from:
        asn_rows = asn_rows.filter(shipment__expected_delivery__gte=date_from)
        schedule_rows = schedule_rows.filter(date__gte=date_from)
        bare_rows = bare_rows.alias(promised_on=promised).filter(promised_on__gte=date_from)
    if date_to:
        asn_rows = asn_rows.filter(shipment__expected_delivery__lte=date_to)
        schedule_rows = schedule_rows.filter(date__lte=date_to)
        bare_rows = bare_rows.alias(promised_on=promised).filter(promised_on__lte=date_to)
    quantity: DecimalField = DecimalField(max_digits=18, decimal_places=6)
    asn_values = (
        asn_rows.annotate(
            warehouse=F("shipment__ship_to__code"),
            day=F("shipment__expected_delivery"),
            kind=_text("asn"),
            supplier_code=F("shipment__supplier__code"),
            document=F("shipment__asn_number"),
            po_number=F("po_line__purchase_order__number"),
            po_line_no=F("po_line__line_no"),
            sku=F("po_line__item__sku"),
            qty=F("quantity_po_uom"),
            uom_code=F("po_line__uom__code"),
            state=F("shipment__status"),
            risk=F("shipment__at_risk"),
            # The delivery the ASN ships against, when the supplier picked one.
            promised=Coalesce(
                "schedule_line__date", "po_line__confirmed_date", "po_line__requested_date"
            ),
        )
        .values(*INBOUND_COLUMNS)
        .order_by()
    )
    schedule_values = (
        schedule_rows.annotate(
            warehouse=F("line__purchase_order__ship_to__code"),
            day=F("date"),
            kind=_text("po_line"),
            supplier_code=F("line__purchase_order__supplier__code"),
            document=F("line__purchase_order__number"),
            po_number=F("line__purchase_order__number"),
            po_line_no=F("line__line_no"),
            sku=F("line__item__sku"),
            qty=ExpressionWrapper(F("quantity") - F("shipped_qty"), output_field=quantity),
            uom_code=F("line__uom__code"),
            state=F("line__purchase_order__status"),
            risk=F("line__purchase_order__at_risk"),
            promised=F("date"),
        )
        .values(*INBOUND_COLUMNS)
        .order_by()
    )
    bare_values = (
        bare_rows.annotate(
            warehouse=F("purchase_order__ship_to__code"),
            day=Coalesce("confirmed_date", "requested_date"),
            kind=_text("po_line"),
            supplier_code=F("purchase_order__supplier__code"),
            document=F("purchase_order__number"),
            po_number=F("purchase_order__number"),
            po_line_no=F("line_no"),
            sku=F("item__sku"),
            qty=ExpressionWrapper(F("confirmed_qty") - F("shipped_qty"), output_field=quantity),
            uom_code=F("uom__code"),
            state=F("purchase_order__status"),
            risk=F("purchase_order__at_risk"),
            promised=Coalesce("confirmed_date", "requested_date"),
        )
        .values(*INBOUND_COLUMNS)
        .order_by()
    )
    return asn_values.union(schedule_values, bare_values, all=True).order_by(
        "warehouse", "day", "supplier_code", "document", "po_line_no"
    )


def decorate_inbound_rows(rows, *, today: datetime.date) -> list[dict]:
    """Late = the goods are not in and the day has passed, or they are expected after
    the date the supplier promised (a delayed ASN); state labels for people."""
    labels = {**dict(Shipment.Status.choices), **dict(PurchaseOrder.Status.choices)}
    decorated = []
    for row in rows:
        row = dict(row)
        day = row["day"]
        if isinstance(day, str):  # SQLite hands a UNION's dates back as text.
            day = datetime.date.fromisoformat(day)
        promised = row["promised"]
        if isinstance(promised, str):
            promised = datetime.date.fromisoformat(promised)
        row["day"], row["promised"] = day, promised
        row["qty"] = Decimal(str(row["qty"])) if not isinstance(row["qty"], Decimal) else row["qty"]
        row["late"] = day < today or day > promised
        row["risk"] = bool(row["risk"])
        row["state_label"] = labels.get(row["state"], row["state"])
        decorated.append(row)
    return decorated


def warehouses_for_filter() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True).only("code", "name").order_by("code")
