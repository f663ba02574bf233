"""Service and import messages in the user's language (issue 21, item 4): what a German
user reads on a page is German, while the API, the stored values and the CSV report stay
English."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integrations.services import Subject, exception_open_or_update, exception_resolve
from inventory.models import InventorySnapshot
from portal.models import User
from tests.api.conftest import client_for, issue_key
from tests.inventory.movements import event, send
from tests.inventory.snapshots import csv_bytes, ingest, items, warehouse

pytestmark = pytest.mark.django_db


def german(user: User) -> User:
    user.language = "de"
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def stock():
    items("A")
    dc1 = warehouse("DC1")
    ingest("wms", dc1, [("A", 100)])
    assert send(event(1, "receipt", 20)).errors == []
    return dc1


def test_a_german_user_reads_the_position_figures_in_german_while_the_api_stays_english(
    client, buyer, stock
):
    client.force_login(german(buyer))

    html = client.get(
        reverse("inventory:position_detail", args=["A"]), {"warehouse": "DC1"}
    ).content.decode()
    body = (
        client_for(issue_key(scopes=["read"], name="ecommerce").plaintext)
        .get("/api/v1/inventory/atp", {"sku": "A", "warehouse": "DC1"}, HTTP_ACCEPT_LANGUAGE="de")
        .json()
    )

    assert "<td>Live-Bestand (WMS-Bewegungen)</td>" in html
    assert "<td>keine Reservierungsquelle</td>" in html
    assert '<th scope="row">heute</th>' in html
    assert "Seit dem letzten Bestandsabzug" in html
    assert "live position" not in html
    (dc1,) = body["warehouses"]
    assert dc1["received"]["source"] == "live position (WMS movements)"
    assert dc1["allocated"]["source"] == "no allocation source"
    assert [b["bucket"] for b in dc1["atp"]] == ["today", "+7 d", "+14 d", "+28 d"]


def test_rejected_rows_of_a_german_upload_are_stored_in_english_and_shown_in_the_readers_language(
    client, buyer
):
    items("A")
    warehouse("DC1")
    client.force_login(german(buyer))
    client.post(
        reverse("inventory:snapshot_upload"),
        {
            "source": "wms",
            "warehouse": "DC1",
            "file": SimpleUploadedFile(
                "stock.csv", csv_bytes([("A", "EA", 5), ("GHOST", "EA", 1)])
            ),
        },
    )
    snapshot = InventorySnapshot.objects.get()
    url = reverse("inventory:snapshot_detail", args=[snapshot.pk])

    german_page = client.get(url).content.decode()
    buyer.language = "en"
    buyer.save(update_fields=["language"])
    english_page = client.get(url).content.decode()

    assert [e["message"] for e in snapshot.errors] == ["No item has this SKU."]
    assert "<td>Kein Artikel hat diese Artikelnummer.</td>" in german_page
    assert "<td>No item has this SKU.</td>" in english_page


def test_an_upload_the_file_rules_refuse_says_why_in_the_users_language(client, buyer):
    warehouse("DC1")
    data = {"source": "wms", "warehouse": "DC1"}

    client.force_login(german(buyer))
    refused = client.post(
        reverse("inventory:snapshot_upload"),
        {**data, "file": SimpleUploadedFile("stock.txt", csv_bytes([("A", "EA", 1)]))},
    )

    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "file": ["Laden Sie eine .csv- oder .xlsx-Datei hoch."]
    }
    assert InventorySnapshot.objects.count() == 0


def test_a_refused_status_move_reads_in_german_on_the_page_and_in_english_elsewhere(
    client, operator
):
    subject = Subject.document(
        document_type="asn_line", document_ref="ACME:ASN-1:1", supplier_code="ACME"
    )
    case, _ = exception_open_or_update(
        actor=None, exception_class="late_asn", subject=subject, title="late"
    )
    exception_resolve(actor=operator, case=case, reason="ok")
    client.force_login(german(operator))

    response = client.post(reverse("exceptions:resolve", args=[case.pk]), {"reason": "again"})

    assert response.status_code == 422
    assert f"Ausnahme #{case.pk} hat bereits den Status „gelöst“." in response.content.decode()
    with pytest.raises(Exception, match=f"^Exception #{case.pk} is already resolved.$"):
        exception_resolve(actor=operator, case=case, reason="again")
