from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.db.models import QuerySet
from django.http import HttpRequest
from import_export.admin import ImportExportModelAdmin, ImportMixin

from integrations.errors import DomainError
from integrations.models import Channel
from inventory.admin import PortalAdminImportExportMixin
from inventory.forms.service_admin import ServiceAdminMixin
from portal.access import Actor
from suppliers import services
from suppliers.models import (
    Acknowledgment,
    AutoAcceptRule,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierItem,
    SupplierMembership,
)
from suppliers.resources.purchase_orders import PurchaseOrderResource
from suppliers.resources.supplier_items import SupplierItemResource


class SupplierMembershipInline(admin.TabularInline):
    model = SupplierMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    """The onboarding case's status moves only through its services (the onboarding pages,
    and the suspend / reinstate actions here), never by editing the field."""

    list_display = ["code", "name", "status", "erp_vendor_id", "currency", "ack_sla_hours"]
    list_filter = ["status", "currency"]
    search_fields = ["code", "name", "erp_vendor_id"]
    # The SSCC counter only moves forward through sscc_allocate: an SSCC is never reused.
    readonly_fields = ["status", "sscc_last_serial"]
    inlines = [SupplierMembershipInline]
    actions = ["suspend", "reinstate"]

    def _each(self, request: HttpRequest, queryset: QuerySet[Supplier], change, done: str) -> None:
        moved = 0
        for supplier in queryset.order_by("pk"):
            try:
                change(supplier)
                moved += 1
            except DomainError as error:
                self.message_user(request, f"{supplier.code}: {error.message}", messages.ERROR)
        if moved:
            self.message_user(request, f"{moved} supplier(s) {done}.", messages.SUCCESS)

    @admin.action(description="Suspend the selected active suppliers")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Supplier]) -> None:
        reason = f"Suspended by {request.user} in the admin."
        self._each(
            request,
            queryset,
            lambda s: services.supplier_suspend(actor=request.user, supplier=s, reason=reason),
            "suspended",
        )

    @admin.action(description="Reinstate the selected suspended suppliers")
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Supplier]) -> None:
        self._each(
            request,
            queryset,
            lambda s: services.supplier_reinstate(actor=request.user, supplier=s),
            "reinstated",
        )


@admin.register(SupplierMembership)
class SupplierMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "supplier", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "supplier__code", "supplier__name"]
    list_select_related = ["user", "supplier"]
    raw_id_fields = ["user", "supplier"]


@admin.register(SupplierItem)
class SupplierItemAdmin(
    ServiceAdminMixin[SupplierItem], PortalAdminImportExportMixin, ImportExportModelAdmin
):
    """Supplier items are added and changed by `services.supplier_item_create` /
    `supplier_item_update` (audited, with their rules on the form). The supplier and item
    are fixed once added: availability posted for the entry is about that item."""

    resource_classes = [SupplierItemResource]
    list_display = ["supplier_sku", "supplier", "item", "uom", "lead_time_days", "is_active"]
    list_filter = ["is_active", "uom"]
    search_fields = ["supplier_sku", "item__sku", "supplier__code"]
    list_select_related = ["supplier", "item", "uom"]
    raw_id_fields = ["supplier", "item"]
    show_full_result_count = False
    service_add_fields = ("supplier", "item", "supplier_sku", "uom", "lead_time_days")
    service_change_fields = (*service_add_fields, "is_active")

    def get_readonly_fields(
        self, request: HttpRequest, obj: SupplierItem | None = None
    ) -> list[str]:
        return ["supplier", "item"] if obj is not None else []

    def save_through_service(
        self, *, actor: Actor, current: SupplierItem | None, data: dict[str, Any]
    ) -> SupplierItem:
        values = {name: data[name] for name in ("supplier_sku", "uom", "lead_time_days")}
        if current is None:
            return services.supplier_item_create(
                actor=actor,
                supplier=data["supplier"],
                item=data["item"],
                channel=Channel.PORTAL,
                **values,
            )
        return services.supplier_item_update(
            actor=actor,
            supplier_item=current,
            is_active=data["is_active"],
            channel=Channel.PORTAL,
            **values,
        )


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0
    raw_id_fields = ["item"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(PortalAdminImportExportMixin, ImportMixin, admin.ModelAdmin):
    """Import only: a file of PO lines goes through `purchase_order_create`, one PO at a
    time (see `PurchaseOrderResource`); POs leave the portal through connectors, not here."""

    resource_classes = [PurchaseOrderResource]
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

    def generate_log_entries(self, result, request) -> None:
        # One admin log entry per created PO, not one per imported line.
        if self.get_skip_admin_log():
            return
        created = {row.instance.pk: row.instance for row in result.valid_rows() if row.instance}
        if created:
            # django-stubs overloads `single_object` on the literals True and False only.
            LogEntry.objects.log_actions(  # type: ignore[call-overload]
                request.user.pk,
                list(created.values()),
                ADDITION,
                change_message="Imported from a file",
                single_object=len(created) == 1,
            )


@admin.register(AutoAcceptRule)
class AutoAcceptRuleAdmin(admin.ModelAdmin):
    """Buyers' configuration of which change proposals skip review (see AutoAcceptRule)."""

    list_display = ["supplier", "is_enabled", "max_date_shift_days", "max_qty_change_pct"]
    list_filter = ["is_enabled"]
    search_fields = ["supplier__code", "supplier__name"]
    list_select_related = ["supplier"]
    raw_id_fields = ["supplier"]


@admin.register(Acknowledgment)
class AcknowledgmentAdmin(admin.ModelAdmin):
    """Read-only: acknowledgments change only through the services (audit + event)."""

    list_display = ["purchase_order", "revision", "kind", "status", "submitted_at", "decided_at"]
    list_filter = ["kind", "status", "channel"]
    search_fields = ["purchase_order__number", "purchase_order__supplier__code"]
    list_select_related = ["purchase_order"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Onboarding: the list of document types suppliers provide is configured here.
from suppliers.models import DocumentType  # noqa: E402


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "required", "expires", "is_active", "sort_order"]
    list_editable = ["required", "expires", "is_active", "sort_order"]
    prepopulated_fields = {"code": ["name"]}


# EDI X12 (issue 10): trading partners are configured here; invoices are read-only.
from suppliers.models import Invoice, InvoiceLine, TradingPartner  # noqa: E402


@admin.register(TradingPartner)
class TradingPartnerAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "supplier",
        "isa_qualifier",
        "isa_id",
        "gs_id",
        "versions_accepted",
        "usage",
        "is_active",
    ]
    list_filter = ["is_active", "usage"]
    search_fields = ["code", "isa_id", "gs_id", "supplier__code", "supplier__name"]
    list_select_related = ["supplier"]
    raw_id_fields = ["supplier"]
    fieldsets = [
        (None, {"fields": ["supplier", "code", "is_active", "usage"]}),
        (
            "Partner ids (ISA05/06, GS02 of their files)",
            {"fields": ["isa_qualifier", "isa_id", "gs_id"]},
        ),
        (
            "Our ids as this partner knows us (ISA07/08, GS03)",
            {"fields": ["our_isa_qualifier", "our_isa_id", "our_gs_id"]},
        ),
        ("Versions", {"fields": ["versions_accepted", "outbound_version"]}),
        (
            "Mapping profile",
            {
                "fields": [
                    "po_number_qualifier",
                    "supplier_item_qualifier",
                    "buyer_item_qualifier",
                    "upc_qualifier",
                    "uom_map",
                    "upc_map",
                ]
            },
        ),
        ("Folders", {"fields": ["inbound_folder", "outbound_folder"]}),
    ]


_INVOICE_LINE_FIELDS = ("line_no", "po_line", "supplier_sku", "quantity", "uom_code", "unit_price")


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    fields = _INVOICE_LINE_FIELDS
    readonly_fields = _INVOICE_LINE_FIELDS
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    """Read-only: invoices arrive through `invoice_submit` (page, API, EDI 810) with audit
    and events; their status changes only through the INVOICE table."""

    list_display = [
        "number",
        "status",
        "supplier",
        "purchase_order",
        "invoice_date",
        "total_amount",
        "currency",
        "channel",
        "received_at",
    ]
    list_filter = ["status", "kind", "channel", "currency"]
    search_fields = ["number", "supplier__code", "purchase_order__number"]
    list_select_related = ["supplier", "purchase_order"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    inlines = [InvoiceLineInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# Invoicing terms (issue 19): per supplier, what an invoice is matched against and how far
# it may differ. Plain configuration rows: no status, no event.
from suppliers.models import InvoicingTerms  # noqa: E402


@admin.register(InvoicingTerms)
class InvoicingTermsAdmin(admin.ModelAdmin):
    list_display = [
        "supplier",
        "basis",
        "qty_tolerance_pct",
        "price_tolerance_pct",
        "amount_tolerance",
        "price_editable",
    ]
    list_select_related = ["supplier"]
    search_fields = ["supplier__code", "supplier__name"]
    autocomplete_fields = ["supplier"]


from suppliers.models import InvoiceTolerance  # noqa: E402


@admin.register(InvoiceTolerance)
class InvoiceToleranceAdmin(admin.ModelAdmin):
    """Tolerances per item class, for one supplier or (supplier empty) for all; the
    supplier's row for a class comes before the class's row for all, and both before the
    supplier's invoicing terms. Each invoice line shows which one it was matched with."""

    list_display = [
        "item_class",
        "supplier",
        "qty_tolerance_pct",
        "price_tolerance_pct",
        "amount_tolerance",
        "updated_at",
    ]
    list_filter = ["item_class"]
    list_select_related = ["supplier"]
    search_fields = ["item_class", "supplier__code", "supplier__name"]
    autocomplete_fields = ["supplier"]
