"""Buyer pages for what is coming in: the inbound schedule by warehouse and day (with a
CSV export), ASN details and suppliers' availability feeds (inbound risk: inbound_risk.py)."""

import csv
import datetime
import functools
import re
from html import escape
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from portal.access import HtmxHttpRequest, buyer_required
from suppliers import selectors
from suppliers.selectors.inbound_schedule import inbound_schedule_source, warehouse_choices
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


_SEGMENT_SAFE = RFC3986_SUBDELIMS + "~:@"
# What `quote` keeps as it is (ASCII letters and digits, "_.-~" and the safe characters):
# a document number made of these is its own path segment.
_PLAIN_SEGMENT = re.compile(r"[A-Za-z0-9_.\-~!$&'()*+,;=:@]*\Z").match


def _segment(value: str) -> str:
    if _PLAIN_SEGMENT(value):
        return value
    return quote(value, safe=_SEGMENT_SAFE)


@functools.lru_cache(maxsize=2048)
def _day_heading(language: str | None, day: datetime.date) -> tuple[str, str]:
    """A day as the schedule's headings print it ("D Y-m-d", in `language`) and in ISO:
    the same few days head every page."""
    return dateformat.format(day, "D Y-m-d"), day.isoformat()


# Any character `escape` replaces: most codes hold none, and a search is cheaper than
# escape's five replacements.
_SPECIAL = re.compile("[&<>\"']").search


@functools.lru_cache(maxsize=16)
def _link_parts(urlconf: str, script_prefix: str) -> tuple[str, str, str, str]:
    """The ASN and PO links around their arguments, from one reverse() each, once per
    process and URL configuration and script prefix; each row quotes its arguments as
    reverse() quotes a path segment."""
    asn_prefix, _, asn_suffix = reverse(
        "buyer:asn_detail", args=["__supplier__", "__document__"], urlconf=urlconf
    ).partition("__supplier__/__document__")
    po_prefix, _, po_suffix = reverse(
        "buyer:po_detail", args=["__po__"], urlconf=urlconf
    ).partition("__po__")
    return asn_prefix, asn_suffix, po_prefix, po_suffix


def _rows_html(rows: list[dict[str, Any]]) -> str:
    """The rows' HTML, made once per page here rather than per row in the template
    (`{% url %}`, date filters, `{% ifchanged %}` were most of the page's rendering): the
    day heading where warehouse or day changes, the document's link, the dates and
    quantities as text. A hundred rows of ten cells cost ~4 ms in the template engine (a
    variable node per cell: lookup, escaping, localisation) and a fraction of it here.
    `escape` is the function Django's autoescaping ends in (html.escape of the text),
    without its lazy-string wrapper: every value here is a plain string already; a text
    with nothing to replace is printed as it is. The class names, ISO day and numbers
    hold nothing to escape."""
    asn_prefix, asn_suffix, po_prefix, po_suffix = _link_parts(
        get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()
    )
    # Translated once per page (outside the f-strings, where makemessages can read them).
    late, at_risk = escape(gettext("Late")), escape(gettext("At risk"))
    asn_label, po_line_label = escape(gettext("ASN")), escape(gettext("PO line"))
    badges = {
        (False, False): "",
        (True, False): f'<span class="badge late">{late}</span>',
        (False, True): f' <span class="badge risk">{at_risk}</span>',
        (True, True): f'<span class="badge late">{late}</span>'
        f' <span class="badge risk">{at_risk}</span>',
    }
    css = {(False, False): "", (True, False): "late", (False, True): " at-risk"}
    css[(True, True)] = "late at-risk"
    # The locale's number formats looked up once per page, not per number (issue 24).
    number, integer = number_text(), integer_text()
    special = _SPECIAL

    def html(text: str) -> str:
        return escape(text) if special(text) else text

    # Units, states, quantities and line numbers repeat down a page: each formatted or
    # escaped once (the days once per process and language: _day_heading).
    language = get_language()
    kept: dict[Any, str] = {}
    parts: list[str] = []
    append = parts.append
    previous = None
    for row in rows:
        warehouse, day = row["warehouse"], row["day"]
        shown = _day_heading(language, day)
        if (warehouse, day) != previous:
            previous = (warehouse, day)
            append(
                f'<tr class="group"><th colspan="10">{html(f"{warehouse} · {shown[0]}")}</th></tr>'
            )
        document, po_number = row["document"], row["po_number"]
        if row["kind"] == "asn":
            path = f"{_segment(row['supplier_code'])}/{_segment(document)}"
            href, kind = f"{asn_prefix}{path}{asn_suffix}", asn_label
        else:
            href, kind = f"{po_prefix}{_segment(po_number)}{po_suffix}", po_line_label
        qty = row["qty"]
        # Zero is kept apart: -0 and 0 are one key and print differently.
        qty_text = kept.get(qty) if qty else None
        if qty_text is None:
            qty_text = kept[qty] = number(qty)  # as {{ qty.normalize }}
        line_no = row["po_line_no"]
        line_text = kept.get(("line", line_no))
        if line_text is None:
            line_text = kept[("line", line_no)] = integer(line_no)
        unit = kept.get(("unit", row["uom_code"]))
        if unit is None:
            unit = kept[("unit", row["uom_code"])] = escape(row["uom_code"])
        state = kept.get(("state", row["state_label"]))
        if state is None:
            state = kept[("state", row["state_label"])] = escape(str(row["state_label"]))
        flags = (row["late"], row["risk"])
        document = html(document)
        append(
            f'<tr class="{css[flags]}" data-document="{document}">'
            f"<td>{html(warehouse)}</td><td>{shown[1]}</td><td>{kind}</td>"
            f"<td>{html(row['supplier_code'])}</td>"
            f'<td><a href="{html(href)}">{document}</a></td>'
            f"<td>{html(po_number)} / {line_text}</td><td>{html(row['sku'])}</td>"
            f'<td class="num">{qty_text} {unit}</td><td>{state}</td><td>{badges[flags]}</td>'
            "</tr>"
        )
    return "".join(parts)


@buyer_required
def inbound_schedule(request: HtmxHttpRequest) -> HttpResponse:
    filters = _schedule_filters(request)
    # The page statement compiled once per filter shape (inbound_schedule_source).
    paginator = Paginator(inbound_schedule_source(**filters), settings.PORTAL_PAGE_SIZE * 4)
    # The count: cached until the rows change (selectors.inbound_schedule_count).
    paginator.count = selectors.inbound_schedule_count(**filters)
    page = paginator.get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = selectors.decorate_inbound_rows(page.object_list, today=today)
    query = request.GET.urlencode()
    # The content made in Python (inbound_page.py), the rows by _rows_html: every value
    # escaped there.
    results = inbound_page.results_html(request, page, _rows_html(rows), query)
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
                warehouses=warehouse_choices(),
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
