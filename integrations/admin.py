from django.contrib import admin

from integrations.models import ApiRequestLog, AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "object_type", "object_repr", "action", "actor_label", "channel"]
    list_filter = ["channel", "object_type", "action"]
    search_fields = ["object_id", "object_repr", "correlation_id", "actor_label"]
    list_select_related = ["actor"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# EDI X12 traffic (issue 10): read-only; operators work from the EDI message viewer, which
# reprocesses through the channel, never by editing these rows.
from integrations.models import EdiControlNumber, EdiInterchange, EdiTransactionSet  # noqa: E402


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class EdiTransactionSetInline(admin.TabularInline):
    model = EdiTransactionSet
    extra = 0
    fields = ["sequence", "set_id", "control_number", "functional_id", "version", "status"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EdiInterchange)
class EdiInterchangeAdmin(_ReadOnlyAdmin):
    list_display = [
        "created_at",
        "direction",
        "partner_code",
        "control_number",
        "document_kind",
        "status",
        "file_name",
    ]
    list_filter = ["direction", "status", "document_kind", "usage"]
    search_fields = ["partner_code", "control_number", "sender_id", "file_name", "document_ref"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = ["duplicate_of", "acknowledgment"]
    inlines = [EdiTransactionSetInline]


@admin.register(EdiTransactionSet)
class EdiTransactionSetAdmin(_ReadOnlyAdmin):
    list_display = ["interchange", "sequence", "set_id", "control_number", "status"]
    list_filter = ["set_id", "status"]
    search_fields = ["control_number", "interchange__partner_code", "interchange__control_number"]
    list_select_related = ["interchange"]
    show_full_result_count = False


@admin.register(EdiControlNumber)
class EdiControlNumberAdmin(_ReadOnlyAdmin):
    """Read-only: a hand-edited counter could send a partner the same ISA13 twice."""

    list_display = ["scope", "last_value"]
    search_fields = ["scope"]


# --- exceptions inbox (issue 6): policies and team addresses are admin-editable ---------

from integrations.models import ExceptionCase, ExceptionPolicy, TeamContact  # noqa: E402


@admin.register(ExceptionPolicy)
class ExceptionPolicyAdmin(admin.ModelAdmin):
    list_display = ["exception_class", "owner_team", "severity", "sla_hours"]


@admin.register(TeamContact)
class TeamContactAdmin(admin.ModelAdmin):
    list_display = ["team", "email"]


@admin.register(ExceptionCase)
class ExceptionCaseAdmin(admin.ModelAdmin):
    """Read-mostly: cases change through the inbox services (audit + events)."""

    list_display = ["id", "exception_class", "subject_key", "status", "owner_team", "sla_due_at"]
    list_filter = ["exception_class", "status", "owner_team"]
    search_fields = ["subject_key", "sku", "document_ref"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(admin.ModelAdmin):
    list_display = ["at", "method", "path", "status_code", "key_label", "request_id", "duration_ms"]
    list_filter = ["method", "status_code"]
    search_fields = ["path", "request_id", "key_label"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
