"""Each warehouse's live positions follow one source family, its source of record for
movements (issue 22): a receipt the WMS and the ERP both report counts once, in the live
position, in ATP and on the position page; the other family's event is recorded in the
ledger, marked as not counted."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from integrations.errors import DomainError
from integrations.models import AuditEntry
from inventory.models import InventoryMovement, Item, LivePosition, Warehouse
from inventory.selectors.atp import item_positions
from inventory.services import movements as movement_service
from inventory.services.movement_positions import positions_family_sql, positions_recompute
from inventory.services.positions_source import warehouse_positions_source_set
from portal.roles import ensure_role_groups
from tests.api.conftest import client_for, issue_key
from tests.inventory.movements import at, event, expect, figures, send
from tests.inventory.snapshots import ingest, items, warehouse

pytestmark = pytest.mark.django_db

URL = "/api/v1/inventory/movements"
POSTGRESQL_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the set-based apply runs on PostgreSQL only"
)


@pytest.fixture(params=["rows", pytest.param("set", marks=POSTGRESQL_ONLY)])
def path(request, monkeypatch) -> str:
    """Both applies: the row-by-row one (SQLite's) and the set-based one (PostgreSQL's)."""
    if request.param == "rows":
        monkeypatch.setattr(movement_service, "is_postgresql", lambda: False)
    return request.param


@pytest.fixture
def dc1():
    items("A", "B")
    warehouse("DC2", wms_connector="")  # no WMS: its positions follow the ERP
    return warehouse("DC1")  # a WMS connector: its positions follow the WMS


def both_report_a_receipt(quantity: int = 20) -> None:
    send(event(1, "receipt", quantity, minute=10))
    send(event(1, "receipt", quantity, source="erp", minute=12))


def erp_row() -> InventoryMovement:
    return InventoryMovement.objects.get(source="erp")


def test_a_receipt_both_sources_report_counts_once_at_a_warehouse_following_its_wms(dc1, path):
    both_report_a_receipt()

    assert figures() == expect(received=20)
    assert erp_row().applied is True  # sequenced and recorded, not counted
    (position,) = item_positions(item=dc1_item(), warehouse_code="DC1").warehouses
    assert (position.received.quantity, position.on_hand.quantity) == (20, 20)
    assert position.received.source == "live position (WMS movements)"
    assert [bucket.quantity for bucket in position.atp] == [20, 20, 20, 20]


def test_a_receipt_both_sources_report_counts_once_at_a_warehouse_set_to_follow_its_erp(dc1, path):
    Warehouse.objects.filter(pk=dc1.pk).update(positions_source="erp")
    send(event(1, "receipt", 20, minute=10))
    send(event(1, "receipt", 15, source="erp", minute=12))  # the ERP's own figure wins

    assert figures() == expect(received=15)
    (position,) = item_positions(item=dc1_item(), warehouse_code="DC1").warehouses
    assert position.received.source == "live position (ERP movements)"
    assert position.follows == "erp"


def test_both_reports_in_one_batch_count_once(dc1, path):
    send(event(1, "receipt", 20, minute=10), event(1, "receipt", 20, source="erp", minute=12))

    assert figures() == expect(received=20)


def test_the_api_and_the_file_drop_count_the_erps_copy_of_a_wms_receipt_not_at_all(dc1, tmp_path):
    api = client_for(issue_key(scopes=["snapshots"], name="wms").plaintext)
    body = {
        "source": "wms:DC1",
        "source_event_id": "DC1-1",
        "sequence": 1,
        "kind": "receipt",
        "occurred_at": "2026-03-03T08:10:00Z",
        "sku": "A",
        "warehouse": "DC1",
        "quantity": "20",
        "uom": "EA",
    }
    assert api.post(URL, {"movements": [body]}, format="json").json()["applied"] == 1
    path = tmp_path / "erp.csv"
    path.write_text(
        "source,source_event_id,sequence,kind,occurred_at,sku,warehouse,quantity,uom\n"
        "erp,SM-7,1,receipt,2026-03-03T08:12:00Z,A,DC1,20,EA\n"
    )

    call_command("ingest_movements", str(path))

    assert figures() == expect(received=20)
    assert InventoryMovement.objects.filter(applied=True).count() == 2


def test_the_position_page_marks_the_other_sources_row_recorded_not_counted(client, operator, dc1):
    both_report_a_receipt()
    client.force_login(operator)

    html = client.get(
        reverse("inventory:position_detail", args=["A"]), {"warehouse": "DC1"}
    ).content.decode()

    assert html.count("recorded, not counted: DC1&#x27;s positions follow its WMS") == 1
    assert "The figures at DC1 follow the movements of its WMS (its source of record:" in html
    assert '<td class="num">20</td>' in html
    assert "<td>live position (WMS movements)</td>" in html


def test_the_atp_api_says_which_source_the_figures_follow(dc1):
    both_report_a_receipt()
    api = client_for(issue_key(scopes=["read"], name="ecommerce").plaintext)

    body = api.get("/api/v1/inventory/atp", {"sku": "A", "warehouse": "DC1"}).json()

    (dc1_figures,) = body["warehouses"]
    assert dc1_figures["received"]["quantity"] == "20.000000"
    assert dc1_figures["received"]["source"] == "live position (WMS movements)"
    assert dc1_figures["on_hand"]["quantity"] == "20.000000"


def test_on_hand_from_a_snapshot_starts_from_the_source_of_records_snapshot(dc1):
    Warehouse.objects.filter(pk=dc1.pk).update(positions_source="erp")
    ingest("wms", dc1, [("A", 100)], taken_at=at(0))
    ingest("erp", dc1, [("A", 90)], taken_at=at(0))
    send(event(1, "receipt", 5, source="erp", minute=10))
    send(event(1, "receipt", 5, minute=10))

    (position,) = item_positions(item=dc1_item(), warehouse_code="DC1").warehouses

    assert (position.basis, position.on_hand.quantity) == ("erp_snapshot", 95)
    assert position.on_hand.source.startswith("ERP snapshot at ")


def test_automatic_follows_the_wms_with_a_wms_connector_and_the_erp_without(dc1):
    dc2 = Warehouse.objects.get(code="DC2")

    assert (dc1.positions_source, dc1.positions_family) == ("", "wms")
    assert (dc2.positions_source, dc2.positions_family) == ("", "erp")


@pytest.mark.parametrize(
    ("positions_source", "wms_connector", "family"),
    [("", "", "erp"), ("", "wms-1", "wms"), ("erp", "wms-1", "erp"), ("wms", "", "wms")],
)
def test_the_sql_family_says_what_the_model_says(positions_source, wms_connector, family):
    wh = warehouse("DC9", wms_connector=wms_connector, positions_source=positions_source)
    table = Warehouse._meta.db_table

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {positions_family_sql('w')} FROM {table} w WHERE id = %s", [wh.pk])
        in_sql = cursor.fetchone()[0]

    assert (wh.positions_family, in_sql) == (family, family)


def test_a_transfer_counts_at_each_end_by_that_warehouses_family(dc1, path):
    # DC1 follows its WMS, DC2 its ERP: the WMS's transfer out takes DC1's goods off,
    # the ERP's puts them in transit at DC2; neither counts at the other end.
    send(event(1, "transfer_out", 10, transfer_ref="T-1", counterpart_warehouse="DC2"))
    send(
        event(1, "transfer_out", 10, source="erp", transfer_ref="T-1", counterpart_warehouse="DC2")
    )

    assert figures() == expect(available=-10)
    assert figures(warehouse="DC2") == expect(in_transit=10)

    send(
        event(
            1,
            "transfer_in",
            10,
            source="erp",
            warehouse="DC2",
            transfer_ref="T-1",
            counterpart_warehouse="DC1",
            event_id="erp-DC2-1",
        )
    )

    assert figures(warehouse="DC2") == expect(available=10)


def test_the_open_transfers_follow_the_destinations_family(dc1):
    send(event(1, "transfer_out", 10, transfer_ref="T-1", counterpart_warehouse="DC2"))
    send(event(1, "transfer_out", 4, source="erp", transfer_ref="T-2", counterpart_warehouse="DC2"))

    (dc2,) = item_positions(item=dc1_item(), warehouse_code="DC2").warehouses

    assert [(t.transfer_ref, t.quantity) for t in dc2.open_transfers] == [("T-2", 4)]
    assert dc2.in_transit.quantity == 4
    assert dc2.in_transit.source == "1 open transfer(s) in the ERP ledger"


def mixed_history() -> None:
    """Both families report DC1's goods, not always alike, with counts and transfers."""
    send(
        event(1, "receipt", 20, minute=10),
        event(2, "put_away", 20, minute=11),
        event(3, "cycle_count", 18, minute=20),
        event(4, "transfer_out", 5, minute=30, transfer_ref="T-1", counterpart_warehouse="DC2"),
        event(5, "quality_hold", 2, minute=40),
    )
    send(
        event(1, "receipt", 20, source="erp", minute=12),
        event(2, "put_away", 20, source="erp", minute=13),
        event(3, "adjustment", -1, source="erp", minute=25, reason="damaged"),
        event(4, "cycle_count", 30, source="erp", minute=26),
        event(5, "receipt", 7, source="erp", minute=50),
        event(
            6,
            "transfer_out",
            5,
            source="erp",
            minute=31,
            transfer_ref="T-1",
            counterpart_warehouse="DC2",
        ),
    )


def test_changing_the_source_of_record_recomputes_the_positions_from_the_ledger(dc1, path):
    mixed_history()
    assert figures() == expect(quality_hold=2, available=11)  # the WMS's: 18 − 5 − 2

    rewritten = warehouse_positions_source_set(actor=None, warehouse=dc1, positions_source="erp")

    assert rewritten == 1
    assert figures() == expect(received=7, available=25)  # the ERP's: 30 − 5, and 7 in
    item_id = dc1_item().pk
    assert figures() == positions_recompute(item_id=item_id, warehouse_id=dc1.pk)
    position = LivePosition.objects.get(item_id=item_id, warehouse=dc1)
    assert (position.counted_qty, position.counted_source) == (30, "erp")
    assert AuditEntry.objects.get(object_type="inventory.warehouse").after == {
        "positions_source": "erp"
    }


def test_the_warehouse_admin_sets_the_source_of_record_and_recomputes(client, portal_admin, dc1):
    ensure_role_groups()
    client.force_login(portal_admin)
    send(event(1, "receipt", 20, minute=10))
    send(event(1, "receipt", 15, source="erp", minute=12))
    values = {
        "code": "DC1",
        "name": dc1.name,
        "time_zone": "UTC",
        "wms_connector": dc1.wms_connector,
        "in_flight_window_hours": 24,
        "is_active": "on",
    }
    url = reverse("admin:inventory_warehouse_change", args=[dc1.pk])

    response = client.post(url, {**values, "positions_source": "erp"})

    assert response.status_code == 302
    assert figures() == expect(received=15)
    client.post(url, {**values, "positions_source": "", "wms_connector": ""})
    assert Warehouse.objects.get(pk=dc1.pk).positions_family == "erp"
    assert figures() == expect(received=15)  # automatic without a WMS: still the ERP
    client.post(url, {**values, "positions_source": ""})  # a WMS connector again
    assert figures() == expect(received=20)


def dc1_item() -> Item:
    return Item.objects.get(sku="A")


def test_an_unknown_positions_source_is_refused_saying_what_to_choose(dc1):
    with pytest.raises(DomainError) as refused:
        warehouse_positions_source_set(actor=None, warehouse=dc1, positions_source="tms")

    assert refused.value.message == (
        "'tms' is not a positions source: leave it empty (automatic) or choose wms or erp."
    )
    assert Warehouse.objects.get(pk=dc1.pk).positions_source == ""
