"""Home dashboards per role, health and metrics endpoints and error pages."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.access import Role, user_roles
from portal.cache import FailOpenRedisCache
from portal.observability import CONTENT_TYPE, may_read_metrics, metrics_text
from portal.worker_signals import BEAT_HEARTBEAT_KEY, WORKER_HEARTBEAT_KEY
from suppliers import selectors as supplier_selectors
from suppliers.models import PurchaseOrder, Supplier


@login_required
def home(request: HttpRequest) -> HttpResponse:
    roles = user_roles(request.user)
    context: dict = {"roles": roles}
    supplier = supplier_selectors.supplier_for_user(request.user)
    if supplier is not None:
        # The inbox counters of the supplier's PO list, each opening that list's queue.
        inbox = supplier_selectors.supplier_inbox(supplier=supplier, now=timezone.now())
        po_list = reverse("suppliers:po_list")
        context["supplier"] = supplier
        context["supplier_cards"] = [
            (label, inbox.queues[queue], f"{po_list}?queue={queue}")
            for queue, label in supplier_selectors.INBOX_QUEUES.items()
        ]
    if Role.BUYER in roles:
        counts = supplier_selectors.purchase_order_counts()
        po_list = reverse("buyer:po_list")
        context["buyer_cards"] = [
            (label, counts.get(value, 0), f"{po_list}?status={value}")
            for value, label in PurchaseOrder.Status.choices
        ]
    if Role.PORTAL_ADMIN in roles:
        by_status = dict.fromkeys(Supplier.Status.values, 0)
        for status in Supplier.objects.values_list("status", flat=True):
            by_status[status] += 1
        supplier_list = reverse("supplier_admin:supplier_list")
        context["supplier_status_cards"] = [
            (label, by_status[value], f"{supplier_list}?status={value}")
            for value, label in Supplier.Status.choices
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
    can still fire. The worker's and beat's heartbeats (portal.worker_signals) are
    reported; with PORTAL_READYZ_HEARTBEATS on (production) a missing one also makes the
    answer "degraded". `missing` names everything that did not answer."""
    checks: dict[str, str] = {}
    missing: list[str] = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure, it never raises
        checks["database"] = f"error: {exc.__class__.__name__}"
        missing.append("database")
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
    missing.extend(degraded)
    now = timezone.now()
    for name, key, max_age in (
        ("worker", WORKER_HEARTBEAT_KEY, settings.PORTAL_WORKER_HEARTBEAT_MAX_AGE),
        ("beat", BEAT_HEARTBEAT_KEY, settings.PORTAL_BEAT_HEARTBEAT_MAX_AGE),
    ):
        checks[name] = _heartbeat(cache.get(key), now=now, max_age=max_age)
        if checks[name] != "ok":
            missing.append(name)
            if settings.PORTAL_READYZ_HEARTBEATS:
                degraded.append(name)
    if checks["database"] != "ok":
        return JsonResponse({"status": "error", "checks": checks, "missing": missing}, status=503)
    body: dict = {"status": "degraded" if degraded else "ok", "checks": checks}
    if degraded:
        body["degraded"] = degraded
    body["missing"] = missing
    return JsonResponse(body)


def _heartbeat(value: str | None, *, now: datetime.datetime, max_age: int) -> str:
    """ "ok", or why the heartbeat counts as missing."""
    if not value:
        return "missing: never seen (or the cache forgot it)"
    try:
        seen = datetime.datetime.fromisoformat(value)
    except ValueError:
        return f"missing: unreadable heartbeat {value!r}"
    age = (now - seen).total_seconds()
    if age > max_age:
        return f"missing: last seen {age:.0f} s ago (more than {max_age} s)"
    return "ok"


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition (portal.observability): a bearer token or loopback only."""
    if not may_read_metrics(request):
        return HttpResponse("Forbidden.\n", status=403, content_type="text/plain")
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)
