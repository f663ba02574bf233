"""Reads of the inventory app, one module per concept, re-exported here:
`from inventory import selectors`."""

from inventory.selectors.movements import live_positions
from inventory.selectors.stock import (
    active_warehouses,
    discrepancy_series,
    get_run,
    get_snapshot,
    item_by_sku,
    latest_snapshot,
    positions,
    recent_runs,
    snapshots,
)

__all__ = [
    "active_warehouses",
    "discrepancy_series",
    "get_run",
    "get_snapshot",
    "item_by_sku",
    "latest_snapshot",
    "live_positions",
    "positions",
    "recent_runs",
    "snapshots",
]
