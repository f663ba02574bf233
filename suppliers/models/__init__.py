"""Models of the suppliers app, one module per concept; import them from here."""

from suppliers.models.purchase_orders import PurchaseOrder, PurchaseOrderLine
from suppliers.models.suppliers import Supplier, SupplierItem, SupplierMembership

__all__ = [
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Supplier",
    "SupplierItem",
    "SupplierMembership",
]
