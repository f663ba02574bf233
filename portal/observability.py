"""What `/metrics` exposes beyond the counters of `integrations.metrics`, and who may read it.

The outbox's state (backlog, dead letters, oldest open delivery, breaker state) and the
Celery queue depth are read from PostgreSQL and Redis when Prometheus scrapes, so they are
right whichever worker did the work. Counters and histograms come from the process's
registry, or, under gunicorn and Celery with `PROMETHEUS_MULTIPROC_DIR` set, from the files
every process writes there (prometheus-client's multiprocess mode).

Access: a bearer token (`PORTAL_METRICS_TOKEN`) or, without one, loopback addresses only
(`PORTAL_METRICS_ALLOW_LOOPBACK`), so a scraper on the same host or a sidecar needs no
secret and the world sees nothing.
"""

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from integrations import metrics
from integrations.models import CircuitBreaker
from integrations.selectors.deliveries import connectors_with_health
from portal.slos import slo_statuses

logger = logging.getLogger("portal.requests")
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LOOPBACK = {"127.0.0.1", "::1"}


class OutboxCollector(Collector):
    """Outbox, queue and SLO state read at scrape time (a few queries and one LLEN)."""

    def collect(self) -> Iterator[Metric]:
        backlog = GaugeMetricFamily(
            "portal_outbox_backlog",
            "Deliveries not yet delivered or skipped (pending, in flight, retrying, dead, "
            "blocked), by connector.",
            labels=["connector"],
        )
        dead = GaugeMetricFamily(
            "portal_outbox_dead", "Dead deliveries waiting for an operator.", labels=["connector"]
        )
        oldest = GaugeMetricFamily(
            "portal_outbox_oldest_pending_age_seconds",
            "Age of the oldest delivery not yet delivered or skipped (0: none).",
            labels=["connector"],
        )
        breaker = GaugeMetricFamily(
            "portal_outbox_breaker_state",
            "Circuit breaker of each connector: 1 on its current state.",
            labels=["connector", "state"],
        )
        for row in connectors_with_health():
            name = row.connector.name
            backlog.add_metric([name], row.backlog)
            dead.add_metric([name], row.dead_count)
            age = row.oldest_open_age.total_seconds() if row.oldest_open_age else 0.0
            oldest.add_metric([name], age)
            for state in CircuitBreaker.State.values:
                breaker.add_metric([name, state], 1.0 if state == row.circuit_state else 0.0)
        yield from (backlog, dead, oldest, breaker)
        yield from slo_families()
        depth = celery_queue_depth()
        if depth is not None:
            queue = GaugeMetricFamily(
                "portal_celery_queue_depth",
                "Messages waiting in the Celery broker queue.",
                labels=["queue"],
            )
            queue.add_metric(["celery"], depth)
            yield queue


def slo_families() -> Iterator[Metric]:
    """Each workflow SLO's budget left and burn rates (portal.slos), three queries per SLO:
    deploy/prometheus/ alerts on them and records them for the dashboard."""
    budget = GaugeMetricFamily(
        "portal_slo_error_budget_remaining",
        "Share of the SLO's error budget left over its period (1 untouched, 0 spent).",
        labels=["slo", "workflow"],
    )
    burn = GaugeMetricFamily(
        "portal_slo_burn_rate",
        "Error budget burn rate over the SLO's long and short fast-burn windows.",
        labels=["slo", "window"],
    )
    target = GaugeMetricFamily(
        "portal_slo_target", "The SLO's target share of good events.", labels=["slo"]
    )
    for status in slo_statuses():
        key = status.slo.key
        target.add_metric([key], status.slo.target)
        if status.budget_left is not None:
            budget.add_metric([key, status.slo.workflow], status.budget_left)
        for window, rate in (("long", status.burn_long), ("short", status.burn_short)):
            if rate is not None:
                burn.add_metric([key, window], rate)
    yield from (target, budget, burn)


def celery_queue_depth(queue: str = "celery") -> int | None:
    """Length of the broker's queue list; None without a broker or when Redis is down
    (the scrape still answers: the missing series is what the alert looks for)."""
    if not settings.CELERY_BROKER_URL:
        return None
    try:
        client = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        return int(client.llen(queue))
    except redis.RedisError:
        return None


def metrics_text() -> bytes:
    """The exposition: the process's (or all processes') counters, then the outbox state."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    state = CollectorRegistry()
    state.register(OutboxCollector())
    return own + generate_latest(state)


def may_read_metrics(request: HttpRequest) -> bool:
    token = settings.PORTAL_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return settings.PORTAL_METRICS_ALLOW_LOOPBACK and request.META.get("REMOTE_ADDR") in LOOPBACK


def _route(request: HttpRequest) -> str:
    # The URL's name, never its path: a path label would make one series per document.
    match = getattr(request, "resolver_match", None)
    return (match.view_name or match.route) if match is not None else "unmatched"


class RequestMetricsMiddleware:
    """Latency of every request by route and status; of API requests also by key kind."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route, status = _route(request), str(response.status_code)
        if route == "metrics":
            return response
        logger.info(
            "%s %s %s %.0f ms",
            request.method,
            request.path,
            status,
            elapsed * 1000,
            extra={"route": route, "status": response.status_code},
        )
        metrics.HTTP_REQUEST_SECONDS.labels(
            route=route, method=request.method or "", status=status
        ).observe(elapsed)
        if request.path.startswith("/api/"):
            # DRF copies the authenticated key onto the Django request as `auth`.
            key = getattr(request, "auth", None)
            kind = "none" if key is None else _key_kind(key)
            metrics.API_REQUEST_SECONDS.labels(key_kind=kind, route=route, status=status).observe(
                elapsed
            )
        return response


def _key_kind(key: object) -> str:
    return "internal" if getattr(key, "supplier_id", None) is None else "supplier"
