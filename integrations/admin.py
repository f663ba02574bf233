from django.contrib import admin

from integrations.models import AuditEntry


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
