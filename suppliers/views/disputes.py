"""Dispute pages: the supplier opens one on its invoice (or a receipt), both sides write
in its thread (opening it marks the other side's messages read), the buyer resolves it.
Attachments are served through permission-checked views."""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import buyer_required, supplier_required
from suppliers import selectors, services
from suppliers.forms.invoices import (
    DisputeMessageForm,
    DisputeOpenForm,
    DisputeResolveForm,
    add_domain_error,
)
from suppliers.models import Dispute
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
    context = {"disputes": disputes, "buyer_view": False, "status": status}
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
    form = DisputeOpenForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        line = invoice.lines.filter(line_no=data["line_no"]).first() if data["line_no"] else None
        try:
            dispute = services.dispute_open(
                actor=request.user,
                supplier=supplier,
                side=SUPPLIER,
                reason=data["reason"],
                amount=data["amount"],
                message=data["message"],
                invoice=invoice,
                invoice_line=line,
                attachment=data.get("attachment"),
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Dispute #{dispute.pk} opened.")
            return redirect("suppliers:dispute_detail", dispute_id=dispute.pk)
    return render_detail(request, invoice, buyer_view=False, forms={"dispute_form": form})


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
    context = {"disputes": disputes, "buyer_view": True, "status": status}
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
            messages.success(request, f"Dispute #{dispute.pk} resolved.")
            return redirect("buyer:dispute_detail", dispute_id=dispute.pk)
    return _detail(request, dispute, side=BUYER, forms={"resolve_form": form})


@require_GET
@buyer_required
def buyer_dispute_attachment(request: HttpRequest, message_id: int) -> FileResponse:
    return _attachment(selectors.get_dispute_message_for_buyer(pk=message_id))
