"""The canonical 850 payload for a PO event of an EDI supplier (None for the others)."""

from __future__ import annotations

from integrations.edi.registry import PartnerProfile, PurchaseOrder850, PurchaseOrderLine850
from suppliers.edi.partners import profile_of
from suppliers.models import PurchaseOrder, SupplierItem, TradingPartner


def purchase_order_850(envelope: dict) -> tuple[PartnerProfile, PurchaseOrder850] | None:
    number = envelope["data"].get("number") or envelope["aggregate"]["id"]
    purchase_order = (
        PurchaseOrder.objects.select_related("supplier", "ship_to").filter(number=number).first()
    )
    if purchase_order is None:
        return None
    partner = (
        TradingPartner.objects.select_related("supplier")
        .filter(supplier_id=purchase_order.supplier_id, is_active=True)
        .first()
    )
    if partner is None:
        return None
    lines = list(
        purchase_order.lines.select_related("item", "uom")
        .prefetch_related("schedule_lines")
        .order_by("line_no")
    )
    skus = dict(
        SupplierItem.objects.filter(
            supplier_id=purchase_order.supplier_id, item_id__in=[line.item_id for line in lines]
        ).values_list("item_id", "supplier_sku")
    )
    # Our unit codes → the partner's (the inverse of its inbound map).
    to_partner = {ours: theirs for theirs, ours in partner.uom_map.items()}
    upcs = {sku: upc for upc, sku in partner.upc_map.items()}
    return profile_of(partner), PurchaseOrder850(
        number=purchase_order.number,
        revision=purchase_order.revision,
        order_date=purchase_order.issued_at.date(),
        currency=purchase_order.currency,
        ship_to_code=purchase_order.ship_to.code,
        ship_to_name=purchase_order.ship_to.name,
        supplier_item_qualifier=partner.supplier_item_qualifier,
        buyer_item_qualifier=partner.buyer_item_qualifier,
        upc_qualifier=partner.upc_qualifier,
        lines=tuple(
            PurchaseOrderLine850(
                line_no=line.line_no,
                # After a revision the confirmed figures are what was agreed.
                quantity=line.confirmed_qty if line.confirmed_qty is not None else line.ordered_qty,
                uom=to_partner.get(line.uom.code, line.uom.code),
                unit_price=line.confirmed_price
                if line.confirmed_price is not None
                else line.unit_price,
                requested_date=line.confirmed_date or line.requested_date,
                buyer_item=line.item.sku,
                supplier_item=skus.get(line.item_id, ""),
                upc=upcs.get(line.item.sku, ""),
                description=line.item.description,
                # What the supplier confirmed, delivery by delivery, in date order.
                schedule=tuple(
                    (s.quantity, s.date)
                    for s in sorted(line.schedule_lines.all(), key=lambda s: (s.date, s.position))
                ),
            )
            for line in lines
        ),
    )
