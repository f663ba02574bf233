"""Snapshot ingest: mapping to base units, an error report per bad-row kind, no double count."""

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from integrations.errors import DomainError
from inventory.models import InventorySnapshot, InventorySnapshotLine, snapshot_lines_partition
from inventory.services.snapshot_loading import _hash_items
from inventory.services.snapshots import snapshot_ingest
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.inventory.snapshots import csv_bytes, ingest, items, later, warehouse

pytestmark = pytest.mark.django_db


def lines(snapshot) -> dict[str, Decimal]:
    return dict(
        InventorySnapshotLine.objects.filter(snapshot=snapshot).values_list("item__sku", "quantity")
    )


def test_rows_in_other_units_are_converted_exactly_to_the_items_base_unit():
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    bolt = ItemFactory(sku="BOLT", base_uom=each)
    ItemFactory(sku="NUT", base_uom=each)
    kilo = UnitOfMeasureFactory(code="KG", kind="mass", decimal_places=3)
    ItemFactory(sku="RESIN", base_uom=kilo)
    UomConversionFactory(item=bolt, from_uom=case, to_uom=each, factor=Decimal(12))
    # A global "1 EA = 0.5 CS" pair, stored the other way round: 1 CS = 2 EA for NUT.
    UomConversionFactory(item=None, from_uom=each, to_uom=case, factor=Decimal("0.5"))
    UomConversionFactory(
        item=None,
        from_uom=UnitOfMeasureFactory(code="G", kind="mass", decimal_places=0),
        to_uom=kilo,
        factor=Decimal("0.001"),
    )

    result = ingest(
        "wms", warehouse(), [("BOLT", "CS", "3"), ("NUT", "cs", "4"), ("RESIN", "G", "1500")]
    )

    assert result.error_counts == {}
    assert lines(result.snapshot) == {
        "BOLT": Decimal(36),
        "NUT": Decimal(8),
        "RESIN": Decimal("1.5"),
    }
    assert result.snapshot.status == "loaded"


def test_each_bad_row_kind_is_reported_with_its_line_number_and_good_rows_still_load():
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    items("GOOD", "DUP")
    UomConversionFactory(
        item=ItemFactory(sku="PACKED", base_uom=each), from_uom=each, to_uom=case, factor=Decimal(6)
    )  # 1 EA = 6 CS: 1 CS = 1/6 EA
    ItemFactory(sku="NOCONV", base_uom=each)
    UnitOfMeasureFactory(code="PAL")
    rows = [
        ("GOOD", "EA", "5"),  # line 2
        ("GHOST", "EA", "1"),  # line 3: unknown SKU
        ("GOOD2", "XX", "1"),  # line 4: unknown SKU wins over unknown unit
        ("DUP", "BOX", "1"),  # line 5: unknown unit
        ("PACKED", "CS", "4"),  # line 6: 4/6 EA is not whole
        ("NOCONV", "PAL", "1"),  # line 7: no conversion
        ("DUP", "EA", "-2"),  # line 8: negative from the WMS: loaded, flagged
        ("DUP", "EA", "abc"),  # line 9: not a number
        ("DUP", "EA", "1.5"),  # line 10: not a whole number of EA
    ]

    result = ingest("wms", warehouse(), rows)

    snapshot = result.snapshot
    assert [(e["line"], e["kind"]) for e in snapshot.errors] == [
        (3, "unknown_sku"),
        (4, "unknown_sku"),
        (5, "unknown_uom"),
        (6, "inexact_conversion"),
        (7, "no_conversion"),
        (8, "negative_stock"),
        (9, "invalid_quantity"),
        (10, "inexact_conversion"),
    ]
    assert snapshot.error_counts == {
        "unknown_sku": 2,
        "unknown_uom": 1,
        "inexact_conversion": 2,
        "no_conversion": 1,
        "negative_stock": 1,
        "invalid_quantity": 1,
    }
    assert (snapshot.rows_total, snapshot.rows_loaded, snapshot.rows_rejected) == (9, 2, 7)
    assert snapshot.status == "loaded_with_errors"
    assert lines(snapshot) == {"GOOD": Decimal(5), "DUP": Decimal(-2)}


def test_negative_quantities_are_allowed_from_the_erp():
    items("A")

    result = ingest("erp", warehouse(), [("A", "-4")])

    assert lines(result.snapshot) == {"A": Decimal(-4)}


def test_a_sku_twice_with_the_same_figure_counts_once_and_is_reported():
    items("A", "B")

    result = ingest("erp", warehouse(), [("A", "1"), ("B", "5"), ("A", "1")])

    assert result.rows_loaded == 2
    assert result.error_counts == {"duplicate_row": 1}
    assert result.snapshot.rows_rejected == 0
    assert lines(result.snapshot) == {"A": Decimal(1), "B": Decimal(5)}
    assert [(e["line"], e["kind"], e["quantity"]) for e in result.snapshot.errors] == [
        (4, "duplicate_row", "1"),
    ]


def test_a_sku_twice_with_other_figures_loads_none_of_its_lines_and_reports_them_all():
    items("A", "B")

    result = ingest("erp", warehouse(), [("A", "1"), ("B", "5"), ("A", "2"), ("A", "3")])

    assert result.rows_loaded == 1
    assert result.error_counts == {"conflicting_duplicate": 3}
    assert lines(result.snapshot) == {"B": Decimal(5)}
    assert [(e["line"], e["kind"], e["quantity"]) for e in result.snapshot.errors] == [
        (2, "conflicting_duplicate", "1"),
        (4, "conflicting_duplicate", "2"),
        (5, "conflicting_duplicate", "3"),
    ]


def test_a_sku_twice_in_other_units_with_the_same_figure_counts_once():
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    ItemFactory(sku="A", base_uom=each)
    UomConversionFactory(item=None, from_uom=case, to_uom=each, factor=Decimal(12))

    result = ingest("erp", warehouse(), [("A", "CS", "2"), ("A", "EA", "24")])

    assert lines(result.snapshot) == {"A": Decimal(24)}
    assert [(e["line"], e["kind"]) for e in result.snapshot.errors] == [(3, "duplicate_row")]


def test_a_quantity_beyond_twelve_whole_digits_is_reported_and_the_rest_loads():
    items("A", "B")

    result = ingest("erp", warehouse(), [("A", "1000000000000"), ("B", "999999999999")])

    assert lines(result.snapshot) == {"B": Decimal(999999999999)}
    assert [(e["line"], e["kind"]) for e in result.snapshot.errors] == [(2, "quantity_too_large")]
    assert result.snapshot.errors[0]["message"] == (
        "The quantity is too large (at most 999,999,999,999 in the base unit)."
    )


def test_the_same_snapshot_twice_is_refused_and_not_double_counted():
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", "7")], taken_at=later(0))

    with pytest.raises(DomainError, match="already ingested"):
        ingest("erp", dc1, [("A", "7")], taken_at=later(0))

    assert InventorySnapshot.objects.count() == 1
    assert InventorySnapshotLine.objects.count() == 1


def test_the_same_file_resent_without_a_time_is_refused():
    items("A")
    dc1 = warehouse()
    body = csv_bytes([("A", "EA", "7")])
    snapshot_ingest(actor=None, stream=io.BytesIO(body), source="erp", warehouse=dc1)

    with pytest.raises(DomainError, match="already ingested"):
        snapshot_ingest(actor=None, stream=io.BytesIO(body), source="erp", warehouse=dc1)

    assert InventorySnapshotLine.objects.count() == 1


def test_a_file_without_the_required_columns_is_refused_before_loading():
    with pytest.raises(DomainError, match="sku, uom and quantity"):
        ingest_raw = io.BytesIO(b"item,qty\nA,1\n")
        snapshot_ingest(actor=None, stream=ingest_raw, source="erp", warehouse=warehouse())

    assert InventorySnapshot.objects.count() == 0


def test_columns_may_come_in_any_order():
    items("A")

    result = snapshot_ingest(
        actor=None,
        stream=io.BytesIO(b"quantity,sku,uom\n3,A,EA\n"),
        source="erp",
        warehouse=warehouse(),
    )

    assert lines(result.snapshot) == {"A": Decimal(3)}


def test_the_command_ingests_a_file_and_prints_the_rejected_rows(tmp_path):
    items("A")
    warehouse("DC1")
    path = tmp_path / "stock.csv"
    path.write_bytes(csv_bytes([("A", "EA", "3"), ("B", "EA", "1")]))
    out = io.StringIO()

    call_command("ingest_snapshot", str(path), "--source", "wms", "--warehouse", "DC1", stdout=out)

    assert "1 of 2 rows loaded" in out.getvalue()
    assert "line 3: unknown_sku (B)" in out.getvalue()
    with pytest.raises(CommandError, match="already ingested"):
        call_command("ingest_snapshot", str(path), "--source", "wms", "--warehouse", "DC1")


@pytest.mark.parametrize(
    "content",
    [
        b"sku,uom,quantity\nBOLT,EA,\xff\xfe\n",
        b'sku,uom,quantity\nBOLT,EA,"12\n',
        b"\xff\xfesku,uom,quantity\n",
    ],
    ids=["bad-bytes", "unterminated-quote", "bad-header-bytes"],
)
def test_a_file_that_is_not_utf8_csv_is_refused_with_a_clear_error(content, django_db_setup, db):
    import io

    from integrations.errors import DomainError
    from inventory.models import InventorySnapshot
    from inventory.services.snapshots import snapshot_ingest
    from tests.inventory.factories import WarehouseFactory

    with pytest.raises(DomainError) as error:
        snapshot_ingest(
            actor=None, stream=io.BytesIO(content), source="wms", warehouse=WarehouseFactory()
        )

    assert error.value.code in ("unreadable_file", "invalid")
    assert "CSV" in error.value.message
    assert InventorySnapshot.objects.count() == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Only PostgreSQL partitions the lines table."
)
def test_on_postgresql_each_snapshot_keeps_its_lines_in_a_partition_that_goes_with_it():
    items("A", "B")
    result = ingest("erp", warehouse(), [("A", "1"), ("B", "2")])
    partition = snapshot_lines_partition(result.snapshot.pk)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = %s::regclass",
            [partition],
        )
        assert cursor.fetchall() == [("inventory_inventorysnapshotline",)]
        cursor.execute(f"SELECT COUNT(*) FROM {partition}")
        assert cursor.fetchone() == (2,)

        result.snapshot.delete()

        cursor.execute("SELECT to_regclass(%s)", [partition])
        assert cursor.fetchone() == (None,)
    assert InventorySnapshotLine.objects.count() == 0


def test_counts_stay_exact_with_duplicates_conflicts_rejects_and_negatives_in_one_file():
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    for sku in ("A", "A2", "B", "C", "D", "E", "F", "G", "H", "I"):
        ItemFactory(sku=sku, base_uom=each)
    UomConversionFactory(item=None, from_uom=case, to_uom=each, factor=Decimal(12))
    rows = [
        ("A", "EA", "5"),  # line 2: loaded
        ("B", "CS", "2"),  # line 3: converted, loaded as 24
        ("C", "EA", "-3"),  # line 4: loaded, negative
        ("D", "CS", "-1"),  # line 5: converted, loaded as -12, negative
        ("E", "EA", "4"),  # line 6: loaded once
        ("E", "EA", "4"),  # line 7: the same figure again
        ("F", "EA", "1"),  # line 8: conflict
        ("F", "EA", "2"),  # line 9: conflict
        ("G", "EA", "-6"),  # line 10: loaded once, negative
        ("G", "EA", "-6"),  # line 11: the same figure again: a duplicate, not a second negative
        ("GHOST", "EA", "1"),  # line 12: unknown SKU
        ("A2", "EA", "x"),  # line 13: not a number
        ("H", "CS", "-1"),  # line 14: -12 EA, loaded, negative
        ("H", "EA", "-12"),  # line 15: the same figure in the base unit: a duplicate
        ("I", "EA", "-2"),  # line 16: negative figures in conflict: none loaded
        ("I", "EA", "-3"),  # line 17
    ]

    result = ingest("wms", warehouse(), rows)

    snapshot = result.snapshot
    assert [(e["line"], e["kind"]) for e in snapshot.errors] == [
        (4, "negative_stock"),
        (5, "negative_stock"),
        (7, "duplicate_row"),
        (8, "conflicting_duplicate"),
        (9, "conflicting_duplicate"),
        (10, "negative_stock"),
        (11, "duplicate_row"),
        (12, "unknown_sku"),
        (13, "invalid_quantity"),
        (14, "negative_stock"),
        (15, "duplicate_row"),
        (16, "conflicting_duplicate"),
        (17, "conflicting_duplicate"),
    ]
    assert snapshot.error_counts == {
        "negative_stock": 4,
        "duplicate_row": 3,
        "conflicting_duplicate": 4,
        "unknown_sku": 1,
        "invalid_quantity": 1,
    }
    assert (snapshot.rows_total, snapshot.rows_loaded, snapshot.rows_rejected) == (16, 7, 6)
    assert result.rows_loaded == InventorySnapshotLine.objects.filter(snapshot=snapshot).count()
    assert snapshot.issues.count() == 13
    assert lines(snapshot) == {
        "A": Decimal(5),
        "B": Decimal(24),
        "C": Decimal(-3),
        "D": Decimal(-12),
        "E": Decimal(4),
        "G": Decimal(-6),
        "H": Decimal(-12),
    }


def test_negative_stock_is_reported_with_the_sku_and_the_figure_in_the_base_unit():
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    items("PLAIN", "PADDED", "PACKED")
    UomConversionFactory(item=None, from_uom=case, to_uom=each, factor=Decimal(12))

    result = ingest(
        "wms",
        warehouse(),
        [
            ("PLAIN", "EA", "-3"),
            (" PADDED ", "EA", "-4"),
            ("PACKED", "CS", "-2"),
            ("PLAIN2", "EA", "1"),
        ],
    )

    negatives = [
        (e["line"], e["sku"], e["uom"], Decimal(e["quantity"]))
        for e in result.snapshot.errors
        if e["kind"] == "negative_stock"
    ]
    assert negatives == [
        (2, "PLAIN", "EA", Decimal(-3)),
        (3, "PADDED", "EA", Decimal(-4)),
        (4, "PACKED", "EA", Decimal(-24)),
    ]


def test_the_snapshot_keeps_the_sha256_of_the_whole_file_as_received():
    items("A")
    # Over a megabyte: the file is hashed in chunks as it is loaded.
    rows = [("A", "EA", "7")] + [(f"UNKNOWN-{n:06d}-{'x' * 180}", "EA", "1") for n in range(6000)]
    body = csv_bytes(rows)
    assert len(body) > 1 << 20

    result = snapshot_ingest(
        actor=None, stream=io.BytesIO(body), source="erp", warehouse=warehouse()
    )

    assert result.snapshot.checksum == hashlib.sha256(body).hexdigest()
    assert (result.rows_total, result.rows_loaded) == (6001, 1)
    assert result.error_counts == {"unknown_sku": 6000}


def test_a_file_resent_without_a_time_leaves_no_second_snapshot_and_no_lines():
    items("A", "B")
    dc1 = warehouse()
    body = csv_bytes([("A", "EA", "7"), ("B", "EA", "-1"), ("GHOST", "EA", "1")])
    first = snapshot_ingest(actor=None, stream=io.BytesIO(body), source="erp", warehouse=dc1)

    with pytest.raises(DomainError, match=f"already ingested as #{first.snapshot.pk} "):
        snapshot_ingest(actor=None, stream=io.BytesIO(body), source="erp", warehouse=dc1)

    assert list(InventorySnapshot.objects.values_list("pk", flat=True)) == [first.snapshot.pk]
    assert InventorySnapshotLine.objects.count() == 2
    assert first.snapshot.issues.count() == 2


def test_an_items_own_conversion_wins_over_the_global_one_whether_whole_or_not():
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    box, pack = UnitOfMeasureFactory(code="BOX"), UnitOfMeasureFactory(code="PK")
    items("PLAIN")
    odd = ItemFactory(sku="ODD", base_uom=each)
    boxed = ItemFactory(sku="BOXED", base_uom=each)
    UomConversionFactory(item=None, from_uom=case, to_uom=each, factor=Decimal(12))
    UomConversionFactory(item=odd, from_uom=case, to_uom=each, factor=Decimal("2.5"))
    UomConversionFactory(item=None, from_uom=box, to_uom=each, factor=Decimal(10))
    UomConversionFactory(item=boxed, from_uom=each, to_uom=box, factor=Decimal("0.25"))
    UomConversionFactory(item=None, from_uom=each, to_uom=pack, factor=Decimal("0.3"))

    result = ingest(
        "wms",
        warehouse(),
        [
            ("PLAIN", "CS", "3"),  # line 2: global, 36
            ("ODD", "CS", "2"),  # line 3: its own 2.5, not the global 12: 5
            ("BOXED", "BOX", "2"),  # line 4: its own 1 EA = 0.25 BOX, not the global 10: 8
            ("PLAIN", "PK", "1"),  # line 5: 1 EA = 0.3 PK: 3.33… EA is not whole
            ("ODD", "CS", "1"),  # line 6: 2.5 EA is not whole
        ],
    )

    assert lines(result.snapshot) == {"PLAIN": Decimal(36), "ODD": Decimal(5), "BOXED": Decimal(8)}
    assert [(e["line"], e["kind"]) for e in result.snapshot.errors] == [
        (5, "inexact_conversion"),
        (6, "inexact_conversion"),
    ]


def test_a_whole_number_of_cases_too_large_in_the_base_unit_is_reported():
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    items("A", "B")
    UomConversionFactory(item=None, from_uom=case, to_uom=each, factor=Decimal(12))

    result = ingest("wms", warehouse(), [("A", "CS", "100000000000"), ("B", "CS", "83333333333")])

    assert lines(result.snapshot) == {"B": Decimal(999999999996)}
    assert [(e["line"], e["kind"]) for e in result.snapshot.errors] == [(2, "quantity_too_large")]


def test_in_a_file_without_a_bad_row_a_repeated_negative_is_flagged_once_with_its_sku_and_unit():
    items("A", "B")

    result = ingest("wms", warehouse(), [("A", "-4"), ("B", "2"), ("A", "-4")])

    assert lines(result.snapshot) == {"A": Decimal(-4), "B": Decimal(2)}
    assert [
        (e["line"], e["kind"], e["sku"], e["uom"], Decimal(e["quantity"]))
        for e in result.snapshot.errors
    ] == [
        (2, "negative_stock", "A", "EA", Decimal(-4)),
        (4, "duplicate_row", "A", "EA", Decimal(-4)),
    ]
    assert (result.rows_total, result.rows_loaded, result.snapshot.rows_rejected) == (3, 2, 0)


@pytest.mark.parametrize("other_items, hashed", [(200, False), (0, True)], ids=["index", "hash"])
def test_rows_on_either_side_of_every_64th_line_are_judged_each_on_its_own(other_items, hashed):
    # PostgreSQL tells the rows the fast path loaded from the rest by a bitmap of line
    # numbers, 64 lines to a word: the rows around the words' edges (lines 63/64,
    # 127/128) must neither be lost nor loaded twice. A file with at least half as many
    # rows as there are items hashes the item table in the fast path instead of looking
    # each SKU up: the same lines either way.
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    UomConversionFactory(item=None, from_uom=case, to_uom=each, factor=Decimal(12))
    rows = {line: (f"S{line:03d}", "EA", str(line)) for line in range(2, 142)}
    items(*(sku for sku, _, _ in rows.values()))
    ItemFactory.create_batch(other_items, base_uom=each)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inventory_item")  # the item count the choice reads
            assert _hash_items(cursor, len(rows)) is hashed
    rows[2] = ("S002", "CS", "1")  # the first line: converted, 12
    rows[63] = ("GHOST", "EA", "1")  # the last line of word 0: unknown SKU
    rows[64] = ("S064", "CS", "2")  # the first of word 1: converted, 24
    rows[127] = ("S127", "EA", "-5")  # the last of word 1: loaded, negative
    rows[128] = ("S128", "EA", "x")  # the first of word 2: not a number
    rows[141] = ("GHOST2", "EA", "1")  # the file's last line: unknown SKU

    result = ingest("wms", warehouse(), [rows[line] for line in range(2, 142)])

    snapshot = result.snapshot
    assert [(e["line"], e["kind"]) for e in snapshot.errors] == [
        (63, "unknown_sku"),
        (127, "negative_stock"),
        (128, "invalid_quantity"),
        (141, "unknown_sku"),
    ]
    assert (result.rows_total, result.rows_loaded, snapshot.rows_rejected) == (140, 137, 3)
    loaded = InventorySnapshotLine.objects.filter(snapshot=snapshot)
    assert sorted(loaded.values_list("line_no", flat=True)) == [
        line for line in range(2, 142) if line not in (63, 128, 141)
    ]
    assert lines(snapshot) == {
        **{
            f"S{line:03d}": Decimal(line)
            for line in range(3, 141)
            if line not in (63, 64, 127, 128)
        },
        "S002": Decimal(12),
        "S064": Decimal(24),
        "S127": Decimal(-5),
    }
    negative = snapshot.issues.get(kind="negative_stock")
    assert (negative.line_no, negative.item.sku, Decimal(negative.quantity)) == (
        127,
        "S127",
        Decimal(-5),
    )
