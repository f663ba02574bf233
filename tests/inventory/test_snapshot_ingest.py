"""Snapshot ingest: mapping to base units, an error report per bad-row kind, no double count."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from integrations.errors import DomainError
from inventory.models import InventorySnapshot, InventorySnapshotLine, snapshot_lines_partition
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
