"""Prometheus metric objects and the one-line helpers that services call to move them.

A kernel module (like `correlation`): every layer may import it and it imports none of
ours. Only counters and histograms live here, moved where the work happens; the state
read from the tables (outbox backlog, oldest pending age, breaker state, queue depth) is
computed when `/metrics` is scraped (`portal.observability`), so it is right whichever
process did the work. Under gunicorn and Celery, `PROMETHEUS_MULTIPROC_DIR` makes
prometheus-client keep each process's values in files that the scrape adds up.

The helpers also write the log line of what they count, with the correlation id of the
message concerned, so that one `grep` of an id follows a message through the worker and
its connector call (the logging filter in `portal.observability` puts the id on every
other line).
"""

import collections
import logging
from collections.abc import Iterable
from typing import Any

from prometheus_client import Counter, Histogram

logger = logging.getLogger("integrations.outbox")

# Seconds: most pages answer in tens of milliseconds, a slow report in seconds.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A reconciliation takes seconds for a small warehouse, minutes for a million lines.
_LONG_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

HTTP_REQUEST_SECONDS = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by route (URL name), method and status code.",
    ["route", "method", "status"],
    buckets=_LATENCY_BUCKETS,
)
API_REQUEST_SECONDS = Histogram(
    "portal_api_request_duration_seconds",
    "Time to answer an API request, by the kind of key (supplier, internal, none) and route.",
    ["key_kind", "route", "status"],
    buckets=_LATENCY_BUCKETS,
)
OUTBOX_ATTEMPTS = Counter(
    "portal_outbox_attempts",
    "Delivery attempts by connector and outcome (success, transient, permanent, lost).",
    ["connector", "outcome"],
)
OUTBOX_ATTEMPT_SECONDS = Histogram(
    "portal_outbox_attempt_duration_seconds",
    "Time of one connector call, by connector.",
    ["connector"],
    buckets=_LATENCY_BUCKETS,
)
OUTBOX_FAILURES = Counter(
    "portal_outbox_failures",
    "Failed delivery attempts (transient or permanent), by connector.",
    ["connector"],
)
OUTBOX_DEAD_LETTERS = Counter(
    "portal_outbox_dead_letters",
    "Deliveries that went dead (permanent error, attempts exhausted, too old), by connector.",
    ["connector"],
)
OUTBOX_REPLAYS = Counter(
    "portal_outbox_replays",
    "Dead deliveries replayed by an operator, by connector.",
    ["connector"],
)
CELERY_TASK_SECONDS = Histogram(
    "portal_celery_task_duration_seconds",
    "Run time of a Celery task, by task name and state.",
    ["task", "state"],
    buckets=_LATENCY_BUCKETS + _LONG_BUCKETS[4:],
)
CELERY_TASK_LATENCY_SECONDS = Histogram(
    "portal_celery_task_queue_seconds",
    "Time a Celery task waited between being queued and starting, by task name.",
    ["task"],
    buckets=_LATENCY_BUCKETS + _LONG_BUCKETS[4:],
)
RECONCILIATION_SECONDS = Histogram(
    "portal_reconciliation_duration_seconds",
    "Duration of a finished reconciliation run (all its warehouses).",
    buckets=_LONG_BUCKETS,
)
RECONCILIATION_DISCREPANCIES = Counter(
    "portal_reconciliation_discrepancies",
    "Differences found by reconciliation runs, by warehouse and class.",
    ["warehouse", "discrepancy_class"],
)
INGEST_ROWS = Counter(
    "portal_ingest_rows",
    "Stock snapshot rows read, by source (erp, wms) and result (loaded, rejected); "
    "rate() gives rows per second.",
    ["source", "result"],
)
EDI_SETS = Counter(
    "portal_edi_sets",
    "Inbound EDI transaction sets by set id (855, 856, …) and result (accepted, rejected, …).",
    ["transaction_set", "result"],
)


def attempt_recorded(connector: str, delivery: Any, attempt: Any) -> None:
    """One connector call finished (dispatch): `attempt` is its unsaved DeliveryAttempt
    row, `delivery` the Delivery with its event (type, id, correlation id) loaded."""
    outcome = attempt.outcome
    duration_ms, status_code = attempt.duration_ms, attempt.status_code
    OUTBOX_ATTEMPTS.labels(connector=connector, outcome=outcome).inc()
    OUTBOX_ATTEMPT_SECONDS.labels(connector=connector).observe(duration_ms / 1000)
    if outcome != "success":
        OUTBOX_FAILURES.labels(connector=connector).inc()
    event = delivery.event
    logger.log(
        logging.INFO if outcome == "success" else logging.WARNING,
        "delivery %s attempt %s to %s: %s (%s ms, status %s)",
        delivery.pk,
        delivery.attempts,
        connector,
        outcome,
        duration_ms,
        status_code,
        extra={
            "correlation_id": event.correlation_id,
            "event_id": str(event.id),
            "event_type": event.type,
            "connector": connector,
            "outcome": outcome,
        },
    )


def leases_reclaimed(reclaimed: Iterable[tuple[Any, int]]) -> None:
    """The sweeper took back deliveries whose worker died: one lost attempt each, and a
    dead letter for those that spent their last attempt. (connector, attempts) pairs."""
    for connector, attempts in reclaimed:
        OUTBOX_ATTEMPTS.labels(connector=connector.name, outcome="lost").inc()
        OUTBOX_FAILURES.labels(connector=connector.name).inc()
        if attempts >= connector.max_attempts:
            OUTBOX_DEAD_LETTERS.labels(connector=connector.name).inc()


def dead_lettered(*, connector: str, count: int = 1) -> None:
    if count:
        OUTBOX_DEAD_LETTERS.labels(connector=connector).inc(count)


def replayed(*, connector: str, count: int = 1) -> None:
    if count:
        OUTBOX_REPLAYS.labels(connector=connector).inc(count)


def replayed_many(connectors: Iterable[str]) -> None:
    """A bulk replay: the connector name of each replayed delivery."""
    for connector, count in collections.Counter(connectors).items():
        replayed(connector=connector, count=count)


def reconciliation_finished(*, run: Any) -> None:
    """A ReconciliationRun finished: its duration, and its differences by warehouse and
    class (`run.by_warehouse` is `{code: {"classes": {kind: n}, …}}`)."""
    if run.started_at and run.finished_at:
        RECONCILIATION_SECONDS.observe((run.finished_at - run.started_at).total_seconds())
    for code, stats in (run.by_warehouse or {}).items():
        for kind, count in (stats.get("classes") or {}).items():
            if kind != "pending" and count:
                RECONCILIATION_DISCREPANCIES.labels(warehouse=code, discrepancy_class=kind).inc(
                    count
                )


def ingest_counted(*, source: str, loaded: int, rejected: int) -> None:
    INGEST_ROWS.labels(source=source, result="loaded").inc(loaded)
    INGEST_ROWS.labels(source=source, result="rejected").inc(rejected)


def edi_sets_counted(sets: Iterable[tuple[str, str]]) -> None:
    """(set id, status) of each transaction set of one inbound interchange."""
    for set_id, status in sets:
        EDI_SETS.labels(transaction_set=set_id, result=status).inc()
