"""Writes and rules of the inventory app, one module per concept, re-exported here so
callers keep writing `from inventory.services import convert_quantity`."""

from inventory.services.items import item_create, item_update, item_upsert
from inventory.services.movements import (
    MovementBatchResult,
    MovementInput,
    movements_ingest,
    movements_release_gaps,
)
from inventory.services.stock import stock_movement_record, stock_position_adjust
from inventory.services.uom import (
    conversion_ratio,
    conversion_ratios_to_base,
    convert_quantity,
    unit_of_measure,
)

__all__ = [
    "MovementBatchResult",
    "MovementInput",
    "conversion_ratio",
    "conversion_ratios_to_base",
    "convert_quantity",
    "item_create",
    "item_update",
    "item_upsert",
    "movements_ingest",
    "movements_release_gaps",
    "stock_movement_record",
    "stock_position_adjust",
    "unit_of_measure",
]
