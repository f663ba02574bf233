"""Open ASNs as evidence of goods in flight, for inventory's reconciliation
(`inventory.services.in_flight`): registered in `suppliers/apps.py`, because inventory may
not import suppliers. Per ASN and item, the quantity still expected (shipped − counted by
receipts, accepted or damaged), in the item's base unit, with the time the ASN reached
its state."""

import logging
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from integrations.errors import DomainError
from inventory.models import Item, UnitOfMeasure
from inventory.services import conversion_ratios_to_base, convert_quantity
from inventory.services.in_flight import InboundEvidence
from suppliers.models import AsnLine, ReceiptLine, Shipment

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
# In flight: on the way, or delivered and not (all) received.
OPEN = Shipment.INBOUND | {Shipment.Status.DELIVERED, Shipment.Status.PARTIALLY_RECEIVED}


def open_asn_evidence(warehouse_ids: Sequence[int]) -> list[InboundEvidence]:
    """The goods still expected on open ASNs to these warehouses, one row per ASN × item."""
    damaged = Subquery(
        ReceiptLine.objects.filter(asn_line=OuterRef("pk"))
        .values("asn_line")
        .annotate(total=Sum("qty_damaged"))
        .values("total")
    )
    arrived = F("received_qty") + Coalesce(
        damaged, Value(ZERO), output_field=DecimalField(max_digits=18, decimal_places=6)
    )
    groups = list(
        AsnLine.objects.filter(shipment__status__in=OPEN, shipment__ship_to_id__in=warehouse_ids)
        .annotate(arrived=arrived)
        .filter(quantity_po_uom__gt=F("arrived"))
        .values(
            "shipment_id",
            "shipment__asn_number",
            "shipment__supplier__code",
            "shipment__status",
            "shipment__ship_to_id",
            "shipment__submitted_at",
            "shipment__delivered_at",
            "shipment__updated_at",
            "po_line__item_id",
            "po_line__uom_id",
        )
        .annotate(qty=Sum(F("quantity_po_uom") - F("arrived")))
        .order_by("shipment_id", "po_line__item_id")
    )
    items = Item.objects.select_related("base_uom").in_bulk({g["po_line__item_id"] for g in groups})
    units = UnitOfMeasure.objects.in_bulk({g["po_line__uom_id"] for g in groups})
    ratios = conversion_ratios_to_base(
        {(items[g["po_line__item_id"]], units[g["po_line__uom_id"]]) for g in groups}
    )
    totals: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    meta: dict[tuple[int, int], dict[str, Any]] = {}
    for group in groups:
        item = items[group["po_line__item_id"]]
        unit = units[group["po_line__uom_id"]]
        try:
            ratio = ratios[(item.pk, unit.pk)]
            if isinstance(ratio, DomainError):
                raise ratio
            base = convert_quantity(
                quantity=group["qty"], from_uom=unit, to_uom=item.base_uom, item=item, ratio=ratio
            )
        except DomainError as error:  # master data the portal lacks: left out, logged
            logger.warning("Open ASN %s leaves out %s: %s", group["shipment_id"], item.sku, error)
            continue
        key = (group["shipment_id"], item.pk)
        totals[key] += base
        meta[key] = group
    evidence = []
    for (_shipment_id, item_id), quantity in totals.items():
        group = meta[(_shipment_id, item_id)]
        since = (
            group["shipment__delivered_at"]
            or group["shipment__submitted_at"]
            or group["shipment__updated_at"]
        )
        evidence.append(
            InboundEvidence(
                item_id=item_id,
                warehouse_id=group["shipment__ship_to_id"],
                quantity=quantity,
                since=since,
                document_type="asn",
                document_ref=f"{group['shipment__supplier__code']}:{group['shipment__asn_number']}",
                status=group["shipment__status"],
            )
        )
    return evidence
