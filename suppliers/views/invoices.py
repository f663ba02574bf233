"""Invoice pages: a supplier sees its invoices with their status, hold reasons, credit
notes, disputes and payment; a buyer sees every supplier's. Creating an invoice is
`views/invoice_create.py`; the AP queue and payment are `views/invoice_payables.py`."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.money import total_amount
from portal.access import HtmxHttpRequest, buyer_required, supplier_required
from suppliers import selectors, services
from suppliers.forms.invoices import (
    CreditNoteForm,
    DisputeOpenForm,
    PaidForm,
    ReleaseHoldForm,
    ScheduleForm,
    add_domain_error,
)
from suppliers.models import Invoice


def _render_list(request: HtmxHttpRequest, queryset, context: dict) -> HttpResponse:
    page = Paginator(queryset, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "suppliers/invoices/list.html"
    if request.htmx and request.htmx.target == "invoice-results":
        template += "#results"
    context = {**context, "page": page, "query": query.urlencode(), "statuses": Invoice.Status}
    return render(request, template, context)


def _tolerances(lines: list) -> list[tuple[str, str]]:
    """Which tolerance each goods line was matched with, lines with the same one together:
    [("1, 3", "Item class A, this supplier: quantity 5%, price 2%."), ...]."""
    grouped: dict[str, list[str]] = {}
    for line in lines:
        if line.tolerance:
            grouped.setdefault(line.tolerance, []).append(str(line.line_no))
    return [(", ".join(numbers), text) for text, numbers in grouped.items()]


def render_detail(
    request: HttpRequest,
    invoice: Invoice,
    *,
    buyer_view: bool,
    forms: dict | None = None,
    dispute_line: int | None = None,
) -> HttpResponse:
    lines = selectors.invoice_lines(invoice=invoice)
    context = {
        "invoice": invoice,
        "lines": lines,
        "tolerances": _tolerances(lines),
        "lines_total": total_amount((line.amount for line in lines), invoice.currency),
        "held_lines": [line for line in lines if line.is_held],
        "credit_notes": selectors.credit_notes_of(invoice=invoice),
        "disputes": list(invoice.disputes.order_by("-created_at")),
        "buyer_view": buyer_view,
        "po_url_name": "buyer:po_detail" if buyer_view else "suppliers:po_detail",
        "credit_form": CreditNoteForm(),
        "dispute_form": DisputeOpenForm(initial={"line_no": dispute_line}),
        "release_form": ReleaseHoldForm(),
        "schedule_form": ScheduleForm(),
        "paid_form": PaidForm(),
        **(forms or {}),
    }
    status = 422 if forms else 200
    return render(request, "suppliers/invoices/detail.html", context, status=status)


@supplier_required
def supplier_invoice_list(request: HtmxHttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    po_number = request.GET.get("po", "").strip()[:40]
    status = request.GET.get("status", "").strip()[:20]
    queryset = selectors.invoices_for_supplier(
        supplier=supplier, po_number=po_number, status=status
    )
    context = {
        "filters": {"po": po_number, "status": status},
        "buyer_view": False,
        "supplier": supplier,
    }
    return _render_list(request, queryset, context)


@supplier_required
def supplier_invoice_detail(request: HttpRequest, invoice_number: str) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    invoice = selectors.get_invoice_for_supplier(supplier=supplier, number=invoice_number)
    return render_detail(request, invoice, buyer_view=False)


def _pdf(invoice: Invoice) -> FileResponse:
    if not invoice.pdf:
        raise Http404("This invoice has no PDF.")
    # Served through a permission-checked view, never from a public media URL.
    return FileResponse(
        invoice.pdf.open("rb"),
        as_attachment=True,
        filename=invoice.pdf_name or f"{invoice.number}.pdf",
        content_type="application/pdf",
    )


@require_GET
@supplier_required
def supplier_invoice_pdf(request: HttpRequest, invoice_number: str) -> FileResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    return _pdf(selectors.get_invoice_for_supplier(supplier=supplier, number=invoice_number))


@require_POST
@supplier_required
def supplier_credit_note(request: HttpRequest, invoice_number: str) -> HttpResponse:
    """The supplier credits the whole invoice (a credit note at the invoiced prices)."""
    supplier = selectors.get_supplier_for_user(request.user)
    invoice = selectors.get_invoice_for_supplier(supplier=supplier, number=invoice_number)
    form = CreditNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.credit_note_create(
                actor=request.user,
                invoice=invoice,
                number=form.cleaned_data["number"],
                invoice_date=form.cleaned_data["invoice_date"],
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, gettext("Credit note %(number)s submitted.") % {"number": note.number}
            )
            return redirect("suppliers:invoice_detail", invoice_number=note.number)
    return render_detail(request, invoice, buyer_view=False, forms={"credit_form": form})


@buyer_required
def buyer_invoice_list(request: HtmxHttpRequest) -> HttpResponse:
    supplier_code = request.GET.get("supplier", "").strip()[:20]
    po_number = request.GET.get("po", "").strip()[:40]
    status = request.GET.get("status", "").strip()[:20]
    queryset = selectors.invoices_for_buyer(
        supplier_code=supplier_code, po_number=po_number, status=status
    )
    context = {
        "filters": {"supplier": supplier_code, "po": po_number, "status": status},
        "buyer_view": True,
        "suppliers": selectors.suppliers_for_filter(),
    }
    return _render_list(request, queryset, context)


@buyer_required
def buyer_invoice_detail(request: HttpRequest, supplier_code: str, number: str) -> HttpResponse:
    invoice = selectors.get_invoice_for_buyer(supplier_code=supplier_code, number=number)
    # From the AP queue's "Dispute" on a held line: the form names that line.
    line = request.GET.get("line", "")
    return render_detail(
        request, invoice, buyer_view=True, dispute_line=int(line) if line.isdigit() else None
    )


@require_GET
@buyer_required
def buyer_invoice_pdf(request: HttpRequest, supplier_code: str, number: str) -> FileResponse:
    return _pdf(selectors.get_invoice_for_buyer(supplier_code=supplier_code, number=number))
