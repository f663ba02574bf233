"""Audit pages: the history of a supplier and everything that belongs to it (admins), and
of any one object (internal staff) — who, when, what changed, through which channel."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.access import Role, admin_required, role_required
from suppliers import selectors

internal_required = role_required(Role.BUYER, Role.INTEGRATION_OPERATOR, Role.PORTAL_ADMIN)


def _changes(entry) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field the entry touched."""
    names = list(dict.fromkeys([*entry.before.keys(), *entry.after.keys()]))
    return [(name, entry.before.get(name, ""), entry.after.get(name, "")) for name in names]


def _page(request: HttpRequest, queryset):
    page = Paginator(queryset, settings.PORTAL_PAGE_SIZE * 2).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.changes = _changes(entry)
    return page


@require_GET
@admin_required
def supplier_audit(request: HttpRequest, code: str) -> HttpResponse:
    supplier = selectors.get_supplier_by_code(code=code)
    queryset = selectors.audit_entries_for_supplier(supplier=supplier)
    return render(
        request,
        "portal/audit.html",
        {
            "title": f"Audit trail of {supplier.code} {supplier.name}",
            "page": _page(request, queryset),
            "supplier": supplier,
            "show_object": True,
        },
    )


@require_GET
@internal_required
def object_audit(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    queryset = selectors.audit_entries_for_object(object_type=object_type, object_id=object_id)
    page = _page(request, queryset)
    label = page.object_list[0].object_repr if page.object_list else f"{object_type} {object_id}"
    return render(
        request,
        "portal/audit.html",
        {"title": f"Audit trail of {label}", "page": page, "show_object": False},
    )
