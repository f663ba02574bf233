from django.contrib import admin

from suppliers.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierItem,
    SupplierMembership,
)


class SupplierMembershipInline(admin.TabularInline):
    model = SupplierMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "status", "erp_vendor_id", "currency", "ack_sla_hours"]
    list_filter = ["status", "currency"]
    search_fields = ["code", "name", "erp_vendor_id"]
    inlines = [SupplierMembershipInline]


@admin.register(SupplierMembership)
class SupplierMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "supplier", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "supplier__code", "supplier__name"]
    list_select_related = ["user", "supplier"]
    raw_id_fields = ["user", "supplier"]


@admin.register(SupplierItem)
class SupplierItemAdmin(admin.ModelAdmin):
    list_display = ["supplier_sku", "supplier", "item", "uom", "lead_time_days", "is_active"]
    list_filter = ["is_active", "uom"]
    search_fields = ["supplier_sku", "item__sku", "supplier__code"]
    list_select_related = ["supplier", "item", "uom"]
    raw_id_fields = ["supplier", "item"]
    show_full_result_count = False


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0
    raw_id_fields = ["item"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "supplier",
        "ship_to",
        "status",
        "revision",
        "issued_at",
        "ack_due_at",
    ]
    list_filter = ["status", "ship_to", "source_channel"]
    search_fields = ["number", "supplier__code", "erp_id"]
    list_select_related = ["supplier", "ship_to"]
    raw_id_fields = ["supplier", "buyer"]
    date_hierarchy = "issued_at"
    show_full_result_count = False
    inlines = [PurchaseOrderLineInline]
