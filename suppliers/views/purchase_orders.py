"""HTMX pages for purchase orders: the supplier's own, and the buyer's across suppliers."""

import csv
from html import escape
from urllib.parse import quote

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from integrations.money import format_money
from portal.access import HtmxHttpRequest, buyer_required, supplier_required
from suppliers import selectors
from suppliers.models import PurchaseOrder
from suppliers.resources.purchase_orders import purchase_order_export_rows
from suppliers.views.filter_options import supplier_options
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


def _rows_html(page, *, detail_url_prefix: str, show_supplier: bool) -> SafeString:
    """The listed POs' table rows as HTML. The busiest page of the portal: 25 rows of 9–10
    cells cost ~2 ms in the template engine (a variable node per cell: lookup, escaping,
    localisation) and a fraction of it here (issue 24). `escape` is the function Django's
    autoescaping ends in (html.escape of the text), without its lazy-string wrapper:
    every value here is a plain string. Labels are translated once per page."""
    # Totals in the PO currency for the whole page in one query.
    totals = selectors.purchase_order_totals(page.object_list)
    labels = {value: escape(str(label)) for value, label in _STATUS_LABELS.items()}
    ship_label = gettext("Ship %(number)s")
    prefix = escape(detail_url_prefix)
    rows = []
    for po in page.object_list:
        po.total_amount = totals[po.pk]
        number = escape(po.number)
        href = f"{prefix}{escape(quote(po.number, safe='/'))}/"
        link = f'<td><a href="{href}">{number}</a></td>'
        if show_supplier:
            # The supplier column comes after the PO's.
            cells = f"{link}<td>{escape(po.supplier.code)} {escape(po.supplier.name)}</td>"
        elif po.status in PurchaseOrder.OPEN_TO_SHIP:
            # The tick box of "Ship these POs" before it (the model's open-to-ship rule).
            aria = escape(ship_label % {"number": po.number})
            tick = f'<input type="checkbox" name="po" value="{number}" aria-label="{aria}">'
            cells = f"<td>{tick}</td>{link}"
        else:
            cells = f"<td></td>{link}"
        ack_due = (
            timezone.localtime(po.ack_due_at).strftime("%Y-%m-%d %H:%M")
            if po.ack_due_at is not None
            else "—"
        )
        rows.append(
            f'<tr>{cells}<td><span class="badge status-{escape(po.status)}">'
            f"{labels.get(po.status) or escape(po.status)}</span></td>"
            f"<td>{escape(po.ship_to.code)}</td>"
            f"<td>{timezone.localtime(po.issued_at).strftime('%Y-%m-%d')}</td><td>{ack_due}</td>"
            f'<td class="num">{po.line_count}</td>'
            f'<td class="num">{escape(format_money(po.total_amount, po.currency))}</td>'
            f'<td class="num">{po.revision}</td></tr>'
        )
    return mark_safe("\n".join(rows))  # every value escaped above


def _render_list(request: HtmxHttpRequest, context: dict) -> HttpResponse:
    context["rows_html"] = _rows_html(
        context["page"],
        detail_url_prefix=context["detail_url_prefix"],
        show_supplier=context["show_supplier"],
    )
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
        "supplier_options": supplier_options(supplier_code),
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
