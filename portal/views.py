"""Home dashboards per role, health endpoints and error pages."""

from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.access import Role, user_roles
from portal.cache import FailOpenRedisCache
from suppliers import selectors as supplier_selectors
from suppliers.models import PurchaseOrder, Supplier


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = user_roles(request.user)
    context: dict = {"roles": roles}
    supplier = supplier_selectors.supplier_for_user(request.user)
    if supplier is not None:
        counts = supplier_selectors.purchase_order_counts(supplier=supplier)
        context["supplier"] = supplier
        context["supplier_cards"] = [
            ("To acknowledge", counts.get(PurchaseOrder.Status.ISSUED, 0), "issued"),
            (
                "Change proposed",
                counts.get(PurchaseOrder.Status.CHANGE_PROPOSED, 0),
                "change_proposed",
            ),
            (
                "Overdue acknowledgment",
                supplier_selectors.supplier_overdue_acknowledgments(
                    supplier=supplier, now=timezone.now()
                ),
                "issued",
            ),
            (
                "Open to ship",
                counts.get(PurchaseOrder.Status.CONFIRMED, 0)
                + counts.get(PurchaseOrder.Status.PARTIALLY_SHIPPED, 0),
                "confirmed",
            ),
        ]
    if Role.BUYER in roles:
        counts = supplier_selectors.purchase_order_counts()
        context["buyer_cards"] = [
            (label, counts.get(value, 0), value) for value, label in PurchaseOrder.Status.choices
        ]
    if Role.PORTAL_ADMIN in roles:
        by_status = dict.fromkeys(Supplier.Status.values, 0)
        for status in Supplier.objects.values_list("status", flat=True):
            by_status[status] += 1
        context["supplier_status_cards"] = [
            (label, by_status[value]) for value, label in Supplier.Status.choices
        ]
    return render(request, "portal/home.html", context)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness. The database is required: without it the answer is 503 "error". Redis
    is not (portal.cache fails open): without it the portal still serves, and the answer
    is 200 "degraded", naming it, so a load balancer keeps sending traffic and an alert
    can still fire."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure, it never raises
        checks["database"] = f"error: {exc.__class__.__name__}"
    degraded = []
    cache = caches["default"]
    if isinstance(cache, FailOpenRedisCache):
        failure = cache.probe()
        checks["cache"] = "ok" if failure is None else f"error: {failure} (redis)"
        if failure is not None:
            degraded.append("redis")
    else:
        cache.set("portal:readyz", "1", timeout=10)
        checks["cache"] = "ok" if cache.get("portal:readyz") == "1" else "error: no round trip"
        if checks["cache"] != "ok":
            degraded.append("cache")
    checks["beat"] = cache.get("portal:beat-heartbeat") or "unknown"
    if checks["database"] != "ok":
        return JsonResponse({"status": "error", "checks": checks}, status=503)
    body: dict = {"status": "degraded" if degraded else "ok", "checks": checks}
    if degraded:
        body["degraded"] = degraded
    return JsonResponse(body)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)
