"""Inventory movements through the file channel against a bare COPY + set-based apply
(issue 22: budget ≤ 3× the bare path).

    .venv/bin/python bench/movements.py --events 1000000   # DATABASE_URL defaults to portal_bench
    .venv/bin/python bench/movements.py --smoke            # CI: tiny, no verdict

1. Writes a CSV of N events of one stream (source wms:BENCH, warehouse BENCH-M), numbered
   1 … N, over min(N, 100,000) items: receipts, put-aways and adjustments, 1 % of them
   sent twice.
2. Ingests it through the product's file channel (`inventory.resources.movements`
   `movements_ingest_path`: contract check per row, batches of 10,000, sequencing, exact
   units, live positions) and prints movements per second.
3. In the same run, the bare path: COPY the same file into an unlogged table, one INSERT …
   SELECT of the distinct events joined to their items into a ledger table, and one
   INSERT … GROUP BY of the position sums: no contract, no sequence, no units.
4. Checks the live positions against a recomputation from the ledger (a sample of
   positions) and deletes what it made.
Not measured here yet: the batch API under gunicorn (the issue's ≥ 20,000 movements/s).
Exit status 1 when the ratio exceeds the budget for N ≥ 1,000,000; `--smoke`: exit 0.
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from _common import SMOKE_HELP, load_average, stop_cleanly_on_sigterm
from _inventory_setup import ensure_items, peak_memory_mib, setup

TARGET_RATIO = 3.0
TARGET_SIZE = 1_000_000
WAREHOUSE = "BENCH-M"
SOURCE = "wms:BENCH"
HEADER = "source,source_event_id,sequence,kind,occurred_at,sku,warehouse,quantity,uom,reason\n"


def write_csv(path: Path, events: int, items: int) -> None:
    rng = random.Random(22)
    with path.open("w") as out:
        out.write(HEADER)
        for n in range(1, events + 1):  # the harness writes the file; the product never loops
            sku = f"BENCH-{rng.randint(1, items):07d}"
            minute = f"2026-03-03T{(n // 3600) % 24:02d}:{(n // 60) % 60:02d}:{n % 60:02d}Z"
            roll = rng.random()
            if roll < 0.5:
                row = f"receipt,{minute},{sku},{WAREHOUSE},{rng.randint(1, 40)},EA,"
            elif roll < 0.9:
                row = f"put_away,{minute},{sku},{WAREHOUSE},{rng.randint(1, 20)},EA,"
            else:
                row = f"adjustment,{minute},{sku},{WAREHOUSE},-{rng.randint(1, 5)},EA,bench"
            line = f"{SOURCE},E{n},{n},{row}\n"
            out.write(line)
            if roll < 0.01:
                out.write(line)  # a duplicate


def bare(path: Path) -> float:
    """COPY + distinct events into a ledger + position sums, set-based."""
    from django.db import connection

    from inventory.models import Item

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for name in ("bench_mv_stage", "bench_mv_ledger", "bench_mv_positions"):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_mv_stage (source text, source_event_id text, "
            "sequence text, kind text, occurred_at text, sku text, warehouse text, "
            "quantity text, uom text, reason text)"
        )
        with (
            cursor.cursor.copy(
                "COPY bench_mv_stage FROM STDIN WITH (FORMAT csv, HEADER true)"
            ) as copy,
            path.open("rb") as stream,
        ):
            while chunk := stream.read(1 << 20):
                copy.write(chunk)
        cursor.execute(
            f"""CREATE TABLE bench_mv_ledger AS
            SELECT DISTINCT ON (s.source, s.source_event_id) s.source, s.source_event_id,
                   s.sequence::bigint AS sequence, s.kind, s.occurred_at::timestamptz AS at,
                   i.id AS item_id, s.quantity::numeric AS quantity
            FROM bench_mv_stage s JOIN {Item._meta.db_table} i ON i.sku = s.sku"""
        )
        cursor.execute(
            """CREATE TABLE bench_mv_positions AS
            SELECT item_id,
                   sum(CASE kind WHEN 'receipt' THEN quantity
                                 WHEN 'put_away' THEN -quantity ELSE 0 END) AS received,
                   sum(CASE kind WHEN 'put_away' THEN quantity
                                 WHEN 'adjustment' THEN quantity ELSE 0 END) AS available
            FROM bench_mv_ledger GROUP BY item_id"""
        )
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        for name in ("bench_mv_stage", "bench_mv_ledger", "bench_mv_positions"):
            cursor.execute(f"DROP TABLE {name}")
    return elapsed


def clean_up() -> None:
    from inventory.models import InventoryMovement, LivePosition, MovementStream

    InventoryMovement.objects.filter(warehouse__code=WAREHOUSE).delete()
    LivePosition.objects.filter(warehouse__code=WAREHOUSE).delete()
    MovementStream.objects.filter(warehouse__code=WAREHOUSE).delete()


def check_positions(sample: int = 50) -> bool:
    from inventory.models import LivePosition
    from inventory.services.movement_positions import positions_recompute

    rows = LivePosition.objects.filter(warehouse__code=WAREHOUSE).order_by("?")[:sample]
    for position in rows:
        kept = {
            "received": position.received,
            "quality_hold": position.quality_hold,
            "available": position.available,
            "in_transit": position.in_transit,
        }
        if kept != positions_recompute(
            item_id=position.item_id, warehouse_id=position.warehouse_id
        ):
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)
    args = parser.parse_args()
    events = 2_000 if args.smoke else args.events
    items = min(events, 100_000)
    stop_cleanly_on_sigterm()
    print(f"load average at the start: {load_average()}")
    setup()
    from inventory.models import Warehouse
    from inventory.resources.movements import movements_ingest_path

    ensure_items(items)
    Warehouse.objects.get_or_create(code=WAREHOUSE, defaults={"name": "Bench movements"})
    clean_up()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "movements.csv"
            write_csv(path, events, items)
            bare(path)  # warm the page cache and the server once
            bare_s = bare(path)
            started = time.perf_counter()
            result = movements_ingest_path(actor=None, path=path, channel="csv")
            product_s = time.perf_counter() - started
        applied = sum(batch.applied for batch in result.batches)
        duplicates = sum(batch.duplicates for batch in result.batches)
        correct = check_positions()
    finally:
        clean_up()
    print(
        f"events: {events:,} in {result.rows:,} rows ({duplicates:,} duplicates), "
        f"{applied:,} applied"
    )
    print(f"file channel: {product_s:.2f} s, {result.rows / product_s:,.0f} movements/s")
    print(f"bare COPY + set-based apply: {bare_s:.2f} s, {result.rows / bare_s:,.0f} movements/s")
    ratio = product_s / bare_s
    target = f" (target ≤ {TARGET_RATIO:g}x)" if events >= TARGET_SIZE else ""
    print(f"ratio to the bare path: {ratio:.2f}x{target}")
    print(f"positions match a recomputation from the ledger: {correct}")
    print(f"peak memory: {peak_memory_mib():.0f} MiB")
    if args.smoke:
        return 0
    if not correct or (events >= TARGET_SIZE and ratio > TARGET_RATIO):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
