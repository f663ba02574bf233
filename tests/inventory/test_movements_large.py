"""A large mixed stream through the set-based apply (issue 22): every kind, cycle counts,
transfers, events older than a snapshot, duplicates and gaps, delivered shuffled in
batches through the API's service path and the CSV file channel. Every position must
equal a recomputation from scratch from the ledger, and the positions the row-by-row
path reaches from the same events in order."""

import csv
import random
from pathlib import Path

import pytest
from django.db import connection, transaction

from inventory.models import InventoryMovement, LivePosition, MovementStream
from inventory.resources.movement_files import movements_ingest_csv, movements_ingest_path
from inventory.services.movement_positions import positions_recompute
from inventory.services.movements import MovementInput, _ingest_rows
from tests.inventory.movements import at, event, send
from tests.inventory.snapshots import ingest, items, warehouse

pytestmark = pytest.mark.django_db

SKUS = [f"S{n:02d}" for n in range(30)]
STREAMS = [("wms:DC1", "DC1"), ("wms:DC2", "DC2"), ("erp", "DC1"), ("erp", "DC2")]
KINDS = [
    "receipt",
    "put_away",
    "quality_hold",
    "quality_release",
    "adjustment",
    "cycle_count",
    "transfer_out",
    "transfer_in",
    "return_to_vendor",
    "customer_return",
]
COLUMNS = [
    "source",
    "source_event_id",
    "sequence",
    "kind",
    "occurred_at",
    "sku",
    "warehouse",
    "quantity",
    "uom",
    "reason",
    "transfer_ref",
    "counterpart_warehouse",
]


def stream(size: int, seed: int) -> list[MovementInput]:
    """`size` events over the four streams, each numbered 1, 2, 3 … in its own order."""
    rng = random.Random(seed)
    numbers = dict.fromkeys(STREAMS, 0)
    events = []
    for _ in range(size):
        source, code = rng.choice(STREAMS)
        numbers[(source, code)] += 1
        sequence = numbers[(source, code)]
        # Counts are rare, as in a warehouse: most positions of a batch take the
        # set-based sums, the counted ones the per-position recount.
        kind = "cycle_count" if rng.random() < 0.02 else rng.choice(KINDS[:5] + KINDS[6:])
        quantity = rng.randint(1, 60) if kind != "cycle_count" else rng.randint(0, 200)
        extra = {}
        if kind == "adjustment":
            quantity *= rng.choice([1, -1])
            extra["reason"] = "counted"
        if kind.startswith("transfer"):
            other = "DC2" if code == "DC1" else "DC1"
            extra.update(transfer_ref=f"T-{source}-{sequence}", counterpart_warehouse=other)
        events.append(
            event(
                sequence,
                kind,
                quantity,
                sku=rng.choice(SKUS),
                warehouse=code,
                source=source,
                minute=rng.randint(0, 240),  # counts meet movements at the same minute
                event_id=f"{source}@{code}-{sequence}",
                **extra,
            )
        )
    return events


def write_csv(path: Path, events: list[MovementInput]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for e in events:
            values = {**e.__dict__, "occurred_at": e.occurred_at.isoformat()}
            writer.writerow([values[name] for name in COLUMNS])


def positions() -> dict[tuple[int, int], tuple]:
    return {
        (p.item_id, p.warehouse_id): (p.received, p.quality_hold, p.available, p.in_transit)
        for p in LivePosition.objects.all()
    }


def recomputed() -> dict[tuple[int, int], tuple]:
    found = {}
    for p in LivePosition.objects.all():
        f = positions_recompute(item_id=p.item_id, warehouse_id=p.warehouse_id)
        found[(p.item_id, p.warehouse_id)] = (
            f["received"],
            f["quality_hold"],
            f["available"],
            f["in_transit"],
        )
    return found


@pytest.fixture
def world():
    items(*SKUS, "A")
    dc1 = warehouse("DC1")
    warehouse("DC2")
    ingest("wms", dc1, [("S00", 50)], taken_at=at(30))  # wms:DC1 events until then: not applied
    return dc1


def test_a_large_mixed_stream_in_shuffled_batches_matches_the_ledger_and_the_row_path(
    world, tmp_path
):
    events = stream(1500, seed=22)
    rng = random.Random(7)
    delivered = events + rng.sample(events, 150)  # 10 % sent twice
    rng.shuffle(delivered)
    with transaction.atomic():
        _ingest_rows(events, actor=None, now=at(500), gap_timeout=at(10_000) - at(0))
        in_order = positions()
        row_path_applied = InventoryMovement.objects.filter(applied=True).count()
        transaction.set_rollback(True)

    cuts = sorted(rng.sample(range(1, len(delivered)), 7))
    batches = [delivered[a:b] for a, b in zip([0, *cuts], [*cuts, len(delivered)], strict=True)]
    for number, batch in enumerate(batches):
        if number % 2:
            path = tmp_path / f"batch-{number}.csv"
            write_csv(path, batch)
            result = movements_ingest_path(actor=None, path=path, channel="csv", now=at(500))
            assert result.errors == []
        else:
            assert send(*batch).errors == []

    assert len(in_order) == 60  # every item at both warehouses
    assert positions() == in_order
    assert recomputed() == in_order
    assert InventoryMovement.objects.count() == 1500
    assert not InventoryMovement.objects.filter(held=True).exists()
    assert InventoryMovement.objects.filter(applied=True).count() == row_path_applied
    assert InventoryMovement.objects.filter(before_snapshot=True, applied=True).count() == 0
    assert InventoryMovement.objects.filter(before_snapshot=True).count() > 0
    assert sorted(MovementStream.objects.values_list("source", "applied_through")) == sorted(
        (source, max(e.sequence for e in events if (e.source, e.warehouse) == (source, code)))
        for source, code in STREAMS
    )


def test_the_file_channel_reports_bad_rows_by_line_and_loads_the_rest(world, tmp_path):
    path = tmp_path / "movements.csv"
    path.write_text(
        "source,source_event_id,sequence,kind,occurred_at,sku,warehouse,quantity,uom,reason\n"
        "wms:DC2,X-1,1,receipt,2026-03-03T09:00:00Z,A,DC2,10,EA,\n"
        "wms:DC2,X-2,2,receipt,2026-02-30T09:00:00Z,A,DC2,10,EA,\n"
        "wms:DC2,X-3,3,receipt,2026-03-03T09:00:00+02:00,A,DC2,1.5,EA,\n"
        "wms:DC2,X-4,4,adjustment,2026-03-03T09:00:00Z,A,DC2,-2,EA,\n"
        "wms:DC2, X-5 ,5,receipt,2026-03-03T09:00:00.123456+01:00,A,DC2,7,EA,\n"
        "wms:DC2,X-6,6,receipt,2026-03-31T23:59:59-05:30,NOPE,DC2,7,EA,\n"
    )

    result = movements_ingest_path(actor=None, path=path, channel="csv", now=at(500))

    assert [(line, name) for line, name, _ in result.errors] == [
        (3, "occurred_at"),
        (4, "quantity"),
        (5, "reason"),
        (7, "sku"),
    ]
    assert "not a whole number of EA" in result.errors[1][2]
    assert (result.rows, result.batches[0].recorded, result.batches[0].applied) == (6, 2, 1)
    # X-5 (its cells trimmed, as the row-by-row path reads them) waits for #2 to #4.
    assert sorted(InventoryMovement.objects.values_list("source_event_id", "held")) == [
        ("X-1", False),
        ("X-5", True),
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Only PostgreSQL reads files with COPY."
)
def test_a_file_copy_cannot_read_takes_the_row_by_row_path_and_says_the_same(world, tmp_path):
    path = tmp_path / "movements.csv"
    path.write_text(
        "source,source_event_id,sequence,kind,occurred_at,sku,warehouse,quantity,uom,reason\n"
        "wms:DC2,X-1,1,receipt,2026-03-03T09:00:00Z,A,DC2,10,EA\n"  # no reason cell at all
        "wms:DC2,X-2,2,receipt,2026-03-03T09:01:00Z,A,DC2,5,EA,\n"
        "\n"
    )

    assert movements_ingest_csv(actor=None, path=path, now=at(500)) is None  # COPY refused it
    result = movements_ingest_path(actor=None, path=path, channel="csv", now=at(500))

    assert result.rows == 3
    assert sum(batch.applied for batch in result.batches) == 2
    assert {(line, name) for line, name, _ in result.errors} == {(4, "(row)")}
    assert "'source' is a required property" in [message for *_, message in result.errors]
