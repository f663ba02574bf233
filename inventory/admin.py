from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.spreadsheets import SafeCSV, SafeXLSX
from inventory.forms.service_admin import ServiceAdminMixin
from inventory.models import (
    InventorySnapshot,
    Item,
    ItemClassTolerance,
    ReconciliationSchedule,
    UnitOfMeasure,
    UomConversion,
    Warehouse,
)
from inventory.resources.items import ItemResource
from inventory.services import item_create, item_update
from inventory.services.positions_source import warehouse_positions_source_set
from portal.access import Actor, Role, has_role

if TYPE_CHECKING:
    # What the mixin is mixed into: import-export's ImportMixin and a ModelAdmin.
    from import_export.admin import ImportMixin as _ImportAdmin
else:
    _ImportAdmin = object


class PortalAdminImportExportMixin(_ImportAdmin):
    """Bulk loading in CSV or XLSX, for portal admins only.

    import-export lets any staff user import when no permission code is configured;
    loading master data and POs is the portal admin's job (DESIGN §3), so the role decides.
    """

    # Read by integrations.spreadsheets: the same size and zip-bomb checks as every upload.
    import_formats = [SafeCSV, SafeXLSX]
    export_formats = [base_formats.CSV, base_formats.XLSX]

    def add_data_read_fail_error_to_form(self, form: forms.Form, e: Exception) -> None:
        # The shared reader's refusals (a zip bomb, too many rows) say what to fix.
        if isinstance(e, DomainError):
            form.add_error("import_file", e.message)
            return
        super().add_data_read_fail_error_to_form(form, e)

    def has_import_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.PORTAL_ADMIN)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.PORTAL_ADMIN) or self.has_view_permission(request)


@admin.register(UnitOfMeasure)
class UnitOfMeasureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "decimal_places"]
    search_fields = ["code", "name"]


@admin.register(Item)
class ItemAdmin(ServiceAdminMixin[Item], PortalAdminImportExportMixin, ImportExportModelAdmin):
    """Items are added and changed by `item_create` / `item_update` (audited, with their
    rules on the form); a changed SKU renames the item."""

    resource_classes = [ItemResource]
    list_display = ["sku", "description", "base_uom", "item_class", "is_serialized", "is_active"]
    list_filter = ["is_active", "is_serialized", "item_class", "base_uom"]
    search_fields = ["sku", "description"]
    list_select_related = ["base_uom"]
    raw_id_fields = ["base_uom"]
    show_full_result_count = False
    # Items are created active; erp_id is the ERP's to set, not the admin form's.
    service_add_fields = ("sku", "description", "base_uom", "item_class", "is_serialized")
    service_change_fields = (*service_add_fields, "is_active")
    readonly_fields = ["erp_id"]

    def save_through_service(
        self, *, actor: Actor, current: Item | None, data: dict[str, Any]
    ) -> Item:
        values = {name: data[name] for name in self.service_add_fields}
        if current is None:
            return item_create(actor=actor, channel=Channel.PORTAL, **values)
        return item_update(
            actor=actor,
            item=current,
            is_active=data["is_active"],
            channel=Channel.PORTAL,
            **values,
        )


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
    list_display = [
        "code",
        "name",
        "time_zone",
        "wms_connector",
        "positions_source",
        "in_flight_window_hours",
        "is_active",
    ]
    list_filter = ["positions_source", "is_active"]
    search_fields = ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Warehouse, form: Any, change: bool) -> None:
        """The source of record goes through its service, which recomputes the
        warehouse's positions when the family they follow changes (a new WMS connector
        moves an automatic warehouse to its WMS too)."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        stored = Warehouse.objects.get(pk=obj.pk)
        wanted = obj.positions_source
        obj.positions_source = stored.positions_source
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            warehouse_positions_source_set(
                actor=request.user,
                warehouse=obj,
                positions_source=wanted,
                family_before=stored.positions_family,
            )


# --- stock, snapshots and reconciliation (issue 6) -------------------------------------


@admin.register(ItemClassTolerance)
class ItemClassToleranceAdmin(admin.ModelAdmin):
    list_display = ["item_class", "absolute", "percent"]


@admin.register(ReconciliationSchedule)
class ReconciliationScheduleAdmin(admin.ModelAdmin):
    """The nightly reconciliation's time: one row, edited by an admin."""

    list_display = ["__str__", "enabled", "run_at", "last_run_on"]


@admin.register(InventorySnapshot)
class InventorySnapshotAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "source",
        "warehouse",
        "taken_at",
        "status",
        "rows_loaded",
        "rows_rejected",
    ]
    list_filter = ["source", "status", "warehouse"]
    exclude = ["errors"]
    readonly_fields = ["checksum", "rows_total", "rows_loaded", "rows_rejected", "error_counts"]
    show_full_result_count = False
