"""Outbox throughput against its physical limit (DESIGN §9: ≥ 1,000 deliveries/s).

    .venv/bin/python bench/outbox.py [--events 20000] [--workers 2] [--smoke]

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/portal_bench (created when
missing), CELERY_BROKER_URL to redis://127.0.0.1:6379/4 (its queue is purged).

1. A local HTTP sink (tests/integrations/sink.py) runs in its own process on loopback.
2. N events are published through `integrations.publish()` (transactions of 200, like a
   bulk import) while no worker runs: a backlog, as after an outage. Each transaction
   queues one drain task for the connector on commit.
3. A real `celery worker` with two processes drains it. The rate is N divided by the time
   from the first attempt to the last delivery (worker boot is not counted).
4. In the same run, the limit: a bare loop per process (same number of processes) POSTing
   the same payloads to the same sink over kept-alive connections, nothing else.
5. The bench connector, its deliveries and the bench events are deleted at the end.

`--smoke` (CI): 400 events, at most 120 s to drain, the figures and no verdict; exit status
0 when it ran. The worker and the sink are stopped also on error, Ctrl-C or SIGTERM.

Measured on the 2-core dev VM (shared with PostgreSQL, Redis, the sink and other work, so
±30 % from run to run), 20,000 events: 770 deliveries/s before the claim index, COPY of
attempts, one write-back transaction and the connector's own HTTP client (limit then
2,163 req/s with http.client); 1,393–1,677 deliveries/s after (limit 1,835 req/s with
http.client, 4,305–5,150 req/s with the connector's client).
"""

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    ROOT,
    SMOKE_HELP,
    ensure_postgres_database,
    load_average,
    stop_cleanly_on_sigterm,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
# Measured as in production: no DEBUG query log in the bench or its workers.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/4")

TARGET_RATE = 1_000  # deliveries/s (DESIGN §9)


def _serve_sink(port_queue) -> None:
    from tests.integrations.sink import Sink

    sink = Sink()
    sink.record_payloads = False
    port_queue.put(sink.server.server_address[1])
    sink.server.serve_forever(poll_interval=0.2)


def _sink_stats(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/stats")
    return json.loads(conn.getresponse().read())


def _bare_loop(port: int, bodies: list[bytes], keys: list[str], ready, go) -> None:
    # The same HTTP client the webhook connector uses (no Django, no database): the limit
    # is the sink plus the cheapest client we have, not a slower one.
    import django

    django.setup()  # the connector module imports the models
    from integrations.connectors.webhook import KeptAliveConnection

    conn = KeptAliveConnection("http", f"127.0.0.1:{port}", 10)
    ready.put(True)
    go.wait()  # process start and imports are not part of the measured time
    for body, key in zip(bodies, keys, strict=True):
        status, *_ = conn.post(
            "/events", {"Content-Type": "application/json", "Idempotency-Key": key}, body
        )
        if status != 200:
            raise SystemExit(f"sink answered {status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        args.events, args.timeout = 400, 120
    stop_cleanly_on_sigterm()
    print(f"load average at the start: {load_average()}")
    ensure_postgres_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from integrations.models import Connector, Event
    from portal.celery import app

    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL:
        raise SystemExit("Set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).")
    # Celery's autodiscovery is lazy: a worker imports every app's tasks package when it
    # starts, this process does not, and `publish()` looks the drain task up by name to
    # queue it on commit. Import them now, as a worker would.
    app.autodiscover_tasks(force=True)
    call_command("migrate", verbosity=0)

    ctx = multiprocessing.get_context("spawn")
    port_queue = ctx.Queue()
    sink_process = ctx.Process(target=_serve_sink, args=(port_queue,), daemon=True)
    sink_process.start()
    try:
        port = port_queue.get(timeout=30)
        # A clean slate for the bench connector only.
        Connector.objects.filter(name="bench-sink").delete()
        Event.objects.filter(aggregate_type="bench").delete()
        connector = Connector.objects.create(
            kind="webhook",
            name="bench-sink",
            label="bench sink",
            config={"url": f"http://127.0.0.1:{port}/events"},
            event_types=["purchase_order.*"],
            batch_size=100,
        )
        app.control.purge()
        rate, window, attempts = drain(connector, args)
        stats = _sink_stats(port)
        limit = bare_limit(ctx, port, args.workers, Event.objects.filter(aggregate_type="bench"))
    finally:
        sink_process.terminate()
        # What the bench created goes: the connector (its deliveries and attempts with it)
        # and the bench's events.
        Connector.objects.filter(name="bench-sink").delete()
        Event.objects.filter(aggregate_type="bench").delete()

    n = args.events
    print(
        f"outbox: {n:,} deliveries in {window:.2f} s = {rate:,.0f} deliveries/s "
        f"with {args.workers} worker processes ({attempts:,} attempts; sink accepted "
        f"{stats['accepted']:,}, duplicates {stats['duplicates']})"
    )
    print(f"limit : bare loop x{args.workers} POSTing the same payloads = {limit:,.0f} requests/s")
    print(f"ratio : {rate / limit:.2f} of the limit")
    print(f"load average at the end: {load_average()}")
    if args.smoke:
        return 0
    print(f"target >= {TARGET_RATE:,} deliveries/s: {'met' if rate >= TARGET_RATE else 'NOT met'}")
    return 0 if rate >= TARGET_RATE else 1


def drain(connector, args: argparse.Namespace) -> tuple[float, float, int]:
    """Publish the backlog, then let a real worker drain it: (deliveries/s, seconds from the
    first attempt to the last delivery, attempts)."""
    from django.db import transaction
    from django.db.models import Max, Min

    from integrations.models import Delivery, DeliveryAttempt
    from integrations.services import publish

    n = args.events
    started = time.perf_counter()
    for first in range(0, n, 200):
        with transaction.atomic():
            for i in range(first, min(n, first + 200)):
                publish(
                    event_type="purchase_order.acknowledged",
                    aggregate_type="bench",
                    aggregate_id=f"PO-{i:06d}",
                    data={"number": f"PO-{i:06d}", "kind": "accept", "lines": [{"line_no": 1}]},
                )
    publish_seconds = time.perf_counter() - started
    print(f"published {n:,} events in {publish_seconds:.1f} s ({n / publish_seconds:,.0f}/s)")

    env = {**os.environ, "DATABASE_CONN_MAX_AGE": "600", "LOG_LEVEL": "WARNING"}
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "--quiet",  # no banner: the bench prints its own figures
            "-A",
            "portal",
            "worker",
            "--concurrency",
            str(args.workers),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"bench-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deliveries = Delivery.objects.filter(connector=connector)
    try:
        deadline = time.monotonic() + args.timeout
        while deliveries.filter(status="delivered").count() < n:
            if worker.poll() is not None:
                raise SystemExit(f"the Celery worker exited with {worker.returncode}")
            if time.monotonic() > deadline:
                raise SystemExit(f"not drained after {args.timeout:.0f} s")
            time.sleep(0.5)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=5)

    attempts = DeliveryAttempt.objects.filter(connector=connector)
    first_try = attempts.aggregate(t=Min("started_at"))["t"]
    last_done = deliveries.aggregate(t=Max("delivered_at"))["t"]
    window = (last_done - first_try).total_seconds()
    return n / window, window, attempts.count()


def bare_limit(ctx, port: int, workers: int, events) -> float:
    """The limit: the same payloads, POSTed by bare loops over the same number of
    processes; requests/s."""
    bodies = [
        json.dumps(e.envelope(), separators=(",", ":")).encode()
        for e in events.order_by("aggregate_id")
    ]
    keys = [f"bare-{i}" for i in range(len(bodies))]
    ready, go = ctx.Queue(), ctx.Event()
    loops = [
        ctx.Process(
            target=_bare_loop,
            args=(port, bodies[k::workers], keys[k::workers], ready, go),
        )
        for k in range(workers)
    ]
    for loop in loops:
        loop.start()
    for _ in loops:
        ready.get(timeout=120)
    started = time.perf_counter()
    go.set()
    for loop in loops:
        loop.join()
        if loop.exitcode != 0:
            raise SystemExit(f"a bare loop failed (exit code {loop.exitcode})")
    return len(bodies) / (time.perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main())
