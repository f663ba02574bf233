import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import Event
from suppliers.models import SupplierAvailability
from tests.suppliers.factories import SupplierItemFactory, purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db


def test_availability_is_upserted_in_bulk(api, supplier):
    SupplierItemFactory(supplier=supplier, supplier_sku="AC-1")
    SupplierItemFactory(supplier=supplier, supplier_sku="AC-2")

    first = api.put(
        "/api/v1/availability",
        {"items": [{"supplier_sku": "AC-1", "qty_available": "5"}]},
        format="json",
    )
    second = api.put(
        "/api/v1/availability",
        {
            "items": [
                {"supplier_sku": "AC-1", "qty_available": "7"},
                {"supplier_sku": "AC-2", "qty_available": "0"},
            ]
        },
        format="json",
    )

    assert first.json() == {"accepted": 1}
    assert second.json() == {"accepted": 2}
    rows = SupplierAvailability.objects.order_by("supplier_item__supplier_sku")
    assert [(r.supplier_item.supplier_sku, r.qty_available, r.channel) for r in rows] == [
        ("AC-1", 7, "api"),
        ("AC-2", 0, "api"),
    ]


def test_unknown_and_other_suppliers_skus_are_422s_at_their_items(api, supplier, other_supplier):
    SupplierItemFactory(supplier=supplier, supplier_sku="AC-1")
    SupplierItemFactory(supplier=other_supplier, supplier_sku="GX-1")

    response = api.put(
        "/api/v1/availability",
        {
            "items": [
                {"supplier_sku": "AC-1", "qty_available": "5"},
                {"supplier_sku": "GX-1", "qty_available": "5"},
            ]
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "pointer": "/items/1/supplier_sku",
            "detail": "GX-1 is not one of your active items.",
            "code": "reference",
        }
    ]
    assert not SupplierAvailability.objects.exists()


def test_a_negative_quantity_is_a_422_at_its_item_with_the_pages_message(api, supplier):
    SupplierItemFactory(supplier=supplier, supplier_sku="AC-1")
    SupplierItemFactory(supplier=supplier, supplier_sku="AC-2")

    response = api.put(
        "/api/v1/availability",
        {
            "items": [
                {"supplier_sku": "AC-1", "qty_available": "5"},
                {"supplier_sku": "AC-2", "qty_available": "-1"},
            ]
        },
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/items/1/qty_available"
    assert response.json()["detail"] == (
        "The quantity available cannot be negative; enter 0 when you have none."
    )
    assert not SupplierAvailability.objects.exists()


def test_more_than_10000_items_is_a_400(api):
    items = [{"supplier_sku": f"S{n}", "qty_available": "1"} for n in range(10_001)]

    response = api.put("/api/v1/availability", {"items": items}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/items"


def test_a_key_without_the_availability_scope_gets_403(read_only_api):
    response = read_only_api.put("/api/v1/availability", {"items": []}, format="json")

    assert response.status_code == 403


def _accept(api, number):
    return api.post(
        f"/api/v1/purchase-orders/{number}/acknowledgments",
        {"kind": "accept", "revision": 1},
        format="json",
    )


def test_the_events_feed_shows_only_the_suppliers_own_events(
    api, outsider_api, supplier, other_supplier
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-MINE")
    purchase_order_awaiting_acknowledgment(supplier=other_supplier, number="PO-THEIRS")
    _accept(api, "PO-MINE")
    _accept(outsider_api, "PO-THEIRS")

    mine = api.get("/api/v1/events").json()
    theirs = outsider_api.get("/api/v1/events").json()

    assert [(e["type"], e["aggregate"]["id"]) for e in mine["results"]] == [
        ("purchase_order.acknowledged", "PO-MINE")
    ]
    assert [e["aggregate"]["id"] for e in theirs["results"]] == ["PO-THEIRS"]
    assert mine["results"][0]["schema_url"] == (
        "/api/v1/event-schemas/purchase_order.acknowledged.v1.json"
    )


def test_the_events_feed_continues_after_the_cursor(api, supplier):
    for number in ("PO-1", "PO-2", "PO-3"):
        purchase_order_awaiting_acknowledgment(supplier=supplier, number=number)
        _accept(api, number)

    first = api.get("/api/v1/events", {"limit": 2}).json()
    second = api.get("/api/v1/events", {"after": first["next_cursor"]}).json()
    empty = api.get("/api/v1/events", {"after": second["next_cursor"]}).json()

    ids = [e["aggregate"]["id"] for e in first["results"] + second["results"]]
    assert ids == ["PO-1", "PO-2", "PO-3"]
    assert empty == {"results": [], "next_cursor": second["next_cursor"]}


def test_an_internal_key_sees_every_suppliers_events(
    internal_api, api, outsider_api, supplier, other_supplier
):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")
    purchase_order_awaiting_acknowledgment(supplier=other_supplier, number="PO-2")
    _accept(api, "PO-1")
    _accept(outsider_api, "PO-2")

    response = internal_api.get("/api/v1/events")

    assert [e["aggregate"]["id"] for e in response.json()["results"]] == ["PO-1", "PO-2"]
    assert Event.objects.count() == 2


def test_a_bad_cursor_is_a_400_at_after(api):
    response = api.get("/api/v1/events", {"after": "garbage!"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/after"


def test_the_events_feed_runs_the_same_number_of_queries_for_1_or_5_events(api, supplier):
    api.get("/api/v1/events")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/events").status_code == 200
        return len(queries)

    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-0")
    _accept(api, "PO-0")
    small = count()
    for n in range(1, 5):
        purchase_order_awaiting_acknowledgment(supplier=supplier, number=f"PO-{n}")
        _accept(api, f"PO-{n}")

    assert count() == small
