""" "Create invoice" from a PO, an ASN or a receipt: the lines come pre-filled (what was
received, or shipped by the supplier's terms, not invoiced yet, at the PO price); the
supplier edits quantities (and prices, when its terms allow), adds taxes and charges,
attaches the PDF and submits. The same `invoice_submit` serves the API and the EDI 810."""

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import supplier_required
from suppliers import selectors, services
from suppliers.forms.invoices import InvoiceCreateForm, add_domain_error
from suppliers.models import InvoiceLine, Supplier
from suppliers.selectors import InvoiceDraft


def _lines(form: InvoiceCreateForm) -> list[services.InvoiceLineInput]:
    data = form.cleaned_data
    lines = []
    for line in form.draft.lines:
        n = line.po_line.line_no
        quantity = data[f"quantity_{n}"]
        if not quantity:
            continue  # a line set to zero is left off the invoice
        price = data.get(f"unit_price_{n}")
        lines.append(
            services.InvoiceLineInput(
                line_no=n,
                quantity=quantity,
                uom_code=line.po_line.uom.code,
                unit_price=line.unit_price if price is None else price,
                po_line=line.po_line,
            )
        )
    next_no = max((line.po_line.line_no for line in form.draft.lines), default=0)
    for row in range(1, form.EXTRA_ROWS + 1):
        amount = data.get(f"extra_amount_{row}")
        if not amount:
            continue
        next_no += 1
        lines.append(
            services.InvoiceLineInput(
                line_no=next_no,
                quantity=Decimal(1),
                uom_code="",
                unit_price=amount,
                kind=data.get(f"extra_kind_{row}") or InvoiceLine.Kind.CHARGE,
                description=data.get(f"extra_description_{row}", ""),
            )
        )
    return lines


def _create(request: HttpRequest, supplier: Supplier, draft: InvoiceDraft) -> HttpResponse:
    terms = selectors.terms_of(supplier)
    if request.method == "POST":
        form = InvoiceCreateForm(
            request.POST, request.FILES, draft=draft, price_editable=terms.price_editable
        )
        if form.is_valid():
            try:
                invoice = services.invoice_submit(
                    actor=request.user,
                    supplier=supplier,
                    purchase_order=draft.purchase_order,
                    header=services.InvoiceHeader(
                        number=form.cleaned_data["number"],
                        invoice_date=form.cleaned_data["invoice_date"],
                        source_ref=draft.source_ref,
                        pdf=form.cleaned_data.get("pdf"),
                    ),
                    lines=_lines(form),
                    channel=Channel.PORTAL,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    gettext("Invoice %(number)s submitted: %(status)s.")
                    % {"number": invoice.number, "status": invoice.get_status_display().lower()},
                )
                return redirect("suppliers:invoice_detail", invoice_number=invoice.number)
    else:
        form = InvoiceCreateForm(draft=draft, price_editable=terms.price_editable)
    context = {"form": form, "draft": draft, "terms": terms, "supplier": supplier}
    status = 422 if request.method == "POST" else 200
    return render(request, "suppliers/invoices/create.html", context, status=status)


@supplier_required
def invoice_new_from_po(request: HttpRequest, number: str) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    draft = selectors.invoice_draft_for_purchase_order(supplier=supplier, number=number)
    return _create(request, supplier, draft)


@supplier_required
def invoice_new_from_asn(request: HttpRequest, asn_number: str) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    draft = selectors.invoice_draft_for_shipment(
        supplier=supplier, asn_number=asn_number, po_number=request.GET.get("po", "")[:40]
    )
    return _create(request, supplier, draft)


@supplier_required
def invoice_new_from_receipt(request: HttpRequest, receipt_id: int) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    draft = selectors.invoice_draft_for_receipt(
        supplier=supplier, receipt_id=receipt_id, po_number=request.GET.get("po", "")[:40]
    )
    return _create(request, supplier, draft)
