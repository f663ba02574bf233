"""Buyer pages for what is coming in: the inbound schedule by warehouse and day (with a
CSV export), ASN details and suppliers' availability feeds (inbound risk: inbound_risk.py)."""

import csv
import datetime
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from portal.access import HtmxHttpRequest, buyer_required
from suppliers import selectors
from suppliers.views import inbound_page
from suppliers.views.filter_options import supplier_options
from suppliers.views.page_formats import integer_text, number_text
from suppliers.views.shipments import asn_detail_context


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _schedule_filters(request: HttpRequest) -> dict:
    return {
        "supplier_code": request.GET.get("supplier", "").strip()[:20],
        "warehouse_code": request.GET.get("warehouse", "").strip()[:20],
        "date_from": _date(request.GET.get("from", "")),
        "date_to": _date(request.GET.get("to", "")),
    }


def _segment(value: str) -> str:
    return quote(value, safe=RFC3986_SUBDELIMS + "~:@")


def _display_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the rows template prints, computed once per page here rather than per row in
    the template (`{% url %}`, date filters, `{% ifchanged %}` were most of the page's
    rendering): the document's link, the day heading where warehouse or day changes, the
    dates and quantities as text, and the row's HTML (`html`)."""
    # Each link built from one reverse() and quoted as reverse() quotes a path segment.
    asn_prefix, _, asn_suffix = reverse(
        "buyer:asn_detail", args=["__supplier__", "__document__"]
    ).partition("__supplier__/__document__")
    po_prefix, _, po_suffix = reverse("buyer:po_detail", args=["__po__"]).partition("__po__")
    # Translated once per page (outside the f-strings, where makemessages can read them).
    late, at_risk = escape(gettext("Late")), escape(gettext("At risk"))
    labels = {
        "asn": escape(gettext("ASN")),
        "po_line": escape(gettext("PO line")),
        "late": f'<span class="badge late">{late}</span>',
        "risk": f' <span class="badge risk">{at_risk}</span>',
    }
    # The locale's number formats looked up once per page, not per number (issue 24).
    number, integer = number_text(), integer_text()
    # Warehouses, suppliers, units and states repeat down a page: each escaped once.
    escaped: dict[str, str] = {}

    def html(text: str) -> str:
        found = escaped.get(text)
        if found is None:
            found = escaped[text] = escape(text)
        return found

    # Days and documents repeat down a page: each formatted or quoted once.
    days: dict[datetime.date, str] = {}
    segments: dict[str, str] = {}

    def segment(value: str) -> str:
        found = segments.get(value)
        if found is None:
            found = segments[value] = _segment(value)
        return found

    previous = None
    for row in rows:
        day = row["day"]
        key = (row["warehouse"], day)
        if key != previous:
            shown = days.get(day)
            if shown is None:
                shown = days[day] = dateformat.format(day, "D Y-m-d")
            row["group"] = f"{row['warehouse']} · {shown}"
        else:
            row["group"] = ""
        previous = key
        row["day_iso"] = day.isoformat()
        row["asn"] = row["kind"] == "asn"
        if row["asn"]:
            path = f"{segment(row['supplier_code'])}/{segment(row['document'])}"
            row["href"] = f"{asn_prefix}{path}{asn_suffix}"
        else:
            row["href"] = f"{po_prefix}{segment(row['po_number'])}{po_suffix}"
        row["qty_text"] = number(row["qty"])  # as {{ qty.normalize }}
        row["css"] = ("late" if row["late"] else "") + (" at-risk" if row["risk"] else "")
        row["html"] = _row_html(row, labels, html, integer)
    return rows


def _row_html(
    row: dict[str, Any],
    labels: dict[str, str],
    html: Callable[[str], str],
    integer: Callable[[int], str],
) -> str:
    # A hundred rows of ten cells cost ~4 ms in the template engine (a variable node per
    # cell: lookup, escaping, localisation) and a fraction of it here. `escape` is the
    # function Django's autoescaping ends in (html.escape of the text), without its
    # lazy-string wrapper: every value here is a plain string already. The class names,
    # ISO day and numbers hold nothing to escape.
    group = (
        f'<tr class="group"><th colspan="10">{escape(row["group"])}</th></tr>'
        if row["group"]
        else ""
    )
    return (
        f'{group}<tr class="{row["css"]}" data-document="{escape(row["document"])}">'
        f"<td>{html(row['warehouse'])}</td><td>{row['day_iso']}</td>"
        f"<td>{labels['asn'] if row['asn'] else labels['po_line']}</td>"
        f"<td>{html(row['supplier_code'])}</td>"
        f'<td><a href="{escape(row["href"])}">{escape(row["document"])}</a></td>'
        f"<td>{escape(row['po_number'])} / {integer(row['po_line_no'])}</td>"
        f"<td>{escape(row['sku'])}</td>"
        f'<td class="num">{row["qty_text"]} {html(row["uom_code"])}</td>'
        f"<td>{html(str(row['state_label']))}</td>"
        f"<td>{labels['late'] if row['late'] else ''}{labels['risk'] if row['risk'] else ''}"
        "</td></tr>"
    )


@buyer_required
def inbound_schedule(request: HtmxHttpRequest) -> HttpResponse:
    filters = _schedule_filters(request)
    paginator = Paginator(selectors.inbound_schedule(**filters), settings.PORTAL_PAGE_SIZE * 4)
    # The count: cached until the rows change (selectors.inbound_schedule_count).
    paginator.count = selectors.inbound_schedule_count(**filters)
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = _display_rows(selectors.decorate_inbound_rows(page.object_list, today=today))
    query = request.GET.urlencode()
    # The content made in Python (inbound_page.py), the rows by _row_html: every value
    # escaped there.
    results = inbound_page.results_html(request, page, "".join(row["html"] for row in rows), query)
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "results_html": mark_safe(results),
    }
    template = "suppliers/inbound/schedule.html"
    if request.htmx and request.htmx.target == "inbound-results":
        template += "#results"
    else:
        context["content_html"] = mark_safe(
            inbound_page.content_html(
                request,
                filters=filters,
                supplier_options=supplier_options(filters["supplier_code"]),
                # Tuples: the five instances cost more than the options.
                warehouses=list(selectors.warehouses_for_filter().values_list("code", "name")),
                results=results,
            )
        )
    return render(request, template, context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@buyer_required
def inbound_schedule_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The schedule with the same filters, every row (streamed, one query)."""
    filters = _schedule_filters(request)
    today = timezone.localdate()
    writer = csv.writer(_Echo())
    header = [
        "warehouse",
        "date",
        "source",
        "supplier",
        "document",
        "po_number",
        "po_line",
        "sku",
        "quantity",
        "uom",
        "status",
        "promised",
        "late",
        "at_risk",
    ]

    def rows():
        yield writer.writerow(header)
        queryset = selectors.inbound_schedule(**filters)
        for row in selectors.decorate_inbound_rows(queryset.iterator(), today=today):
            yield writer.writerow(
                [
                    row["warehouse"],
                    row["day"].isoformat(),
                    "ASN" if row["kind"] == "asn" else "PO line",
                    row["supplier_code"],
                    row["document"],
                    row["po_number"],
                    row["po_line_no"],
                    row["sku"],
                    f"{row['qty'].normalize():f}",
                    row["uom_code"],
                    row["state"],
                    row["promised"].isoformat(),
                    "yes" if row["late"] else "no",
                    "yes" if row["risk"] else "no",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="inbound-{today.isoformat()}.csv"'
    return response


@buyer_required
def buyer_asn_detail(request: HttpRequest, supplier_code: str, asn_number: str) -> HttpResponse:
    shipment = selectors.get_shipment_for_buyer(supplier_code=supplier_code, asn_number=asn_number)
    return render(request, "suppliers/shipments/detail.html", asn_detail_context(shipment, False))


@buyer_required
def buyer_availability(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    supplier_code = request.GET.get("supplier", "").strip()[:20]
    stale_only = request.GET.get("stale") == "1"
    queryset = selectors.availability_for_buyer(
        now=now, supplier_code=supplier_code, stale_only=stale_only
    )
    page = Paginator(queryset, settings.PORTAL_PAGE_SIZE * 4).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.stale = row.is_stale(
            now=now, freshness_hours=row.supplier_item.supplier.availability_freshness_hours
        )
    return render(
        request,
        "suppliers/inbound/availability.html",
        {
            "page": page,
            "suppliers": selectors.suppliers_for_filter(),
            "filters": {"supplier": supplier_code, "stale": stale_only},
        },
    )
