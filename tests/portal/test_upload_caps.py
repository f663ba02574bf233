"""Every upload goes through the shared reader (integrations/spreadsheets.py, issue 18):
the same size cap, file types and row cap on the receipts page and the admin imports as on
the supplier pages, and every admin import reads with the safe formats."""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.admin import ImportMixin

from integrations.spreadsheets import SafeCSV, SafeXLSX
from suppliers.models import Receipt

pytestmark = pytest.mark.django_db

RECEIPT_HEADER = "supplier,asn_number,reference,line_no,qty_received\n"


def csv_file(name: str, content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def padded_csv(header: str, megabytes: float) -> str:
    """`header` followed by comment-like padding rows up to `megabytes`."""
    row = "," * header.count(",") + "\n"
    return header + row * int(megabytes * 1024 * 1024 / len(row))


def test_a_receipts_file_over_the_size_cap_is_refused_before_it_is_read(client, buyer, settings):
    settings.PORTAL_UPLOAD_MAX_MB = 1
    client.force_login(buyer)

    response = client.post(
        reverse("buyer:receipt_upload"),
        {"file": csv_file("receipts.csv", padded_csv(RECEIPT_HEADER, 1.5))},
    )

    assert response.status_code == 200
    assert response.context["result"].errors == [(None, "The file is larger than 1 MB; split it.")]
    assert not Receipt.objects.exists()


def test_a_receipts_file_that_is_not_csv_or_xlsx_is_refused(client, buyer):
    client.force_login(buyer)

    response = client.post(
        reverse("buyer:receipt_upload"), {"file": csv_file("receipts.txt", RECEIPT_HEADER)}
    )

    assert response.context["result"].errors == [(None, "Upload a .csv or .xlsx file.")]


def test_a_receipts_file_over_the_row_cap_is_refused_naming_the_row(client, buyer, settings):
    settings.PORTAL_UPLOAD_MAX_ROWS = 2
    client.force_login(buyer)
    rows = "".join(f"ACME,ASN-1,R-{n},1,1\n" for n in range(3))

    response = client.post(
        reverse("buyer:receipt_upload"), {"file": csv_file("receipts.csv", RECEIPT_HEADER + rows)}
    )

    [(row, message)] = response.context["result"].errors
    assert (row, message) == (4, "The file has more than 2 rows; split it into smaller files.")


def test_an_admin_import_over_the_size_cap_is_a_form_error(client, portal_admin, settings):
    settings.PORTAL_UPLOAD_MAX_MB = 1
    client.force_login(portal_admin)

    response = client.post(
        reverse("admin:inventory_item_import"),
        {
            "format": "0",
            "import_file": csv_file("items.csv", padded_csv("sku,description,base_uom\n", 1.5)),
        },
    )

    assert response.status_code == 200
    assert "The file is larger than 1 MB; split it." in response.content.decode()


def test_every_admin_import_reads_through_the_shared_reader():
    importers = {
        model._meta.label: [f.__name__ for f in model_admin.get_import_formats()]
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ImportMixin)
    }

    assert importers  # items, supplier items and purchase orders at least
    assert {"inventory.Item", "suppliers.SupplierItem", "suppliers.PurchaseOrder"} <= set(importers)
    assert all(
        formats == [SafeCSV.__name__, SafeXLSX.__name__] for formats in importers.values()
    ), importers
