"""The allocation feed (issue 22): the order system or the ERP re-states, per item ×
warehouse, the quantity allocated to customer orders as of a time; the live position keeps
the latest figure with its source, ATP takes it off, and the positions API and the
position page say where it comes from."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import Item, LivePosition
from inventory.selectors.atp import item_positions
from inventory.services.allocations import AllocationInput, allocations_apply
from inventory.services.movement_positions import positions_rebuild
from inventory.services.stock import stock_position_adjust
from tests.api.conftest import client_for, issue_key
from tests.inventory.factories import UnitOfMeasureFactory, UomConversionFactory
from tests.inventory.movements import event, figures, send
from tests.inventory.snapshots import ingest, items, warehouse

pytestmark = pytest.mark.django_db

URL = "/api/v1/inventory/allocations"
POSITIONS = "/api/v1/inventory/positions"
D = Decimal
T10 = datetime.datetime(2026, 12, 4, 10, 0, tzinfo=datetime.UTC)
NOW = datetime.datetime(2026, 12, 4, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def oms(db):
    items("A", "B")
    warehouse("DC1")
    return client_for(issue_key(scopes=["snapshots"], name="oms").plaintext)


def figure(quantity: str | int = "36", *, as_of: str = "2026-12-04T10:00:00Z", **extra) -> dict:
    return {
        "source": "oms:WEB",
        "sku": "A",
        "warehouse": "DC1",
        "quantity": quantity,
        "uom": "EA",
        "as_of": as_of,
        **extra,
    }


def report(quantity: str, *, minutes: int = 0, source: str = "oms:WEB", **extra):
    """One figure as of `minutes` after 10:00, through the service."""
    row = AllocationInput(
        source=source,
        sku=extra.pop("sku", "A"),
        warehouse=extra.pop("warehouse", "DC1"),
        quantity=D(quantity),
        uom=extra.pop("uom", "EA"),
        as_of=T10 + datetime.timedelta(minutes=minutes),
    )
    return allocations_apply(actor=None, rows=[row], now=NOW)


def stored(sku: str = "A", code: str = "DC1") -> tuple:
    position = LivePosition.objects.get(item__sku=sku, warehouse__code=code)
    return position.allocated, position.allocated_source, position.allocated_as_of


def test_a_figure_is_stored_on_the_position_with_its_source_and_time(oms):
    response = oms.post(URL, {"allocations": [figure("36")]}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "received": 1,
        "applied": 1,
        "unchanged": 0,
        "stale": 0,
        "errors": [],
    }
    assert stored() == (D(36), "oms:WEB", T10)
    position = LivePosition.objects.get(item__sku="A")
    assert position.allocated_recorded_at is not None
    # A position only the feed has touched holds no stock figure.
    assert figures() == {"received": D(0), "quality_hold": D(0), "available": D(0),
                         "in_transit": D(0)}  # fmt: skip


def test_a_later_figure_replaces_the_stored_one_whatever_it_says(oms):
    report("36")

    result = report("12", minutes=5, source="erp")

    assert (result.applied, result.stale) == (1, 0)
    assert stored() == (D(12), "erp", T10 + datetime.timedelta(minutes=5))


def test_a_figure_older_than_the_stored_one_is_stale_and_ignored(oms):
    report("36", minutes=5)

    result = report("50", minutes=1)

    assert (result.applied, result.stale, result.errors) == (0, 1, [])
    assert stored() == (D(36), "oms:WEB", T10 + datetime.timedelta(minutes=5))


def test_another_quantity_at_the_stored_instant_is_refused_as_a_conflict(oms):
    oms.post(URL, {"allocations": [figure("36")]}, format="json")

    response = oms.post(URL, {"allocations": [figure("40")]}, format="json")

    assert response.status_code == 200
    assert (response.json()["applied"], response.json()["unchanged"]) == (0, 0)
    assert response.json()["errors"] == [
        {
            "pointer": "/allocations/0/as_of",
            "detail": "oms:WEB already reported 36 allocated for A at DC1 as of "
            "2026-12-04 10:00:00 UTC; a figure at one instant has one value: send the new "
            "figure as of a later time.",
        }
    ]
    assert stored() == (D(36), "oms:WEB", T10)


def test_another_source_at_the_stored_instant_with_another_quantity_is_a_conflict_too(oms):
    report("36")

    result = report("30", source="erp")

    assert [(error.row, error.field) for error in result.errors] == [(0, "as_of")]
    assert stored() == (D(36), "oms:WEB", T10)


def test_rows_of_one_position_at_one_instant_that_disagree_are_all_refused(oms):
    rows = [figure("36"), figure("40"), figure("7", sku="B")]

    body = oms.post(URL, {"allocations": rows}, format="json").json()

    assert [error["pointer"] for error in body["errors"]] == [
        "/allocations/0/quantity",
        "/allocations/1/quantity",
    ]
    assert body["errors"][0]["detail"] == (
        "This batch reports 36, 40 allocated for A at DC1 as of 2026-12-04 10:00:00 UTC; a "
        "figure at one instant has one value: send one."
    )
    assert body["applied"] == 1
    assert not LivePosition.objects.filter(item__sku="A").exists()
    assert stored("B") == (D(7), "oms:WEB", T10)


def test_the_latest_row_of_a_position_in_a_batch_wins_and_the_earlier_are_stale(oms):
    rows = [
        figure("36", as_of="2026-12-04T10:05:00Z"),
        figure("20", as_of="2026-12-04T10:00:00Z"),
        figure("36", as_of="2026-12-04T10:05:00Z"),
    ]

    body = oms.post(URL, {"allocations": rows}, format="json").json()

    assert (body["applied"], body["stale"], body["unchanged"]) == (1, 1, 1)
    assert stored()[:2] == (D(36), "oms:WEB")


def test_a_quantity_in_another_unit_is_converted_exactly(oms):
    UomConversionFactory(item=Item.objects.get(sku="A"), factor=D(12))  # 1 CS = 12 EA

    result = report("2.5", uom="CS")

    assert result.errors == []
    assert stored()[0] == D(30)


def test_a_quantity_that_does_not_convert_exactly_is_refused_never_rounded(oms):
    pack = UnitOfMeasureFactory(code="PK")
    UomConversionFactory(item=Item.objects.get(sku="A"), from_uom=pack, factor=D(4))

    result = report("0.1", uom="PK")  # 0.4 EA

    assert [(error.field, error.message) for error in result.errors] == [
        (
            "quantity",
            "0.1 PK is not a whole number of EA (1 EA = 0.25 PK). Enter a multiple of 0.25 "
            "PK, or use PK.",
        )
    ]
    assert not LivePosition.objects.exists()


def test_an_unknown_sku_is_a_row_error_that_says_what_to_fix_and_the_rest_applies(oms):
    rows = [figure("5", sku="NOPE"), figure("7", sku="B"), figure("1", warehouse="DC9")]

    body = oms.post(URL, {"allocations": rows}, format="json").json()

    assert body["errors"] == [
        {
            "pointer": "/allocations/0/sku",
            "detail": "No item has the SKU NOPE: add the item to the portal (Items import) or "
            "correct the SKU.",
        },
        {
            "pointer": "/allocations/2/warehouse",
            "detail": "No warehouse has the code DC9: add the warehouse or correct the code.",
        },
    ]
    assert body["applied"] == 1
    assert stored("B")[0] == D(7)


def test_an_unknown_unit_is_a_row_error(oms):
    result = report("5", uom="BAG")

    assert [(error.field, error.message) for error in result.errors] == [
        (
            "uom",
            "There is no unit of measure 'BAG'; use one of the units in the unit-of-measure table.",
        )
    ]


def test_a_figure_as_of_a_time_ahead_of_the_clock_is_refused(oms):
    result = report("5", minutes=130)  # NOW is 12:00: 12:10 is too far ahead

    assert [error.field for error in result.errors] == ["as_of"]
    assert not LivePosition.objects.exists()


def test_the_same_batch_posted_again_changes_nothing(oms):
    body = {"allocations": [figure("36"), figure("7", sku="B")]}
    oms.post(URL, body, format="json")
    before = list(LivePosition.objects.order_by("pk").values_list("updated_at", flat=True))

    again = oms.post(URL, body, format="json")

    assert again.json() == {
        "received": 2,
        "applied": 0,
        "unchanged": 2,
        "stale": 0,
        "errors": [],
    }
    assert list(LivePosition.objects.order_by("pk").values_list("updated_at", flat=True)) == before
    assert stored() == (D(36), "oms:WEB", T10)


def test_a_figure_breaking_the_format_refuses_the_batch_with_a_pointer(oms):
    rows = [
        figure("1"),
        figure(12),  # a number, not a decimal string
        {**figure("3"), "colour": "red"},
        figure("-1"),
        figure("2", as_of="2026-12-04T10:00:00"),  # no offset
        figure("2", source="wms:DC1"),
    ]

    response = oms.post(URL, {"allocations": rows}, format="json")

    assert response.status_code == 400
    assert [error["pointer"] for error in response.json()["errors"]] == [
        "/allocations/1/quantity",
        "/allocations/2",
        "/allocations/3/quantity",
        "/allocations/4/as_of",
        "/allocations/5/source",
    ]
    assert not LivePosition.objects.exists()


def test_a_batch_over_ten_thousand_figures_is_refused(oms):
    response = oms.post(URL, {"allocations": [figure("1")] * 10_001}, format="json")

    assert response.status_code in (400, 413)
    assert not LivePosition.objects.exists()


# ---------------------------------------------------------------- ATP and the positions


def test_atp_takes_off_the_feeds_figure(oms):
    send(event(1, "receipt", 20), event(2, "put_away", 15))
    report("8")

    (dc1,) = item_positions(item=Item.objects.get(sku="A"), warehouse_code="DC1").warehouses

    assert (dc1.allocated.quantity, dc1.allocated.as_of) == (D(8), T10)
    assert dc1.allocated.source == "allocations from OMS:WEB at 2026-12-04 10:00"
    assert [bucket.quantity for bucket in dc1.atp] == [D(12)] * 4  # 15 + 5 − 8


def test_the_feeds_figure_wins_over_a_manual_adjustment_which_serves_without_one(oms):
    a = Item.objects.get(sku="A")
    dc1 = warehouse("DC1")
    stock_position_adjust(actor=None, item=a, warehouse=dc1, allocated=D(30), reason="order")
    manual = item_positions(item=a, warehouse_code="DC1").warehouses[0].allocated

    report("8", source="erp")
    fed = item_positions(item=a, warehouse_code="DC1").warehouses[0].allocated

    assert (manual.quantity, manual.source) == (D(30), "manual adjustment (stock position)")
    assert (fed.quantity, fed.source) == (D(8), "allocations from ERP at 2026-12-04 10:00")


def test_a_zero_from_the_feed_is_a_figure_not_a_missing_one(oms):
    a = Item.objects.get(sku="A")
    stock_position_adjust(
        actor=None, item=a, warehouse=warehouse("DC1"), allocated=D(30), reason="order"
    )

    report("0")

    allocated = item_positions(item=a, warehouse_code="DC1").warehouses[0].allocated
    assert (allocated.quantity, allocated.as_of) == (D(0), T10)


def test_the_position_page_shows_where_the_allocated_figure_comes_from(oms, client, buyer):
    report("8")
    client.force_login(buyer)

    response = client.get(reverse("inventory:position_detail", args=["A"]), {"warehouse": "DC1"})

    assert response.status_code == 200
    assert "allocations from OMS:WEB at 2026-12-04 10:00" in response.content.decode()


def test_the_positions_api_lists_allocated_with_its_source_and_time(oms):
    send(event(1, "receipt", 20))
    report("8")
    reader = client_for(issue_key(scopes=["read"], name="ecommerce").plaintext)

    (row,) = reader.get(POSITIONS, {"warehouse": "DC1"}).json()["results"]

    assert (row["received"], row["allocated"], row["allocated_source"]) == (
        "20.000000",
        "8.000000",
        "oms:WEB",
    )
    assert row["allocated_as_of"] == "2026-12-04T10:00:00Z"


def test_a_restated_allocation_shows_among_the_positions_changed_since(oms):
    send(event(1, "receipt", 20))
    LivePosition.objects.update(updated_at=T10 - datetime.timedelta(days=1))
    reader = client_for(issue_key(scopes=["read"], name="ecommerce").plaintext)
    since = {"updated_since": "2026-12-04T00:00:00Z"}
    before = reader.get(POSITIONS, since).json()["results"]

    allocations_apply(
        actor=None,
        rows=[AllocationInput("oms:WEB", "A", "DC1", D(3), "EA", T10)],
        now=timezone.now(),
    )

    assert before == []
    assert [row["allocated"] for row in reader.get(POSITIONS, since).json()["results"]] == [
        "3.000000"
    ]


def test_movements_keep_the_allocation_and_the_allocation_keeps_the_movements(oms):
    report("8")  # the position exists through the feed first
    send(event(1, "receipt", 20), event(2, "put_away", 5))
    send(event(3, "receipt", 4, sku="B"))  # created by the movement apply alone
    positions_rebuild(warehouse_id=warehouse("DC1").pk)

    report("9", minutes=1)

    assert figures() == {"received": D(15), "quality_hold": D(0), "available": D(5),
                         "in_transit": D(0)}  # fmt: skip
    assert stored() == (D(9), "oms:WEB", T10 + datetime.timedelta(minutes=1))
    assert stored("B") == (D(0), "", None)


# ---------------------------------------------------------------- who may


def test_a_supplier_key_cannot_post_allocations(oms, supplier):
    key = client_for(issue_key(supplier=supplier).plaintext)

    response = key.post(URL, {"allocations": [figure("36")]}, format="json")

    assert response.status_code == 403
    assert not LivePosition.objects.exists()


def test_a_key_without_the_write_scope_cannot_post_allocations(oms):
    reader = client_for(issue_key(scopes=["read"], name="reader").plaintext)

    assert reader.post(URL, {"allocations": [figure("36")]}, format="json").status_code == 403
    assert not LivePosition.objects.exists()


def test_an_outsider_supplier_sees_no_allocation(oms, other_supplier):
    report("8")
    outsider = client_for(issue_key(supplier=other_supplier).plaintext)

    response = outsider.get(POSITIONS, {"warehouse": "DC1"})

    assert response.status_code == 403
    assert b"oms:WEB" not in response.content
    assert b"allocated" not in response.content


def test_an_offset_the_database_cannot_read_is_stored_as_the_same_instant_in_utc(oms):
    # RFC 3339 allows +19:54; PostgreSQL's limit is 15:59.
    zone = datetime.timezone(datetime.timedelta(hours=19, minutes=54))
    late = datetime.datetime(2026, 12, 4, 23, 54, tzinfo=zone)

    result = allocations_apply(
        actor=None, rows=[AllocationInput("oms:WEB", "A", "DC1", D(4), "EA", late)], now=NOW
    )

    assert result.applied == 1
    assert stored()[2].isoformat() == "2026-12-04T04:00:00+00:00"


def test_the_positions_list_shows_the_allocated_figure_atp_uses(oms, client, buyer):
    dc1 = warehouse("DC1")
    ingest("erp", dc1, [("A", 50), ("B", 50)])
    for sku in ("A", "B"):
        item = Item.objects.get(sku=sku)
        stock_position_adjust(actor=None, item=item, warehouse=dc1, allocated=D(30), reason="x")
    report("8")  # A: the feed reported; B: only the manual figure
    client.force_login(buyer)

    rows = client.get(reverse("inventory:positions"), {"warehouse": "DC1"}).context["page"]

    assert [(row["item__sku"], row["allocated"]) for row in rows.object_list] == [
        ("A", D(8)),
        ("B", D(30)),
    ]
