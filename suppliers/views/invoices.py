"""Invoice pages: a supplier sees the invoices it sent, a buyer sees every supplier's.
Invoices arrive by EDI 810 (see `suppliers.edi.inbound_846_810`) and are read-only here;
matching them against receipts is later work."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.access import HtmxHttpRequest, buyer_required, supplier_required
from suppliers import selectors
from suppliers.models import Invoice


def _render_list(request: HtmxHttpRequest, queryset, context: dict) -> HttpResponse:
    page = Paginator(queryset, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "suppliers/invoices/list.html"
    if request.htmx and request.htmx.target == "invoice-results":
        template += "#results"
    return render(request, template, {**context, "page": page, "query": query.urlencode()})


def _render_detail(request: HttpRequest, invoice: Invoice, *, buyer_view: bool) -> HttpResponse:
    lines = selectors.invoice_lines(invoice=invoice)
    context = {
        "invoice": invoice,
        "lines": lines,
        "lines_total": sum((line.amount for line in lines), 0),
        "buyer_view": buyer_view,
        "po_url_name": "buyer:po_detail" if buyer_view else "suppliers:po_detail",
    }
    return render(request, "suppliers/invoices/detail.html", context)


@supplier_required
def supplier_invoice_list(request: HtmxHttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    po_number = request.GET.get("po", "").strip()[:40]
    queryset = selectors.invoices_for_supplier(supplier=supplier, po_number=po_number)
    context = {"filters": {"po": po_number}, "buyer_view": False, "supplier": supplier}
    return _render_list(request, queryset, context)


@supplier_required
def supplier_invoice_detail(request: HttpRequest, invoice_number: str) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    invoice = selectors.get_invoice_for_supplier(supplier=supplier, number=invoice_number)
    return _render_detail(request, invoice, buyer_view=False)


@buyer_required
def buyer_invoice_list(request: HtmxHttpRequest) -> HttpResponse:
    supplier_code = request.GET.get("supplier", "").strip()[:20]
    po_number = request.GET.get("po", "").strip()[:40]
    queryset = selectors.invoices_for_buyer(supplier_code=supplier_code, po_number=po_number)
    context = {
        "filters": {"supplier": supplier_code, "po": po_number},
        "buyer_view": True,
        "suppliers": selectors.suppliers_for_filter(),
    }
    return _render_list(request, queryset, context)


@buyer_required
def buyer_invoice_detail(request: HttpRequest, supplier_code: str, number: str) -> HttpResponse:
    invoice = selectors.get_invoice_for_buyer(supplier_code=supplier_code, number=number)
    return _render_detail(request, invoice, buyer_view=True)
