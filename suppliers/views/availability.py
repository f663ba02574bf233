"""Supplier availability: a table of the supplier's items edited in place with htmx (one
row at a time), and a CSV/XLSX upload with a dry run."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import HtmxHttpRequest, supplier_required
from suppliers import selectors, services
from suppliers.forms.shipping import AvailabilityRowForm, UploadForm, add_domain_error, plain
from suppliers.resources.shipping import AvailabilityResource, run_upload

TEMPLATE = "suppliers/availability/list.html"


@supplier_required
def availability_list(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    q = request.GET.get("q", "").strip()[:60]
    rows = selectors.availability_for_supplier(supplier=supplier, now=timezone.now(), q=q)
    return render(
        request,
        TEMPLATE,
        {"rows": rows, "supplier": supplier, "q": q, "upload_form": UploadForm()},
    )


@supplier_required
def availability_row(request: HtmxHttpRequest, supplier_item_id: int) -> HttpResponse:
    """GET: the row as an edit form (htmx swaps it in place). POST: save it through the
    service and return the display row, or the form with its errors."""
    supplier = selectors.get_supplier_for_user(request.user)
    supplier_item = selectors.get_supplier_item_for_supplier(
        supplier=supplier, supplier_item_id=supplier_item_id
    )
    current = selectors.availability_row(supplier_item, now=timezone.now()).current
    if request.method == "POST":
        form = AvailabilityRowForm(request.POST)
        if form.is_valid():
            try:
                services.supplier_availability_post(
                    actor=request.user,
                    supplier=supplier,
                    entries=[
                        services.AvailabilityInput(
                            supplier_item=supplier_item,
                            qty_available=form.cleaned_data["qty_available"],
                            available_date=form.cleaned_data["available_date"],
                        )
                    ],
                    channel=Channel.PORTAL,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                if not request.htmx:
                    messages.success(
                        request,
                        gettext("Availability of %(sku)s saved.")
                        % {"sku": supplier_item.supplier_sku},
                    )
                    return redirect(reverse("suppliers:availability"))
                supplier_item = selectors.get_supplier_item_for_supplier(
                    supplier=supplier, supplier_item_id=supplier_item_id
                )
                row = selectors.availability_row(supplier_item, now=timezone.now())
                return render(request, f"{TEMPLATE}#row", {"row": row})
        status = 422
    else:
        initial = {}
        if current is not None:
            initial = {
                "qty_available": plain(current.qty_available),
                "available_date": current.available_date,
            }
        form = AvailabilityRowForm(initial=initial)
        status = 200
    if request.method == "GET" and request.GET.get("cancel"):
        row = selectors.availability_row(supplier_item, now=timezone.now())
        return render(request, f"{TEMPLATE}#row", {"row": row})
    return render(
        request, f"{TEMPLATE}#edit_row", {"si": supplier_item, "form": form}, status=status
    )


@supplier_required
def availability_upload(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    dry_run = request.POST.get("action") != "import"
    if request.method == "POST" and form.is_valid():
        result = run_upload(
            AvailabilityResource(supplier=supplier),
            upload=form.cleaned_data["file"],
            dry_run=dry_run,
            user=request.user,
        )
        if not dry_run and not result.invalid_rows and not result.has_errors():
            messages.success(
                request,
                gettext("Availability of %(count)s items recorded.")
                % {"count": result.totals["new"]},
            )
            return redirect(reverse("suppliers:availability"))
    return render(
        request,
        "suppliers/availability/upload.html",
        {
            "form": form,
            "result": result,
            "dry_run": dry_run,
            "columns": AvailabilityResource.COLUMNS,
        },
    )
