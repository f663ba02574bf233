"""Property: the positions do not depend on the order events arrive in (issue 22). Any
interleaving of a stream's events, in batches of any size, with duplicates, ends where
applying them in order ends, and where a recomputation from the ledger ends; with the
ERP's and the WMS's streams mixed at warehouses that follow one or the other."""

import itertools
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.models import LivePosition
from inventory.services.movement_positions import positions_recompute
from inventory.services.movements import MovementInput
from tests.fuzzing import examples
from tests.inventory.movements import event, send
from tests.inventory.snapshots import items, warehouse

pytestmark = pytest.mark.django_db

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


@st.composite
def streams(draw) -> list[MovementInput]:
    """Events of the four streams, each numbered 1, 2, 3 … (the in-order stream)."""
    events = []
    for source, code in STREAMS:
        other = "DC2" if code == "DC1" else "DC1"
        for sequence in range(1, draw(st.integers(0, 6)) + 1):
            kind = draw(st.sampled_from(KINDS))
            quantity = draw(st.integers(1, 50))
            extra = {}
            if kind == "adjustment":
                quantity = quantity * draw(st.sampled_from([1, -1]))
                extra["reason"] = "counted"
            if kind.startswith("transfer"):
                extra.update(transfer_ref=f"T-{source}-{sequence}", counterpart_warehouse=other)
            events.append(
                event(
                    sequence,
                    kind,
                    quantity,
                    sku=draw(st.sampled_from(["A", "B"])),
                    warehouse=code,
                    source=source,
                    # Few distinct minutes, so that counts meet movements at the same time.
                    minute=draw(st.integers(0, 5)),
                    event_id=f"{code}-{sequence}",
                    **extra,
                )
            )
    return events


def positions() -> dict[tuple[str, str], tuple[Decimal, ...]]:
    return {
        (p.item.sku, p.warehouse.code): (p.received, p.quality_hold, p.available, p.in_transit)
        for p in LivePosition.objects.select_related("item", "warehouse")
    }


def recomputed() -> dict[tuple[str, str], tuple[Decimal, ...]]:
    found = {}
    for p in LivePosition.objects.select_related("item", "warehouse"):
        f = positions_recompute(item_id=p.item_id, warehouse_id=p.warehouse_id)
        key = (p.item.sku, p.warehouse.code)
        found[key] = (f["received"], f["quality_hold"], f["available"], f["in_transit"])
    return found


def run(batches: list[list[MovementInput]]) -> tuple[dict, dict]:
    """The positions after sending `batches`, and their recomputation, rolled back."""
    with transaction.atomic():
        for batch in batches:
            send(*batch)
        found = positions(), recomputed()
        transaction.set_rollback(True)
    return found


@settings(
    max_examples=examples(30),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_any_interleaving_with_duplicates_yields_the_in_order_positions(data):
    items("A", "B")
    # DC1's positions follow its WMS, DC2's its ERP: each stream's events count at one
    # end of a transfer and are recorded, not counted, at the other.
    warehouse("DC1")
    warehouse("DC2", wms_connector="")
    stream = data.draw(streams())
    duplicates = data.draw(st.lists(st.sampled_from(stream), max_size=5)) if stream else []
    shuffled = data.draw(st.permutations(stream + duplicates))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(shuffled)), max_size=4)))
    bounds = [0, *cuts, len(shuffled)]
    batches = [shuffled[a:b] for a, b in itertools.pairwise(bounds)]

    in_order, in_order_recomputed = run([stream])
    interleaved, interleaved_recomputed = run(batches)

    assert interleaved == in_order
    assert in_order_recomputed == in_order
    assert interleaved_recomputed == in_order
