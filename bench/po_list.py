"""Supplier PO list at 100,000 PO lines against a bare Django view (DESIGN §9).

    .venv/bin/python bench/po_list.py [--lines 100000] [--duration 5] [--rounds 3]
                                      [--connections 8] [--warmup 3]

Budget: the supplier PO list (`/orders/`, first page, default page size) of a supplier with
~100,000 PO lines is served at ≥ 10 % of the requests/s of a bare Django view, same
gunicorn (2 sync workers), same middleware (bench/settings.py, bench/urls.py); and the
page's SQL query count is the same at ~1,000 lines as at ~100,000.

1. Database `portal_bench_polist` on 127.0.0.1 (DATABASE_URL overrides): created and
   migrated if missing, then `seed_demo --scale large`, then a deterministic bulk fill of
   extra POs (numbers from PO-900001) for anna@northwind-fasteners.example's supplier up to
   `--lines`. A marker row makes later runs reuse the data (first run ~1.5 min of seeding;
   every run after that ~70 s). Then VACUUM ANALYZE of the PO tables (steady state).
2. The query count: Django's test Client, in this process, under CaptureQueriesContext, as
   the supplier with lines closest to 1,000 and as anna's supplier (~100,000).
3. gunicorn on a free loopback port; `wrk` (Debian's; installed with apt-get only when
   absent), a fixed number of connections for a fixed duration, in interleaved rounds
   (median kept) against: the bare view anonymous (the floor, used for the verdict), the
   bare view signed in (the session, auth and MFA middleware queries the list pays too),
   and `/orders/` signed in as anna. A warm-up run of each first.
   Plus an in-process breakdown (ms per query, Python rest) of both signed-in paths.
4. gunicorn is stopped at the end, also on error or Ctrl-C.

Only 127.0.0.1 is ever contacted. Exit status 1 when a budget is missed.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_polist")

TARGET_RATIO = 0.10
MARKER_TABLE = "bench_polist_marker"
FILL_FIRST_NUMBER = 900_001
SEED = 2026
HOST = "127.0.0.1"


def ensure_database() -> None:
    """Create the bench database on the local server if it does not exist yet."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "postgresql" not in db["ENGINE"]:
        raise SystemExit("bench/po_list.py measures PostgreSQL: DATABASE_URL must be postgres://")
    if db.get("HOST") not in (HOST, "localhost"):
        raise SystemExit(f"bench/po_list.py only talks to {HOST}, not {db.get('HOST')!r}.")
    with psycopg.connect(
        host=db["HOST"],
        port=db.get("PORT") or 5432,
        user=db["USER"],
        dbname="postgres",
        password=db.get("PASSWORD") or None,
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]
        ).fetchone()
        if not exists:
            print(f"creating database {db['NAME']}")
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def marker(name: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name text PRIMARY KEY)")
        cursor.execute(f"SELECT 1 FROM {MARKER_TABLE} WHERE name = %s", [name])
        return cursor.fetchone() is not None


def set_marker(name: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (name) VALUES (%s) ON CONFLICT DO NOTHING", [name]
        )


def anna_supplier():
    from suppliers.demo.plan import ANNA
    from suppliers.models import Supplier

    return Supplier.objects.get(code=ANNA.supplier_code)


def line_count(supplier) -> int:
    from suppliers.models import PurchaseOrderLine

    return PurchaseOrderLine.objects.filter(purchase_order__supplier=supplier).count()


def fill_supplier(target_lines: int) -> None:
    """Add demo-shaped POs (same generator as seed_demo, own number range) to anna's supplier
    until it has `target_lines` lines. Deterministic: same seed, same orders."""
    from django.db import transaction
    from django.utils import timezone

    from integrations.models import Channel
    from inventory.models import Item, UnitOfMeasure, Warehouse
    from portal.models import User
    from suppliers.demo import catalog, plan
    from suppliers.models import PurchaseOrder, PurchaseOrderLine

    supplier = anna_supplier()
    have = line_count(supplier)
    if have >= target_lines:
        return
    suppliers = plan.plan_suppliers(plan.LARGE, seed=SEED)
    spec = next(s for s in suppliers if s.code == supplier.code)
    items = plan.plan_items(plan.LARGE, seed=SEED)
    supplier_items = plan.plan_supplier_items(items, suppliers, seed=SEED)
    warehouses = dict(Warehouse.objects.values_list("code", "pk"))
    item_ids = dict(Item.objects.values_list("sku", "pk"))
    units = dict(UnitOfMeasure.objects.values_list("code", "pk"))
    buyer_id = User.objects.get(email="buyer@demo.example").pk
    existing = set(
        PurchaseOrder.objects.filter(
            supplier=supplier, number__gte=f"PO-{FILL_FIRST_NUMBER}"
        ).values_list("number", flat=True)
    )
    specs = plan.iter_purchase_orders(
        first_number=FILL_FIRST_NUMBER,
        count=100_000,  # an upper bound; the loop stops at the target
        suppliers=[spec],
        items=items,
        supplier_items=supplier_items,
        warehouse_codes=[w.code for w in catalog.WAREHOUSES[: plan.LARGE.warehouses]],
        max_lines=plan.LARGE_MAX_LINES,
        # Dates relative to now like seed_demo's, so statuses and "overdue" look the same.
        now=timezone.now(),
        seed=SEED,
    )
    started = time.monotonic()
    chunk: list = []

    def write(chunk: list) -> int:
        orders = [
            PurchaseOrder(
                number=s.number,
                supplier_id=supplier.pk,
                ship_to_id=warehouses[s.warehouse_code],
                status=s.status,
                issued_at=s.issued_at,
                ack_due_at=s.ack_due_at,
                source_channel=Channel.CONNECTOR,
                erp_id=f"P{s.number[3:]}",
                buyer_id=buyer_id,
            )
            for s in chunk
        ]
        with transaction.atomic():
            PurchaseOrder.objects.bulk_create(orders, batch_size=2_000)
            lines = [
                PurchaseOrderLine(
                    purchase_order_id=order.pk,
                    line_no=line.line_no,
                    item_id=item_ids[line.sku],
                    ordered_qty=line.ordered_qty,
                    uom_id=units[line.uom],
                    unit_price=line.unit_price,
                    requested_date=line.requested_date,
                    confirmed_qty=line.confirmed_qty,
                    confirmed_date=line.confirmed_date,
                    confirmed_price=line.confirmed_price,
                    shipped_qty=line.shipped_qty,
                    received_qty=line.received_qty,
                )
                for order, s in zip(orders, chunk, strict=True)
                for line in s.lines
            ]
            PurchaseOrderLine.objects.bulk_create(lines, batch_size=2_000)
        return len(lines)

    for s in specs:
        if have >= target_lines:
            break
        if s.number in existing:
            continue
        chunk.append(s)
        have += len(s.lines)
        if len(chunk) == 1_000:
            write(chunk)
            chunk = []
    if chunk:
        write(chunk)
    elapsed = time.monotonic() - started
    print(f"filled {supplier.code} to {line_count(supplier):,} lines in {elapsed:.0f} s")


def prepare_data(target_lines: int) -> None:
    from django.core.management import call_command

    name = f"large+fill-{target_lines}"
    call_command("migrate", verbosity=0)
    if marker(name):
        print(f"reusing data (marker {name!r} in {MARKER_TABLE})")
        return
    started = time.monotonic()
    print("seed_demo --scale large (first run only; several minutes)")
    call_command("seed_demo", scale="large", seed=SEED)
    fill_supplier(target_lines)
    set_marker(name)
    print(f"data ready in {time.monotonic() - started:.0f} s")


def vacuum() -> None:
    """The steady state autovacuum keeps in production: planner statistics and a visibility
    map (index-only scans), not the state right after a bulk load. Quick once done."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE suppliers_purchaseorder, suppliers_purchaseorderline")


def supplier_near(lines: int):
    """The active supplier whose PO line count is closest to `lines`, with its admin user."""
    from django.db.models import Count

    from portal.models import User
    from suppliers.models import Supplier

    candidates = (
        Supplier.objects.filter(status=Supplier.Status.ACTIVE)
        .annotate(n=Count("purchase_orders__lines"))
        .filter(n__gt=0)
        .order_by("code")
    )
    supplier = min(candidates, key=lambda s: abs(s.n - lines))
    user = (
        User.objects.filter(
            supplier_membership__supplier=supplier, supplier_membership__is_active=True
        )
        .order_by("pk")
        .first()
    )
    return supplier, user


def signed_in_client(user):
    """A test Client signed in as `user`, MFA set up (as it must be for a supplier admin)."""
    from allauth.mfa.models import Authenticator
    from django.test import Client

    # Only its existence matters to MfaRequiredMiddleware; nobody signs in with it.
    Authenticator.objects.get_or_create(
        user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": "bench-unused"}}
    )
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def list_queries(client) -> tuple[int, int, int]:
    """(queries, status, bytes) of the PO list's first page, after one warm-up request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get("/orders/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/orders/")
    return len(ctx.captured_queries), response.status_code, len(response.content)


def breakdown(client, path: str, requests: int = 20) -> tuple[float, list[tuple[float, str]]]:
    """In-process ms per request and ms per query (by statement) of `path`: where the time
    goes, printed with the figures so a missed budget comes with its first clue."""
    from collections import defaultdict

    from django.db import connection

    spent: dict[str, float] = defaultdict(float)

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[" ".join(sql.split())[:90]] += time.perf_counter() - started

    client.get(path)
    with connection.execute_wrapper(timed):
        started = time.perf_counter()
        for _ in range(requests):
            client.get(path)
        per_request = (time.perf_counter() - started) * 1000 / requests
    rows = sorted(((ms * 1000 / requests, sql) for sql, ms in spent.items()), reverse=True)
    return per_request, rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists():
        print("gunicorn missing from .venv: pip install 'gunicorn>=22,<24'")
        subprocess.run([ROOT / ".venv/bin/pip", "install", "gunicorn>=22,<24"], check=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    return subprocess.Popen(
        [
            str(gunicorn),
            "portal.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,  # its own process group, stopped as one at the end
    )


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def get(url: str, cookie: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a redirect is a failed check, not followed
        return None


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            if get(base + "/bench/bare/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    print("wrk not installed: apt-get install -y wrk (Debian package)")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is still missing after apt-get install")
    return wrk


def run_wrk(wrk: str, url: str, *, cookie: str, seconds: int, connections: int) -> float:
    """Requests/s over `seconds`; any non-2xx response fails the run (a redirect to login or
    to MFA setup would otherwise be measured as a very fast PO list)."""
    command = [wrk, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        [*command, url], check=True, capture_output=True, text=True, timeout=seconds + 30
    ).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw failed requests on {url}:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not match:
        raise SystemExit(f"cannot read wrk's output:\n{output}")
    return float(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="PO lines of the supplier")
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds, median kept")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up each")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    print(f"load average at the start: {os.getloadavg()}")
    ensure_database()
    prepare_data(args.lines)
    vacuum()
    wrk = ensure_wrk()

    big = anna_supplier()
    big_lines = line_count(big)
    from portal.models import User
    from suppliers.demo.plan import ANNA

    anna = User.objects.get(email=ANNA.email)
    small, small_user = supplier_near(1_000)
    small_lines = line_count(small)
    big_client = signed_in_client(anna)
    small_queries = list_queries(signed_in_client(small_user))
    big_queries = list_queries(big_client)
    timings = {path: breakdown(big_client, path) for path in ("/bench/bare/", "/orders/")}
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={big_client.cookies[settings.SESSION_COOKIE_NAME].value}"
    )
    connection.close()  # gunicorn's workers have their own; this process holds none open

    port = free_port()
    base = f"http://{HOST}:{port}"
    process = start_gunicorn(port)
    rounds: dict[str, list[float]] = {}
    try:
        wait_ready(base, process)
        status, body = get(base + "/orders/", cookie)
        if status != 200 or b"PO-" not in body:
            raise SystemExit(f"/orders/ as {anna.email} answered {status}, not the PO list")
        targets = {
            "bare view, anonymous": ("/bench/bare/", ""),
            "bare view, signed in": ("/bench/bare/", cookie),
            "PO list /orders/": ("/orders/", cookie),
        }
        for path, with_cookie in targets.values():
            run_wrk(
                wrk,
                base + path,
                cookie=with_cookie,
                seconds=args.warmup,
                connections=args.connections,
            )
        # Interleaved rounds, median per target: the CPUs are shared with whatever else
        # runs, and a load change then hits every target alike instead of just one.
        for _ in range(args.rounds):
            for label, (path, with_cookie) in targets.items():
                rate = run_wrk(
                    wrk,
                    base + path,
                    cookie=with_cookie,
                    seconds=args.duration,
                    connections=args.connections,
                )
                rounds.setdefault(label, []).append(rate)
        results = {label: statistics.median(rates) for label, rates in rounds.items()}
    finally:
        stop_gunicorn(process)

    ratio = results["PO list /orders/"] / results["bare view, anonymous"]
    ratio_signed_in = results["PO list /orders/"] / results["bare view, signed in"]
    print()
    print(
        f"gunicorn 2 sync workers on {HOST}, wrk {args.connections} connections, "
        f"median of {args.rounds} interleaved rounds of {args.duration} s after"
        f" {args.warmup} s warm-up, {os.cpu_count()} CPUs"
    )
    print(f"PO lines of {big.code} (as {anna.email}): {big_lines:,}")
    for label, rate in results.items():
        each = ", ".join(f"{r:,.1f}" for r in rounds[label])
        print(f"requests/s {label:<24} {rate:10,.1f}   (rounds: {each})")
    print(f"ratio PO list / bare anonymous: {ratio:.3f}  (target >= {TARGET_RATIO:.2f})")
    print(f"ratio PO list / bare signed in: {ratio_signed_in:.3f}")
    print(
        f"SQL queries of /orders/ at {small_lines:,} lines ({small.code}): {small_queries[0]}"
        f"  (HTTP {small_queries[1]}, {small_queries[2]:,} bytes)"
    )
    print(
        f"SQL queries of /orders/ at {big_lines:,} lines ({big.code}): {big_queries[0]}"
        f"  (HTTP {big_queries[1]}, {big_queries[2]:,} bytes)"
    )
    print(f"load average at the end (other processes share these CPUs): {os.getloadavg()}")
    print("in-process breakdown, signed in as the supplier (test Client, 20 requests):")
    for path, (per_request, rows) in timings.items():
        sql_ms = sum(ms for ms, _ in rows)
        print(
            f"  {path}: {per_request:.1f} ms/request = SQL {sql_ms:.1f} ms"
            f" + Python {per_request - sql_ms:.1f} ms"
        )
        for ms, sql in rows:
            print(f"    {ms:6.2f} ms  {sql}")
    ok = ratio >= TARGET_RATIO and small_queries[0] == big_queries[0]
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
