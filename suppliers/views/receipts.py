"""Receiving pages: the buyer's receipt upload and receiving dashboard (schedule variance:
received vs expected delivery; receiving exceptions), and the supplier's own receiving
variances (cases on their ASNs only)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations.models import ExceptionClass
from integrations.selectors.exceptions import exception_cases_for_supplier
from portal.access import buyer_required, supplier_required
from suppliers import selectors
from suppliers.models import Receipt, Shipment
from suppliers.resources.receipts import receipts_upload

# (key, label, lowest days late, highest days late) — negative is early.
SCHEDULE_BUCKETS = (
    ("early", _("Early"), None, -1),
    ("on_time", _("On time"), 0, 0),
    ("late_1_2", _("1–2 days late"), 1, 2),
    ("late_3_7", _("3–7 days late"), 3, 7),
    ("late_8", _("More than a week late"), 8, None),
)


def _days_late(first_received: datetime.datetime, expected: datetime.date) -> int:
    return (timezone.localtime(first_received).date() - expected).days


@dataclass(frozen=True)
class ReceivedShipment:
    """A received ASN with how many days after its expected delivery it first arrived."""

    shipment: Shipment
    days_late: int


def schedule_variance(
    *, days: int = 90, bucket: str = ""
) -> tuple[list[dict[str, Any]], list[ReceivedShipment]]:
    """Counts of received ASNs per lateness bucket (first receipt vs expected delivery)
    over the last `days`, and the ASNs of `bucket` when one is asked for. Two queries."""
    since = timezone.now() - datetime.timedelta(days=days)
    rows = list(
        Shipment.objects.filter(receipts__received_at__gte=since)
        .annotate(first_received=Min("receipts__received_at"))
        .select_related("supplier", "ship_to")
        .order_by("-first_received")
    )
    counts = dict.fromkeys((key for key, *_ in SCHEDULE_BUCKETS), 0)
    members: dict[str, list[ReceivedShipment]] = {key: [] for key, *_ in SCHEDULE_BUCKETS}
    for shipment in rows:
        late = _days_late(shipment.first_received, shipment.expected_delivery)
        for key, _label, low, high in SCHEDULE_BUCKETS:
            if (low is None or late >= low) and (high is None or late <= high):
                counts[key] += 1
                members[key].append(ReceivedShipment(shipment=shipment, days_late=late))
                break
    summary = [
        {"key": key, "label": label, "count": counts[key]}
        for key, label, _low, _high in SCHEDULE_BUCKETS
    ]
    return summary, members.get(bucket, [])


@buyer_required
def receiving_dashboard(request: HttpRequest) -> HttpResponse:
    bucket = request.GET.get("bucket", "")
    summary, shipments = schedule_variance(bucket=bucket)
    peak = max((row["count"] for row in summary), default=0) or 1
    for row in summary:
        row["width"] = round(row["count"] / peak * 300)
    variances = (
        Receipt.objects.filter(lines__within_tolerance=False)
        .values("lines__variance")
        .annotate(count=Count("lines"))
        .order_by("lines__variance")
    )
    return render(
        request,
        "suppliers/receiving/dashboard.html",
        {
            "summary": summary,
            "bucket": bucket,
            "shipments": shipments[:200],
            "variances": list(variances),
            "receiving_class": ExceptionClass.RECEIVING_VARIANCE,
        },
    )


@buyer_required
def receipt_upload(request: HttpRequest) -> HttpResponse:
    result = None
    if request.method == "POST" and request.FILES.get("file"):
        result = receipts_upload(
            actor=request.user,
            upload=request.FILES["file"],
            dry_run=request.POST.get("dry_run") == "1",
        )
    return render(request, "suppliers/receiving/upload.html", {"result": result})


@supplier_required
def supplier_receiving_variances(request: HttpRequest) -> HttpResponse:
    """The supplier's receiving variances: cases on its own ASNs, nobody else's."""
    supplier = selectors.get_supplier_for_user(request.user)
    show = request.GET.get("show", "open")
    cases = exception_cases_for_supplier(supplier_code=supplier.code, active_only=show != "all")
    page = Paginator(cases, settings.PORTAL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "suppliers/receiving/variances.html",
        {"page": page, "show": show, "supplier": supplier},
    )
