"""Invoices from a CSV/XLSX file, on the supplier's side: the upload (with a dry run) and
its downloadable template. Every invoice of the file goes through the same submission as
the page, the API and the EDI 810 (`suppliers/resources/invoices.py`); a file with any bad
row submits nothing and lists each row, column and what to fix."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.access import supplier_required
from suppliers import selectors
from suppliers.resources.invoices import COLUMNS, invoices_upload, sample_csv


@supplier_required
def invoice_upload(request: HttpRequest) -> HttpResponse:
    supplier = selectors.get_supplier_for_user(request.user)
    result = None
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            status = 422
            context: dict[str, Any] = {"columns": COLUMNS, "missing_file": True}
            return render(request, "suppliers/invoices/upload.html", context, status=status)
        result = invoices_upload(
            actor=request.user,
            supplier=supplier,
            upload=upload,
            dry_run=request.POST.get("dry_run") == "1",
        )
        status = 200 if result.ok else 422
    context = {"columns": COLUMNS, "result": result, "supplier": supplier}
    return render(request, "suppliers/invoices/upload.html", context, status=status)


@require_GET
@supplier_required
def invoice_upload_template(request: HttpRequest) -> HttpResponse:
    selectors.get_supplier_for_user(request.user)
    response = HttpResponse(sample_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="invoices-template.csv"'
    return response
