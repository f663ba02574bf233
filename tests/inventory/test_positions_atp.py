"""Live positions and available to promise (issue 22): on hand by status from the latest
basis and the movements since, allocated, transfers in transit, supplier inbound by
schedule-line date, ATP by bucket, each figure with its source; and `GET /atp`."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import Item, Warehouse
from inventory.selectors.atp import item_positions
from inventory.services.stock import stock_position_adjust
from suppliers.models import PurchaseOrder
from suppliers.services.schedule_lines import schedule_lines_replace
from tests.api.conftest import client_for, issue_key
from tests.inventory.factories import UnitOfMeasureFactory, UomConversionFactory
from tests.inventory.movements import at, event, send
from tests.inventory.snapshots import ingest, items, warehouse
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/inventory/atp"
D = Decimal


@pytest.fixture
def stock():
    """DC1 counted 100 of A by the WMS, then: 20 received (5 put away), 3 put on hold,
    10 sent to DC2 (not arrived), 2 returned to the vendor."""
    items("A", "B")
    dc1, _dc2 = warehouse("DC1"), warehouse("DC2")
    ingest("wms", dc1, [("A", 100), ("B", 7)])
    result = send(
        event(1, "receipt", 20),
        event(2, "put_away", 5),
        event(3, "quality_hold", 3),
        event(4, "transfer_out", 10, transfer_ref="T-1", counterpart_warehouse="DC2"),
        event(5, "return_to_vendor", 2, document_ref="PO-9"),
    )
    assert result.errors == []
    return dc1


def by_code(sku: str = "A", code: str = "", now=None):
    item = Item.objects.get(sku=sku)
    return {
        p.warehouse.code: p
        for p in item_positions(item=item, warehouse_code=code, now=now).warehouses
    }


def confirm(item_sku: str, wh: Warehouse, deliveries: list[tuple[str, int]], **po) -> None:
    """A confirmed PO line of the item to the warehouse with these deliveries (quantity,
    days from today)."""
    order = PurchaseOrderFactory(ship_to=wh, status=PurchaseOrder.Status.CONFIRMED, **po)
    line = PurchaseOrderLineFactory(
        purchase_order=order, line_no=1, item=Item.objects.get(sku=item_sku)
    )
    today = timezone.localdate()
    schedule_lines_replace(
        [(line, [(D(q), today + datetime.timedelta(days=d)) for q, d in deliveries], None)]
    )


def test_on_hand_is_the_wms_snapshot_plus_the_movements_since_it(stock):
    dc1 = by_code()["DC1"]

    assert dc1.basis == "wms_snapshot"
    assert dc1.on_hand.quantity == D(108)  # 100 + 20 − 10 − 2
    assert dc1.received.quantity == D(15)
    assert dc1.quality_hold.quantity == D(3)
    assert dc1.available.quantity == D(90)
    assert dc1.on_hand.source == "WMS snapshot at 2026-03-02 22:00 + 3 movement(s) since"
    assert dc1.on_hand.as_of == at(5)
    assert dc1.received.source == "live position (WMS movements)"


def test_an_item_the_snapshot_does_not_list_has_none_but_its_movements(stock):
    send(event(6, "receipt", 4, sku="B"), event(7, "put_away", 4, sku="B"))

    dc1 = by_code("B")["DC1"]

    assert (dc1.on_hand.quantity, dc1.available.quantity) == (D(11), D(11))


def test_a_transfer_is_in_transit_at_its_destination_until_the_transfer_in(stock):
    dc2 = by_code()["DC2"]

    assert dc2.in_transit.quantity == D(10)
    assert dc2.in_transit.source == "1 open transfer(s) in the WMS ledger"
    assert [(t.transfer_ref, t.origin_code, t.quantity) for t in dc2.open_transfers] == [
        ("T-1", "DC1", D(10))
    ]

    send(
        event(1, "transfer_in", 6, source="wms:DC2", warehouse="DC2", transfer_ref="T-1",
              counterpart_warehouse="DC1")
    )  # fmt: skip

    assert by_code()["DC2"].in_transit.quantity == D(4)


def test_allocated_is_zero_with_no_allocation_source_unless_adjusted(stock):
    assert by_code()["DC1"].allocated.quantity == D(0)
    assert by_code()["DC1"].allocated.source == "no allocation source"

    stock_position_adjust(
        actor=None,
        item=Item.objects.get(sku="A"),
        warehouse=stock,
        allocated=D(30),
        reason="customer order",
    )

    allocated = by_code()["DC1"].allocated
    assert (allocated.quantity, allocated.source) == (D(30), "manual adjustment (stock position)")


def test_atp_adds_the_supplier_deliveries_due_by_each_bucket(stock):
    confirm("A", stock, [("12", 3), ("30", 20)])
    confirm("A", stock, [("5", -2)])  # overdue: counted from today

    dc1 = by_code()["DC1"]

    assert [(row.date - timezone.localdate()).days for row in dc1.inbound_lines] == [-2, 3, 20]
    assert dc1.inbound.quantity == D(47)
    # available 90 + received 15, nothing allocated, nothing in transit to DC1
    assert [(b.label, b.quantity) for b in dc1.atp] == [
        ("today", D(110)),
        ("+7 d", D(122)),
        ("+14 d", D(122)),
        ("+28 d", D(152)),
    ]


def test_atp_takes_off_allocated_and_counts_transfers_from_a_week_on(stock):
    stock_position_adjust(
        actor=None, item=Item.objects.get(sku="A"), warehouse=stock, allocated=D(100), reason="x"
    )

    dc1, dc2 = by_code()["DC1"], by_code()["DC2"]

    assert [b.quantity for b in dc1.atp] == [D(5), D(5), D(5), D(5)]
    assert [b.quantity for b in dc2.atp] == [D(0), D(10), D(10), D(10)]


def test_a_cycle_count_after_the_snapshot_is_the_basis(stock):
    send(event(6, "cycle_count", 50, minute=30), event(7, "receipt", 1, minute=40))

    dc1 = by_code()["DC1"]

    assert dc1.basis == "cycle_count"
    assert dc1.available.quantity == D(50)
    assert dc1.on_hand.quantity == D(50 + 16 + 3)  # available + received + hold
    assert dc1.available.source.startswith("cycle count (wms:DC1) at 2026-03-03 08:30")


def test_warehouses_without_any_figure_are_left_out(stock):
    warehouse("DC3")

    assert sorted(by_code()) == ["DC1", "DC2"]
    assert list(by_code(code="DC3")) == ["DC3"]


# ---------------------------------------------------------------- the API


@pytest.fixture
def reader(db):
    return client_for(issue_key(scopes=["read"], name="ecommerce").plaintext)


def test_the_atp_endpoint_gives_each_figure_with_its_source(stock, reader):
    confirm("A", stock, [("12", 3)], number="PO-ATP-1")

    body = reader.get(URL, {"sku": "A", "warehouse": "DC1"}).json()

    assert body["sku"] == "A"
    assert body["uom"] == "EA"
    (dc1,) = body["warehouses"]
    assert dc1["warehouse"] == "DC1"
    assert dc1["on_hand"]["quantity"] == "108.000000"
    assert dc1["available"]["quantity"] == "90.000000"
    assert dc1["allocated"] == {
        "quantity": "0.000000",
        "source": "no allocation source",
        "as_of": None,
    }
    assert dc1["inbound_lines"][0]["document"] == "PO-ATP-1 line 1"
    assert dc1["inbound_lines"][0]["kind"] == "schedule_line"
    assert [(b["bucket"], b["quantity"]) for b in dc1["atp"]] == [
        ("today", "105.000000"),
        ("+7 d", "117.000000"),
        ("+14 d", "117.000000"),
        ("+28 d", "117.000000"),
    ]


def test_the_atp_endpoint_without_a_warehouse_lists_every_one_with_a_figure(stock, reader):
    body = reader.get(URL, {"sku": "A"}).json()

    assert [w["warehouse"] for w in body["warehouses"]] == ["DC1", "DC2"]


def test_an_unknown_sku_is_a_404_that_says_so(stock, reader):
    response = reader.get(URL, {"sku": "NOPE"})

    assert response.status_code == 404
    assert "No item has SKU 'NOPE'" in response.json()["detail"]


def test_an_unknown_warehouse_is_a_404_that_says_so(stock, reader):
    response = reader.get(URL, {"sku": "A", "warehouse": "XX"})

    assert response.status_code == 404
    assert "No warehouse has code 'XX'" in response.json()["detail"]


def test_a_missing_sku_or_an_unknown_parameter_is_a_400(stock, reader):
    assert reader.get(URL).status_code == 400
    unknown = reader.get(URL, {"sku": "A", "warehous": "DC1"})
    assert unknown.status_code == 400
    assert "warehous" in unknown.json()["errors"] or "warehous" in str(unknown.json())


def test_a_supplier_key_cannot_read_the_atp(stock, supplier):
    outsider = client_for(issue_key(supplier=supplier).plaintext)

    assert outsider.get(URL, {"sku": "A"}).status_code == 403


# ---------------------------------------------------------------- the position page


def test_the_position_page_shows_the_figures_and_the_ledger_between_the_last_snapshots(
    client, buyer, stock
):
    ingest("wms", stock, [("A", 108)], taken_at=at(10))  # after movements 1 to 5
    send(event(6, "adjustment", -1, minute=20, reason="damaged"))
    client.force_login(buyer)

    response = client.get(reverse("inventory:position_detail", args=["A"]), {"warehouse": "DC1"})

    assert response.status_code == 200
    windows = {w["window"].label: w["page"].object_list for w in response.context["windows"]}
    assert [m.sequence for m in windows["Between the last two WMS snapshots"]] == [5, 4, 3, 2, 1]
    assert [m.sequence for m in windows["Since the latest snapshot"]] == [6]
    assert b"no allocation source" in response.content
    assert b"Transfers in transit" not in response.content  # none to DC1


def test_the_positions_list_links_each_item_to_its_position_page(client, buyer, stock):
    ingest("erp", stock, [("A", 100)])
    client.force_login(buyer)

    response = client.get(reverse("inventory:positions"), {"warehouse": "DC1"})

    assert b'href="/inventory/positions/A/?warehouse=DC1"' in response.content


def test_the_position_page_is_for_internal_users_only(client, supplier_user, outsider, stock):
    for user in (supplier_user, outsider):
        client.force_login(user)
        assert client.get(reverse("inventory:position_detail", args=["A"])).status_code == 403


def test_the_position_page_of_an_unknown_sku_is_a_404(client, operator, stock):
    client.force_login(operator)

    assert client.get(reverse("inventory:position_detail", args=["NOPE"])).status_code == 404


def test_on_hand_from_a_wms_snapshot_adds_the_wms_events_only(stock):
    # The ERP reports the same receipt the WMS did: counted once on the WMS basis.
    send(event(1, "receipt", 20, source="erp", minute=2))

    assert by_code()["DC1"].on_hand.quantity == D(108)


def test_the_figures_cost_the_same_queries_for_two_and_four_warehouses(stock):
    confirm("A", stock, [("12", 3)])
    few = _queries()
    for code in ("DC3", "DC4"):
        warehouse(code)
        send(event(1, "receipt", 1, source=f"wms:{code}", warehouse=code, event_id=f"{code}-1"))
        confirm("A", Warehouse.objects.get(code=code), [("4", 3)])

    many = _queries()

    assert sorted(by_code()) == ["DC1", "DC2", "DC3", "DC4"]
    assert few == many


def _queries() -> int:
    item = Item.objects.get(sku="A")
    with CaptureQueriesContext(connection) as captured:
        item_positions(item=item)
    return len(captured)


def test_supplier_inbound_in_another_unit_counts_in_the_base_unit(stock):
    """A delivery of 2 cases of 12 is 24 EA in the figures and ATP, never 2; a line in
    a unit the item has no conversion for is left out rather than added as EA."""
    item = Item.objects.get(sku="A")
    UomConversionFactory(item=item, from_uom=UnitOfMeasureFactory(code="CS"), factor=D(12))
    order = PurchaseOrderFactory(ship_to=stock, status=PurchaseOrder.Status.CONFIRMED)
    in_cases = PurchaseOrderLineFactory(
        purchase_order=order, line_no=1, item=item, uom=UnitOfMeasureFactory(code="CS")
    )
    in_pallets = PurchaseOrderLineFactory(
        purchase_order=order, line_no=2, item=item, uom=UnitOfMeasureFactory(code="PAL")
    )
    today = timezone.localdate()
    schedule_lines_replace(
        [
            (in_cases, [(D(2), today + datetime.timedelta(days=3))], None),
            (in_pallets, [(D(1), today + datetime.timedelta(days=3))], None),
        ]
    )

    dc1 = by_code()["DC1"]

    assert [(row.document_ref, row.quantity) for row in dc1.inbound_lines] == [
        (f"{order.number} line 1", D(24))
    ]
    assert dc1.inbound.quantity == D(24)
    # available 90 + received 15 today; the 24 EA due in 3 days from +7 d on
    assert [b.quantity for b in dc1.atp] == [D(105), D(129), D(129), D(129)]
