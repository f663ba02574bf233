"""Each sequencing rule of inventory movements on a hand-built stream (issue 22)."""

from decimal import Decimal

import pytest

from integrations.errors import DomainError
from integrations.models import ExceptionCase, ExceptionClass
from inventory.models import InventoryMovement, MovementStream
from inventory.services.movement_positions import positions_recompute
from inventory.services.movements import BATCH_LIMIT
from inventory.tasks.movements import release_gaps
from tests.inventory.factories import UnitOfMeasureFactory, UomConversionFactory
from tests.inventory.movements import at, event, expect, figures, send
from tests.inventory.snapshots import ingest, items, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def dc1():
    items("A", "B")
    return warehouse("DC1")


def test_each_kind_moves_its_figures(dc1):
    warehouse("DC2")
    result = send(
        event(1, "receipt", 100),
        event(2, "put_away", 60),
        event(3, "quality_hold", 5),
        event(4, "quality_release", 2),
        event(5, "adjustment", -1, reason="damaged in handling"),
        event(6, "return_to_vendor", 4, document_ref="PO-1"),
        event(7, "customer_return", 3),
        event(8, "transfer_out", 10, transfer_ref="T-1", counterpart_warehouse="DC2"),
    )

    assert result.errors == []
    assert (result.recorded, result.applied, result.held) == (8, 8, 0)
    assert figures() == expect(received=43, quality_hold=3, available=42)
    assert figures(warehouse="DC2") == expect(in_transit=10)


def test_a_transfer_is_in_transit_until_it_arrives(dc1):
    warehouse("DC2")
    send(event(1, "transfer_out", 10, transfer_ref="T-1", counterpart_warehouse="DC2"))
    assert figures(warehouse="DC2") == expect(in_transit=10)

    send(
        event(1, "transfer_in", 10, source="wms:DC2", warehouse="DC2", transfer_ref="T-1",
              counterpart_warehouse="DC1")
    )  # fmt: skip

    assert figures(warehouse="DC2") == expect(available=10)
    assert figures(warehouse="DC1") == expect(available=-10)


def test_a_duplicate_is_applied_once_in_the_batch_and_across_batches(dc1):
    first = send(event(1, "receipt", 10), event(1, "receipt", 10))
    again = send(event(1, "receipt", 10), event(2, "receipt", 5))

    assert (first.recorded, first.duplicates, first.applied) == (1, 1, 1)
    assert (again.recorded, again.duplicates, again.applied) == (1, 1, 1)
    assert InventoryMovement.objects.count() == 2
    assert figures() == expect(received=15)


def test_a_gap_holds_later_events_until_it_fills(dc1):
    send(event(1, "receipt", 10))
    waiting = send(event(3, "put_away", 4), event(4, "receipt", 1), minute=501)

    assert (waiting.applied, waiting.held) == (0, 2)
    assert figures() == expect(received=10)

    filled = send(event(2, "receipt", 5), minute=502)

    assert (filled.applied, filled.held) == (3, 0)
    assert figures() == expect(received=12, available=4)
    assert MovementStream.objects.get(source="wms:DC1").applied_through == 4
    assert not ExceptionCase.objects.exists()


def test_a_gap_holds_only_its_own_source_and_warehouse(dc1):
    warehouse("DC2")
    send(event(1, "receipt", 10), event(3, "receipt", 1))
    send(event(1, "receipt", 7, source="wms:B"), event(2, "receipt", 2, source="wms:B"))
    send(event(1, "receipt", 6, warehouse="DC2", event_id="DC2-1"))

    assert figures() == expect(received=19)
    assert figures(warehouse="DC2") == expect(received=6)


def test_a_gap_that_times_out_applies_with_a_flag_and_opens_one_case(dc1):
    send(event(1, "receipt", 10), minute=0)
    send(event(4, "receipt", 1), event(5, "receipt", 2), minute=10)

    still = send(event(6, "receipt", 3), minute=69)
    assert (still.applied, figures()) == (0, expect(received=10))

    released = send(minute=71)

    assert (released.applied, released.applied_after_gap) == (3, 3)
    assert figures() == expect(received=16)
    assert list(
        InventoryMovement.objects.filter(applied_after_gap=True).values_list("sequence", flat=True)
    ) == [4, 5, 6]
    case = ExceptionCase.objects.get(exception_class=ExceptionClass.SEQUENCE_GAP)
    assert case.subject_key == "movement_stream:wms:DC1@DC1"
    assert case.owner_team == "integration"
    assert case.detail == {"missing": [2, 3], "missing_count": 2, "held": 3}
    assert case.title == (
        "wms:DC1 at DC1: 2 event(s) missing (from #2); 3 later event(s) applied after "
        "waiting 60 min"
    )


def test_an_event_filling_a_timed_out_gap_late_still_applies_once(dc1):
    send(event(1, "receipt", 10), minute=0)
    send(event(3, "receipt", 1), minute=1)
    send(minute=100)  # the gap times out: #3 applies

    late = send(event(2, "receipt", 5), minute=101)
    again = send(event(2, "receipt", 5), minute=102)

    assert (late.applied, again.duplicates, again.applied) == (1, 1, 0)
    assert figures() == expect(received=16)
    assert MovementStream.objects.get(source="wms:DC1").applied_through == 3


def test_out_of_order_within_a_batch_applies_in_sequence(dc1):
    result = send(event(3, "put_away", 4), event(1, "receipt", 10), event(2, "receipt", 1))

    assert (result.applied, result.held) == (3, 0)
    assert figures() == expect(received=7, available=4)


def test_an_event_older_than_its_sources_snapshot_is_recorded_not_applied(dc1):
    ingest("wms", dc1, [("A", 50)], taken_at=at(5))
    result = send(event(1, "receipt", 10, minute=4), event(2, "receipt", 3, minute=6))

    assert (result.recorded, result.before_snapshot, result.applied) == (2, 1, 1)
    assert figures() == expect(received=3)
    older = InventoryMovement.objects.get(sequence=1)
    assert (older.before_snapshot, older.applied, older.held) == (True, False, False)


def test_an_erp_snapshot_does_not_hold_back_wms_events(dc1):
    ingest("erp", dc1, [("A", 50)], taken_at=at(5))

    result = send(event(1, "receipt", 10, minute=4))

    assert (result.before_snapshot, result.applied) == (0, 1)


def test_a_cycle_count_sets_available_and_later_movements_apply_on_top(dc1):
    send(
        event(1, "adjustment", 7, reason="found"),
        event(2, "cycle_count", 40),
        event(3, "adjustment", -2, reason="broken"),
    )

    assert figures() == expect(available=38)


def test_an_earlier_dated_movement_after_a_cycle_count_changes_nothing_it_counted(dc1):
    send(event(1, "cycle_count", 40, minute=60), event(2, "adjustment", 5, reason="x", minute=70))
    late = send(
        event(1, "adjustment", -9, reason="counted", source="wms:B", minute=30),
        event(2, "receipt", 8, source="wms:B", minute=30),
    )

    assert late.applied == 2
    assert figures() == expect(received=8, available=45)


def test_a_movement_at_the_counts_very_time_is_counted_already_one_after_applies(dc1):
    send(event(1, "cycle_count", 40, minute=60))
    later = send(
        event(1, "adjustment", -9, reason="x", source="wms:B", minute=60),
        event(2, "adjustment", 4, reason="y", source="wms:B", minute=61),
        event(3, "receipt", 6, source="wms:B", minute=60),
    )

    assert later.applied == 3
    assert figures() == expect(received=6, available=44)


def test_a_newer_count_arriving_late_recomputes_from_the_ledger(dc1):
    send(event(1, "cycle_count", 40, minute=10), event(2, "adjustment", 5, reason="x", minute=30))
    send(
        event(1, "adjustment", 2, reason="y", source="wms:B", minute=50),
        event(2, "cycle_count", 100, source="wms:B", minute=20),
    )

    assert figures() == expect(available=107)
    item_id = InventoryMovement.objects.values_list("item_id", flat=True).first()
    assert positions_recompute(item_id=item_id, warehouse_id=dc1.pk) == expect(available=107)


def test_quantities_are_converted_exactly_to_the_base_unit(dc1):
    UomConversionFactory(
        item=None, from_uom=UnitOfMeasureFactory(code="CS"), to_uom=UnitOfMeasureFactory(code="EA")
    )
    result = send(event(1, "receipt", 2, uom="CS"), event(2, "receipt", "0.1", uom="CS"))

    assert figures() == expect(received=24)
    assert [(e.row, e.field) for e in result.errors] == [(1, "quantity")]
    assert "not a whole number of EA" in result.errors[0].message
    assert InventoryMovement.objects.get().base_quantity == Decimal(24)


def test_a_row_that_breaks_a_rule_is_reported_and_the_others_load(dc1):
    result = send(
        event(1, "receipt", 10),
        event(2, "adjustment", 3),
        event(3, "receipt", 1, sku="NOPE"),
        event(4, "transfer_out", 1, transfer_ref="T-9", counterpart_warehouse="NOWHERE"),
        event(5, "receipt", -1),
        event(6, "receipt", 1, source="sap"),
    )

    assert [(e.row, e.field) for e in result.errors] == [
        (1, "reason"),
        (2, "sku"),
        (3, "counterpart_warehouse"),
        (4, "quantity"),
        (5, "source"),
    ]
    assert (result.recorded, result.applied) == (1, 1)


def test_a_batch_over_the_limit_is_refused_whole(dc1):
    with pytest.raises(DomainError, match="at most 10,000"):
        send(*[event(n, "receipt", 1) for n in range(1, BATCH_LIMIT + 2)])
    assert not InventoryMovement.objects.exists()


def test_the_beat_task_times_out_a_gap_on_a_quiet_stream(dc1):
    send(event(1, "receipt", 10), event(3, "receipt", 1), minute=0)

    assert release_gaps() == 1
    assert release_gaps() == 0
    assert figures() == expect(received=11)
    assert ExceptionCase.objects.filter(exception_class=ExceptionClass.SEQUENCE_GAP).count() == 1
