"""Buyer pages for what is coming in: the inbound schedule by warehouse and day (with a
CSV export), ASN details and suppliers' availability feeds (inbound risk: inbound_risk.py)."""

import csv
import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal.access import HtmxHttpRequest, buyer_required
from suppliers import selectors
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


@buyer_required
def inbound_schedule(request: HtmxHttpRequest) -> HttpResponse:
    filters = _schedule_filters(request)
    queryset = selectors.inbound_schedule(**filters)
    page = Paginator(queryset, settings.PORTAL_PAGE_SIZE * 4).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "page": page,
        "rows": selectors.decorate_inbound_rows(page.object_list, today=today),
        "filters": filters,
        "query": request.GET.urlencode(),
        "suppliers": selectors.suppliers_for_filter(),
        "warehouses": selectors.warehouses_for_filter(),
        "today": today,
    }
    template = "suppliers/inbound/schedule.html"
    if request.htmx and request.htmx.target == "inbound-results":
        template += "#results"
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
