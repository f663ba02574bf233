"""The daily check of supplier availability feeds: a supplier item whose last post is
older than the supplier's freshness window has a stale-availability exception (owner:
purchasing) in the shared inbox, auto-resolved once a fresh post arrives."""

import datetime

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from integrations.models import ExceptionCase, ExceptionClass
from integrations.services import Subject, exception_auto_resolve, exception_open_or_update
from suppliers.models import SupplierAvailability


def _subject(availability: SupplierAvailability) -> Subject:
    supplier_item = availability.supplier_item
    return Subject.document(
        document_type="availability",
        document_ref=f"{supplier_item.supplier.code}:{supplier_item.supplier_sku}",
        supplier_code=supplier_item.supplier.code,
        sku=supplier_item.item.sku,
    )


def stale_availability_check(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Open (or refresh) a case per stale feed, resolve the cases of fresh ones.
    Returns {"stale": n, "resolved": m}."""
    now = now or timezone.now()
    rows = SupplierAvailability.objects.filter(
        supplier_item__is_active=True, supplier_item__supplier__status="active"
    ).select_related("supplier_item__supplier", "supplier_item__item")
    stale = resolved = 0
    open_keys = set(
        ExceptionCase.objects.filter(
            exception_class=ExceptionClass.STALE_AVAILABILITY, status__in=ExceptionCase.ACTIVE
        ).values_list("subject_key", flat=True)
    )
    for availability in rows.iterator(chunk_size=500):
        subject = _subject(availability)
        supplier = availability.supplier_item.supplier
        if availability.is_stale(now=now, freshness_hours=supplier.availability_freshness_hours):
            age_hours = int((now - availability.as_of).total_seconds() // 3600)
            exception_open_or_update(
                actor=None,
                exception_class=ExceptionClass.STALE_AVAILABILITY,
                subject=subject,
                title=(
                    f"{supplier.code} has not updated availability of "
                    f"{availability.supplier_item.supplier_sku} for {age_hours} h "
                    f"(window {supplier.availability_freshness_hours} h)"
                ),
                detail={"as_of": availability.as_of.isoformat(), "age_hours": age_hours},
                now=now,
            )
            stale += 1
        elif subject.subject_key in open_keys:
            exception_auto_resolve(
                actor=None,
                exception_class=ExceptionClass.STALE_AVAILABILITY,
                subject_key=subject.subject_key,
                reason="The supplier posted fresh availability.",
            )
            resolved += 1
    return {"stale": stale, "resolved": resolved}


@shared_task(name="suppliers.check_stale_availability")
def check_stale_availability() -> dict[str, int]:
    return stale_availability_check()


def inbound_positions_refresh(*, actor=None) -> int:
    """Recompute every position's open-PO and in-transit figures from the documents, in
    the item's base unit: open PO = confirmed − shipped on POs open to ship; in transit =
    shipped − received on ASNs on their way or delivered. Sums are grouped in SQL by item,
    warehouse and unit, so Python converts one row per group, not per line. This is the
    backstop that keeps positions right whatever path changed a document; returns the
    number of positions written."""
    from collections import defaultdict
    from decimal import Decimal

    from django.db import transaction
    from django.db.models import F, Sum

    from inventory.models import Item, StockPosition, UnitOfMeasure
    from inventory.services import convert_quantity
    from suppliers.models import AsnLine, PurchaseOrder, PurchaseOrderLine, Shipment

    open_po = (
        PurchaseOrderLine.objects.filter(
            purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
            confirmed_qty__gt=F("shipped_qty"),
        )
        .values("item_id", "purchase_order__ship_to_id", "uom_id")
        .annotate(qty=Sum(F("confirmed_qty") - F("shipped_qty")))
    )
    moving = Shipment.INBOUND | {Shipment.Status.DELIVERED, Shipment.Status.PARTIALLY_RECEIVED}
    in_transit = (
        AsnLine.objects.filter(shipment__status__in=moving, quantity_po_uom__gt=F("received_qty"))
        .values("po_line__item_id", "shipment__ship_to_id", "po_line__uom_id")
        .annotate(qty=Sum(F("quantity_po_uom") - F("received_qty")))
    )
    groups = [
        ("inbound_open_po", r["item_id"], r["purchase_order__ship_to_id"], r["uom_id"], r["qty"])
        for r in open_po
    ] + [
        (
            "inbound_in_transit",
            r["po_line__item_id"],
            r["shipment__ship_to_id"],
            r["po_line__uom_id"],
            r["qty"],
        )
        for r in in_transit
    ]
    items = Item.objects.select_related("base_uom").in_bulk({g[1] for g in groups})
    units = UnitOfMeasure.objects.in_bulk({g[3] for g in groups})
    totals: dict[tuple[int, int], dict[str, Decimal]] = defaultdict(
        lambda: {"inbound_open_po": Decimal(0), "inbound_in_transit": Decimal(0)}
    )
    for figure, item_id, warehouse_id, uom_id, qty in groups:
        item = items[item_id]
        totals[(item_id, warehouse_id)][figure] += convert_quantity(
            quantity=qty, from_uom=units[uom_id], to_uom=item.base_uom, item=item
        )
    with transaction.atomic():
        existing = {
            (p.item_id, p.warehouse_id): p
            for p in StockPosition.objects.select_for_update().filter(
                Q(inbound_open_po__gt=0) | Q(inbound_in_transit__gt=0)
            )
        }
        existing.update(
            {
                (p.item_id, p.warehouse_id): p
                for p in StockPosition.objects.filter(
                    item_id__in={k[0] for k in totals}, warehouse_id__in={k[1] for k in totals}
                )
            }
        )
        changed, new = [], []
        for key in set(existing) | set(totals):
            figures = totals.get(
                key, {"inbound_open_po": Decimal(0), "inbound_in_transit": Decimal(0)}
            )
            position = existing.get(key)
            if position is None:
                new.append(StockPosition(item_id=key[0], warehouse_id=key[1], **figures))
            elif (position.inbound_open_po, position.inbound_in_transit) != (
                figures["inbound_open_po"],
                figures["inbound_in_transit"],
            ):
                position.inbound_open_po = figures["inbound_open_po"]
                position.inbound_in_transit = figures["inbound_in_transit"]
                changed.append(position)
        StockPosition.objects.bulk_create(new, batch_size=1000)
        StockPosition.objects.bulk_update(
            changed, ["inbound_open_po", "inbound_in_transit", "updated_at"], batch_size=1000
        )
    return len(new) + len(changed)


@shared_task(name="suppliers.refresh_inbound_positions")
def refresh_inbound_positions() -> int:
    return inbound_positions_refresh()
