"""Fault tests of the outbox against the real thing: PostgreSQL, the Redis broker, a real
Celery worker subprocess (with its embedded beat running the sweeper every second) and a
real local HTTP sink that dedupes by Idempotency-Key.

The worker reads the committed test database, so these tests use `transactional_db` and
hand the worker the test database's URL. Every wait is bounded.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from integrations.models import CircuitBreaker, Delivery, Event
from integrations.services import delivery_replay
from tests.integrations.factories import ConnectorFactory
from tests.integrations.helpers import publish_po_event

ROOT = Path(__file__).resolve().parents[2]
_REQUIRED = bool(os.environ.get("REQUIRE_POSTGRES") or os.environ.get("REQUIRE_REDIS"))


def _missing_backend() -> str:
    if connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://…)"
    if not settings.CELERY_BROKER_URL:
        return "needs a Redis broker (set CELERY_BROKER_URL=redis://…)"
    return ""


@pytest.fixture(autouse=True)
def _real_backends_only(transactional_db):
    reason = _missing_backend()
    if reason:
        if _REQUIRED:  # CI asked for the real backends: never skip silently there.
            pytest.fail(f"Outbox fault tests cannot run: {reason}")
        pytest.skip(reason)


pytestmark = pytest.mark.postgres


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery worker -B` in its own process group, on the committed test database."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.process: subprocess.Popen | None = None
        self.log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"

    def start(self) -> "Worker":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "OUTBOX_SWEEP_SECONDS": "1",
            "DATABASE_CONN_MAX_AGE": "0",
            "TEST_SINK_SECRET": "s3cret",
        }
        celery = Path(sys.executable).parent / "celery"
        self.process = subprocess.Popen(
            [
                str(celery),
                "-A",
                "portal",
                "worker",
                "-B",
                "--schedule",
                str(self.tmp_path / f"beat-{uuid.uuid4().hex[:6]}"),
                "--concurrency",
                "2",
                "--loglevel",
                "WARNING",
                "--hostname",
                f"outbox-test-{uuid.uuid4().hex[:6]}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


@pytest.fixture
def workers(tmp_path):
    from portal.celery import app

    app.control.purge()  # stale messages would only be no-ops, but keep runs clean
    started: list[Worker] = []

    def start() -> Worker:
        worker = Worker(tmp_path).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def connector(transactional_db, sink):
    return ConnectorFactory(
        name="wms",
        config={"url": sink.url, "secret_env": "TEST_SINK_SECRET"},
        event_types=["purchase_order.*"],
        backoff_base_seconds=0.2,
        backoff_cap_seconds=1.0,
        breaker_threshold=3,
        breaker_cooldown_seconds=1,
        timeout_seconds=5,
        lease_seconds=6,
        max_attempts=50,
    )


def wait_for(condition, *, timeout: float, what: str, worker: Worker | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    log = f"\n--- worker log ---\n{worker.log_tail()}" if worker else ""
    pytest.fail(f"Timed out after {timeout} s waiting for {what}{log}")


def publish_committed(number: str, event_type: str = "purchase_order.acknowledged") -> Event:
    with transaction.atomic():
        return publish_po_event(number, event_type)


def statuses() -> dict[str, int]:
    result: dict[str, int] = {}
    for status in Delivery.objects.values_list("status", flat=True):
        result[status] = result.get(status, 0) + 1
    return result


@contextlib.contextmanager
def broker_unreachable():
    """This process's producer points at a closed port, as when Redis is down."""
    from portal.celery import app

    saved = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url = app.conf.broker_write_url = "redis://127.0.0.1:1/0"
    app._pool = None
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.broker_write_url = saved
        app._pool = None


def test_a_rolled_back_transaction_publishes_nothing(connector, sink, workers):
    worker = workers()
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_po_event("PO-GONE", "purchase_order.received")
        raise RuntimeError("business change failed")
    kept = publish_committed("PO-KEPT", "purchase_order.received")
    wait_for(lambda: len(sink.accepted) == 1, timeout=30, what="the committed event", worker=worker)
    time.sleep(2)  # two more sweeps: nothing else may turn up
    assert [e["id"] for e in sink.accepted] == [str(kept.id)]
    assert list(Event.objects.values_list("aggregate_id", flat=True)) == ["PO-KEPT"]


def test_with_the_broker_down_nothing_is_lost_and_the_sweeper_delivers_each_event_once(
    connector, sink, workers
):
    # Redis is "down": no worker, no beat, and this process cannot enqueue.
    with broker_unreachable():
        started = time.monotonic()
        events = [publish_committed(f"PO-{n % 5}") for n in range(25)]
        assert time.monotonic() - started < 10  # publishing did not hang on the broker
    assert statuses() == {"pending": 25}
    worker = workers()  # Redis is back: beat's sweeper finds the backlog
    wait_for(
        lambda: statuses() == {"delivered": 25}, timeout=40, what="all delivered", worker=worker
    )
    assert sink.key_counts() == {str(e.id): 1 for e in events}
    assert sink.sequences_by_document() == {f"PO-{n}": [1, 2, 3, 4, 5] for n in range(5)}


def test_500s_then_recovery_opens_and_closes_the_breaker_and_delivers_everything(
    connector, sink, workers
):
    sink.fail_status = 500
    events = [publish_committed(f"PO-{n}", "purchase_order.received") for n in range(8)]
    worker = workers()
    wait_for(
        lambda: CircuitBreaker.objects.filter(connector=connector, times_opened__gte=1).exists(),
        timeout=30,
        what="the breaker to open",
        worker=worker,
    )
    time.sleep(1.5)  # failures continue through at least one cooldown and probe
    sink.heal()
    wait_for(lambda: statuses() == {"delivered": 8}, timeout=40, what="recovery", worker=worker)
    breaker = CircuitBreaker.objects.get(connector=connector)
    assert (breaker.state, breaker.consecutive_failures) == ("closed", 0)
    assert sink.key_counts() == {str(e.id): 1 for e in events}
    failed = Delivery.objects.filter(attempt_rows__outcome="transient").distinct().count()
    assert failed >= 3
    assert all(
        d.attempt_rows.filter(outcome="success").count() == 1 for d in Delivery.objects.all()
    )


def test_a_400_kills_one_delivery_blocks_its_document_and_replay_delivers_in_order(
    connector, sink, workers, operator
):
    sink.fail_documents["PO-BAD"] = 400
    first = publish_committed("PO-BAD", "purchase_order.received")
    second = publish_committed("PO-BAD")
    others = [publish_committed(f"PO-OK-{n}", "purchase_order.received") for n in range(3)]
    worker = workers()
    wait_for(
        lambda: statuses() == {"dead": 1, "blocked": 1, "delivered": 3},
        timeout=30,
        what="dead + blocked + others delivered",
        worker=worker,
    )
    dead = Delivery.objects.get(event=first)
    assert (dead.status, dead.last_error, dead.last_status_code) == (
        "dead",
        "HTTP 400 Bad Request",
        400,
    )
    assert {e["id"] for e in sink.accepted} == {str(e.id) for e in others}
    sink.heal()
    with transaction.atomic():
        delivery_replay(actor=operator, delivery=dead)
    wait_for(lambda: statuses() == {"delivered": 5}, timeout=30, what="replay", worker=worker)
    assert sink.sequences_by_document()["PO-BAD"] == [1, 2]
    assert [e["id"] for e in sink.accepted if e["aggregate"]["id"] == "PO-BAD"] == [
        str(first.id),
        str(second.id),
    ]


def test_a_worker_killed_mid_delivery_loses_nothing_once_its_lease_expires(
    connector, sink, workers
):
    sink.hang_seconds = 30  # the first request hangs until the worker is gone
    event = publish_committed("PO-1", "purchase_order.received")
    worker = workers()
    assert sink.hang_started.wait(timeout=30), worker.log_tail()
    worker.kill(signal.SIGKILL)
    assert Delivery.objects.get(event=event).status == "in_flight"
    sink.heal()
    replacement = workers()
    wait_for(
        lambda: Delivery.objects.get(event=event).status == "delivered",
        timeout=40,
        what="the delivery after lease expiry",
        worker=replacement,
    )
    delivery = Delivery.objects.get(event=event)
    assert list(delivery.attempt_rows.values_list("outcome", flat=True)) == ["lost", "success"]
    assert sink.key_counts() == {str(event.id): 1}
