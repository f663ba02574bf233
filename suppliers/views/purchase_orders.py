"""HTMX pages for purchase orders: the supplier's own, and the buyer's across suppliers."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from integrations.selectors import audit_entries_for
from portal.access import buyer_required, supplier_required
from suppliers import selectors
from suppliers import selectors_acknowledgments as ack_selectors
from suppliers.models import PurchaseOrder
from suppliers.views.acknowledgments import acknowledgment_context


def _page(request: HttpRequest, queryset):
    paginator = Paginator(queryset, settings.PORTAL_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def _list_filters(request: HttpRequest) -> dict:
    status = request.GET.get("status", "")
    if status not in PurchaseOrder.Status.values:
        status = ""
    return {"status": status, "q": request.GET.get("q", "").strip()[:60]}


def _render_list(request: HttpRequest, context: dict) -> HttpResponse:
    template = "suppliers/po_list.html"
    if request.htmx and request.htmx.target == "po-results":
        template += "#results"
    return render(request, template, context)


@supplier_required
def supplier_po_list(request: HttpRequest) -> HttpResponse:
    supplier = selectors.supplier_for_user(request.user)
    filters = _list_filters(request)
    queryset = selectors.purchase_orders_for_supplier(supplier=supplier, **filters)
    now = timezone.now()
    # The inbox: counters of what to act on, and "overdue" as a filter of its own.
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        queryset = ack_selectors.only_overdue(queryset, now=now)
    context = {
        "counters": ack_selectors.supplier_inbox_counters(supplier=supplier, now=now),
        "overdue": overdue,
        "page": _page(request, queryset),
        "filters": filters,
        "statuses": PurchaseOrder.Status.choices,
        "supplier": supplier,
        "detail_url_name": "suppliers:po_detail",
        "show_supplier": False,
    }
    return _render_list(request, context)


@buyer_required
def buyer_po_list(request: HttpRequest) -> HttpResponse:
    filters = _list_filters(request)
    supplier_code = request.GET.get("supplier", "").strip()
    queryset = selectors.purchase_orders_for_buyer(supplier_code=supplier_code, **filters)
    context = {
        "page": _page(request, queryset),
        "filters": {**filters, "supplier": supplier_code},
        "statuses": PurchaseOrder.Status.choices,
        "suppliers": selectors.suppliers_for_filter(),
        "detail_url_name": "buyer:po_detail",
        "show_supplier": True,
    }
    return _render_list(request, context)


def _render_detail(
    request: HttpRequest,
    purchase_order: PurchaseOrder,
    back_url_name: str,
    extra: dict | None = None,
) -> HttpResponse:
    timeline = list(audit_entries_for(purchase_order)[:50])
    context = {
        "po": purchase_order,
        "lines": selectors.purchase_order_lines(purchase_order=purchase_order),
        "timeline": timeline,
        "back_url_name": back_url_name,
        **acknowledgment_context(
            purchase_order,
            supplier_side=back_url_name.startswith("suppliers:"),
            timeline=timeline,
        ),
        **(extra or {}),
    }
    return render(request, "suppliers/po_detail.html", context)


def render_supplier_detail(
    request: HttpRequest, purchase_order: PurchaseOrder, extra: dict | None = None
) -> HttpResponse:
    """The supplier's PO page, e.g. again with a failed acknowledgment form's errors."""
    return _render_detail(request, purchase_order, "suppliers:po_list", extra)


@supplier_required
def supplier_po_detail(request: HttpRequest, number: str) -> HttpResponse:
    purchase_order = selectors.get_purchase_order_for_supplier(
        supplier=selectors.supplier_for_user(request.user), number=number
    )
    return render_supplier_detail(request, purchase_order)


@buyer_required
def buyer_po_detail(request: HttpRequest, number: str) -> HttpResponse:
    purchase_order = selectors.get_purchase_order_for_buyer(number=number)
    return _render_detail(request, purchase_order, "buyer:po_list")
