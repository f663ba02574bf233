"""Reconciliation tells the truth (issue 16): goods on open ASNs and receipts not yet
posted are in flight within the warehouse's window and keep their cause after it;
re-running changes nothing; negative stock is never "missing"; master-data rows reach the
inbox; the demo seed books each receipt once."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from integrations.models import ExceptionCase
from inventory.models import InventorySnapshot, StockMovement, Warehouse
from inventory.services import stock_movement_record
from inventory.services.reconciliation import reconcile
from suppliers.services import shipment_milestone_report
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.inventory.snapshots import ingest, items, later, warehouse
from tests.suppliers.receipts_helpers import submitted_asn

pytestmark = pytest.mark.django_db


def receipt(sku: str, wh: Warehouse, qty: str, at: datetime.datetime, ref: str = "R-1") -> None:
    """A receipt the portal recorded (the WMS received the goods)."""
    stock_movement_record(
        actor=None,
        item=ItemFactory(sku=sku),
        warehouse=wh,
        kind=StockMovement.Kind.RECEIPT,
        quantity=Decimal(qty),
        occurred_at=at,
        document_type="receipt",
        document_ref=ref,
    )


def active() -> dict[str, str]:
    return dict(
        ExceptionCase.objects.filter(status__in=ExceptionCase.ACTIVE).values_list(
            "subject_key", "exception_class"
        )
    )


def night_one_with_a_receipt_the_erp_has_not_posted() -> Warehouse:
    """ERP counts 100 at 0 h, the WMS receives 20 at 1 h (receipt R-1) and counts 120 at
    2 h; the window is 24 h."""
    items("A")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 100)], taken_at=later(0))
    receipt("A", dc1, "20", later(1))
    ingest("wms", dc1, [("A", 120)], taken_at=later(2))
    return dc1


# 1. Goods on open ASNs ------------------------------------------------------------------


def delivered_asn(supplier, actor, *, qty: str):
    asn = submitted_asn(supplier, actor, qty=qty)  # BOLT-M8 to DC1
    shipment_milestone_report(actor=actor, shipment=asn, code="delivered")
    asn.refresh_from_db()
    return asn


def test_goods_the_wms_counted_on_a_delivered_asn_not_received_in_the_erp_are_in_flight(
    supplier, supplier_user
):
    asn = delivered_asn(supplier, supplier_user, qty="40")
    dc1 = Warehouse.objects.get(code="DC1")
    ingest("erp", dc1, [("BOLT-M8", 100)], taken_at=asn.delivered_at + datetime.timedelta(hours=1))
    ingest("wms", dc1, [("BOLT-M8", 140)], taken_at=asn.delivered_at + datetime.timedelta(hours=2))

    run = reconcile(actor=None)

    assert active() == {}
    assert run.counts == {"in_flight_pending": 1}


def test_asn_goods_the_erp_still_has_not_received_after_the_window_are_a_case_naming_the_asn(
    supplier, supplier_user
):
    asn = delivered_asn(supplier, supplier_user, qty="40")
    dc1 = Warehouse.objects.get(code="DC1")
    dc1.in_flight_window_hours = 4
    dc1.save()
    delivered = asn.delivered_at
    ingest("erp", dc1, [("BOLT-M8", 100)], taken_at=delivered + datetime.timedelta(hours=6))
    ingest("wms", dc1, [("BOLT-M8", 140)], taken_at=delivered + datetime.timedelta(hours=7))

    reconcile(actor=None)

    case = ExceptionCase.objects.get()
    assert (case.subject_key, case.exception_class) == ("BOLT-M8@DC1", "in_flight")
    assert case.title == (
        "BOLT-M8 at DC1: on ASN ACME:ASN-1 (delivered 7 h ago): counted in WMS, not received in ERP"
    )
    assert case.detail["document"] == "asn:ACME:ASN-1"


def test_a_difference_no_open_asn_explains_is_still_a_quantity_mismatch(supplier, supplier_user):
    asn = delivered_asn(supplier, supplier_user, qty="40")
    dc1 = Warehouse.objects.get(code="DC1")
    ingest("erp", dc1, [("BOLT-M8", 100)], taken_at=asn.delivered_at + datetime.timedelta(hours=1))
    ingest("wms", dc1, [("BOLT-M8", 125)], taken_at=asn.delivered_at + datetime.timedelta(hours=2))

    reconcile(actor=None)

    assert active() == {"BOLT-M8@DC1": "quantity_mismatch"}


# 2. Re-running is idempotent -------------------------------------------------------------


def test_reconciling_the_same_snapshots_again_changes_no_class_and_opens_nothing():
    items("A", "B")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 100), ("B", 5)], taken_at=later(0))
    receipt("A", dc1, "20", later(1))
    ingest("wms", dc1, [("A", 120), ("B", 9)], taken_at=later(2))
    first = reconcile(actor=None, now=later(3))

    again = reconcile(actor=None, now=later(40))

    assert active() == {"B@DC1": "quantity_mismatch"}
    assert first.counts == again.counts == {"in_flight_pending": 1, "quantity_mismatch": 1}
    assert (again.opened, again.updated, again.auto_resolved) == (0, 1, 0)


# Partial snapshots -------------------------------------------------------------------


def test_a_partial_snapshot_compares_its_items_and_keeps_the_full_one_for_the_others():
    items("A", "B", "C")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 10), ("B", 20), ("C", 30)], taken_at=later(0))
    ingest("wms", dc1, [("A", 10), ("B", 25), ("C", 31)], taken_at=later(1))
    # The ERP's pull of B alone, later: B now agrees; A and C keep the full snapshot.
    ingest("erp", dc1, [("B", 25)], taken_at=later(2), partial=True)

    run = reconcile(actor=None)

    assert active() == {"C@DC1": "quantity_mismatch"}
    assert run.by_warehouse["DC1"]["partial_snapshots"] == [
        InventorySnapshot.objects.get(partial=True).pk
    ]


def test_a_newer_full_snapshot_replaces_the_partial_ones():
    items("A", "B")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 10), ("B", 20)], taken_at=later(0))
    ingest("erp", dc1, [("B", 99)], taken_at=later(1), partial=True)
    ingest("erp", dc1, [("A", 10), ("B", 20)], taken_at=later(2))
    ingest("wms", dc1, [("A", 10), ("B", 20)], taken_at=later(3))

    run = reconcile(actor=None)

    assert active() == {}
    assert run.by_warehouse["DC1"]["partial_snapshots"] == []


# 3. A persisting difference keeps its cause -------------------------------------------


def test_a_receipt_still_not_posted_in_the_erp_the_next_night_is_in_flight_with_its_cause():
    dc1 = night_one_with_a_receipt_the_erp_has_not_posted()
    reconcile(actor=None)
    ingest("erp", dc1, [("A", 100)], taken_at=later(26))
    ingest("wms", dc1, [("A", 120)], taken_at=later(27))

    reconcile(actor=None)

    case = ExceptionCase.objects.get()
    assert (case.subject_key, case.exception_class, case.owner_team) == (
        "A@DC1",
        "in_flight",
        "receiving",
    )
    assert case.title == "A at DC1: received in WMS 26 h ago, not posted in ERP (receipt R-1)"
    assert (case.expected_qty, case.actual_qty) == (Decimal(100), Decimal(120))
    assert (case.detail["cause"], case.detail["document"]) == (
        "received in WMS 26 h ago, not posted in ERP (receipt R-1)",
        "receipt:R-1",
    )


def test_a_receipt_the_erp_has_not_posted_within_the_window_is_still_in_flight_next_night():
    dc1 = night_one_with_a_receipt_the_erp_has_not_posted()
    reconcile(actor=None)
    ingest("erp", dc1, [("A", 100)], taken_at=later(20))
    ingest("wms", dc1, [("A", 120)], taken_at=later(21))

    run = reconcile(actor=None)

    assert active() == {}
    assert run.counts == {"in_flight_pending": 1}


def test_a_receipt_the_erp_posts_the_next_night_leaves_nothing_behind():
    dc1 = night_one_with_a_receipt_the_erp_has_not_posted()
    reconcile(actor=None)
    ingest("erp", dc1, [("A", 120)], taken_at=later(26))
    ingest("wms", dc1, [("A", 120)], taken_at=later(27))

    run = reconcile(actor=None)

    assert active() == {}
    assert run.counts == {}


# 4. Negative stock ------------------------------------------------------------------------


def test_negative_stock_reported_by_the_wms_is_negative_stock_with_its_figure_not_missing():
    items("A", "B")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 5), ("B", 1)])
    wms = ingest("wms", dc1, [("A", -3), ("B", 1)], taken_at=later(1))

    reconcile(actor=None)

    assert active() == {"A@DC1": "negative_stock"}
    case = ExceptionCase.objects.get()
    assert (case.expected_qty, case.actual_qty) == (Decimal(5), Decimal(-3))
    assert (wms.rows_loaded, wms.snapshot.rows_rejected) == (2, 0)
    assert [(e["line"], e["kind"]) for e in wms.snapshot.errors] == [(2, "negative_stock")]


def test_negative_stock_the_erp_has_alone_is_negative_stock_not_missing_in_wms():
    items("A", "B")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", -4), ("B", 1)])
    ingest("wms", dc1, [("B", 1)], taken_at=later(1))

    reconcile(actor=None)

    assert active() == {"A@DC1": "negative_stock"}


# 5. Master data reaches the inbox -------------------------------------------------------


def test_unknown_skus_and_conflicting_duplicates_open_master_data_cases_with_the_file_line():
    items("A", "B")
    dc1 = warehouse()
    rows = [("GHOST", 5), ("A", 1), ("A", 2), ("B", 7), ("B", 7)]
    ingest("erp", dc1, rows)
    ingest("wms", dc1, [("A", 1), ("B", 7), ("GHOST", 5)], taken_at=later(1))

    run = reconcile(actor=None)

    cases = {
        case.subject_key: (case.exception_class, case.owner_team, case.title)
        for case in ExceptionCase.objects.all()
    }
    # A is not "missing in ERP": its conflicting rows are the case. B's exact duplicate
    # counted once. GHOST is one case, though both files name it.
    assert cases == {
        "GHOST@DC1": ("unknown_sku", "master_data", "GHOST at DC1: unknown SKU (ERP file line 2)"),
        "A@DC1": (
            "conflicting_duplicate",
            "master_data",
            "A at DC1: conflicting duplicate rows (ERP file line 3)",
        ),
    }
    assert run.counts == {"unknown_sku": 1, "conflicting_duplicate": 1}


def test_unknown_units_and_inexact_conversions_are_master_data_cases_not_missing():
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    ItemFactory(sku="C", base_uom=each)
    ItemFactory(sku="D", base_uom=each)
    ItemFactory(sku="OK", base_uom=each)
    UomConversionFactory(item=None, from_uom=each, to_uom=case, factor=Decimal(6))
    dc1 = warehouse()
    ingest("erp", dc1, [("C", "BOX", 1), ("D", "CS", 4), ("OK", "EA", 1)])
    ingest("wms", dc1, [("C", 1), ("D", 1), ("OK", 1)], taken_at=later(1))

    reconcile(actor=None)

    assert active() == {"C@DC1": "unknown_unit", "D@DC1": "inexact_conversion"}


def test_a_master_data_case_is_auto_resolved_when_the_next_snapshot_is_clean():
    items("A", "B")
    dc1 = warehouse()
    ingest("erp", dc1, [("A", 1), ("A", 2), ("B", 1)])
    ingest("wms", dc1, [("A", 1), ("B", 1)], taken_at=later(1))
    reconcile(actor=None)
    ingest("erp", dc1, [("A", 1), ("B", 1)], taken_at=later(24))

    run = reconcile(actor=None)

    assert active() == {}
    assert run.auto_resolved == 1


def test_every_snapshot_keeps_its_whole_error_report_for_the_snapshot_page(client, buyer):
    client.force_login(buyer)
    items("A")
    rows = [("A", 1)] + [(f"GHOST-{n:04d}", 1) for n in range(1005)]
    snapshot = ingest("wms", warehouse(), rows).snapshot

    report = client.get(reverse("inventory:snapshot_detail", args=[snapshot.pk]), {"format": "csv"})

    body = b"".join(report.streaming_content) if report.streaming else report.content
    lines = body.decode().splitlines()
    assert len(snapshot.errors) == 1000
    assert len(lines) == 1 + 1005
    assert lines[-1] == "1007,unknown_sku,GHOST-1004,EA,1,No item has this SKU."


# 6. The demo seeds each receipt once -------------------------------------------------


def test_seed_inventory_demo_run_again_after_seed_demo_books_each_receipt_once():
    each = UnitOfMeasureFactory(code="EA")
    for n in range(300):
        ItemFactory(sku=f"DEMO-{n:03d}", base_uom=each)
    warehouse("DC1")
    call_command("seed_inventory_demo", "--reconcile", stdout=io.StringIO())
    receipts = StockMovement.objects.count()
    # As if seed_demo had run it an hour ago: the next run's counts are new ones.
    InventorySnapshot.objects.update(taken_at=F("taken_at") - datetime.timedelta(hours=1))

    call_command("seed_inventory_demo", "--reconcile", stdout=io.StringIO())

    assert receipts > 0
    assert StockMovement.objects.count() == receipts
    assert InventorySnapshot.objects.count() == 4
