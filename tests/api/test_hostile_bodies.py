"""Hostile bodies (issue 18): JSON nested past the depth limit is a 400 problem document,
never a RecursionError; creates of one ASN number without an Idempotency-Key, one after
the other or racing, give one 201 and a 409 with the existing ASN's link for the rest."""

import threading

import pytest
from django.db import connection, connections

from suppliers.models import Shipment
from tests.api.conftest import client_for, issue_key
from tests.api.test_asns_api import asn_body
from tests.suppliers.shipping_helpers import confirmed_po

pytestmark = pytest.mark.django_db


def test_json_nested_100000_levels_deep_is_a_400_problem_document(api):
    body = "[" * 100_000 + "]" * 100_000

    response = api.post("/api/v1/asns", body, content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "The JSON body nests arrays and objects more than 64 levels deep; flatten it."
    )


def test_an_unclosed_deep_body_with_an_idempotency_key_is_a_400_too(api):
    body = '{"lines": ' + "[" * 100_000

    response = api.post(
        "/api/v1/asns", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="deep"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_json_at_the_depth_limit_is_parsed_and_judged_on_its_fields(api):
    body = '{"asn_number": ' + "[" * 63 + "]" * 63 + "}"

    response = api.post("/api/v1/asns", body, content_type="application/json")

    assert response.status_code == 400
    pointers = {error["pointer"] for error in response.json()["errors"]}
    assert "/asn_number" in pointers


def test_brackets_inside_strings_do_not_count_as_nesting(api, supplier):
    confirmed_po(supplier, "PO-1")
    body = asn_body("ASN-1")
    body["carrier"] = "[{" * 40
    body["tracking_number"] = '\\"[' * 20

    response = api.post("/api/v1/asns", body, format="json")

    assert response.status_code == 201, response.json()


def test_a_second_create_of_one_asn_number_is_a_409_linking_the_first(api, supplier):
    confirmed_po(supplier, "PO-1")
    first = api.post("/api/v1/asns", asn_body("ASN-7", qty="10"), format="json")

    second = api.post("/api/v1/asns", asn_body("ASN-7", qty="20"), format="json")

    assert first.status_code == 201
    assert second.status_code == 409
    assert second["Content-Type"] == "application/problem+json"
    assert second["Location"] == "/api/v1/asns/ASN-7"
    assert second.json() == {
        "type": "/api/v1/docs/#problem-already-exists",
        "title": "Conflict",
        "status": 409,
        "detail": "You already have an ASN numbered ASN-7; see `existing`.",
        "existing": "/api/v1/asns/ASN-7",
    }
    assert Shipment.objects.get().lines.get().quantity == 10


def test_the_same_number_at_another_supplier_is_no_conflict(api, outsider_api, supplier):
    confirmed_po(supplier, "PO-1")
    api.post("/api/v1/asns", asn_body("ASN-7"), format="json")

    response = outsider_api.post("/api/v1/asns", asn_body("ASN-7"), format="json")

    assert response.status_code == 422  # its own PO-1 does not exist; no 409


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_racing_creates_of_one_asn_number_give_one_201_and_nineteen_409(supplier):
    if connection.vendor != "postgresql":
        pytest.skip("Racing writers need PostgreSQL (SQLite serialises them).")
    confirmed_po(supplier, "PO-1", lines=[("BOLT-M8", "1000", "EA")])
    plaintext = issue_key(supplier=supplier).plaintext
    barrier = threading.Barrier(20)
    responses: list = []

    def create() -> None:
        try:
            client = client_for(plaintext)
            barrier.wait()
            responses.append(client.post("/api/v1/asns", asn_body("ASN-RACE"), format="json"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * 19
    conflicts = [response for response in responses if response.status_code == 409]
    assert {response.json()["existing"] for response in conflicts} == {"/api/v1/asns/ASN-RACE"}
    assert Shipment.objects.filter(asn_number="ASN-RACE").count() == 1
