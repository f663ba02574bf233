"""Types are checked, never coerced (issue 18): a text field takes a JSON string only; a
number there is a 400 naming the field, in nested lines and lists too. The schema says so."""

import pytest

from suppliers.models import PurchaseOrder, Shipment, SupplierItem
from tests.api.test_asns_api import asn_body
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment
from tests.suppliers.shipping_helpers import confirmed_po

pytestmark = pytest.mark.django_db


def errors(response) -> list[tuple[str, str]]:
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


def test_a_number_for_the_asn_number_is_a_400_not_an_asn_named_12(api, supplier):
    confirmed_po(supplier, "PO-1")

    response = api.post("/api/v1/asns", {**asn_body(), "asn_number": 12}, format="json")

    assert response.status_code == 400
    assert errors(response) == [("/asn_number", "invalid")]
    assert Shipment.objects.count() == 0


def test_a_number_in_a_nested_line_and_in_a_list_of_text_is_a_400_at_its_pointer(api, supplier):
    confirmed_po(supplier, "PO-1")
    body = asn_body()
    body["lines"][0]["po_number"] = 1
    body["lines"][0]["serial_numbers"] = ["SN-1", 2]

    response = api.post("/api/v1/asns", body, format="json")

    assert response.status_code == 400
    assert sorted(errors(response)) == [
        ("/lines/0/po_number", "invalid"),
        ("/lines/0/serial_numbers/1", "invalid"),
    ]


def test_a_number_for_a_supplier_sku_is_refused_and_the_text_sku_is_accepted(api, supplier):
    SupplierItem.objects.filter(supplier=supplier).delete()

    refused = api.put(
        "/api/v1/availability",
        {"items": [{"supplier_sku": 42, "qty_available": "5"}]},
        format="json",
    )

    assert refused.status_code == 400
    assert errors(refused) == [("/items/0/supplier_sku", "invalid")]


def test_a_decimal_still_takes_a_json_number_as_the_schema_says(api, supplier):
    confirmed_po(supplier, "PO-1")
    body = asn_body()
    body["lines"][0]["quantity"] = 40

    response = api.post("/api/v1/asns", body, format="json")

    assert response.status_code == 201


def test_a_number_for_a_receipt_reference_is_a_400_for_internal_keys_too(internal_api):
    response = internal_api.post(
        "/api/v1/receipts",
        {
            "supplier": "ACME",
            "asn_number": "ASN-1",
            "reference": 7,
            "lines": [{"line_no": 1, "qty_received": "1"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert errors(response) == [("/reference", "invalid")]


def test_the_schema_documents_that_text_fields_take_strings_only(client):
    description = client.get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()["info"]["description"]

    assert "a text field takes a JSON string only" in description


def test_a_number_for_an_acknowledgment_comment_is_a_400_and_the_po_stays_unanswered(api, supplier):
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-1")

    response = api.post(
        "/api/v1/purchase-orders/PO-1/acknowledgments",
        {"kind": "accept", "revision": 1, "comment": 42},
        format="json",
    )

    assert response.status_code == 400
    assert errors(response) == [("/comment", "invalid")]
    assert PurchaseOrder.objects.get(number="PO-1").status == PurchaseOrder.Status.ISSUED
