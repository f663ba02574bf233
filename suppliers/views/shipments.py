"""Supplier pages for ASNs: list, create ("ship everything open"), edit, submit, cancel,
report milestones, and bulk upload. Another supplier's ASN is a 404."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import HtmxHttpRequest, supplier_required
from suppliers import selectors, services
from suppliers.forms.shipping import (
    AsnCreateForm,
    AsnHeaderForm,
    AsnLineForm,
    CancelForm,
    MilestoneForm,
    UploadForm,
    add_domain_error,
    plain,
)
from suppliers.models import (
    PurchaseOrderLine,
    Shipment,
    ShipmentMilestone,
    Supplier,
    SupplierItem,
)
from suppliers.resources.shipping import AsnResource, run_upload
from suppliers.services.shipments import line_label


def _supplier(request: HttpRequest) -> Supplier:
    return selectors.get_supplier_for_user(request.user)


def _detail_url(shipment: Shipment) -> str:
    return reverse("suppliers:asn_detail", kwargs={"asn_number": shipment.asn_number})


@supplier_required
def asn_list(request: HtmxHttpRequest) -> HttpResponse:
    supplier = _supplier(request)
    status = request.GET.get("status", "")
    if status not in Shipment.Status.values:
        status = ""
    q = request.GET.get("q", "").strip()[:60]
    queryset = selectors.shipments_for_supplier(supplier=supplier, status=status, q=q)
    page = Paginator(queryset, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": {"status": status, "q": q},
        "statuses": Shipment.Status.choices,
        "supplier": supplier,
    }
    template = "suppliers/shipments/list.html"
    if request.htmx and request.htmx.target == "asn-results":
        template += "#results"
    return render(request, template, context)


@supplier_required
def asn_new(request: HttpRequest) -> HttpResponse:
    supplier = _supplier(request)
    purchase_orders = selectors.shippable_purchase_orders(supplier=supplier)
    initial: dict[str, Any] = {"ship_date": timezone.localdate()}
    preselected = request.GET.getlist("po")
    if preselected:
        initial["purchase_orders"] = list(purchase_orders.filter(number__in=preselected))
    form = AsnCreateForm(
        request.POST or None,
        purchase_orders=purchase_orders,
        initial=initial,
        supplier=supplier,
    )
    if request.method == "POST" and form.is_valid():
        try:
            shipment = services.asn_create_from_purchase_orders(
                actor=request.user,
                supplier=supplier,
                header=form.header(),
                purchase_orders=list(form.cleaned_data["purchase_orders"]),
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                gettext("Draft ASN %(asn)s created; check the lines and submit.")
                % {"asn": shipment},
            )
            return redirect(
                reverse("suppliers:asn_edit", kwargs={"asn_number": shipment.asn_number})
            )
    return render(
        request,
        "suppliers/shipments/new.html",
        {"form": form, "has_open": purchase_orders.exists()},
    )


def _line_forms(request: HttpRequest, shipment: Shipment) -> list[AsnLineForm]:
    """One form per confirmed line of the POs on this ASN (whether on it or not)."""
    current = {line.po_line_id: line for line in selectors.shipment_lines(shipment=shipment)}
    po_ids = {line.po_line.purchase_order_id for line in current.values()}
    po_lines = list(
        PurchaseOrderLine.objects.filter(purchase_order_id__in=po_ids, confirmed_qty__gt=0)
        .select_related("purchase_order", "item", "uom")
        .prefetch_related("schedule_lines")
        .order_by("purchase_order__number", "line_no")
    )
    supplier_units = {
        si.item_id: si.uom
        for si in SupplierItem.objects.filter(
            supplier=shipment.supplier, item_id__in=[line.item_id for line in po_lines]
        ).select_related("uom")
    }
    forms = []
    for po_line in po_lines:
        units = [po_line.uom]
        extra = supplier_units.get(po_line.item_id)
        if extra is not None and extra.pk != po_line.uom_id:
            units.append(extra)
        existing = current.get(po_line.pk)
        initial: dict[str, Any] = {"uom": str(po_line.uom_id)}
        if existing is not None:
            initial = {
                "quantity": plain(existing.quantity),
                "uom": str(existing.uom_id),
                "lot": existing.lot,
                "expiry_date": existing.expiry_date,
                "serial_numbers": "\n".join(existing.serial_numbers),
                "schedule_line": str(existing.schedule_line_id or ""),
            }
        forms.append(
            AsnLineForm(
                request.POST if request.method == "POST" else None,
                po_line=po_line,
                units=units,
                initial=initial,
            )
        )
    return forms


def _header_initial(shipment: Shipment) -> dict:
    packages = list(shipment.packages.order_by("sequence"))
    return {
        "asn_number": shipment.asn_number,
        "ship_date": shipment.ship_date,
        "expected_delivery": shipment.expected_delivery,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "package_count": shipment.package_count,
        "gross_weight_kg": shipment.gross_weight_kg,
        "sscc_labels": "\n".join(p.sscc for p in packages if p.sscc),
        "package_weights": "\n".join(
            plain(p.weight_kg) for p in packages if p.weight_kg is not None
        ),
    }


@supplier_required
def asn_edit(request: HttpRequest, asn_number: str) -> HttpResponse:
    shipment = selectors.get_shipment_for_supplier(
        supplier=_supplier(request), asn_number=asn_number
    )
    if not shipment.can_edit:
        messages.error(request, gettext("ASN %(asn)s can no longer be edited.") % {"asn": shipment})
        return redirect(_detail_url(shipment))
    form = AsnHeaderForm(
        request.POST or None, initial=_header_initial(shipment), supplier=shipment.supplier
    )
    line_forms = _line_forms(request, shipment)
    line_error = None
    if request.method == "POST":
        valid = form.is_valid() & all([line_form.is_valid() for line_form in line_forms])
        if valid:
            lines = [line_form.line_input() for line_form in line_forms]
            try:
                shipment = services.asn_update(
                    actor=request.user,
                    shipment=shipment,
                    header=form.header(),
                    lines=[line for line in lines if line is not None],
                    channel=Channel.PORTAL,
                )
            except DomainError as error:
                line_error = _place_line_error(error, form, line_forms)
            else:
                if request.POST.get("then") == "submit" and shipment.is_draft:
                    return _submit(request, shipment)
                messages.success(request, gettext("ASN %(asn)s saved.") % {"asn": shipment})
                return redirect(_detail_url(shipment))
    return render(
        request,
        "suppliers/shipments/edit.html",
        {"shipment": shipment, "form": form, "line_forms": line_forms, "line_error": line_error},
    )


def _place_line_error(error: DomainError, form, line_forms) -> str | None:
    """A line's error goes next to that line's field; others to the header form."""
    for line_form in line_forms:
        if error.line == line_label(line_form.po_line):
            field = error.field if error.field in line_form.fields else None
            line_form.add_error(field, error.message)
            return error.message
    add_domain_error(form, error)
    return None


def _submit(request: HttpRequest, shipment: Shipment) -> HttpResponse:
    try:
        services.asn_submit(actor=request.user, shipment=shipment, channel=Channel.PORTAL)
    except DomainError as error:
        messages.error(
            request,
            gettext("ASN %(asn)s was not submitted: %(error)s")
            % {"asn": shipment, "error": error.message},
        )
        return redirect(reverse("suppliers:asn_edit", kwargs={"asn_number": shipment.asn_number}))
    messages.success(request, gettext("ASN %(asn)s submitted.") % {"asn": shipment})
    return redirect(_detail_url(shipment))


@supplier_required
def asn_detail(request: HttpRequest, asn_number: str) -> HttpResponse:
    shipment = selectors.get_shipment_for_supplier(
        supplier=_supplier(request), asn_number=asn_number
    )
    return render(request, "suppliers/shipments/detail.html", asn_detail_context(shipment, True))


def asn_detail_context(shipment: Shipment, supplier_view: bool) -> dict:
    return {
        "shipment": shipment,
        "lines": selectors.shipment_lines(shipment=shipment),
        "packages": list(shipment.packages.all()),
        "timeline": selectors.shipment_timeline(shipment=shipment),
        "milestone_form": MilestoneForm(),
        "supplier_view": supplier_view,
        "po_url_name": "suppliers:po_detail" if supplier_view else "buyer:po_detail",
    }


@require_POST
@supplier_required
def asn_submit(request: HttpRequest, asn_number: str) -> HttpResponse:
    shipment = selectors.get_shipment_for_supplier(
        supplier=_supplier(request), asn_number=asn_number
    )
    return _submit(request, shipment)


@require_POST
@supplier_required
def asn_cancel(request: HttpRequest, asn_number: str) -> HttpResponse:
    shipment = selectors.get_shipment_for_supplier(
        supplier=_supplier(request), asn_number=asn_number
    )
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.asn_cancel(
            actor=request.user, shipment=shipment, reason=reason, channel=Channel.PORTAL
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            gettext("ASN %(asn)s cancelled; its quantities are open again.") % {"asn": shipment},
        )
    return redirect(_detail_url(shipment))


@require_POST
@supplier_required
def asn_milestone(request: HtmxHttpRequest, asn_number: str) -> HttpResponse:
    shipment = selectors.get_shipment_for_supplier(
        supplier=_supplier(request), asn_number=asn_number
    )
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.shipment_milestone_report(
                actor=request.user, shipment=shipment, channel=Channel.PORTAL, **form.cleaned_data
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                gettext("%(milestone)s reported for ASN %(asn)s.")
                % {
                    "milestone": ShipmentMilestone.Code(form.cleaned_data["code"]).label,
                    "asn": shipment,
                },
            )
            if request.htmx:
                return HttpResponseClientRedirect(_detail_url(shipment))
            return redirect(_detail_url(shipment))
    context = asn_detail_context(shipment, True)
    context["milestone_form"] = form
    return render(request, "suppliers/shipments/detail.html", context, status=422)


@supplier_required
def asn_upload(request: HttpRequest) -> HttpResponse:
    """ASNs from a CSV/XLSX file: "Check" is a dry run listing every bad row; "Import"
    creates and submits each ASN whose rows are all good (all-or-nothing per ASN)."""
    supplier = _supplier(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    dry_run = request.POST.get("action") != "import"
    if request.method == "POST" and form.is_valid():
        result = run_upload(
            AsnResource(supplier=supplier),
            upload=form.cleaned_data["file"],
            dry_run=dry_run,
            user=request.user,
        )
        if not dry_run and not result.invalid_rows and not result.has_errors():
            messages.success(
                request, gettext("%(count)s rows imported.") % {"count": result.totals["new"]}
            )
            return redirect(reverse("suppliers:asn_list"))
    return render(
        request,
        "suppliers/shipments/upload.html",
        {
            "form": form,
            "result": result,
            "dry_run": dry_run,
            "columns": AsnResource.COLUMNS,
        },
    )
