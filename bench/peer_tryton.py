"""The portal side by side with Tryton on the same purchases (issue 24, item 3).

    .venv/bin/python bench/peer_tryton.py [--purchases 10000] [--lines-per 10]
                                          [--duration 5] [--rounds 3] [--warmup 2]
                                          [--concurrency 4] [--smoke]

Goal: the portal at ≥ 3× Tryton's requests/s on both reads, same machine, same run.

1. The same purchases in both: one supplier, `--purchases` purchase orders of
   `--lines-per` lines each (10,000 × 10 = 100,000 lines), deterministic.
   - Portal: database `portal_bench_peer` (DATABASE_URL overrides), migrated; supplier
     PEER<n> and its POs bulk-created (`bulk_create`, first run only), VACUUM ANALYZE.
   - Tryton: PostgreSQL database `tryton_bench_peer_<n>x<lines>`, a copy of the erp tests'
     template (`erp/build_db.py` over tests/erp/tryton_spec.json: company, chart, supplier
     V-TRY01, products, warehouse DAL1; built when missing, under the tests' lock, so CI
     builds it once for both), then the purchases and lines bulk-created *through
     Tryton's own ORM in its own process* (this file run by `.venv-erp/bin/python
     --load-tryton`, batches of 500 purchases, confirmed without processing, totals
     cached as Tryton caches them on confirm): not 100,000 RPC calls. First run only (a
     marker file in var/bench/).
2. Two servers with two workers each: gunicorn (2 sync workers, bench/settings.py) for
   the portal, as bench/po_list.py; gunicorn (2 sync workers) on trytond's WSGI app
   (`trytond.application:app`, Tryton's documented production setup; `trytond` itself
   serves from one process). gunicorn is pip-installed into `.venv-erp` when missing.
3. Two reads, each a round of the Python load generator (bench/_common.py; `--concurrency`
   threads, one connection per request), interleaved over `--rounds` rounds (median kept):
   - newest 50 purchase orders with their line counts: `GET /api/v1/purchase-orders?limit=50`
     (API key of the supplier) vs JSON-RPC `model.purchase.purchase.search_read` (newest
     first, number, state, date, currency, warehouse, total and `lines`, whose length is
     the count);
   - one purchase order with its lines: `GET /api/v1/purchase-orders/<number>` vs
     `model.purchase.purchase.read` of the header and `lines.*` (product code, quantity,
     unit, price, delivery date) in one call.
   Each answer is checked once first (50 rows, the lines).
4. Prints requests/s, p50 and each ratio portal ÷ Tryton; exit status 1 when a ratio is
   below 3 (not in smoke size). Both servers are stopped at the end, also on error,
   Ctrl-C or SIGTERM. Only 127.0.0.1 is contacted.

`--smoke` (CI): 20 purchases of 5 lines, one round of 1 s per read after 0.5 s of
warm-up, no verdict. `.venv-erp` is installed like tests/erp/conftest.py does when it is
missing (requirements-erp.lock), and the template is built when missing (~45 s quiet,
~150 s at load 7): then the smoke run takes ~55 s at load 9.
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from _common import ROOT, SMOKE_HELP, load, load_average, stop_cleanly_on_sigterm

VENV_ERP = ROOT / ".venv-erp"
VAR = ROOT / "var" / "bench"
PASSWORD = "admin"
GOAL = 3.0
DATA_VERSION = 1
# The erp tests' Tryton database (tests/erp/tryton_spec.json) is the base: the bench copies
# their template, so CI builds Tryton's database once for both.
SPEC = ROOT / "tests" / "erp" / "tryton_spec.json"
PRODUCTS = ["TRY-BOLT-M8", "TRY-NUT-M8", "TRY-BOX-12"]  # in units ("u" ↔ EA)
SUPPLIER_CODE = "V-TRY01"
WAREHOUSE = "DAL1"
BATCH = 500
HOST = "127.0.0.1"
LINE_FIELDS = [
    "lines.product.code",
    "lines.quantity",
    "lines.unit.symbol",
    "lines.unit_price",
    "lines.delivery_date",
]
LIST_FIELDS = [
    "number",
    "state",
    "purchase_date",
    "currency.code",
    "warehouse.code",
    "total_amount",
    "lines",
]


# --- the data (the same on both sides) ---------------------------------------------------


def purchase_rows(purchases: int, lines_per: int) -> list[dict]:
    """Deterministic purchases: number i is i days older than number i + 1."""
    today = datetime.date(2026, 6, 1)
    rows = []
    for i in range(1, purchases + 1):
        rows.append(
            {
                "number": f"PEER-{i:06d}",
                "date": today - datetime.timedelta(days=(purchases - i) // 20),
                "lines": [
                    {
                        "product": PRODUCTS[(i * 7 + n) % len(PRODUCTS)],
                        "quantity": Decimal(10 + (i + n) % 90),
                        "unit_price": Decimal(100 + (i * 13 + n * 17) % 900) / 100,
                    }
                    for n in range(lines_per)
                ],
            }
        )
    return rows


# --- Tryton side: runs in .venv-erp's interpreter ----------------------------------------


def load_tryton(config: str, database: str, purchases: int, lines_per: int) -> None:
    """Bulk-create the purchases through Tryton's ORM (in this process, no RPC)."""
    import trytond.config

    trytond.config.update_etc(config)
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    Pool.start()
    pool = Pool(database)
    pool.init()
    started = time.monotonic()
    with Transaction().start(database, 0, readonly=True):
        User = pool.get("res.user")
        (admin,) = User.search([("login", "=", "admin")])
    with Transaction().start(database, admin.id, context={}) as transaction:
        context = User.get_preferences(context_only=True)
    with Transaction().start(database, admin.id, context=context) as transaction:
        Purchase = pool.get("purchase.purchase")
        Party = pool.get("party.party")
        Product = pool.get("product.product")
        Location = pool.get("stock.location")
        Company = pool.get("company.company")
        (party,) = Party.search([("code", "=", SUPPLIER_CODE)])
        (warehouse,) = Location.search([("type", "=", "warehouse"), ("code", "=", WAREHOUSE)])
        (company,) = Company.search([])
        products = {p.code: p for p in Product.search([("code", "in", PRODUCTS)])}
        rows = purchase_rows(purchases, lines_per)
        for start in range(0, len(rows), BATCH):
            values = []
            for row in rows[start : start + BATCH]:
                values.append(
                    {
                        "company": company.id,
                        "party": party.id,
                        "invoice_address": party.addresses[0].id,
                        "warehouse": warehouse.id,
                        "currency": company.currency.id,
                        "number": row["number"],
                        "purchase_date": row["date"],
                        "invoice_method": "manual",
                        "lines": [
                            (
                                "create",
                                [
                                    {
                                        "type": "line",
                                        "product": products[line["product"]].id,
                                        "unit": products[line["product"]].default_uom.id,
                                        "quantity": float(line["quantity"]),
                                        "unit_price": line["unit_price"],
                                        "description": line["product"],
                                    }
                                    for line in row["lines"]
                                ],
                            )
                        ],
                    }
                )
            created = Purchase.create(values)
            # Confirmed without processing (no stock moves: the reads do not show them),
            # totals cached as Tryton does on confirm. Lines go in while still a draft.
            Purchase.write(created, {"state": "confirmed"})
            Purchase.store_cache(created)
            transaction.commit()
    Pool.stop(database)
    print(
        f"tryton: {purchases:,} purchases, {purchases * lines_per:,} lines created through "
        f"the ORM in {time.monotonic() - started:.0f} s"
    )


# --- orchestration (portal interpreter) --------------------------------------------------


def ensure_venv_erp() -> None:
    """.venv-erp as tests/erp/conftest.py installs it, plus gunicorn for trytond's WSGI app."""
    if not (VENV_ERP / "bin" / "trytond").exists():
        print(".venv-erp missing: installing requirements-erp.lock (as the erp tests do)")
        subprocess.run([sys.executable, "-m", "venv", str(VENV_ERP)], check=True, timeout=120)
        subprocess.run(
            [
                str(VENV_ERP / "bin" / "pip"),
                "install",
                "--quiet",
                "--require-hashes",
                "-r",
                str(ROOT / "requirements-erp.lock"),
            ],
            check=True,
            timeout=900,
        )
    if not (VENV_ERP / "bin" / "gunicorn").exists():
        print("gunicorn missing from .venv-erp: pip install 'gunicorn>=22,<24'")
        subprocess.run(
            [str(VENV_ERP / "bin" / "pip"), "install", "--quiet", "gunicorn>=22,<24"],
            check=True,
            timeout=300,
        )


def postgres_server_uri() -> str:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(os.environ["DATABASE_URL"])
    user = info.get("user", "postgres")
    return f"postgresql://{user}@{info.get('host', HOST)}:{info.get('port', 5432)}/"


def tryton_config(uri: str) -> Path:
    text = (ROOT / "erp" / "trytond.conf").read_text().replace("uri = sqlite://", f"uri = {uri}")
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / "peer-trytond.conf"
    path.write_text(text)
    return path


def database_exists(uri: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(uri + "postgres", autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def erp_template(uri: str, config: Path) -> str:
    """The erp tests' template database (tests/erp/conftest.py names it the same way, from
    the same files, under the same lock), built when missing: ~45 s on a quiet machine,
    then a copy takes a second, for the bench and for the tests."""
    import fcntl

    digest = hashlib.sha256()
    for path in (
        ROOT / "erp" / "build_db.py",
        ROOT / "erp" / "trytond.conf",
        ROOT / "requirements-erp.lock",
        SPEC,
    ):
        digest.update(path.read_bytes())
    tag = digest.hexdigest()[:12]
    name, marker = f"tryton_tpl_{tag}", ROOT / "var" / "erp" / f"template-{tag}.pg"
    marker.parent.mkdir(parents=True, exist_ok=True)
    with open(marker.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and database_exists(uri, name):
            return name
        import psycopg

        with psycopg.connect(uri + "postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        started = time.monotonic()
        subprocess.run(
            [
                str(VENV_ERP / "bin" / "python"),
                str(ROOT / "erp" / "build_db.py"),
                "--spec",
                str(SPEC),
                "--config",
                str(config),
                "--database",
                name,
                "--output",
                str(marker),
            ],
            check=True,
            timeout=900,
            env={**os.environ, "TRYTON_PASSWORD": PASSWORD},
            stdout=subprocess.DEVNULL,
        )
        print(f"tryton: template {name} built in {time.monotonic() - started:.0f} s")
    return name


def ensure_tryton_data(config: Path, uri: str, purchases: int, lines_per: int) -> str:
    """A copy of the template with the purchases, loaded once (marker file)."""
    import psycopg

    template = erp_template(uri, config)
    database = f"tryton_bench_peer_{purchases}x{lines_per}"
    # Bump DATA_VERSION when purchase_rows() or load_tryton() change what is loaded.
    digest = hashlib.sha256(f"{template}:{DATA_VERSION}".encode()).hexdigest()[:12]
    marker = VAR / f"{database}.{digest}.done"
    if marker.exists() and database_exists(uri, database):
        print(f"tryton: reusing database {database}")
        return database
    with psycopg.connect(uri + "postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    subprocess.run(
        [
            str(VENV_ERP / "bin" / "python"),
            str(Path(__file__).resolve()),
            "--load-tryton",
            str(config),
            database,
            str(purchases),
            str(lines_per),
        ],
        check=True,
        timeout=3600,
    )
    for old in VAR.glob(f"{database}.*.done"):
        old.unlink()
    marker.write_text("loaded\n")
    return database


def ensure_portal_data(purchases: int, lines_per: int) -> str:
    """The supplier PEER<n> and its POs, bulk-created once; returns the supplier code."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from integrations.models import Channel
    from inventory.models import Item, UnitOfMeasure, Warehouse
    from suppliers.models import PurchaseOrder, PurchaseOrderLine, Supplier
    from suppliers.services.purchase_order_counts import purchase_orders_changed

    call_command("migrate", verbosity=0)
    code = f"PEER{purchases}X{lines_per}"
    supplier, _ = Supplier.objects.get_or_create(
        code=code, defaults={"name": f"Peer supplier {code}", "status": Supplier.Status.ACTIVE}
    )
    have = PurchaseOrder.objects.filter(supplier=supplier).count()
    if have >= purchases:
        print(f"portal: reusing {have:,} POs of {code}")
        return code
    started = time.monotonic()
    each, _ = UnitOfMeasure.objects.get_or_create(code="EA", defaults={"name": "Each"})
    warehouse, _ = Warehouse.objects.get_or_create(code=WAREHOUSE, defaults={"name": "Dallas"})
    items = {}
    for sku in PRODUCTS:
        items[sku], _ = Item.objects.get_or_create(
            sku=sku, defaults={"description": f"Peer item {sku}", "base_uom": each}
        )
    PurchaseOrder.objects.filter(supplier=supplier).delete()
    rows = purchase_rows(purchases, lines_per)
    for start in range(0, len(rows), 2_000):
        chunk = rows[start : start + 2_000]
        orders = [
            PurchaseOrder(
                number=f"{code}-{row['number']}",
                supplier=supplier,
                ship_to=warehouse,
                status=PurchaseOrder.Status.ISSUED,
                issued_at=timezone.make_aware(
                    datetime.datetime.combine(row["date"], datetime.time(9))
                ),
                source_channel=Channel.CONNECTOR,
            )
            for row in chunk
        ]
        with transaction.atomic():
            PurchaseOrder.objects.bulk_create(orders, batch_size=2_000)
            PurchaseOrderLine.objects.bulk_create(
                [
                    PurchaseOrderLine(
                        purchase_order_id=order.pk,
                        line_no=n,
                        item=items[line["product"]],
                        ordered_qty=line["quantity"],
                        uom=each,
                        unit_price=line["unit_price"],
                        requested_date=row["date"] + datetime.timedelta(days=14),
                    )
                    for order, row in zip(orders, chunk, strict=True)
                    for n, line in enumerate(row["lines"], 1)
                ],
                batch_size=5_000,
            )
    # bulk_create sends no signal: the PO lists' kept counts of this database are obsolete
    # (a portal serving the same database and Redis would show them).
    purchase_orders_changed(None)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE suppliers_purchaseorder, suppliers_purchaseorderline")
    print(
        f"portal: {purchases:,} POs, {purchases * lines_per:,} lines bulk-created in "
        f"{time.monotonic() - started:.0f} s"
    )
    return code


def start_trytond(config: Path, database: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "TRYTOND_CONFIG": str(config),
        "TRYTOND_DATABASE_NAMES": database,  # the pool is loaded before the first request
        "TRYTOND_WEB__LISTEN": f"{HOST}:{port}",
    }
    return subprocess.Popen(
        [
            str(VENV_ERP / "bin" / "gunicorn"),
            "trytond.application:app",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        start_new_session=True,
    )


class Rpc:
    """Just enough JSON-RPC for the load generator: a session header and request bodies."""

    def __init__(self, port: int, database: str) -> None:
        import http.client

        self.port, self.database, self.path = port, database, f"/{database}/rpc/"
        deadline = time.monotonic() + 120
        while True:
            try:
                connection = http.client.HTTPConnection(HOST, port, timeout=60)
                body = self.body("common.db.login", "admin", {"password": PASSWORD}, "en")
                connection.request("POST", self.path, body, {"Content-Type": "application/json"})
                answer = json.loads(connection.getresponse().read())
                connection.close()
                if "result" in answer:
                    user_id, token = answer["result"][0], answer["result"][1]
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("trytond (gunicorn) did not accept the login within 120 s")
            time.sleep(0.5)
        session = base64.b64encode(f"admin:{user_id}:{token}".encode()).decode()
        self.headers = {"Content-Type": "application/json", "Authorization": f"Session {session}"}

    @staticmethod
    def body(method: str, *params) -> bytes:
        return json.dumps({"id": 1, "method": method, "params": list(params)}, default=str).encode()

    def call(self, method: str, *params):
        import http.client

        connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        connection.request("POST", self.path, self.body(method, *params), self.headers)
        answer = json.loads(connection.getresponse().read())
        connection.close()
        if "error" in answer:
            raise SystemExit(f"Tryton refused {method}: {answer['error']}")
        return answer["result"]


def portal_get(port: int, path: str, token: str) -> dict:
    import http.client

    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = connection.getresponse()
    raw = response.read()
    connection.close()
    if response.status != 200:
        raise SystemExit(f"portal {path} answered {response.status}: {raw[:300]!r}")
    return json.loads(raw)


def wait_portal(port: int, process: subprocess.Popen) -> None:
    from _server import wait_ready

    wait_ready(f"http://{HOST}:{port}", process)


def main() -> int:
    if len(sys.argv) == 6 and sys.argv[1] == "--load-tryton":
        load_tryton(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=10_000)
    parser.add_argument("--lines-per", type=int, default=10, help="lines per purchase")
    parser.add_argument("--duration", type=float, default=5, help="seconds per read and round")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds, median kept")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per read")
    parser.add_argument("--concurrency", type=int, default=4, help="concurrent requests")
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    if args.smoke:
        args.purchases, args.lines_per = 20, 5
        args.duration, args.rounds, args.warmup = 1, 1, 0.5
    if args.purchases < 50 and not args.smoke:
        raise SystemExit("--purchases must be at least 50 (the list reads the newest 50)")
    stop_cleanly_on_sigterm()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_peer")
    os.environ["API_THROTTLE_KEY_RATE"] = "100000000/min"
    os.environ["API_THROTTLE_TENANT_RATE"] = "100000000/min"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    print(f"load average at the start: {load_average()}")

    from _common import ensure_postgres_database
    from _server import free_port, start_gunicorn, stop_gunicorn

    ensure_postgres_database(os.environ["DATABASE_URL"])
    ensure_venv_erp()
    uri = postgres_server_uri()
    config = tryton_config(uri)
    database = ensure_tryton_data(config, uri, args.purchases, args.lines_per)

    import django

    django.setup()
    from django.db import connection

    from integrations.services import api_key_create, api_key_revoke
    from suppliers.models import Supplier

    code = ensure_portal_data(args.purchases, args.lines_per)
    supplier = Supplier.objects.get(code=code)
    created = api_key_create(
        actor=None, name="bench peer", scopes=["read"], supplier_id=supplier.pk, channel="system"
    )
    newest = supplier.purchase_orders.order_by("-issued_at", "-id").values_list("number", flat=True)
    one_number = newest[0]
    connection.close()

    portal_port, tryton_port = free_port(), free_port()
    portal = start_gunicorn(portal_port)
    tryton = start_trytond(config, database, tryton_port)
    results: dict[str, list[dict]] = {}
    try:
        wait_portal(portal_port, portal)
        rpc = Rpc(tryton_port, database)
        token = created.plaintext
        auth = {"Authorization": f"Bearer {token}"}
        (one,) = rpc.call(
            "model.purchase.purchase.search",
            [("number", "=", one_number.split("-", 1)[1])],
            0,
            1,
            None,
            {},
        )
        list_params = [[], 0, 50, [["purchase_date", "DESC"], ["id", "DESC"]], LIST_FIELDS, {}]
        one_params = [[one], ["number", "state", "purchase_date", *LINE_FIELDS], {}]
        targets = {
            "newest 50 POs, portal API": (
                portal_port,
                lambda: ("GET", "/api/v1/purchase-orders?limit=50", auth, None),
            ),
            "newest 50 POs, Tryton search_read": (
                tryton_port,
                lambda: (
                    "POST",
                    rpc.path,
                    rpc.headers,
                    rpc.body("model.purchase.purchase.search_read", *list_params),
                ),
            ),
            "one PO with lines, portal API": (
                portal_port,
                lambda: ("GET", f"/api/v1/purchase-orders/{one_number}", auth, None),
            ),
            "one PO with lines, Tryton read": (
                tryton_port,
                lambda: (
                    "POST",
                    rpc.path,
                    rpc.headers,
                    rpc.body("model.purchase.purchase.read", *one_params),
                ),
            ),
        }
        # Check each answer once: a page of 50 with line counts, a PO with its lines.
        page = portal_get(portal_port, "/api/v1/purchase-orders?limit=50", token)
        rows = page["results"] if isinstance(page, dict) and "results" in page else page
        assert len(rows) == 50 or args.smoke, f"portal list: {len(rows)} rows"
        assert all(row["line_count"] == args.lines_per for row in rows), rows[:2]
        detail = portal_get(portal_port, f"/api/v1/purchase-orders/{one_number}", token)
        assert len(detail["lines"]) == args.lines_per, detail
        tryton_page = rpc.call("model.purchase.purchase.search_read", *list_params)
        assert len(tryton_page) == min(50, args.purchases), len(tryton_page)
        assert all(len(row["lines"]) == args.lines_per for row in tryton_page)
        (tryton_one,) = rpc.call("model.purchase.purchase.read", *one_params)
        assert len(tryton_one["lines."]) == args.lines_per, tryton_one
        for port, make in targets.values():
            load(HOST, port, make, seconds=args.warmup, concurrency=args.concurrency, expect=200)
        for round_no in range(args.rounds):
            for name, (port, make) in targets.items():
                results.setdefault(name, []).append(
                    load(
                        HOST,
                        port,
                        make,
                        seconds=args.duration,
                        concurrency=args.concurrency,
                        expect=200,
                    )
                )
            print(f"round {round_no + 1}/{args.rounds} done (load average {load_average()})")
    finally:
        stop_gunicorn(portal)
        stop_gunicorn(tryton)
        api_key_revoke(actor=None, api_key=created.api_key, channel="system")

    rps = {name: statistics.median(r["rps"] for r in runs) for name, runs in results.items()}
    p50 = {name: statistics.median(r["p50"] for r in runs) for name, runs in results.items()}
    print(
        f"\n{args.purchases:,} purchases × {args.lines_per} lines, gunicorn 2 sync workers "
        f"each, {args.concurrency} concurrent requests, median of {args.rounds} round(s)"
    )
    print(f"{'read':40} {'req/s':>8} {'p50 ms':>8}")
    for name in rps:
        print(f"{name:40} {rps[name]:8.1f} {p50[name]:8.1f}")
    ratios = {
        "newest 50 POs": rps["newest 50 POs, portal API"]
        / rps["newest 50 POs, Tryton search_read"],
        "one PO with lines": rps["one PO with lines, portal API"]
        / rps["one PO with lines, Tryton read"],
    }
    for name, ratio in ratios.items():
        print(f"portal ÷ Tryton, {name}: {ratio:.2f}× (goal ≥ {GOAL:g}×)")
    print(f"load average at the end: {load_average()}")
    if args.smoke:
        return 0
    missed = [name for name, ratio in ratios.items() if ratio < GOAL]
    if missed:
        print(f"MISSED: {', '.join(missed)} below {GOAL:g}× Tryton")
        return 1
    print("met: both reads at ≥ 3× Tryton")
    return 0


if __name__ == "__main__":
    sys.exit(main())
