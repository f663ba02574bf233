"""REST API v1 against a bare Django view, same server, same run (issue 9).

    .venv/bin/python bench/api.py [--duration 8] [--warmup 2] [--concurrency 4]

1. Database `portal_bench_api` on 127.0.0.1 (DATABASE_URL overrides), prepared like
   bench/po_list.py: `seed_demo --scale large` plus the deterministic fill of anna's
   supplier to ~100,000 PO lines (first run only; a marker row makes later runs reuse it),
   then VACUUM ANALYZE.
2. A fresh API key of anna's supplier (scopes read, ship); 20 confirmed PO lines with an
   open quantity, shipping to one warehouse.
3. gunicorn (2 sync workers, bench/settings.py, throttles lifted) on a free loopback port.
   A Python load generator (threads, one connection per request, as gunicorn's sync
   workers close them anyway) runs each target for a warm-up, then `--duration` seconds:
   - the bare view `/bench/bare/` (the floor),
   - `GET /api/v1/purchase-orders?limit=50` (first page, 100,000-line supplier),
   - `POST /api/v1/asns` with 20 lines (a new draft ASN per request, unique numbers).
   Prints requests/s, p50 and p95 latency per target and each API target's throughput as a
   ratio of the bare view's.
4. gunicorn is stopped at the end, also on error or Ctrl-C. Only 127.0.0.1 is contacted.

The load generator shares the 2 CPUs with the server: compare ratios, not absolutes.
"""

import argparse
import http.client
import itertools
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_api")
# The benchmark measures the API, not its throttles.
os.environ["API_THROTTLE_KEY_RATE"] = "100000000/min"
os.environ["API_THROTTLE_TENANT_RATE"] = "100000000/min"

from bench import po_list  # noqa: E402  (sets DJANGO_SETTINGS_MODULE=bench.settings)

HOST = po_list.HOST
ASN_LINES = 20


def open_lines(supplier) -> list:
    """ASN_LINES confirmed lines with something open to ship, all to one warehouse."""
    from collections import defaultdict

    from django.db.models import F

    from suppliers.models import PurchaseOrder, PurchaseOrderLine

    by_warehouse = defaultdict(list)
    lines = (
        PurchaseOrderLine.objects.filter(
            purchase_order__supplier=supplier,
            purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
            confirmed_qty__gte=F("shipped_qty") + 1,
        )
        .select_related("purchase_order")
        .order_by("purchase_order__number", "line_no")[:5000]
    )
    for line in lines:
        group = by_warehouse[line.purchase_order.ship_to_id]
        group.append(line)
        if len(group) == ASN_LINES:
            return group
    raise SystemExit(f"no warehouse has {ASN_LINES} open confirmed lines for {supplier.code}")


def request(port: int, method: str, path: str, headers: dict, body: bytes | None) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def load(port: int, make, *, seconds: float, concurrency: int, expect: int) -> dict:
    """Run `make()` → (method, path, headers, body) from `concurrency` threads for `seconds`;
    latencies of the requests that answered `expect`."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            method, path, headers, body = make()
            started = time.perf_counter()
            status = request(port, method, path, headers, body)
            elapsed = time.perf_counter() - started
            with lock:
                (latencies if status == expect else failures).append(
                    elapsed if status == expect else status
                )

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, statuses {sorted(set(failures))}")
    latencies.sort()
    return {
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "n": len(latencies),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="PO lines of the supplier")
    parser.add_argument("--duration", type=float, default=8, help="seconds per target")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up each")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent requests")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from integrations.services import api_key_create

    print(f"load average at the start: {os.getloadavg()}")
    po_list.ensure_database()
    po_list.prepare_data(args.lines)
    po_list.vacuum()
    supplier = po_list.anna_supplier()
    print(f"supplier {supplier.code}: {po_list.line_count(supplier)} PO lines")
    token = api_key_create(
        actor=None, name="bench", scopes=["read", "ship"], supplier_id=supplier.pk, channel="system"
    ).plaintext
    lines = [
        {"po_number": line.purchase_order.number, "po_line_no": line.line_no, "quantity": "1"}
        for line in open_lines(supplier)
    ]
    today = timezone.localdate().isoformat()
    connection.close()

    auth = {"Authorization": f"Bearer {token}"}
    run = f"{int(time.time())}"
    numbers = itertools.count(1)
    numbers_lock = threading.Lock()

    def asn() -> tuple:
        with numbers_lock:
            number = f"BENCH-{run}-{next(numbers)}"
        body = json.dumps(
            {
                "asn_number": number,
                "ship_date": today,
                "expected_delivery": today,
                "lines": lines,
            }
        ).encode()
        return "POST", "/api/v1/asns", {**auth, "Content-Type": "application/json"}, body

    targets = {
        "bare view": (lambda: ("GET", "/bench/bare/", {}, None), 200),
        "API PO list (50 rows)": (
            lambda: ("GET", "/api/v1/purchase-orders?limit=50", auth, None),
            200,
        ),
        f"API ASN create ({ASN_LINES} lines)": (asn, 201),
    }

    port = po_list.free_port()
    process = po_list.start_gunicorn(port)
    results = {}
    try:
        po_list.wait_ready(f"http://{HOST}:{port}", process)
        for name, (make, expect) in targets.items():
            load(port, make, seconds=args.warmup, concurrency=args.concurrency, expect=expect)
            results[name] = load(
                port, make, seconds=args.duration, concurrency=args.concurrency, expect=expect
            )
    finally:
        po_list.stop_gunicorn(process)

    bare = results["bare view"]["rps"]
    print(f"\n{'target':32} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>7}")
    for name, result in results.items():
        print(
            f"{name:32} {result['rps']:8.1f} {result['p50']:8.1f} {result['p95']:8.1f} "
            f"{result['rps'] / bare:7.3f}"
        )
    print(f"load average at the end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
