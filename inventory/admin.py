from django.contrib import admin

from inventory.models import Item, UnitOfMeasure, UomConversion, Warehouse


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "decimal_places"]
    search_fields = ["code", "name"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["sku", "description", "base_uom", "item_class", "is_serialized", "is_active"]
    list_filter = ["is_active", "is_serialized", "item_class", "base_uom"]
    search_fields = ["sku", "description"]
    list_select_related = ["base_uom"]
    raw_id_fields = ["base_uom"]
    show_full_result_count = False


@admin.register(UomConversion)
class UomConversionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "item", "from_uom", "to_uom", "factor"]
    list_filter = ["from_uom", "to_uom"]
    search_fields = ["item__sku"]
    list_select_related = ["item", "from_uom", "to_uom"]
    raw_id_fields = ["item"]
    show_full_result_count = False


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "time_zone", "wms_connector", "is_active"]
    search_fields = ["code", "name"]
