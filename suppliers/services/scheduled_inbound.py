"""Dated supplier inbound for inventory's live positions and ATP
(`inventory.selectors.atp`): registered in `suppliers/apps.py`, because inventory
may not import suppliers. In the item's base unit:

- a confirmed delivery (schedule line) of an open line of a PO open to ship, less what
  ASNs ship against it, on the delivery's date;
- goods on ASNs on their way or at the dock and not all counted by receipts (accepted or
  damaged), on the ASN's expected delivery date.

Confirmed − shipped plus shipped − arrived: each unit is counted once, on its date.
"""

import datetime
import logging
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import F

from integrations.errors import DomainError
from inventory.models import Item, UnitOfMeasure
from inventory.selectors.atp import ScheduledInbound
from inventory.services import conversion_ratios_to_base, convert_quantity
from suppliers.models import (
    AsnLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
)
from suppliers.services.inbound_evidence import OPEN
from suppliers.services.inbound_positions import asn_line_arrived

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
# (kind, item, warehouse, unit, date, document, supplier, quantity in the unit)
Row = tuple[str, int, int, int, datetime.date, str, int, Decimal]


def scheduled_inbound_rows(
    item_ids: Sequence[int], warehouse_ids: Sequence[int] | None, supplier_id: int | None
) -> list[ScheduledInbound]:
    """The open confirmed deliveries and the ASN goods not received, dated."""
    schedule = PurchaseOrderScheduleLine.objects.filter(
        line__item_id__in=item_ids,
        line__status=PurchaseOrderLine.Status.OPEN,
        line__purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
        quantity__gt=F("shipped_qty"),
    )
    arrived = asn_line_arrived()
    shipped = (
        AsnLine.objects.filter(po_line__item_id__in=item_ids, shipment__status__in=OPEN)
        .annotate(arrived=arrived)
        .filter(quantity_po_uom__gt=F("arrived"))
    )
    if warehouse_ids is not None:
        schedule = schedule.filter(line__purchase_order__ship_to_id__in=warehouse_ids)
        shipped = shipped.filter(shipment__ship_to_id__in=warehouse_ids)
    if supplier_id is not None:
        schedule = schedule.filter(line__purchase_order__supplier_id=supplier_id)
        shipped = shipped.filter(shipment__supplier_id=supplier_id)
    rows: list[Row] = [
        (
            "schedule_line",
            item_id,
            ship_to,
            uom_id,
            date,
            f"{number} line {line_no}",
            supplier,
            quantity - shipped_qty,
        )
        for item_id, ship_to, uom_id, date, number, line_no, supplier, quantity, shipped_qty in (
            schedule.values_list(
                "line__item_id",
                "line__purchase_order__ship_to_id",
                "line__uom_id",
                "date",
                "line__purchase_order__number",
                "line__line_no",
                "line__purchase_order__supplier_id",
                "quantity",
                "shipped_qty",
            )
        )
    ]
    rows += [
        ("asn", item_id, ship_to, uom_id, date, f"{code}:{asn}", supplier, quantity - got)
        for item_id, ship_to, uom_id, date, code, asn, supplier, quantity, got in (
            shipped.values_list(
                "po_line__item_id",
                "shipment__ship_to_id",
                "po_line__uom_id",
                "shipment__expected_delivery",
                "shipment__supplier__code",
                "shipment__asn_number",
                "shipment__supplier_id",
                "quantity_po_uom",
                "arrived",
            )
        )
    ]
    return _in_base_units(rows)


def _in_base_units(rows: list[Row]) -> list[ScheduledInbound]:
    items = Item.objects.select_related("base_uom").in_bulk({row[1] for row in rows})
    units = UnitOfMeasure.objects.in_bulk({row[3] for row in rows})
    ratios = conversion_ratios_to_base({(items[row[1]], units[row[3]]) for row in rows})
    result = []
    for kind, item_id, warehouse_id, uom_id, date, ref, supplier, quantity in rows:
        item, unit = items[item_id], units[uom_id]
        try:
            ratio = ratios[(item_id, uom_id)]
            if isinstance(ratio, DomainError):
                raise ratio
            base = convert_quantity(
                quantity=quantity, from_uom=unit, to_uom=item.base_uom, item=item, ratio=ratio
            )
        except DomainError as error:  # master data the portal lacks: left out, logged
            logger.warning("Inbound %s leaves out %s: %s", ref, item.sku, error)
            continue
        result.append(ScheduledInbound(item_id, warehouse_id, date, base, kind, ref, supplier))
    return result
