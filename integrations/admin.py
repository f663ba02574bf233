from typing import TYPE_CHECKING, Generic, TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from integrations.models import ApiRequestLog, AuditEntry

_M = TypeVar("_M", bound=Model)
_P = TypeVar("_P", bound=Model)

if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin
    _TabularInline = admin.TabularInline
else:
    # Django's admin classes are generic only in django-stubs; at run time the type
    # parameter must be accepted and dropped (what django_stubs_ext.monkeypatch does).
    class _ModelAdmin(admin.ModelAdmin, Generic[_M]):
        pass

    class _TabularInline(admin.TabularInline, Generic[_M, _P]):
        pass


@admin.register(AuditEntry)
class AuditEntryAdmin(_ModelAdmin[AuditEntry]):
    list_display = ["occurred_at", "object_type", "object_repr", "action", "actor_label", "channel"]
    list_filter = ["channel", "object_type", "action"]
    search_fields = ["object_id", "object_repr", "correlation_id", "actor_label"]
    list_select_related = ["actor"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False


# EDI X12 traffic (issue 10): read-only; operators work from the EDI message viewer, which
# reprocesses through the channel, never by editing these rows.
from integrations.models import EdiControlNumber, EdiInterchange, EdiTransactionSet  # noqa: E402


class _ReadOnlyAdmin(_ModelAdmin[_M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False


_TRANSACTION_SET_FIELDS = (
    "sequence",
    "set_id",
    "control_number",
    "functional_id",
    "version",
    "status",
)


class EdiTransactionSetInline(_TabularInline[EdiTransactionSet, EdiInterchange]):
    model = EdiTransactionSet
    extra = 0
    fields = _TRANSACTION_SET_FIELDS
    readonly_fields = _TRANSACTION_SET_FIELDS
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: EdiInterchange | None = None) -> bool:
        return False

    # An inline's `obj` is the parent (django-stubs says so on InlineModelAdmin, but still
    # checks the override against BaseModelAdmin's child-model signature).
    def has_change_permission(  # type: ignore[override]
        self, request: HttpRequest, obj: EdiInterchange | None = None
    ) -> bool:
        return False


@admin.register(EdiInterchange)
class EdiInterchangeAdmin(_ReadOnlyAdmin[EdiInterchange]):
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
class EdiTransactionSetAdmin(_ReadOnlyAdmin[EdiTransactionSet]):
    list_display = ["interchange", "sequence", "set_id", "control_number", "status"]
    list_filter = ["set_id", "status"]
    search_fields = ["control_number", "interchange__partner_code", "interchange__control_number"]
    list_select_related = ["interchange"]
    show_full_result_count = False


@admin.register(EdiControlNumber)
class EdiControlNumberAdmin(_ReadOnlyAdmin[EdiControlNumber]):
    """Read-only: a hand-edited counter could send a partner the same ISA13 twice."""

    list_display = ["scope", "last_value"]
    search_fields = ["scope"]


# --- exceptions inbox (issue 6): policies and team addresses are admin-editable ---------

from integrations.models import ExceptionCase, ExceptionPolicy, TeamContact  # noqa: E402


@admin.register(ExceptionPolicy)
class ExceptionPolicyAdmin(_ModelAdmin[ExceptionPolicy]):
    list_display = ["exception_class", "owner_team", "severity", "sla_hours"]


@admin.register(TeamContact)
class TeamContactAdmin(_ModelAdmin[TeamContact]):
    list_display = ["team", "email"]


@admin.register(ExceptionCase)
class ExceptionCaseAdmin(_ModelAdmin[ExceptionCase]):
    """Read-mostly: cases change through the inbox services (audit + events)."""

    list_display = ["id", "exception_class", "subject_key", "status", "owner_team", "sla_due_at"]
    list_filter = ["exception_class", "status", "owner_team"]
    search_fields = ["subject_key", "sku", "document_ref"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ExceptionCase | None = None) -> bool:
        return False


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(_ModelAdmin[ApiRequestLog]):
    list_display = ["at", "method", "path", "status_code", "key_label", "request_id", "duration_ms"]
    list_filter = ["method", "status_code"]
    search_fields = ["path", "request_id", "key_label"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiRequestLog | None = None) -> bool:
        return False
