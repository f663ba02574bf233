"""Each reconciliation class on a small hand-built case, and tolerances at their limits."""

from decimal import Decimal

import pytest

from integrations.models import ExceptionCase
from inventory.services.reconciliation import reconcile
from tests.inventory.factories import UnitOfMeasureFactory, UomConversionFactory
from tests.inventory.snapshots import ingest, items, later, tolerance, warehouse

pytestmark = pytest.mark.django_db


def open_cases() -> dict[str, str]:
    return dict(
        ExceptionCase.objects.filter(status__in=ExceptionCase.ACTIVE).values_list(
            "subject_key", "exception_class"
        )
    )


def test_equal_snapshots_open_no_exception():
    items("A", "B")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 10), ("B", 0)])
    ingest("wms", dc1, [("A", 10), ("B", 0)])

    run = reconcile(actor=None)

    assert open_cases() == {}
    assert run.positions_compared == 2
    assert run.discrepancies == 0
    assert run.status == "done"


def test_each_class_is_detected_on_its_own_position():
    items("MISS-ERP", "MISS-WMS", "QTY", "PACK", "NEG")
    UomConversionFactory(
        item=None,
        from_uom=UnitOfMeasureFactory(code="CS"),
        to_uom=UnitOfMeasureFactory(code="EA"),
        factor=Decimal("12"),
    )
    dc1 = warehouse()
    ingest("erp", dc1, [("MISS-WMS", 5), ("QTY", 100), ("PACK", 120), ("NEG", -3)])
    ingest("wms", dc1, [("MISS-ERP", 7), ("QTY", 90), ("PACK", 10), ("NEG", 0)])

    run = reconcile(actor=None)

    assert open_cases() == {
        "MISS-ERP@DC1": "missing_in_erp",
        "MISS-WMS@DC1": "missing_in_wms",
        "QTY@DC1": "quantity_mismatch",
        "PACK@DC1": "uom_mismatch",
        "NEG@DC1": "negative_stock",
    }
    assert run.counts == {
        "missing_in_erp": 1,
        "missing_in_wms": 1,
        "quantity_mismatch": 1,
        "uom_mismatch": 1,
        "negative_stock": 1,
    }
    qty = ExceptionCase.objects.get(subject_key="QTY@DC1")
    assert (qty.expected_qty, qty.actual_qty, qty.delta) == (
        Decimal(100),
        Decimal(90),
        Decimal(-10),
    )
    assert qty.owner_team == "inventory_control"
    assert qty.warehouse_code == "DC1"
    assert qty.sku == "QTY"


@pytest.mark.parametrize(
    ("wms_qty", "expected_class"),
    [("95", None), ("94", "quantity_mismatch"), ("105", None), ("106", "quantity_mismatch")],
)
def test_absolute_tolerance_is_inclusive_at_its_limit(wms_qty, expected_class):
    items("A", item_class="B")
    tolerance("B", absolute="5")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 100)])
    ingest("wms", dc1, [("A", wms_qty)])

    reconcile(actor=None)

    assert open_cases().get("A@DC1") == expected_class


@pytest.mark.parametrize(
    ("wms_qty", "expected_class"),
    [("198", None), ("197", "quantity_mismatch"), ("202", None), ("203", "quantity_mismatch")],
)
def test_percent_tolerance_is_measured_on_the_erp_quantity(wms_qty, expected_class):
    items("A", item_class="C")
    tolerance("C", percent="1")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 200)])
    ingest("wms", dc1, [("A", wms_qty)])

    reconcile(actor=None)

    assert open_cases().get("A@DC1") == expected_class


def test_the_default_tolerance_applies_to_items_without_a_class_row():
    items("A", item_class="Z")
    tolerance("", absolute="2")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 100)])
    ingest("wms", dc1, [("A", 102)])

    reconcile(actor=None)

    assert open_cases() == {}


def test_only_the_latest_snapshot_of_each_source_is_compared():
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 50)])
    ingest("erp", dc1, [("A", 60)], taken_at=later(1))
    ingest("wms", dc1, [("A", 60)], taken_at=later(1))

    reconcile(actor=None)

    assert open_cases() == {}


def test_a_warehouse_without_a_wms_snapshot_is_skipped_not_flooded():
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 50)])

    run = reconcile(actor=None)

    assert open_cases() == {}
    assert run.by_warehouse == {"DC1": {"skipped": "no WMS snapshot"}}


def test_reconcile_can_be_scoped_to_one_warehouse():
    items("A")
    dc1, dc2 = warehouse("DC1"), warehouse("DC2")
    for wh in (dc1, dc2):
        ingest("erp", wh, [("A", 10)])
        ingest("wms", wh, [("A", 11)])

    reconcile(actor=None, warehouse_code="DC2")

    assert open_cases() == {"A@DC2": "quantity_mismatch"}
