"""Reconciliation uses the movement ledger (issue 22): expected = the earlier count + the
movements recorded since it. A difference the movements between the two counts explain
(a transfer in transit, a put-away pending, a receipt recorded between the counts) is in
flight, no case; one the ledger cannot explain stays a real mismatch."""

from decimal import Decimal

import pytest

from integrations.models import ExceptionCase
from inventory.services.reconciliation import reconcile
from tests.inventory.movements import at, event, send
from tests.inventory.snapshots import ingest, items, warehouse

pytestmark = pytest.mark.django_db


def open_cases() -> dict[str, str]:
    return dict(
        ExceptionCase.objects.filter(status__in=ExceptionCase.ACTIVE).values_list(
            "subject_key", "exception_class"
        )
    )


@pytest.fixture
def dc1():
    items("A", "B")
    warehouse("DC2")
    return warehouse("DC1")


def test_a_transfer_in_transit_and_a_put_away_pending_raise_no_mismatch(dc1):
    ingest("erp", dc1, [("A", 100)], taken_at=at(0))
    send(
        # 10 leave for DC2 (no transfer in yet: in transit), 20 arrive (not put away yet)
        event(1, "transfer_out", 10, minute=60, transfer_ref="T-1", counterpart_warehouse="DC2"),
        event(2, "receipt", 20, minute=90),
    )
    ingest("wms", dc1, [("A", 110)], taken_at=at(120))

    run = reconcile(actor=None)

    assert open_cases() == {}
    assert run.counts == {"in_flight_pending": 1}
    assert run.discrepancies == 0


def test_a_receipt_recorded_after_the_wms_count_but_before_the_erps_is_in_flight(dc1):
    ingest("wms", dc1, [("B", 50)], taken_at=at(0))
    send(event(1, "receipt", 12, sku="B", source="erp", minute=30))
    ingest("erp", dc1, [("B", 62)], taken_at=at(60))

    run = reconcile(actor=None)

    assert open_cases() == {}
    assert run.counts == {"in_flight_pending": 1}


def test_a_difference_of_one_receipt_both_sources_report_is_pending(dc1):
    ingest("erp", dc1, [("A", 100)], taken_at=at(0))
    send(
        event(1, "receipt", 20, minute=30),
        event(1, "receipt", 20, source="erp", minute=31),
    )
    ingest("wms", dc1, [("A", 120)], taken_at=at(120))

    run = reconcile(actor=None)

    assert open_cases() == {}
    assert run.counts == {"in_flight_pending": 1}


def test_a_difference_of_twice_a_receipt_both_sources_report_is_a_mismatch(dc1):
    # The ERP and the WMS each report the one receipt of 20: the ledger explains 20 by
    # either family, never 40 by their sum (that would hide a receipt counted twice).
    ingest("erp", dc1, [("A", 100)], taken_at=at(0))
    send(
        event(1, "receipt", 20, minute=30),
        event(1, "receipt", 20, source="erp", minute=31),
    )
    ingest("wms", dc1, [("A", 140)], taken_at=at(120))

    run = reconcile(actor=None)

    assert open_cases() == {"A@DC1": "quantity_mismatch"}
    assert run.counts == {"quantity_mismatch": 1}
    case = ExceptionCase.objects.get(subject_key="A@DC1")
    assert Decimal(case.detail["expected"]) == Decimal("120")


def test_a_movement_missing_on_one_side_is_a_mismatch(dc1):
    # Agreed at 0; the WMS then adjusts 10 off, which the ERP never records: the ERP
    # counts 100 at 60, the WMS 90 at 120. Nothing moved between the two counts.
    ingest("erp", dc1, [("A", 100)], taken_at=at(-60))
    ingest("wms", dc1, [("A", 100)], taken_at=at(-60))
    send(event(1, "adjustment", -10, minute=30, reason="damaged"))
    ingest("erp", dc1, [("A", 100)], taken_at=at(60))
    ingest("wms", dc1, [("A", 90)], taken_at=at(120))

    run = reconcile(actor=None)

    assert open_cases() == {"A@DC1": "quantity_mismatch"}
    assert run.counts == {"quantity_mismatch": 1}


def test_a_difference_the_ledger_explains_only_in_part_is_a_mismatch_against_the_expected(dc1):
    ingest("erp", dc1, [("A", 100)], taken_at=at(0))
    send(event(1, "receipt", 20, minute=30))
    ingest("wms", dc1, [("A", 125)], taken_at=at(120))

    reconcile(actor=None)

    case = ExceptionCase.objects.get(subject_key="A@DC1")
    assert case.exception_class == "quantity_mismatch"
    assert Decimal(case.detail["expected"]) == Decimal("120")
    assert (case.expected_qty, case.actual_qty) == (100, 125)


def test_a_movement_after_both_counts_explains_nothing(dc1):
    ingest("erp", dc1, [("A", 100)], taken_at=at(0))
    ingest("wms", dc1, [("A", 90)], taken_at=at(60))
    send(event(1, "adjustment", -10, minute=90, reason="damaged"))

    run = reconcile(actor=None)

    assert run.counts == {"quantity_mismatch": 1}
