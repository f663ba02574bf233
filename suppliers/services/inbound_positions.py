"""The inbound figures of stock positions (open on POs, in transit on ASNs), recomputed
from the documents; the `suppliers.refresh_inbound_positions` task runs it."""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q, Sum

from inventory.models import Item, StockPosition, UnitOfMeasure
from inventory.services import convert_quantity
from suppliers.models import AsnLine, PurchaseOrder, PurchaseOrderLine, Shipment


def inbound_positions_refresh(*, actor=None) -> int:
    """Recompute every position's open-PO and in-transit figures from the documents, in
    the item's base unit: open PO = confirmed − shipped on POs open to ship; in transit =
    shipped − received on ASNs on their way or delivered. Sums are grouped in SQL by item,
    warehouse and unit, so Python converts one row per group, not per line. This is the
    backstop that keeps positions right whatever path changed a document; returns the
    number of positions written."""
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
