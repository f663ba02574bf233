"""Inventory pages for internal users: the dashboard, reconciliation runs with a live
progress bar, positions side by side, and snapshots with their error reports."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from integrations.errors import DomainError
from integrations.models import Channel
from inventory import selectors
from inventory.forms.snapshots import SnapshotUploadForm
from inventory.models import ReconciliationRun, Warehouse
from inventory.resources.snapshots import snapshot_upload_stream
from inventory.services.reconciliation import reconciliation_queue
from inventory.services.snapshots import error_report_rows, snapshot_ingest
from inventory.views.charts import line_chart
from portal.access import INTERNAL_ROLES, role_required

internal_required = role_required(*INTERNAL_ROLES)


@internal_required
def dashboard(request: HttpRequest) -> HttpResponse:
    exceptions_url = reverse("exceptions:list")
    chart = line_chart(
        selectors.discrepancy_series(),
        link=lambda code: f"{exceptions_url}?warehouse={code}",
    )
    runs = selectors.recent_runs(limit=1)
    return render(
        request,
        "inventory/dashboard.html",
        {"chart": chart, "last_run": runs[0] if runs else None},
    )


@internal_required
def run_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "inventory/runs.html",
        {"runs": selectors.recent_runs(), "warehouses": selectors.active_warehouses()},
    )


@require_POST
@internal_required
def run_start(request: HttpRequest) -> HttpResponse:
    """Queue a reconciliation and answer with its progress bar, which polls itself."""
    code = request.POST.get("warehouse", "").strip()
    if code and not Warehouse.objects.filter(code=code).exists():
        raise Http404("No such warehouse.")
    run = reconciliation_queue(actor=request.user, warehouse_code=code)
    return _progress(request, run, status=202)


def _progress(request: HttpRequest, run: ReconciliationRun, status: int = 200) -> HttpResponse:
    return render(request, "inventory/partials/_run_progress.html", {"run": run}, status=status)


@internal_required
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    return _progress(request, selectors.get_run(run_id=run_id))


@internal_required
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = selectors.get_run(run_id=run_id)
    return render(request, "inventory/run_detail.html", {"run": run})


@internal_required
def position_list(request: HttpRequest) -> HttpResponse:
    warehouses = list(selectors.active_warehouses())
    code = request.GET.get("warehouse") or (warehouses[0].code if warehouses else "")
    warehouse = next((w for w in warehouses if w.code == code), None)
    q = request.GET.get("q", "").strip()[:40]
    erp = wms = None
    rows = []
    if warehouse is not None:
        erp = selectors.latest_snapshot(warehouse=warehouse, source="erp")
        wms = selectors.latest_snapshot(warehouse=warehouse, source="wms")
        rows = selectors.positions(warehouse=warehouse, erp=erp, wms=wms, q=q)
    page = Paginator(rows, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/positions.html",
        {
            "page": page,
            "warehouses": warehouses,
            "warehouse": warehouse,
            "erp": erp,
            "wms": wms,
            "erp_first": erp is not None,
            "q": q,
        },
    )


@internal_required
def snapshot_list(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("warehouse", "").strip()[:20]
    page = Paginator(selectors.snapshots(warehouse_code=code), settings.PORTAL_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "inventory/snapshots.html", {"page": page, "warehouse_code": code})


@internal_required
def snapshot_upload(request: HttpRequest) -> HttpResponse:
    """Upload one stock file: read by the shared upload rules, ingested set-based, then
    the new snapshot's page (with its error report)."""
    form = SnapshotUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = snapshot_ingest(
                actor=request.user,
                stream=snapshot_upload_stream(data["file"]),
                source=data["source"],
                warehouse=data["warehouse"],
                taken_at=data["taken_at"],
                file_name=data["file"].name or "",
                partial=data["partial"],
                channel=Channel.PORTAL,
            )
        except DomainError as error:
            form.add_error("file" if error.field == "file" else None, error.message)
        else:
            return redirect("inventory:snapshot_detail", snapshot_id=result.snapshot.pk)
    return render(request, "inventory/snapshot_upload.html", {"form": form})


@internal_required
def snapshot_detail(request: HttpRequest, snapshot_id: int) -> HttpResponse | StreamingHttpResponse:
    snapshot = selectors.get_snapshot(snapshot_id=snapshot_id)
    if request.GET.get("format") == "csv":
        # The whole report, streamed from the snapshot's kept issues: every ingest keeps
        # one (command, page, nightly pull), however many rows it rejected.
        response = StreamingHttpResponse(error_report_rows(snapshot), content_type="text/csv")
        response["Content-Disposition"] = (
            f'attachment; filename="snapshot-{snapshot.pk}-errors.csv"'
        )
        return response
    return render(request, "inventory/snapshot_detail.html", {"snapshot": snapshot})
