"""Celery signal handlers: the correlation id travels with every task, each task's run
time and queue wait are measured, and workers leave a heartbeat for `/readyz`.

- Publishing a task copies the current correlation id into the message's headers; the
  worker binds it while the task runs, so the task's log lines (and the events it
  publishes) carry the id of the request that queued it. A task queued by beat has none
  and gets a fresh one.
- Workers log through settings.LOGGING like the web, not through Celery's own format.
- A worker writes `portal:worker-heartbeat` (an ISO time) to the cache when it starts and
  with its Celery heartbeats, at most every HEARTBEAT_EVERY seconds.
"""

import time
import uuid
from contextlib import AbstractContextManager
from typing import Any

from celery import signals
from django.core.cache import cache
from django.utils import timezone

from integrations import metrics
from integrations.correlation import bound_correlation_id, current_correlation_id

HEADER = "portal_correlation_id"
SENT_AT_HEADER = "portal_sent_at"
WORKER_HEARTBEAT_KEY = "portal:worker-heartbeat"
BEAT_HEARTBEAT_KEY = "portal:beat-heartbeat"
HEARTBEAT_EVERY = 15.0
HEARTBEAT_TIMEOUT = 600

_running: dict[str, tuple[AbstractContextManager[str], float]] = {}
_last_heartbeat = 0.0


@signals.setup_logging.connect
def _keep_django_logging(**_: Any) -> None:
    """Workers and beat log through settings.LOGGING (JSON lines with the correlation id),
    which Django applied at setup: a receiver here keeps Celery from replacing it."""


@signals.before_task_publish.connect
def _stamp_message(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is None:
        return
    headers.setdefault(HEADER, current_correlation_id())
    headers.setdefault(SENT_AT_HEADER, time.time())


@signals.task_prerun.connect
def _task_started(task_id: str = "", task: Any = None, **_: Any) -> None:
    request = getattr(task, "request", None)
    given = _header(request, HEADER) or current_correlation_id() or uuid.uuid4().hex
    binding = bound_correlation_id(given)
    binding.__enter__()
    _running[task_id] = (binding, time.perf_counter())
    sent_at = _header(request, SENT_AT_HEADER)
    if isinstance(sent_at, int | float) and task is not None:
        metrics.CELERY_TASK_LATENCY_SECONDS.labels(task=task.name).observe(
            max(time.time() - sent_at, 0.0)
        )


def _header(request: Any, name: str) -> Any:
    # A worker merges a message's headers into the task's request; `apply()` (eager, and
    # tests) keeps them in `request.headers`.
    return getattr(request, name, None) or (getattr(request, "headers", None) or {}).get(name)


@signals.task_postrun.connect
def _task_finished(task_id: str = "", task: Any = None, state: str = "", **_: Any) -> None:
    running = _running.pop(task_id, None)
    if running is None:
        return
    binding, started = running
    if task is not None:
        metrics.CELERY_TASK_SECONDS.labels(task=task.name, state=state or "unknown").observe(
            time.perf_counter() - started
        )
    binding.__exit__(None, None, None)


def record_worker_heartbeat(*, force: bool = False) -> None:
    global _last_heartbeat
    now = time.monotonic()
    if force or now - _last_heartbeat >= HEARTBEAT_EVERY:
        _last_heartbeat = now
        cache.set(WORKER_HEARTBEAT_KEY, timezone.now().isoformat(), timeout=HEARTBEAT_TIMEOUT)


@signals.worker_ready.connect
def _worker_ready(**_: Any) -> None:
    record_worker_heartbeat(force=True)


@signals.heartbeat_sent.connect
def _worker_heartbeat(**_: Any) -> None:
    record_worker_heartbeat()
