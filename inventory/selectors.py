from django.db.models import QuerySet

from inventory.models import Item, Warehouse


def active_warehouses() -> QuerySet[Warehouse]:
    return Warehouse.objects.filter(is_active=True)


def item_by_sku(sku: str) -> Item | None:
    return Item.objects.select_related("base_uom").filter(sku=sku).first()
