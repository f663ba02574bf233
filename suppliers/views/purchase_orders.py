"""HTMX pages for purchase orders: the supplier's own, and the buyer's across suppliers."""

import csv

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from portal.access import HtmxHttpRequest, buyer_required, supplier_required
from suppliers import selectors
from suppliers.models import PurchaseOrder
from suppliers.resources.purchase_orders import purchase_order_export_rows
from suppliers.views.purchase_order_detail import render_detail, render_supplier_detail


class _CountedPaginator(Paginator):
    """A paginator given its total instead of running COUNT(*) for it."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _page(request: HttpRequest, queryset, *, count: int | None = None):
    if count is None:
        paginator = Paginator(queryset, settings.PORTAL_PAGE_SIZE)
    else:
        paginator = _CountedPaginator(queryset, settings.PORTAL_PAGE_SIZE, count=count)
    return paginator.get_page(request.GET.get("page"))


def _detail_url_prefix(url_name: str) -> str:
    """The detail URL without its PO number: rows append the number, one reverse() per
    page instead of one per row."""
    return reverse(url_name, args=["0"]).removesuffix("0/")


# What the list's columns show: loading only these halves the cost of building the rows.
_LIST_COLUMNS = (
    "number",
    "status",
    "issued_at",
    "ack_due_at",
    "revision",
    "ship_to__code",
    "currency",
)


def _list_filters(request: HttpRequest) -> dict:
    status = request.GET.get("status", "")
    if status not in PurchaseOrder.Status.values:
        status = ""
    return {"status": status, "q": request.GET.get("q", "").strip()[:60]}


_STATUS_LABELS = dict(PurchaseOrder.Status.choices)


def _label_rows(page) -> None:
    """Give each listed PO its status label and dates as text. The busiest page of the
    portal: formatting 25 rows here costs a fraction of `get_status_display` and the
    `date` filter per cell (each re-flattens choices or re-parses its format)."""
    # Totals in the PO currency for the whole page in one query.
    totals = selectors.purchase_order_totals(page.object_list)
    for po in page.object_list:
        po.total_amount = totals[po.pk]
        po.status_label = _STATUS_LABELS.get(po.status, po.status)
        po.issued_on = timezone.localtime(po.issued_at).strftime("%Y-%m-%d")
        po.ack_due_label = (
            timezone.localtime(po.ack_due_at).strftime("%Y-%m-%d %H:%M")
            if po.ack_due_at is not None
            else "—"
        )


def _render_list(request: HtmxHttpRequest, context: dict) -> HttpResponse:
    _label_rows(context["page"])
    template = "suppliers/po_list.html"
    if request.htmx and request.htmx.target == "po-results":
        template += "#results"
    return render(request, template, context)


@supplier_required
def supplier_po_list(request: HtmxHttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    filters = _list_filters(request)
    queryset = selectors.purchase_orders_for_supplier(supplier=supplier, **filters).only(
        *_LIST_COLUMNS
    )
    now = timezone.now()
    # The inbox: a counter per queue, each opening its queue's list (`?queue=`, the same
    # selector filter the counter counts); `?overdue=1` is the old link to one of them.
    queue = "overdue" if request.GET.get("overdue") == "1" else request.GET.get("queue", "")
    if queue not in selectors.INBOX_QUEUES:
        queue = ""
    if queue:
        queryset = selectors.inbox_queue(queryset, queue=queue, now=now)
    inbox = selectors.supplier_inbox(supplier=supplier, now=now)
    # The inbox has counted what the list shows unless a search narrows it: no COUNT(*).
    count = None
    if not filters["q"]:
        if queue:
            count = inbox.queues[queue] if not filters["status"] else None
        elif filters["status"]:
            count = inbox.by_status.get(filters["status"], 0)
        else:
            count = inbox.total
    context = {
        "counters": inbox.counters,
        "queue": queue,
        "queue_label": selectors.INBOX_QUEUES.get(queue, ""),
        "overdue": queue == "overdue",
        "page": _page(request, queryset, count=count),
        "filters": filters,
        "statuses": PurchaseOrder.Status.choices,
        "supplier": supplier,
        "detail_url_prefix": _detail_url_prefix("suppliers:po_detail"),
        "show_supplier": False,
    }
    return _render_list(request, context)


@buyer_required
def buyer_po_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = _list_filters(request)
    supplier_code = request.GET.get("supplier", "").strip()
    queryset = selectors.purchase_orders_for_buyer(supplier_code=supplier_code, **filters).only(
        *_LIST_COLUMNS, "supplier__code", "supplier__name"
    )
    context = {
        "page": _page(request, queryset),
        "filters": {**filters, "supplier": supplier_code},
        "statuses": PurchaseOrder.Status.choices,
        "suppliers": selectors.suppliers_for_filter(),
        "detail_url_prefix": _detail_url_prefix("buyer:po_detail"),
        "show_supplier": True,
    }
    return _render_list(request, context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(queryset, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    rows = (writer.writerow(row) for row in purchase_order_export_rows(queryset))
    response = StreamingHttpResponse(rows, content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@supplier_required
def supplier_po_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The supplier's PO lines with the list's filters, amounts and deliveries (CSV)."""
    supplier = selectors.get_supplier_for_user(request.user)
    queryset = selectors.purchase_orders_for_supplier(supplier=supplier, **_list_filters(request))
    return _csv_response(queryset, f"purchase-orders-{supplier.code}.csv")


@buyer_required
def buyer_po_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every supplier's PO lines with the list's filters, amounts and deliveries (CSV)."""
    supplier_code = request.GET.get("supplier", "").strip()
    queryset = selectors.purchase_orders_for_buyer(
        supplier_code=supplier_code, **_list_filters(request)
    )
    return _csv_response(queryset, "purchase-orders.csv")


@supplier_required
def supplier_po_detail(request: HttpRequest, number: str) -> HttpResponse:
    purchase_order = selectors.get_purchase_order_for_supplier(
        supplier=selectors.get_supplier_for_user(request.user), number=number
    )
    return render_supplier_detail(request, purchase_order)


@buyer_required
def buyer_po_detail(request: HttpRequest, number: str) -> HttpResponse:
    purchase_order = selectors.get_purchase_order_for_buyer(number=number)
    return render_detail(request, purchase_order, "buyer:po_list")
