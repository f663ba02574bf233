"""The snapshot upload page: internal users only, files read through the shared
hostile-file rules (issue 18), then the same set-based ingest as every channel."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import InventorySnapshot, InventorySnapshotLine
from tests.integrations.spreadsheet_files import xlsx, zip_bomb
from tests.inventory.snapshots import csv_bytes, items, warehouse

pytestmark = pytest.mark.django_db

URL = reverse("inventory:snapshot_upload")


def post(client, content: bytes, name: str = "stock.csv", **fields):
    data = {"source": "wms", "warehouse": "DC1", "file": SimpleUploadedFile(name, content)}
    return client.post(URL, {**data, **fields})


def test_supplier_users_cannot_open_the_upload_page(client, supplier_user, outsider):
    for user in (supplier_user, outsider):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert post(client, csv_bytes([("A", "EA", 1)])).status_code == 403
    assert InventorySnapshot.objects.count() == 0


def test_an_uploaded_csv_becomes_a_snapshot_and_shows_its_page(client, buyer):
    client.force_login(buyer)
    items("A", "B")
    warehouse("DC1")

    response = post(client, csv_bytes([("A", "EA", 5), ("GHOST", "EA", 1), ("B", "EA", 2)]))

    snapshot = InventorySnapshot.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:snapshot_detail", args=[snapshot.pk])
    assert (snapshot.source, snapshot.partial, snapshot.rows_loaded) == ("wms", False, 2)
    assert [(e["line"], e["kind"]) for e in snapshot.errors] == [(3, "unknown_sku")]


def test_an_uploaded_workbook_of_some_items_is_a_partial_snapshot(client, buyer):
    client.force_login(buyer)
    items("A")
    warehouse("DC1")

    post(client, xlsx([["sku", "uom", "quantity"], ["A", "EA", 12]]), "stock.xlsx", partial="on")

    snapshot = InventorySnapshot.objects.get()
    assert snapshot.partial is True
    assert list(
        InventorySnapshotLine.objects.filter(snapshot=snapshot).values_list("quantity", flat=True)
    ) == [12]


def test_a_zip_bomb_is_refused_with_a_message_and_nothing_is_ingested(client, buyer):
    client.force_login(buyer)
    warehouse("DC1")

    response = post(client, zip_bomb(["sku", "uom", "quantity"]), "stock.xlsx")

    assert response.status_code == 200
    assert "no real spreadsheet compresses that well, so it was not opened" in (
        response.content.decode()
    )
    assert InventorySnapshot.objects.count() == 0


def test_a_file_past_the_row_cap_is_refused_naming_the_row(client, buyer, settings):
    settings.PORTAL_UPLOAD_MAX_ROWS = 3
    client.force_login(buyer)
    items("A")
    warehouse("DC1")

    response = post(client, csv_bytes([("A", "EA", 1)] * 4))

    assert "The file has more than 3 rows; split it into smaller files." in (
        response.content.decode()
    )
    assert InventorySnapshot.objects.count() == 0
