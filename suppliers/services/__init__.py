"""Writes of the suppliers app, one module per concept, all re-exported here so callers
write `from suppliers import services` and `services.purchase_order_create(...)`."""

from suppliers.services.purchase_orders import PurchaseOrderLineInput, purchase_order_create

__all__ = ["PurchaseOrderLineInput", "purchase_order_create"]
