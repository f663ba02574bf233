"""EDI intake at partner scale (issue 17; DESIGN §9: the 846 at ≥ 10,000 item lines/s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_edi \\
        .venv/bin/python bench/edi.py --sets 15500 --items 34
    .venv/bin/python bench/edi.py --smoke          # CI: tiny sizes, the figures, no verdict
    .venv/bin/python bench/edi.py --documents 10 --breakdown   # + database time by statement

1. Set-up, once per database: a supplier that trades by EDI, sets × items supplier items
   (one SQL statement each) and yesterday's availability for every one of them, so that
   today's feed updates rows as a daily feed does.
2. Writes an 846 file of `--sets` sets of `--items` items, 500 sets per interchange with
   ST02 restarting at 0001 in each (as many partners send them): ~21 MB at full size.
3. Imports it through the product's path (`edi_file_import(path=…)`, what `edi_import`
   and the folder poll call: file stored, streamed, envelopes checked, sets mapped and
   committed batch by batch with their audit entries, one event per batch, 997s): item
   lines/s. A file a tenth of the size is imported first: the peak memory of this
   process after each shows whether memory grows with the file.
4. In the same run, the limit: the bare set-based upsert of the same rows (supplier item,
   quantity, date, as of) in the same batches, one INSERT … ON CONFLICT and one commit
   per batch, no parsing, no checks, no audit, no events.
5. Sets/s for `--documents` sets (5,000 by default) each of 855 (accepting POs made for
   the run), 856 (shipping them) and 810 (invoicing them), 500 sets per interchange, with
   the CPU time of this process per set and the load average before and after each.
   The document tables are ANALYZEd before each kind (what autovacuum does in
   production; this server runs with autovacuum off, and the planner's plans for tables
   it takes for empty made the per-set cost grow with the rows loaded before).
   `--kinds 846,855,856,810` (the default) chooses what runs: e.g. `--kinds 855,856,810`
   skips the 846; 856 needs 855 and 810 needs 856 in the same run.

Exit status 1 when a budget is missed: ≥ 10,000 item lines/s and ≤ 3× the bare upsert
(never with --smoke, which exits 0 when it ran).
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import resource
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from _common import (
    SMOKE_HELP,
    ensure_postgres_database,
    load_average,
    stop_cleanly_on_sigterm,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ.setdefault("DEBUG", "false")  # no query log: measured as in production
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_edi")

SUPPLIER = "BENCHEDI"
PARTNER = "bench-edi"
SETS_PER_INTERCHANGE = 500
LINES_PER_SECOND = 10_000
RATIO_BUDGET = 3.0


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def backend_cpu() -> float | None:
    """CPU seconds (user + system) used so far by the PostgreSQL backend serving this
    process, read from /proc when the server runs on this machine (as here); else None.
    With the CPU of this process it is the work a run did, whatever else loads the CPUs."""
    from django.db import connection

    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def setup(items: int):
    """The supplier, its trading partner, `items` supplier items and yesterday's counts."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from inventory.models import Item, UnitOfMeasure, Warehouse
    from suppliers.models import (
        Supplier,
        SupplierAvailability,
        SupplierItem,
        TradingPartner,
    )

    each, _ = UnitOfMeasure.objects.get_or_create(code="EA", defaults={"name": "Each"})
    Warehouse.objects.get_or_create(code="BENCH-EDI", defaults={"name": "Bench DC"})
    supplier, _ = Supplier.objects.get_or_create(
        code=SUPPLIER, defaults={"name": "Bench EDI supplier", "status": "active"}
    )
    partner, _ = TradingPartner.objects.get_or_create(
        supplier=supplier,
        defaults={
            "code": PARTNER,
            "isa_qualifier": "ZZ",
            "isa_id": "BENCHEDI",
            "gs_id": "BENCHEDI",
            "our_isa_id": "BENCHDIST",
            "our_gs_id": "BENCHDIST",
            "versions_accepted": "004010",
        },
    )
    have = SupplierItem.objects.filter(supplier=supplier, supplier_sku__startswith="BE-").count()
    if have < items:
        yesterday = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {Item._meta.db_table}
                    (sku, description, base_uom_id, item_class, is_serialized, is_active, erp_id)
                SELECT 'BENCH-EDI-' || lpad(n::text, 7, '0'), 'Bench EDI item ' || n, %s, 'B',
                       false, true, ''
                FROM generate_series(%s, %s) AS n ON CONFLICT (sku) DO NOTHING""",
                [each.pk, have + 1, items],
            )
            cursor.execute(
                f"""INSERT INTO {SupplierItem._meta.db_table}
                    (supplier_id, item_id, supplier_sku, uom_id, lead_time_days, is_active)
                SELECT %s, i.id, 'BE-' || substr(i.sku, 11), %s, 7, true
                FROM {Item._meta.db_table} i
                WHERE i.sku LIKE 'BENCH-EDI-%%' AND substr(i.sku, 11)::int > %s
                  AND substr(i.sku, 11)::int <= %s""",
                [supplier.pk, each.pk, have, items],
            )
            cursor.execute(
                f"""INSERT INTO {SupplierAvailability._meta.db_table}
                    (supplier_item_id, qty_available, available_date, as_of, channel,
                     updated_at)
                SELECT si.id, 100, NULL, %s, 'edi', %s
                FROM {SupplierItem._meta.db_table} si
                WHERE si.supplier_id = %s
                ON CONFLICT (supplier_item_id) DO NOTHING""",
                [yesterday, yesterday, supplier.pk],
            )
            for model in (Item, SupplierItem, SupplierAvailability):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return supplier, partner


_control = [int(time.time()) % 400_000_000]


def _isa13() -> str:
    _control[0] += 1
    return f"{_control[0]:09d}"


def _envelope(partner, functional_id: str, bodies: list[list[str]]) -> str:
    """Interchanges of 500 sets each, ST02 from 0001 in each; `bodies` without ST/SE."""
    out = []
    for start in range(0, len(bodies), SETS_PER_INTERCHANGE):
        chunk = bodies[start : start + SETS_PER_INTERCHANGE]
        isa13 = _isa13()
        now = datetime.datetime.now()
        out.append(
            f"ISA*00*{'':10}*00*{'':10}*ZZ*{partner.isa_id:<15}*ZZ*{partner.our_isa_id:<15}"
            f"*{now:%y%m%d}*{now:%H%M}*U*00401*{isa13}*0*P*>~\n"
            f"GS*{functional_id}*{partner.gs_id}*{partner.our_gs_id}*{now:%Y%m%d}*{now:%H%M}"
            f"*{int(isa13)}*X*004010~\n"
        )
        for n, body in enumerate(chunk, start=1):
            out.append(f"ST*{body[0]}*{n:04d}~\n")
            out.extend(f"{segment}~\n" for segment in body[1:])
            out.append(f"SE*{len(body) + 1}*{n:04d}~\n")
        out.append(f"GE*{len(chunk)}*{int(isa13)}~\nIEA*1*{isa13}~\n")
    return "".join(out)


def write_846(path: Path, partner, *, sets: int, items: int, as_of: datetime.datetime) -> None:
    """`sets` × `items` item lines: supplier SKUs in order, a next-available date on every
    third line. Written a set at a time: the harness writes the file, the product streams it."""
    future = (datetime.date.today() + datetime.timedelta(days=9)).strftime("%Y%m%d")
    with path.open("w") as out:
        batch = []
        for s in range(sets):
            body = ["846", f"BIA*00*MM*INV{s}*{as_of:%Y%m%d}*{as_of:%H%M}"]
            for i in range(items):
                n = s * items + i + 1
                body.append(f"LIN**VP*BE-{n:07d}")
                body.append(f"QTY*33*{(n * 7) % 5000}*EA")
                if n % 3 == 0:
                    body.append(f"DTM*018*{future}")
            batch.append(body)
            if len(batch) == SETS_PER_INTERCHANGE:
                out.write(_envelope(partner, "IB", batch))
                batch = []
        if batch:
            out.write(_envelope(partner, "IB", batch))


def vacuum() -> None:
    """Yesterday's updates leave dead rows: both sides start from a vacuumed table, and
    from a checkpoint (neither side pays for flushing what the other wrote)."""
    from django.db import connection

    from suppliers.models import SupplierAvailability

    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {SupplierAvailability._meta.db_table}")
        cursor.execute("CHECKPOINT")


_TABLE = re.compile(r'(?:INSERT INTO|UPDATE|FROM)\s+"?(\w+)', re.IGNORECASE)


def import_file(
    path: Path, spent: dict[str, float] | None = None, counted: dict[str, int] | None = None
) -> tuple[float, object]:
    """Import `path` through the product's path; with `spent`, also the seconds spent in
    the database driver per statement kind (its first table), added into `spent`, and
    with `counted` the number of statements of each kind."""
    from django.db import connection

    from integrations.services.edi_intake import edi_file_import

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            found = _TABLE.search(sql)
            kind = f"{sql.split(None, 1)[0].upper()} {found.group(1) if found else '?'}"
            spent[kind] = spent.get(kind, 0.0) + time.perf_counter() - started
            if counted is not None:
                counted[kind] = counted.get(kind, 0) + 1

    server = backend_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    if spent is None:
        report = edi_file_import(path=path, file_name=path.name, partner_code=PARTNER)
    else:
        with connection.execute_wrapper(timed):
            report = edi_file_import(path=path, file_name=path.name, partner_code=PARTNER)
    # CPU of this process (all its threads): the Python side, much less load-dependent
    # than the wall clock on a shared machine.
    report.cpu_seconds = time.process_time() - cpu
    after = backend_cpu()
    report.backend_cpu_seconds = None if after is None or server is None else after - server
    return time.perf_counter() - started, report


def bare_upsert(
    supplier, *, sets: int, items: int, as_of: datetime.datetime, cpu: dict[str, float | None]
) -> float:
    """The same rows, already resolved, upserted set-based in the product's batches; the
    CPU seconds of this process and of its database backend while it ran go into `cpu`."""
    from django.db import connection, transaction

    from integrations.services.edi_intake import BATCH_SETS
    from suppliers.models import SupplierAvailability, SupplierItem

    ids = dict(
        SupplierItem.objects.filter(supplier=supplier, supplier_sku__startswith="BE-").values_list(
            "supplier_sku", "id"
        )
    )
    future = datetime.date.today() + datetime.timedelta(days=9)
    rows = []
    for n in range(1, sets * items + 1):
        rows.append((ids[f"BE-{n:07d}"], Decimal((n * 7) % 5000), future if n % 3 == 0 else None))
    per_batch = BATCH_SETS * items
    table = SupplierAvailability._meta.db_table
    server = backend_cpu()
    started, process = time.perf_counter(), time.process_time()
    for start in range(0, len(rows), per_batch):
        chunk = rows[start : start + per_batch]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {table} (supplier_item_id, qty_available, available_date,
                        as_of, channel, reported_by_id, updated_at)
                SELECT v.item, v.qty, v.day, %s, 'edi', NULL, %s
                FROM unnest(%s::bigint[], %s::numeric[], %s::date[]) AS v(item, qty, day)
                ON CONFLICT (supplier_item_id) DO UPDATE SET
                    qty_available = EXCLUDED.qty_available,
                    available_date = EXCLUDED.available_date, as_of = EXCLUDED.as_of,
                    channel = EXCLUDED.channel, reported_by_id = EXCLUDED.reported_by_id,
                    updated_at = EXCLUDED.updated_at""",
                [
                    as_of,
                    as_of,
                    [r[0] for r in chunk],
                    [r[1] for r in chunk],
                    [r[2] for r in chunk],
                ],
            )
    seconds = time.perf_counter() - started
    cpu["process"] = time.process_time() - process
    after = backend_cpu()
    cpu["backend"] = None if after is None or server is None else after - server
    return seconds


def documents(partner, supplier, count: int, tmp: Path, kinds: list[str]) -> dict[str, float]:
    """sets/s of 855, 856 and 810 (those in `kinds`) for `count` POs made for this run
    (2 lines each); 856 ships what 855 accepted and 810 invoices it, so a kind runs only
    after the ones it needs."""
    from django.utils import timezone

    from inventory.models import Warehouse
    from suppliers.models import PurchaseOrder, PurchaseOrderLine, SupplierItem

    warehouse = Warehouse.objects.get(code="BENCH-EDI")
    catalog = list(
        SupplierItem.objects.filter(supplier=supplier, supplier_sku__startswith="BE-")
        .order_by("id")
        .values_list("supplier_sku", "item_id", "uom_id")[:200]
    )
    run = _isa13()
    now = timezone.now()
    orders = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            number=f"PO-B{run}-{n:05d}",
            supplier=supplier,
            ship_to=warehouse,
            issued_at=now,
            ack_due_at=now + datetime.timedelta(days=2),
            source_channel="connector",
        )
        for n in range(count)
    )
    requested = timezone.localdate() + datetime.timedelta(days=14)
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=po,
            line_no=line,
            item_id=catalog[(n * 2 + line) % len(catalog)][1],
            ordered_qty=Decimal(10),
            uom_id=catalog[(n * 2 + line) % len(catalog)][2],
            unit_price=Decimal("2.5"),
            requested_date=requested,
        )
        for n, po in enumerate(orders)
        for line in (1, 2)
    )
    skus = [
        (catalog[(n * 2 + 1) % len(catalog)][0], catalog[(n * 2 + 2) % len(catalog)][0])
        for n in range(count)
    ]
    today = timezone.localdate()
    bodies = {
        "855": [
            [
                "855",
                f"BAK*00*AD*{po.number}*{today:%Y%m%d}*1",
                f"PO1*1*10*EA*2.5*PE*VP*{skus[n][0]}",
                "ACK*IA*10*EA",
                f"PO1*2*10*EA*2.5*PE*VP*{skus[n][1]}",
                "ACK*IA*10*EA",
                "CTT*2",
            ]
            for n, po in enumerate(orders)
        ],
        "856": [
            [
                "856",
                f"BSN*00*ASN-{po.number}*{today:%Y%m%d}*1200",
                "HL*1**S",
                "TD5*B*2*UPSN",
                f"DTM*011*{today:%Y%m%d}",
                f"DTM*017*{today + datetime.timedelta(days=3):%Y%m%d}",
                "HL*2*1*O",
                f"PRF*{po.number}",
                "HL*3*2*I",
                f"LIN*1*VP*{skus[n][0]}",
                "SN1*1*10*EA",
                "HL*4*2*I",
                f"LIN*2*VP*{skus[n][1]}",
                "SN1*2*10*EA",
                "CTT*4",
            ]
            for n, po in enumerate(orders)
        ],
        "810": [
            [
                "810",
                f"BIG*{today:%Y%m%d}*INV-{po.number}**{po.number}",
                "CUR*SE*USD",
                f"IT1*1*10*EA*2.5**VP*{skus[n][0]}",
                f"IT1*2*10*EA*2.5**VP*{skus[n][1]}",
                "TDS*5000",
                "CTT*2",
            ]
            for n, po in enumerate(orders)
        ],
    }
    rates = {}
    for set_id, functional_id in (("855", "PR"), ("856", "SH"), ("810", "IN")):
        if set_id not in kinds:
            continue
        path = tmp / f"{set_id}.x12"
        path.write_text(_envelope(partner, functional_id, bodies[set_id]))
        analyze_documents()
        load = load_average()
        spent: dict[str, float] = {}
        counted: dict[str, int] = {}
        seconds, report = import_file(path, spent, counted)
        if report.refused or report.errors:
            first = next(
                (
                    r.rejection
                    for i in report.interchanges
                    for r in i.transaction_sets.exclude(status="accepted")[:1]
                ),
                report.errors[:1],
            )
            print(f"  {set_id}: {report.refused} set(s) rejected, e.g. {first}")
        rates[set_id] = report.applied / seconds
        print(
            f"{set_id}: {report.applied:,} sets applied in {seconds:.2f} s: "
            f"{rates[set_id]:,.0f} sets/s; CPU of this process "
            f"{1000 * report.cpu_seconds / max(report.applied, 1):.1f} ms/set "
            f"(load {load} → {load_average()})"
        )
        # Statements per set and the time the driver spent on them: what the database
        # does for a set, much less load-dependent than the wall clock.
        per_set = max(report.applied, 1)
        print(
            f"  {sum(counted.values()) / per_set:.1f} SQL statements/set, "
            f"{1000 * sum(spent.values()) / per_set:.1f} ms/set in the database driver; "
            "most time: "
            + ", ".join(
                f"{kind} {1000 * spent[kind] / per_set:.1f} ms ({counted[kind] / per_set:.1f})"
                for kind in sorted(spent, key=lambda k: -spent[k])[:4]
            )
        )
    return rates


def analyze_documents() -> None:
    """Statistics for the document tables the run just filled, as autovacuum keeps them
    in production: without them (a fresh database, or a server running with autovacuum
    off, as this one) the planner takes the freshly loaded tables for empty and, e.g.,
    sums an item's in-transit figure by reading every ASN on its way to the warehouse."""
    from django.db import connection

    from inventory.models import StockPosition
    from suppliers.models import (
        AsnLine,
        InboundRow,
        PurchaseOrder,
        PurchaseOrderLine,
        PurchaseOrderScheduleLine,
        Shipment,
    )

    models = (
        PurchaseOrder,
        PurchaseOrderLine,
        PurchaseOrderScheduleLine,
        Shipment,
        AsnLine,
        InboundRow,
        StockPosition,
    )
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", type=int, default=15_500)
    parser.add_argument("--items", type=int, default=34)
    parser.add_argument("--documents", type=int, default=5_000, help="sets of 855/856/810")
    parser.add_argument(
        "--kinds",
        default="846,855,856,810",
        help="which sets to measure, comma-separated (856 needs 855, 810 needs 856)",
    )
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also print the 846 import's time in the database per statement kind "
        "(times each statement: a little slower)",
    )
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    needs = {"856": "855", "810": "856"}
    for kind in kinds:
        if kind not in ("846", *needs, "855"):
            parser.error(f"--kinds: unknown set {kind!r}; choose among 846, 855, 856, 810")
        if kind in needs and needs[kind] not in kinds:
            parser.error(
                f"--kinds: {kind} needs {needs[kind]} (it uses the POs {needs[kind]} leaves)"
            )
    if args.smoke:
        args.sets, args.items, args.documents = 60, 5, 20
    stop_cleanly_on_sigterm()
    ensure_postgres_database(os.environ["DATABASE_URL"])
    supplier, partner = setup(args.sets * args.items)
    print(f"load average at start: {load_average()}")
    missed = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "846" in kinds:
            missed = run_846(args, supplier, partner, folder)
        if set(kinds) - {"846"}:
            documents(partner, supplier, args.documents, folder, kinds)
    print(f"load average at end: {load_average()}")
    if args.smoke:
        return
    if missed:
        print("budget missed: " + ", ".join(missed))
        sys.exit(1)
    if "846" in kinds:
        print("budgets met")


def run_846(args: argparse.Namespace, supplier, partner, folder: Path) -> list[str]:
    """The 846 import against the bare upsert; the budgets it misses."""
    small, big = folder / "846-small.x12", folder / "846.x12"
    # BIA carries minutes: the bare upsert records the same instant, so the next run's
    # feed (a minute or more later) is never older than what this one leaves.
    as_of = (datetime.datetime.now().astimezone() - datetime.timedelta(minutes=1)).replace(
        second=0, microsecond=0
    )
    write_846(small, partner, sets=max(args.sets // 10, 1), items=args.items, as_of=as_of)
    write_846(big, partner, sets=args.sets, items=args.items, as_of=as_of)
    size_mib = big.stat().st_size / (1 << 20)
    import_file(small)
    peak_small = peak_mib()
    vacuum()
    spent: dict[str, float] | None = {} if args.breakdown else None
    seconds, report = import_file(big, spent)
    peak_big = peak_mib()
    lines = report.applied * args.items
    vacuum()
    bare_cpu: dict[str, float | None] = {}
    bare = bare_upsert(supplier, sets=args.sets, items=args.items, as_of=as_of, cpu=bare_cpu)
    print(
        f"846: {args.sets:,} sets × {args.items} items ({lines:,} item lines, "
        f"{size_mib:.1f} MiB, {len(report.interchanges)} interchanges)"
    )
    if report.refused or report.errors:
        print(f"  {report.refused} set(s) rejected; {report.errors[:3]}")
    print(
        f"product import: {seconds:.2f} s: {lines / seconds:,.0f} item lines/s, "
        f"{report.applied / seconds:,.0f} sets/s (budget ≥ {LINES_PER_SECOND:,} lines/s)"
    )
    print(f"  CPU time of this process during the import: {report.cpu_seconds:.2f} s")
    print(f"bare set-based upsert of the same rows: {bare:.2f} s: {lines / bare:,.0f} rows/s")
    ratio = seconds / bare
    print(f"ratio: {ratio:.2f}x the bare upsert (budget ≤ {RATIO_BUDGET:g}x)")
    if report.backend_cpu_seconds is not None and bare_cpu["backend"] is not None:
        # The wall clock follows the load of a shared machine; the CPU both sides used
        # does not: the same ratio in work done.
        work = report.cpu_seconds + report.backend_cpu_seconds
        bare_work = (bare_cpu["process"] or 0.0) + bare_cpu["backend"]
        print(
            f"  CPU, this process + its database backend: import {report.cpu_seconds:.2f} + "
            f"{report.backend_cpu_seconds:.2f} s, bare {bare_cpu['process']:.2f} + "
            f"{bare_cpu['backend']:.2f} s: {work / bare_work:.2f}x"
        )
    if spent is not None:
        in_database = sum(spent.values())
        print(
            f"  in the database driver: {in_database:.2f} s "
            f"({in_database / bare:.2f}x the bare upsert); in Python: "
            f"{seconds - in_database:.2f} s"
        )
        for kind, spent_on in sorted(spent.items(), key=lambda kv: -kv[1])[:10]:
            print(f"    {spent_on:6.2f} s  {kind}")
    print(
        f"peak memory of this process: {peak_small:.0f} MiB after a file of "
        f"{small.stat().st_size / (1 << 20):.1f} MiB, {peak_big:.0f} MiB after "
        f"{size_mib:.1f} MiB"
    )
    missed = []
    if lines / seconds < LINES_PER_SECOND:
        missed.append("item lines/s")
    if ratio > RATIO_BUDGET:
        missed.append("ratio to the bare upsert")
    return missed


if __name__ == "__main__":
    main()
