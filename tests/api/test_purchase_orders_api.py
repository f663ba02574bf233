import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import AuditEntry, Event
from suppliers.models import PurchaseOrder
from tests.api.conftest import client_for
from tests.inventory.factories import WarehouseFactory
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def test_a_supplier_key_lists_its_purchase_orders_newest_update_first(
    api, supplier, other_supplier
):
    older = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")
    newer = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-2")
    PurchaseOrder.objects.filter(pk=older.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=1)
    )
    purchase_order_awaiting_acknowledgment(supplier=other_supplier, number="PO-THEIRS")

    response = api.get("/api/v1/purchase-orders")

    assert response.status_code == 200
    assert [row["number"] for row in response.json()["results"]] == [newer.number, older.number]
    assert response.json()["results"][0]["line_count"] == 2
    assert response.json()["results"][0]["status"] == "issued"


def test_purchase_orders_filter_by_status_updated_since_and_warehouse(api, supplier):
    east = WarehouseFactory(code="DC-EAST")
    west = WarehouseFactory(code="DC-WEST")
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-E", ship_to=east)
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-W", ship_to=west)
    old = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-OLD", ship_to=east)
    PurchaseOrder.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=3), status="confirmed"
    )
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()

    by_warehouse = api.get("/api/v1/purchase-orders", {"warehouse": "DC-EAST"}).json()
    by_status = api.get("/api/v1/purchase-orders", {"status": "confirmed"}).json()
    by_time = api.get("/api/v1/purchase-orders", {"updated_since": since}).json()

    assert {r["number"] for r in by_warehouse["results"]} == {"PO-E", "PO-OLD"}
    assert [r["number"] for r in by_status["results"]] == ["PO-OLD"]
    assert {r["number"] for r in by_time["results"]} == {"PO-E", "PO-W"}


def test_a_bad_filter_is_a_problem_with_a_pointer(api):
    response = api.get("/api/v1/purchase-orders", {"status": "lost", "updated_since": "yesterday"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["title"] == "Invalid request"
    assert body["status"] == 400
    assert {e["pointer"] for e in body["errors"]} == {"/status", "/updated_since"}


def test_the_list_pages_with_a_cursor(api, supplier):
    for n in range(5):
        purchase_order_awaiting_acknowledgment(supplier=supplier, number=f"PO-{n}", lines=1)

    first = api.get("/api/v1/purchase-orders", {"limit": 3}).json()
    second = api.get(first["next"]).json()

    numbers = [r["number"] for r in first["results"] + second["results"]]
    assert len(first["results"]) == 3
    assert sorted(numbers) == ["PO-0", "PO-1", "PO-2", "PO-3", "PO-4"]
    assert second["next"] is None


def test_the_list_runs_the_same_number_of_queries_for_3_or_30_orders(api, supplier):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/purchase-orders").status_code == 200
        return len(queries)

    api.get("/api/v1/purchase-orders")  # the key's first use stamps last_used_at once
    for n in range(3):
        purchase_order_awaiting_acknowledgment(supplier=supplier, number=f"PO-A{n}")
    small = count()
    for n in range(27):
        purchase_order_awaiting_acknowledgment(supplier=supplier, number=f"PO-B{n}")

    assert count() == small


def test_a_purchase_order_comes_with_its_lines(api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-9", qty="12")

    response = api.get("/api/v1/purchase-orders/PO-9")

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == "PO-9"
    assert [(line["line_no"], line["ordered_qty"], line["uom"]) for line in body["lines"]] == [
        (1, "12.000000", "EA"),
        (2, "12.000000", "EA"),
    ]
    assert body["lines"][0]["confirmed_qty"] is None


def test_another_suppliers_purchase_order_is_a_404_problem(outsider_api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-MINE")

    get = outsider_api.get("/api/v1/purchase-orders/PO-MINE")
    ack = outsider_api.post(
        "/api/v1/purchase-orders/PO-MINE/acknowledgments",
        {"kind": "accept", "revision": 1},
        format="json",
    )

    assert get.status_code == 404
    assert get.json()["title"] == "Not found"
    assert ack.status_code == 404
    assert PurchaseOrder.objects.get(number="PO-MINE").status == "issued"


def test_accepting_by_api_confirms_the_po_and_audits_the_key(api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")

    response = api.post(
        "/api/v1/purchase-orders/PO-1/acknowledgments",
        {"kind": "accept", "revision": 1},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["kind"] == "accept"
    assert response.json()["purchase_order_status"] == "confirmed"
    entry = AuditEntry.objects.get(object_type="suppliers.purchaseorder", action="acknowledged")
    assert entry.channel == "api"
    assert entry.actor_label.startswith("API key 'erp' (")
    event = Event.objects.get(type="purchase_order.acknowledged", aggregate_id="PO-1")
    assert event.source_channel == "api"


def test_rejecting_without_a_comment_is_a_422_with_the_pages_message(api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")

    response = api.post(
        "/api/v1/purchase-orders/PO-1/acknowledgments",
        {"kind": "reject", "revision": 1, "reason_code": "capacity"},
        format="json",
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "Tell the buyer why you reject this PO."
    assert response.json()["errors"] == [
        {
            "pointer": "/comment",
            "detail": "Tell the buyer why you reject this PO.",
            "code": "invalid",
        }
    ]


def test_proposing_changes_points_a_business_error_at_the_line(api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")

    response = api.post(
        "/api/v1/purchase-orders/PO-1/acknowledgments",
        {
            "kind": "changes",
            "revision": 1,
            "lines": [{"line_no": 1, "action": "accept"}, {"line_no": 7, "action": "reject"}],
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/lines/1"
    assert response.json()["errors"][0]["detail"] == "PO PO-1 has no line 7."


def test_proposing_a_smaller_quantity_records_a_change_proposal(api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")
    later = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()

    response = api.post(
        "/api/v1/purchase-orders/PO-1/acknowledgments",
        {
            "kind": "changes",
            "revision": 1,
            "lines": [
                {
                    "line_no": 1,
                    "action": "change",
                    "quantity": "80",
                    "date": later,
                    "reason_code": "capacity",
                }
            ],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "change"
    assert response.json()["status"] == "pending_review"
    assert PurchaseOrder.objects.get(number="PO-1").status == "change_proposed"


def test_acknowledgment_format_errors_point_at_each_field(api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")

    response = api.post(
        "/api/v1/purchase-orders/PO-1/acknowledgments",
        {
            "kind": "changes",
            "revision": 0,
            "lines": [{"line_no": 1, "action": "maybe", "uom": "ZZ"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert {e["pointer"] for e in response.json()["errors"]} == {"/revision", "/lines/0/action"}


def test_a_read_only_key_cannot_acknowledge(read_only_api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")

    response = read_only_api.post(
        "/api/v1/purchase-orders/PO-1/acknowledgments",
        {"kind": "accept", "revision": 1},
        format="json",
    )

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "This API key lacks the 'acknowledge' scope."
    assert PurchaseOrder.objects.get(number="PO-1").status == "issued"


def test_an_internal_key_cannot_read_supplier_purchase_orders(internal_api):
    response = internal_api.get("/api/v1/purchase-orders")

    assert response.status_code == 403


def test_an_unknown_query_parameter_is_a_400_naming_it(api):
    response = api.get("/api/v1/purchase-orders", {"sort": "number"})

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "/sort", "detail": "Unknown query parameter.", "code": "invalid"}
    ]


def test_a_limit_out_of_range_is_a_400(api):
    response = api.get("/api/v1/purchase-orders", {"limit": 0})

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/limit"


def test_an_unsupported_method_is_a_405_even_with_an_idempotency_key(api):
    response = api.patch("/api/v1/purchase-orders", {}, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/purchase-orders/PO%00X", 404),
        ("/api/v1/asns/A%00B", 404),
        ("/api/v1/purchase-orders?warehouse=a%00b", 400),
        ("/api/v1/events?type=a%00b", 400),
    ],
)
def test_a_nul_character_is_a_client_error_not_a_database_error(api, path, status):
    assert api.get(path).status_code == status


def test_a_nul_character_in_the_key_or_idempotency_key_is_refused(api, supplier_key):
    bad_key = client_for(supplier_key.plaintext.replace("sp_", "sp_\x00", 1))
    response = api.post("/api/v1/asns", {}, format="json", HTTP_IDEMPOTENCY_KEY="a\x00b")

    assert bad_key.get("/api/v1/purchase-orders").status_code == 401
    assert response.status_code == 400
