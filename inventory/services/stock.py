"""Stock movements and the portal's side of stock positions."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record
from inventory.models import Item, StockMovement, StockPosition, Warehouse
from portal.access import Actor, actor_user

ZERO = Decimal(0)


def _position_for_update(*, item: Item, warehouse: Warehouse) -> StockPosition:
    StockPosition.objects.get_or_create(item=item, warehouse=warehouse)
    return StockPosition.objects.select_for_update().get(item=item, warehouse=warehouse)


@transaction.atomic
def stock_position_adjust(
    *,
    actor: Actor,
    item: Item,
    warehouse: Warehouse,
    allocated: Decimal = ZERO,
    inbound_open_po: Decimal = ZERO,
    inbound_in_transit: Decimal = ZERO,
    reason: str,
    channel: str = Channel.SYSTEM,
) -> StockPosition:
    """Add signed deltas (base unit) to the portal-maintained figures of a position: a
    manual adjustment. The supplier services do not call it: they recompute the inbound
    figures from the documents (`suppliers.services.inbound_positions`), so an adjustment
    of open PO or in transit lasts only until the next recompute of that position. A
    figure never goes below zero: a delta that would make it negative is clamped, as a
    negative "in transit" has no meaning.
    """
    position = _position_for_update(item=item, warehouse=warehouse)
    before = {
        "allocated": position.allocated,
        "inbound_open_po": position.inbound_open_po,
        "inbound_in_transit": position.inbound_in_transit,
    }
    position.allocated = max(position.allocated + allocated, ZERO)
    position.inbound_open_po = max(position.inbound_open_po + inbound_open_po, ZERO)
    position.inbound_in_transit = max(position.inbound_in_transit + inbound_in_transit, ZERO)
    position.save(
        update_fields=["allocated", "inbound_open_po", "inbound_in_transit", "updated_at"]
    )
    audit_record(
        actor=actor,
        channel=channel,
        obj=position,
        action=f"adjusted: {reason}"[:64],
        before=before,
        after={
            "allocated": position.allocated,
            "inbound_open_po": position.inbound_open_po,
            "inbound_in_transit": position.inbound_in_transit,
        },
    )
    return position


@transaction.atomic
def stock_movement_record(
    *,
    actor: Actor,
    item: Item,
    warehouse: Warehouse,
    kind: str,
    quantity: Decimal,
    occurred_at: datetime.datetime,
    document_type: str,
    document_ref: str,
    in_transit_delta: Decimal = ZERO,
    channel: str = Channel.SYSTEM,
) -> StockMovement:
    """Record what changed a position (a receipt, damaged goods, an adjustment) in the
    item's base unit, and move `in_transit_delta` off the position's in-transit figure
    in the same transaction. Reconciliation reads these movements to tell a difference
    that is still in flight from one that is not."""
    if kind not in StockMovement.Kind.values:
        raise DomainError(
            gettext("Unknown movement kind %(kind)s.") % {"kind": repr(kind)}, field="kind"
        )
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise DomainError(gettext("Quantity must be a number."), field="quantity")
    movement = StockMovement.objects.create(
        item=item,
        warehouse=warehouse,
        kind=kind,
        quantity=quantity,
        occurred_at=occurred_at,
        document_type=document_type,
        document_ref=document_ref[:100],
        created_by=actor_user(actor),
    )
    if in_transit_delta:
        position = _position_for_update(item=item, warehouse=warehouse)
        position.inbound_in_transit = max(position.inbound_in_transit + in_transit_delta, ZERO)
        position.save(update_fields=["inbound_in_transit", "updated_at"])
    audit_record(
        actor=actor,
        channel=channel,
        obj=movement,
        action="recorded",
        after={
            "item": item.sku,
            "warehouse": warehouse.code,
            "kind": kind,
            "quantity": quantity,
            "document": f"{document_type}:{document_ref}",
        },
    )
    return movement
