"""HTMX pages for purchase orders: the supplier's own, and the buyer's across suppliers."""

import csv
from functools import lru_cache
from html import escape
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from integrations.money import format_money
from portal.access import HtmxHttpRequest, buyer_required, supplier_required
from suppliers import selectors
from suppliers.models import PurchaseOrder
from suppliers.resources.purchase_orders import purchase_order_export_rows
from suppliers.selectors.purchase_order_list import (
    buyer_list_kept,
    buyer_page_source,
    list_rows,
    supplier_page_source,
)
from suppliers.views.filter_options import supplier_options
from suppliers.views.po_list_html import ListPage, content_html, results_html, texts
from suppliers.views.purchase_order_detail import render_detail, render_supplier_detail


class _CountedPaginator(Paginator):
    """A paginator given its total instead of running COUNT(*) for it."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _page(request: HttpRequest, queryset, *, count: int | None = None) -> Page:
    if count is None:
        paginator = Paginator(queryset, settings.PORTAL_PAGE_SIZE)
    else:
        paginator = _CountedPaginator(queryset, settings.PORTAL_PAGE_SIZE, count=count)
    return paginator.get_page(request.GET.get("page"))


@lru_cache(maxsize=32)
def _url(url_name: str, by_number: bool, urlconf: str, script_prefix: str) -> str:
    # One URL per URLconf and script prefix (both in the key, as reverse() depends on
    # them): computed once per process, not on every page.
    if by_number:
        return reverse(url_name, args=["0"], urlconf=urlconf).removesuffix("0/")
    return reverse(url_name, urlconf=urlconf)


def _route(url_name: str, *, by_number: bool = False) -> str:
    """reverse(url_name) of an argument-free route; `by_number`: of a route taking a PO
    number, without the number (rows append it)."""
    return _url(url_name, by_number, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def _list_filters(request: HttpRequest) -> dict:
    status = request.GET.get("status", "")
    if status not in PurchaseOrder.Status.values:
        status = ""
    return {"status": status, "q": request.GET.get("q", "").strip()[:60]}


@lru_cache(maxsize=8)
def _status_labels(language: str | None) -> dict[str, str]:
    """Each status's label in `language`, escaped, and the choices as (value, label)."""
    return {value: escape(str(label)) for value, label in PurchaseOrder.Status.choices}


@lru_cache(maxsize=8)
def _status_choices(language: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((value, str(label)) for value, label in PurchaseOrder.Status.choices)


def _rows_html(rows: list[dict[str, Any]], *, detail_url_prefix: str, show_supplier: bool) -> str:
    """The listed POs' table rows as HTML. The busiest page of the portal: 25 rows of 9–10
    cells cost ~2 ms in the template engine (a variable node per cell: lookup, escaping,
    localisation) and a fraction of it here (issue 24). `escape` is the function Django's
    autoescaping ends in (html.escape of the text), without its lazy-string wrapper:
    every value here is a plain string. Labels are translated once per process."""
    labels = _status_labels(get_language())
    ship_label = gettext("Ship %(number)s")
    prefix = escape(detail_url_prefix)
    zone = timezone.get_current_timezone()
    open_to_ship = PurchaseOrder.OPEN_TO_SHIP
    html = []
    for po in rows:
        raw_number = po["number"]
        number = escape(raw_number)
        status = po["status"]
        href = f"{prefix}{escape(quote(raw_number, safe='/'))}/"
        link = f'<td><a href="{href}">{number}</a></td>'
        if show_supplier:
            # The supplier column comes after the PO's.
            cells = f"{link}<td>{escape(po['supplier__code'])} {escape(po['supplier__name'])}</td>"
        elif status in open_to_ship:
            # The tick box of "Ship these POs" before it (the model's open-to-ship rule).
            aria = escape(ship_label % {"number": raw_number})
            tick = f'<input type="checkbox" name="po" value="{number}" aria-label="{aria}">'
            cells = f"<td>{tick}</td>{link}"
        else:
            cells = f"<td></td>{link}"
        ack_due_at = po["ack_due_at"]
        ack_due = (
            ack_due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            if ack_due_at is not None
            else "—"
        )
        html.append(
            f'<tr>{cells}<td><span class="badge status-{escape(status)}">'
            f"{labels.get(status) or escape(status)}</span></td>"
            f"<td>{escape(po['ship_to__code'])}</td>"
            f"<td>{po['issued_at'].astimezone(zone).strftime('%Y-%m-%d')}</td><td>{ack_due}</td>"
            f'<td class="num">{po["line_count"]}</td>'
            f'<td class="num">{escape(format_money(po["total"], po["currency"]))}</td>'
            f'<td class="num">{po["revision"]}</td></tr>'
        )
    return "\n".join(html)


def _render_list(
    request: HtmxHttpRequest,
    page: Page,
    *,
    filters: dict,
    show_supplier: bool,
    supplier_name: str | None = None,
    counters: dict[str, int] | None = None,
    queue: str = "",
    options: str = "",
) -> HttpResponse:
    """The list page (or, for htmx's `#po-results` target, its results part) in Python
    (`po_list_html`): the same HTML the template made, at a fraction of its cost."""
    rows = list_rows(page.object_list)
    partial = bool(request.htmx) and request.htmx.target == "po-results"
    # The page's CSRF token, as the template's `{% csrf_token %}` would take it: only when
    # the page shows a form that needs it (the layout's, the ship form).
    token = get_token(request) if not partial or (rows and not show_supplier) else ""
    list_page = ListPage(
        path=request.path,
        query_string=request.GET.urlencode(),
        htmx=bool(request.htmx),
        show_supplier=show_supplier,
        supplier_name=supplier_name,
        counters=counters,
        queue=queue,
        status=filters["status"],
        q=filters["q"],
        supplier_code=filters.get("supplier", ""),
        statuses=_status_choices(get_language()),
        supplier_options=options,
        page=page,
        count=page.paginator.count,
        has_rows=bool(rows),
        rows_html=_rows_html(
            rows,
            detail_url_prefix=_route(
                "buyer:po_detail" if show_supplier else "suppliers:po_detail", by_number=True
            ),
            show_supplier=show_supplier,
        ),
        csv_url=_route("buyer:po_csv" if show_supplier else "suppliers:po_csv"),
        ship_many_url="" if show_supplier else _route("suppliers:po_ship_many"),
        csrf_input=(
            format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
            if token
            else ""
        ),
    )
    if partial:
        return HttpResponse(results_html(list_page))
    # The page (its object_list the rows shown) and counters: not printed by the
    # template, there for whoever reads the response's context (tests).
    page.object_list = rows
    context = {
        "title": mark_safe(texts()["title"]),  # a translation, printed as {% translate %} does
        "content_html": mark_safe(content_html(list_page)),  # every value escaped in it
        "csrf_token": token,  # the same token as the ship form's (the layout prints it)
        "page": page,
        "counters": counters,
    }
    return render(request, "suppliers/po_list.html", context)


@supplier_required
def supplier_po_list(request: HtmxHttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    filters = _list_filters(request)
    now = timezone.now()
    # The inbox: a counter per queue, each opening its queue's list (`?queue=`, the same
    # selector filter the counter counts); `?overdue=1` is the old link to one of them.
    queue = "overdue" if request.GET.get("overdue") == "1" else request.GET.get("queue", "")
    if queue not in selectors.INBOX_QUEUES:
        queue = ""
    rows = supplier_page_source(supplier=supplier, queue=queue, now=now, **filters)
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
    return _render_list(
        request,
        _page(request, rows, count=count),
        filters=filters,
        show_supplier=False,
        supplier_name=supplier.name,
        counters=inbox.counters,
        queue=queue,
    )


@buyer_required
def buyer_po_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = _list_filters(request)
    supplier_code = request.GET.get("supplier", "").strip()
    rows = buyer_page_source(supplier_code=supplier_code, **filters)
    # Without a search the count is kept under the version of every PO: no COUNT(*).
    count, suppliers = buyer_list_kept(supplier_code=supplier_code, **filters)
    return _render_list(
        request,
        _page(request, rows, count=count),
        filters={**filters, "supplier": supplier_code},
        show_supplier=True,
        options=supplier_options(supplier_code, suppliers),
    )


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
