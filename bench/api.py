"""REST API v1 against a bare Django view, same server, same run (issue 9).

    .venv/bin/python bench/api.py [--duration 8] [--warmup 2] [--concurrency 4] [--smoke]

1. Database `portal_bench_api` on 127.0.0.1 (DATABASE_URL overrides), prepared like
   bench/po_list.py: `seed_demo --scale large` plus the deterministic fill of anna's
   supplier to ~100,000 PO lines (first run only; a marker row makes later runs reuse it),
   then VACUUM ANALYZE.
2. A fresh API key of anna's supplier (scopes read, ship; revoked at the end); 20 confirmed
   PO lines with an open quantity, shipping to one warehouse.
3. gunicorn (2 sync workers, bench/settings.py, throttles lifted) on a free loopback port.
   A Python load generator (threads, one connection per request, as gunicorn's sync
   workers close them anyway) runs each target for a warm-up, then `--duration` seconds:
   - the bare view `/bench/bare/` (the floor),
   - `GET /api/v1/purchase-orders?limit=50` (first page, 100,000-line supplier),
   - `POST /api/v1/asns` with 20 lines (a new draft ASN per request, unique numbers).
   Prints requests/s, p50 and p95 latency per target and each API target's throughput as a
   ratio of the bare view's.
4. gunicorn is stopped at the end, also on error, Ctrl-C or SIGTERM. Only 127.0.0.1 is
   contacted.

`--smoke` (CI): the small demo (`seed_demo --scale small`, no fill), as many ASN lines as
one warehouse has open (up to 20), 0.5 s of warm-up and 1 s per target. Exit status 0 when
it ran. The load generator shares the 2 CPUs with the server: compare ratios, not
absolutes. No budget of its own (DESIGN §9: a constant query count, tested in tests/).
"""

import argparse
import itertools
import json
import os
import sys
import threading
import time

from _common import SMOKE_HELP, load, load_average, stop_cleanly_on_sigterm
from _server import HOST, free_port, start_gunicorn, stop_gunicorn, wait_ready

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_api")
# The benchmark measures the API, not its throttles.
os.environ["API_THROTTLE_KEY_RATE"] = "100000000/min"
os.environ["API_THROTTLE_TENANT_RATE"] = "100000000/min"

from bench import po_list  # sets DJANGO_SETTINGS_MODULE=bench.settings

ASN_LINES = 20


def open_lines(supplier, *, at_least: int = ASN_LINES) -> list:
    """ASN_LINES confirmed lines with something open to ship, all to one warehouse; else
    the largest such group if it has `at_least` lines (the small demo has fewer)."""
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
    largest = max(by_warehouse.values(), key=len, default=[])
    if len(largest) >= at_least:
        return largest
    raise SystemExit(f"no warehouse has {at_least} open confirmed lines for {supplier.code}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="PO lines of the supplier")
    parser.add_argument("--duration", type=float, default=8, help="seconds per target")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up each")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent requests")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        args.lines, args.duration, args.warmup = None, 1, 0.5
    stop_cleanly_on_sigterm()

    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from integrations.services import api_key_create, api_key_revoke

    print(f"load average at the start: {load_average()}")
    po_list.ensure_database()
    po_list.prepare_data(args.lines)
    po_list.vacuum()
    supplier = po_list.anna_supplier()
    print(f"supplier {supplier.code}: {po_list.line_count(supplier)} PO lines")
    created = api_key_create(
        actor=None, name="bench", scopes=["read", "ship"], supplier_id=supplier.pk, channel="system"
    )
    token = created.plaintext
    lines = [
        {"po_number": line.purchase_order.number, "po_line_no": line.line_no, "quantity": "1"}
        for line in open_lines(supplier, at_least=1 if args.smoke else ASN_LINES)
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
        f"API ASN create ({len(lines)} lines)": (asn, 201),
    }

    port = free_port()
    process = start_gunicorn(port)
    results = {}
    try:
        wait_ready(f"http://{HOST}:{port}", process)
        for name, (make, expect) in targets.items():
            load(HOST, port, make, seconds=args.warmup, concurrency=args.concurrency, expect=expect)
            results[name] = load(
                HOST, port, make, seconds=args.duration, concurrency=args.concurrency, expect=expect
            )
    finally:
        stop_gunicorn(process)
        # A key nobody holds any more is not left valid (the draft ASNs it posted stay).
        api_key_revoke(actor=None, api_key=created.api_key, channel="system")

    bare = results["bare view"]["rps"]
    print(f"\n{'target':32} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>7}")
    for name, result in results.items():
        print(
            f"{name:32} {result['rps']:8.1f} {result['p50']:8.1f} {result['p95']:8.1f} "
            f"{result['rps'] / bare:7.3f}"
        )
    print(f"load average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
