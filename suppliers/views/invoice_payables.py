"""Accounts payable: the queue of holds (oldest first, each variance beside the PO price
and the received quantity), releasing a hold, scheduling and recording payment."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import buyer_required
from suppliers import selectors, services
from suppliers.forms.invoices import PaidForm, ReleaseHoldForm, ScheduleForm, add_domain_error
from suppliers.views.invoices import render_detail


@buyer_required
def ap_queue(request: HttpRequest) -> HttpResponse:
    supplier_code = request.GET.get("supplier", "").strip()[:20]
    lines = selectors.ap_hold_queue(supplier_code=supplier_code)
    context = {
        "lines": lines,
        "filters": {"supplier": supplier_code},
        "suppliers": selectors.suppliers_for_filter(),
    }
    return render(request, "suppliers/invoices/ap_queue.html", context)


def _act(request, supplier_code: str, number: str, form_class, name: str, action) -> HttpResponse:
    invoice = selectors.get_invoice_for_buyer(supplier_code=supplier_code, number=number)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(invoice, form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            invoice.refresh_from_db()
            messages.success(
                request,
                gettext("Invoice %(number)s: %(status)s.")
                % {"number": invoice.number, "status": invoice.get_status_display().lower()},
            )
            return redirect("buyer:invoice_detail", supplier_code=supplier_code, number=number)
    return render_detail(request, invoice, buyer_view=True, forms={name: form})


@require_POST
@buyer_required
def invoice_release(request: HttpRequest, supplier_code: str, number: str) -> HttpResponse:
    return _act(
        request,
        supplier_code,
        number,
        ReleaseHoldForm,
        "release_form",
        lambda invoice, data: services.invoice_release_hold(
            actor=request.user, invoice=invoice, note=data["note"]
        ),
    )


@require_POST
@buyer_required
def invoice_schedule(request: HttpRequest, supplier_code: str, number: str) -> HttpResponse:
    return _act(
        request,
        supplier_code,
        number,
        ScheduleForm,
        "schedule_form",
        lambda invoice, data: services.invoice_schedule_payment(
            actor=request.user, invoice=invoice, pay_on=data["pay_on"], channel=Channel.PORTAL
        ),
    )


@require_POST
@buyer_required
def invoice_paid(request: HttpRequest, supplier_code: str, number: str) -> HttpResponse:
    return _act(
        request,
        supplier_code,
        number,
        PaidForm,
        "paid_form",
        lambda invoice, data: services.invoice_mark_paid(
            actor=request.user,
            invoice=invoice,
            paid_on=data["paid_on"],
            remittance_reference=data["remittance_reference"],
            channel=Channel.PORTAL,
        ),
    )
