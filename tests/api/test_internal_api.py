import pytest

from inventory.models import InventorySnapshot
from suppliers.models import Receipt, Shipment
from tests.inventory.factories import ItemFactory, WarehouseFactory
from tests.suppliers.receipts_helpers import submitted_asn

pytestmark = pytest.mark.django_db


def receipt_body(**overrides) -> dict:
    return {
        "supplier": "ACME",
        "asn_number": "ASN-1",
        "reference": "GR-1",
        "closes_asn": True,
        "lines": [{"line_no": 1, "qty_received": "100"}],
        **overrides,
    }


def test_the_wms_records_a_receipt_that_closes_the_asn(internal_api, supplier, supplier_user):
    submitted_asn(supplier, supplier_user)

    response = internal_api.post("/api/v1/receipts", receipt_body(), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["asn_status"] == "received"
    receipt = Receipt.objects.get()
    assert (receipt.reference, receipt.channel) == ("GR-1", "api")


def test_damaged_over_received_is_a_422_at_the_line(internal_api, supplier, supplier_user):
    submitted_asn(supplier, supplier_user)
    body = receipt_body(lines=[{"line_no": 1, "qty_received": "5", "qty_damaged": "6"}])

    response = internal_api.post("/api/v1/receipts", body, format="json")

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/lines/0/qty_damaged"
    assert not Receipt.objects.exists()


def test_a_receipt_for_an_unknown_asn_is_a_404(internal_api, supplier):
    response = internal_api.post("/api/v1/receipts", receipt_body(), format="json")

    assert response.status_code == 404


def test_a_supplier_key_cannot_post_receipts(api, supplier, supplier_user):
    submitted_asn(supplier, supplier_user)

    response = api.post("/api/v1/receipts", receipt_body(), format="json")

    assert response.status_code == 403
    assert Shipment.objects.get().status == "submitted"


def test_receipt_format_errors_point_at_each_field(internal_api):
    response = internal_api.post(
        "/api/v1/receipts", {"lines": [{"line_no": 0, "qty_received": "x"}]}, format="json"
    )

    assert response.status_code == 400
    assert {e["pointer"] for e in response.json()["errors"]} == {
        "/supplier",
        "/asn_number",
        "/reference",
        "/lines/0/line_no",
        "/lines/0/qty_received",
    }


def test_the_wms_streams_a_stock_snapshot(internal_api):
    WarehouseFactory(code="DC1")
    ItemFactory(sku="BOLT")
    csv = b"sku,uom,quantity\nBOLT,EA,40\nNOPE,EA,1\n"

    response = internal_api.generic(
        "POST",
        "/api/v1/stock-snapshots?warehouse=DC1&source=wms",
        csv,
        content_type="text/csv",
        HTTP_IDEMPOTENCY_KEY="snap-1",
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["rows_total"], response.json()["rows_loaded"]) == (2, 1)
    assert response.json()["error_counts"] == {"unknown_sku": 1}
    assert InventorySnapshot.objects.get().source == "wms"


def test_a_snapshot_for_an_unknown_warehouse_is_a_422(internal_api):
    response = internal_api.generic(
        "POST",
        "/api/v1/stock-snapshots?warehouse=NOPE&source=wms",
        b"sku,uom,quantity\n",
        content_type="text/csv",
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/warehouse"


def test_a_snapshot_with_a_bad_header_is_a_422_with_the_ingest_message(internal_api):
    WarehouseFactory(code="DC1")

    response = internal_api.generic(
        "POST",
        "/api/v1/stock-snapshots?warehouse=DC1&source=wms",
        b"a,b\n1,2\n",
        content_type="text/csv",
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("The first line must name the columns sku, uom")


def test_a_supplier_key_cannot_upload_snapshots(api):
    response = api.generic(
        "POST", "/api/v1/stock-snapshots?warehouse=DC1&source=wms", b"", content_type="text/csv"
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe\x00", b'sku,uom,quantity\n"unterminated,EA,1\n'],
    ids=["not-utf8", "unterminated-quote"],
)
def test_an_unreadable_stock_file_is_a_422_naming_the_file(internal_api, body):
    WarehouseFactory(code="DC1")

    response = internal_api.generic(
        "POST", "/api/v1/stock-snapshots?warehouse=DC1&source=wms", body, content_type="text/csv"
    )

    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["pointer"] == "/file"
    assert response.json()["detail"].startswith("The file is not a readable UTF-8 CSV")


def test_a_nul_character_in_a_file_is_a_422_naming_the_file_on_any_database(internal_api):
    WarehouseFactory(code="DC1")

    response = internal_api.generic(
        "POST",
        "/api/v1/stock-snapshots?warehouse=DC1&source=wms",
        b"sku,uom,quantity\nA\x00,EA,1\n",
        content_type="text/csv",
    )

    body = response.json()
    assert response.status_code == 422, response.content
    assert body["errors"][0]["pointer"] == "/file"
    assert body["errors"][0]["code"] == "unreadable_file"
