"""Dispute pages: the supplier opens one on its invoice (or a receipt), both sides write
in its thread (opening it marks the other side's messages read), the buyer resolves it.
Attachments are served through permission-checked views."""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import buyer_required, supplier_required
from suppliers import selectors, services
from suppliers.forms.invoices import (
    DisputeMessageForm,
    DisputeOpenForm,
    DisputeResolveForm,
    ReceiptDisputeForm,
    add_domain_error,
)
from suppliers.models import Dispute, Invoice, Receipt
from suppliers.selectors import invoices as invoice_selectors
from suppliers.services.disputes import receipt_currency, receipt_variance_amount
from suppliers.views.invoices import render_detail

SUPPLIER = Dispute.Side.SUPPLIER
BUYER = Dispute.Side.BUYER


def _detail(request, dispute: Dispute, *, side: str, forms: dict | None = None) -> HttpResponse:
    if not forms:
        services.dispute_mark_read(dispute=dispute, side=side)
    context = {
        "dispute": dispute,
        "thread": selectors.dispute_messages(dispute=dispute),
        "buyer_view": side == BUYER,
        "message_form": DisputeMessageForm(),
        "resolve_form": DisputeResolveForm(),
        **(forms or {}),
    }
    return render(request, "suppliers/invoices/dispute.html", context, status=422 if forms else 200)


@supplier_required
def supplier_dispute_list(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    status = request.GET.get("status", "")[:10]
    disputes = selectors.disputes_for_supplier(supplier=supplier, status=status)
    context = {
        "disputes": disputes,
        "buyer_view": False,
        "status": status,
        "variance_receipts": invoice_selectors.receipts_with_variance(supplier=supplier),
    }
    return render(request, "suppliers/invoices/disputes.html", context)


@supplier_required
def supplier_dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    dispute = selectors.get_dispute_for_supplier(supplier=supplier, pk=dispute_id)
    return _detail(request, dispute, side=SUPPLIER)


@require_POST
@supplier_required
def supplier_dispute_open(request: HttpRequest, invoice_number: str) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    invoice = selectors.get_invoice_for_supplier(supplier=supplier, number=invoice_number)
    return _open_invoice_dispute(request, invoice, side=SUPPLIER)


def _open_invoice_dispute(request: HttpRequest, invoice: Invoice, *, side: str) -> HttpResponse:
    """Either side opens a dispute on an invoice (or one of its lines) from its page."""
    form = DisputeOpenForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            dispute = services.dispute_open(
                actor=request.user,
                supplier=invoice.supplier,
                side=side,
                reason=data["reason"],
                amount=data["amount"],
                message=data["message"],
                invoice=invoice,
                line_no=data["line_no"],
                attachment=data.get("attachment"),
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, gettext("Dispute #%(number)s opened.") % {"number": dispute.pk}
            )
            detail = "buyer:dispute_detail" if side == BUYER else "suppliers:dispute_detail"
            return redirect(detail, dispute_id=dispute.pk)
    return render_detail(request, invoice, buyer_view=side == BUYER, forms={"dispute_form": form})


def _post_message(request, dispute: Dispute, side: str, url: str, **kwargs) -> HttpResponse:
    form = DisputeMessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.dispute_add_message(
                actor=request.user,
                dispute=dispute,
                side=side,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data.get("attachment"),
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect(url, **kwargs)
    return _detail(request, dispute, side=side, forms={"message_form": form})


@require_POST
@supplier_required
def supplier_dispute_message(request: HttpRequest, dispute_id: int) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    dispute = selectors.get_dispute_for_supplier(supplier=supplier, pk=dispute_id)
    return _post_message(
        request, dispute, SUPPLIER, "suppliers:dispute_detail", dispute_id=dispute.pk
    )


def _attachment(message) -> FileResponse:
    return FileResponse(
        message.attachment.open("rb"), as_attachment=True, filename=message.attachment_name
    )


@require_GET
@supplier_required
def supplier_dispute_attachment(request: HttpRequest, message_id: int) -> FileResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    return _attachment(selectors.get_dispute_message_for_supplier(supplier=supplier, pk=message_id))


@buyer_required
def buyer_dispute_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")[:10]
    disputes = selectors.disputes_for_buyer(status=status)
    context = {
        "disputes": disputes,
        "buyer_view": True,
        "status": status,
        "variance_receipts": invoice_selectors.receipts_with_variance(),
    }
    return render(request, "suppliers/invoices/disputes.html", context)


@buyer_required
def buyer_dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    return _detail(request, selectors.get_dispute_for_buyer(pk=dispute_id), side=BUYER)


@require_POST
@buyer_required
def buyer_dispute_message(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = selectors.get_dispute_for_buyer(pk=dispute_id)
    return _post_message(request, dispute, BUYER, "buyer:dispute_detail", dispute_id=dispute.pk)


@require_POST
@buyer_required
def buyer_dispute_resolve(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = selectors.get_dispute_for_buyer(pk=dispute_id)
    form = DisputeResolveForm(request.POST)
    if form.is_valid():
        try:
            services.dispute_resolve(
                actor=request.user,
                dispute=dispute,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["note"],
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, gettext("Dispute #%(number)s resolved.") % {"number": dispute.pk}
            )
            return redirect("buyer:dispute_detail", dispute_id=dispute.pk)
    return _detail(request, dispute, side=BUYER, forms={"resolve_form": form})


@require_GET
@buyer_required
def buyer_dispute_attachment(request: HttpRequest, message_id: int) -> FileResponse:
    return _attachment(selectors.get_dispute_message_for_buyer(pk=message_id))


# A buyer opens a dispute too: on an invoice (from its page or the AP queue) or on a
# receipt with a variance; so does a supplier on one of its receipts. Each goes through
# `dispute_open` with the side that opened it; the other side is e-mailed a link.


@require_POST
@buyer_required
def buyer_dispute_open(request: HttpRequest, supplier_code: str, number: str) -> HttpResponse:
    invoice = selectors.get_invoice_for_buyer(supplier_code=supplier_code, number=number)
    return _open_invoice_dispute(request, invoice, side=BUYER)


def _receipt_dispute_form(receipt: Receipt, *args: Any, **kwargs: Any) -> ReceiptDisputeForm:
    """The form with the amount labelled in the currency the dispute will be in."""
    form = ReceiptDisputeForm(*args, **kwargs)
    amount = form.fields["amount"]
    amount.label = format_lazy("{} ({})", amount.label, receipt_currency(receipt))
    return form


def _receipt_dispute(request: HttpRequest, receipt: Receipt, *, side: str) -> HttpResponse:
    lines = invoice_selectors.receipt_lines(receipt=receipt)
    status = 200
    if request.method != "POST":
        form = _receipt_dispute_form(
            receipt,
            initial={
                "reason": Dispute.Reason.QUANTITY,
                "amount": receipt_variance_amount(receipt=receipt, lines=lines),
            },
        )
    else:
        form = _receipt_dispute_form(receipt, request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                dispute = services.dispute_open(
                    actor=request.user,
                    supplier=receipt.shipment.supplier,
                    side=side,
                    reason=data["reason"],
                    amount=data["amount"],
                    message=data["message"],
                    receipt=receipt,
                    attachment=data.get("attachment"),
                    channel=Channel.PORTAL,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, gettext("Dispute #%(number)s opened.") % {"number": dispute.pk}
                )
                name = "buyer:dispute_detail" if side == BUYER else "suppliers:dispute_detail"
                return redirect(name, dispute_id=dispute.pk)
        status = 422
    context = {
        "receipt": receipt,
        "lines": lines,
        "form": form,
        "buyer_view": side == BUYER,
        "open_disputes": list(receipt.disputes.filter(status=Dispute.Status.OPEN)),
    }
    return render(request, "suppliers/invoices/dispute_receipt.html", context, status=status)


@supplier_required
def supplier_receipt_dispute(request: HttpRequest, receipt_id: int) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    receipt = selectors.get_receipt_for_supplier(supplier=supplier, receipt_id=receipt_id)
    return _receipt_dispute(request, receipt, side=SUPPLIER)


@buyer_required
def buyer_receipt_dispute(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = invoice_selectors.get_receipt_for_buyer(receipt_id=receipt_id)
    return _receipt_dispute(request, receipt, side=BUYER)
