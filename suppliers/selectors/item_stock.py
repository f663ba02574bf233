"""What a supplier sees of the stock of one item it supplies (issue 22): the goods it is
to deliver (its own confirmed deliveries and ASNs only) and the returns to vendor made
against its own POs or ASN lines, never another supplier's of the same item."""

from dataclasses import dataclass

from django.db.models import QuerySet

from inventory.models import InventoryMovement
from inventory.selectors.atp import ScheduledInbound, scheduled_inbound, supplier_returns
from suppliers.models import PurchaseOrder, Supplier, SupplierItem


@dataclass
class SupplierItemStock:
    supplier_item: SupplierItem
    inbound: list[ScheduledInbound]
    returns: QuerySet[InventoryMovement]


def supplier_item_stock(*, supplier: Supplier, supplier_item: SupplierItem) -> SupplierItemStock:
    """The caller has checked that `supplier_item` is the supplier's."""
    item_ids = [supplier_item.item_id]
    po_numbers = list(
        PurchaseOrder.objects.filter(supplier=supplier, lines__item_id__in=item_ids)
        .values_list("number", flat=True)
        .distinct()
    )
    return SupplierItemStock(
        supplier_item=supplier_item,
        inbound=scheduled_inbound(item_ids=item_ids, supplier_id=supplier.pk),
        returns=supplier_returns(
            item_ids=item_ids, po_numbers=po_numbers, supplier_code=supplier.code
        ),
    )
