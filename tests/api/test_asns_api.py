import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import AuditEntry, Event
from suppliers.models import PurchaseOrderLine, Shipment
from tests.suppliers.shipping_helpers import confirmed_po, ship, today

pytestmark = pytest.mark.django_db


def asn_body(number: str = "ASN-1", *, qty: str = "40", po: str = "PO-1", line: int = 1) -> dict:
    return {
        "asn_number": number,
        "ship_date": today().isoformat(),
        "expected_delivery": (today() + datetime.timedelta(days=3)).isoformat(),
        "carrier": "UPS",
        "lines": [{"po_number": po, "po_line_no": line, "quantity": qty}],
    }


def test_a_supplier_creates_a_draft_asn(api, supplier):
    confirmed_po(supplier, "PO-1")

    response = api.post("/api/v1/asns", asn_body(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["asn_number"] == "ASN-1"
    assert body["status"] == "draft"
    assert body["ship_to"] == "DC1"
    assert [(ln["po_number"], ln["po_line_no"], ln["quantity"]) for ln in body["lines"]] == [
        ("PO-1", 1, "40.000000")
    ]
    shipment = Shipment.objects.get(asn_number="ASN-1")
    assert shipment.channel == "api"
    entry = AuditEntry.objects.get(
        object_type="suppliers.shipment", object_id=str(shipment.pk), action="created"
    )
    assert entry.actor_label.startswith("API key 'erp' (")


def test_submitting_by_api_counts_the_quantity_as_shipped(api, supplier):
    confirmed_po(supplier, "PO-1")
    api.post("/api/v1/asns", asn_body(), format="json")

    response = api.post("/api/v1/asns/ASN-1/submission", {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert PurchaseOrderLine.objects.get(purchase_order__number="PO-1").shipped_qty == 40
    assert Event.objects.filter(type="asn.submitted", aggregate_id="ACME:ASN-1").count() == 1


def test_a_line_of_someone_elses_po_is_a_422_at_that_line(api, supplier, other_supplier):
    confirmed_po(supplier, "PO-1")
    confirmed_po(other_supplier, "PO-THEIRS", warehouse="DC9")
    body = asn_body()
    body["lines"].append({"po_number": "PO-THEIRS", "po_line_no": 1, "quantity": "1"})

    response = api.post("/api/v1/asns", body, format="json")

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "pointer": "/lines/1/po_line_no",
            "detail": "PO-THEIRS line 1 is not a line of your purchase orders.",
            "code": "reference",
        }
    ]
    assert not Shipment.objects.exists()


def test_asn_format_errors_point_at_each_field(api, supplier):
    response = api.post(
        "/api/v1/asns",
        {"asn_number": "", "ship_date": "soon", "lines": [{"po_number": "PO-1", "quantity": "x"}]},
        format="json",
    )

    assert response.status_code == 400
    assert {e["pointer"] for e in response.json()["errors"]} == {
        "/asn_number",
        "/ship_date",
        "/expected_delivery",
        "/lines/0/po_line_no",
        "/lines/0/quantity",
    }


def test_shipping_more_than_open_is_a_422_pointing_at_the_line(api, supplier):
    confirmed_po(supplier, "PO-1")

    response = api.post("/api/v1/asns", asn_body(qty="500"), format="json")

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["pointer"].startswith("/lines/0")
    assert response.json()["detail"] == error["detail"]
    assert not Shipment.objects.exists()


def test_asns_are_listed_and_retrieved_with_their_milestones(api, supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-1")
    line = PurchaseOrderLine.objects.get(purchase_order=purchase_order)
    ship(supplier, supplier_user, "ASN-A", [(line, "10")])
    ship(supplier, supplier_user, "ASN-B", [(line, "10")], submit=False)

    listed = api.get("/api/v1/asns").json()
    milestone = api.post(
        "/api/v1/asns/ASN-A/milestones", {"code": "picked_up", "location": "Dock 4"}, format="json"
    )
    detail = api.get("/api/v1/asns/ASN-A").json()

    assert [row["asn_number"] for row in listed["results"]] == ["ASN-B", "ASN-A"]
    assert milestone.status_code == 201
    assert milestone.json()["asn_status"] == "in_transit"
    assert detail["status"] == "in_transit"
    assert [(m["code"], m["location"]) for m in detail["milestones"]] == [("picked_up", "Dock 4")]


def test_a_delay_without_a_new_eta_is_a_422(api, supplier, supplier_user):
    line = PurchaseOrderLine.objects.get(purchase_order=confirmed_po(supplier, "PO-1"))
    ship(supplier, supplier_user, "ASN-A", [(line, "10")])

    response = api.post("/api/v1/asns/ASN-A/milestones", {"code": "delayed"}, format="json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"].startswith("/")


def test_updating_an_asn_replaces_its_lines(api, supplier):
    confirmed_po(supplier, "PO-1")
    api.post("/api/v1/asns", asn_body(), format="json")
    body = asn_body(qty="25")
    del body["asn_number"]

    response = api.put("/api/v1/asns/ASN-1", body, format="json")

    assert response.status_code == 200, response.json()
    assert [ln["quantity"] for ln in response.json()["lines"]] == ["25.000000"]


def test_cancelling_an_asn_frees_its_quantity(api, supplier, supplier_user):
    line = PurchaseOrderLine.objects.get(purchase_order=confirmed_po(supplier, "PO-1"))
    ship(supplier, supplier_user, "ASN-A", [(line, "10")])

    response = api.post(
        "/api/v1/asns/ASN-A/cancellation", {"reason": "Truck missed"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    line.refresh_from_db()
    assert line.shipped_qty == 0


def test_another_suppliers_asn_is_a_404_for_every_operation(outsider_api, supplier, supplier_user):
    line = PurchaseOrderLine.objects.get(purchase_order=confirmed_po(supplier, "PO-1"))
    ship(supplier, supplier_user, "ASN-A", [(line, "10")])
    body = asn_body("ASN-A")

    statuses = [
        outsider_api.get("/api/v1/asns/ASN-A").status_code,
        outsider_api.put("/api/v1/asns/ASN-A", body, format="json").status_code,
        outsider_api.post("/api/v1/asns/ASN-A/submission", {}, format="json").status_code,
        outsider_api.post("/api/v1/asns/ASN-A/cancellation", {}, format="json").status_code,
        outsider_api.post(
            "/api/v1/asns/ASN-A/milestones", {"code": "picked_up"}, format="json"
        ).status_code,
    ]

    assert statuses == [404, 404, 404, 404, 404]
    assert outsider_api.get("/api/v1/asns").json()["results"] == []
    assert Shipment.objects.get(asn_number="ASN-A").status == "submitted"


def test_a_read_only_key_reads_asns_but_cannot_ship(read_only_api, supplier):
    confirmed_po(supplier, "PO-1")

    listed = read_only_api.get("/api/v1/asns")
    created = read_only_api.post("/api/v1/asns", asn_body(), format="json")

    assert listed.status_code == 200
    assert created.status_code == 403
    assert created.json()["detail"] == "This API key lacks the 'ship' scope."


def test_the_asn_list_runs_the_same_number_of_queries_for_2_or_12_asns(
    api, supplier, supplier_user
):
    line = PurchaseOrderLine.objects.get(
        purchase_order=confirmed_po(supplier, "PO-1", lines=(("BOLT", "1000", "EA"),))
    )
    api.get("/api/v1/asns")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/asns").status_code == 200
        return len(queries)

    for n in range(2):
        ship(supplier, supplier_user, f"ASN-A{n}", [(line, "1")], submit=False)
    small = count()
    for n in range(10):
        ship(supplier, supplier_user, f"ASN-B{n}", [(line, "1")], submit=False)

    assert count() == small
