"""Hostile files on the upload pages (issue 18): a ragged sheet is a row error, a zip bomb
is refused at once with a message that says why, on every page that takes a file."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from suppliers.models import Shipment, SupplierAvailability
from tests.integrations.spreadsheet_files import xlsx, zip_bomb
from tests.inventory.factories import ItemFactory
from tests.suppliers.factories import SupplierItemFactory
from tests.suppliers.shipping_helpers import confirmed_po

pytestmark = pytest.mark.django_db

ASN_HEADER = ["asn_number", "ship_date", "expected_delivery", "carrier", "po_number"]
ASN_HEADER += ["line_no", "quantity"]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX_TYPE)


def row_errors(response) -> dict:
    return {row.number: row.error_dict for row in response.context["result"].invalid_rows}


def test_a_ragged_asn_sheet_gives_a_row_error_not_a_500(client, supplier, supplier_user):
    confirmed_po(supplier, "PO-1")
    client.force_login(supplier_user)
    sheet = xlsx(
        [
            ASN_HEADER,
            ["ASN-1", "2030-05-01", "2030-05-03", "UPS", "PO-1", 1, 40],
            ["ASN-2", "2030-05-01", "2030-05-03", "UPS", "PO-1"],
        ]
    )

    response = client.post(
        reverse("suppliers:asn_upload"), {"file": upload("asns.xlsx", sheet), "action": "check"}
    )

    assert response.status_code == 200
    assert row_errors(response) == {
        2: {"line_no": ["Enter a whole number."], "quantity": ["Enter a number."]}
    }
    assert not Shipment.objects.exists()


def test_a_ragged_availability_sheet_gives_a_row_error_not_a_500(client, supplier, supplier_user):
    SupplierItemFactory(supplier=supplier, item=ItemFactory(sku="BOLT-M8"), supplier_sku="AC-B8")
    client.force_login(supplier_user)
    sheet = xlsx([["supplier_sku", "qty_available", "available_date"], ["AC-B8"]])

    response = client.post(
        reverse("suppliers:availability_upload"),
        {"file": upload("a.xlsx", sheet), "action": "check"},
    )

    assert response.status_code == 200
    assert row_errors(response) == {1: {"qty_available": ["Enter a number."]}}
    assert not SupplierAvailability.objects.exists()


@pytest.mark.parametrize(
    ("url", "header"),
    [
        ("suppliers:asn_upload", ASN_HEADER),
        ("suppliers:availability_upload", ["supplier_sku", "qty_available"]),
    ],
)
def test_a_zip_bomb_on_a_supplier_upload_page_is_refused_at_once(
    client, supplier_user, url, header
):
    client.force_login(supplier_user)
    bomb = zip_bomb(header, unpacked_mb=20)

    started = time.monotonic()
    response = client.post(reverse(url), {"file": upload("bomb.xlsx", bomb), "action": "check"})

    assert time.monotonic() - started < 1
    assert response.status_code == 200
    [error] = response.context["result"].base_errors
    assert "no real spreadsheet compresses that well, so it was not opened" in str(error.error)
    assert "no real spreadsheet compresses that well" in response.content.decode()


def test_a_zip_bomb_of_receipts_is_refused_at_once(client, buyer):
    client.force_login(buyer)
    bomb = zip_bomb(
        ["supplier", "asn_number", "reference", "line_no", "qty_received"], unpacked_mb=20
    )

    started = time.monotonic()
    response = client.post(reverse("buyer:receipt_upload"), {"file": upload("r.xlsx", bomb)})

    assert time.monotonic() - started < 1
    assert response.status_code == 200
    [(row, message)] = response.context["result"].errors
    assert row is None
    assert "no real spreadsheet compresses that well" in message


def test_a_zip_bomb_in_the_admin_item_import_is_a_form_error(client, portal_admin):
    client.force_login(portal_admin)
    bomb = zip_bomb(["sku", "description", "base_uom"], unpacked_mb=20)

    response = client.post(
        reverse("admin:inventory_item_import"),
        {"format": "1", "import_file": upload("items.xlsx", bomb)},
    )

    assert response.status_code == 200
    assert "no real spreadsheet compresses that well" in response.content.decode()
