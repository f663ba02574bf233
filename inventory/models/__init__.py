"""Models of the inventory app, one module per concept; import them from here."""

from inventory.models.master import Item, UnitOfMeasure, UomConversion, Warehouse
from inventory.models.movements import InventoryMovement, LivePosition, MovementStream
from inventory.models.reconciliation import ReconciliationRun, ReconciliationSchedule
from inventory.models.snapshots import (
    InventorySnapshot,
    InventorySnapshotIssue,
    InventorySnapshotLine,
    snapshot_lines_partition,
)
from inventory.models.stock import ItemClassTolerance, StockMovement, StockPosition

__all__ = [
    "InventoryMovement",
    "InventorySnapshot",
    "InventorySnapshotIssue",
    "InventorySnapshotLine",
    "Item",
    "ItemClassTolerance",
    "LivePosition",
    "MovementStream",
    "ReconciliationRun",
    "ReconciliationSchedule",
    "StockMovement",
    "StockPosition",
    "UnitOfMeasure",
    "UomConversion",
    "Warehouse",
    "snapshot_lines_partition",
]
