"""ASN bulk upload: a dry run lists every bad row; the import is all-or-nothing per ASN."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats import base_formats

from integrations.models import Event
from suppliers.models import PurchaseOrderLine, Shipment
from suppliers.resources.shipping import AsnResource
from tests.suppliers.shipping_helpers import confirmed_po

pytestmark = pytest.mark.django_db

HEADER = "asn_number,ship_date,expected_delivery,carrier,po_number,line_no,quantity,uom,sscc"


@pytest.fixture
def orders(supplier, other_supplier):
    confirmed_po(supplier, "PO-1", lines=[("BOLT-M8", "100", "EA"), ("NUT-M8", "50", "EA")])
    confirmed_po(supplier, "PO-2", lines=[("WASHER", "10", "EA")])
    confirmed_po(other_supplier, "PO-G1", lines=[("TAPE", "10", "EA")])


def dataset(*rows: str):
    return base_formats.CSV().create_dataset("\n".join([HEADER, *rows]) + "\n")


def errors_by_row(result) -> dict:
    return {row.number: row.error_dict for row in result.invalid_rows}


def test_the_dry_run_lists_every_bad_row_and_creates_nothing(supplier, supplier_user, orders):
    data = dataset(
        "ASN-1,2030-05-01,2030-05-03,UPS,PO-1,1,40,,",
        "ASN-1,2030-05-01,2030-05-03,UPS,PO-1,2,0,,",
        "ASN-1,2030-05-01,2030-05-04,UPS,PO-2,1,5,,",
        "ASN-2,2030-05-01,2030-05-03,UPS,PO-G1,1,5,,",
        "ASN-3,2030-05-01,2030-05-03,UPS,PO-2,1,11,BOX,106141411234567890",
        "ASN-4,2030-05-01,2030-05-03,UPS,PO-2,1,12,,",
        "ASN-5,2030-05-01,2030-05-03,UPS,PO-1,1,5,,106141411234567890",
    )

    result = AsnResource(supplier=supplier).import_data(data, dry_run=True, user=supplier_user)

    assert errors_by_row(result) == {
        1: {"__all__": ["ASN-1 is not imported because of the errors in row 2, 3."]},
        2: {"quantity": ["PO-1 line 2: the quantity shipped must be greater than zero."]},
        3: {
            "expected_delivery": [
                "ASN-1 has expected_delivery 2030-05-03 on row 1; every row of one document "
                "must agree."
            ]
        },
        4: {"po_number": ["Unknown purchase order 'PO-G1'."]},
        5: {"uom": ["Unknown unit of measure 'BOX'."]},
        6: {
            "quantity": [
                "PO-2 line 1: shipping 12 EA would bring the total shipped to 12 EA, more than "
                "the 10 EA allowed (confirmed 10 EA + 0% over-ship tolerance). Other ASNs "
                "already ship 0 EA; at most 10 EA more can ship."
            ]
        },
        7: {"sscc": ["SSCC 106141411234567890 has check digit 0; it should be 7."]},
    }
    assert Shipment.objects.count() == 0
    assert Event.objects.count() == 0


def test_a_clean_file_creates_and_submits_each_asn_whole(supplier, supplier_user, orders):
    data = dataset(
        "ASN-1,2030-05-01,2030-05-03,UPS,PO-1,1,40,,106141411234567897",
        "ASN-1,2030-05-01,2030-05-03,UPS,PO-1,2,50,EA,",
        "ASN-2,2030-05-02,2030-05-05,DHL,PO-2,1,10,,",
    )

    result = AsnResource(supplier=supplier).import_data(data, dry_run=False, user=supplier_user)

    assert errors_by_row(result) == {}
    assert list(
        Shipment.objects.order_by("asn_number").values_list("asn_number", "status", "channel")
    ) == [("ASN-1", "submitted", "csv"), ("ASN-2", "submitted", "csv")]
    assert Shipment.objects.get(asn_number="ASN-1").packages.get().sscc == "106141411234567897"
    assert dict(PurchaseOrderLine.objects.values_list("item__sku", "shipped_qty")) == {
        "BOLT-M8": Decimal("40"),
        "NUT-M8": Decimal("50"),
        "WASHER": Decimal("10"),
        "TAPE": 0,
    }
    assert Event.objects.filter(type="asn.submitted").count() == 2


def test_a_bad_asn_does_not_stop_the_good_one_in_the_same_file(supplier, supplier_user, orders):
    data = dataset(
        "ASN-1,2030-05-01,2030-05-03,UPS,PO-1,1,400,,",
        "ASN-2,2030-05-01,2030-05-03,UPS,PO-2,1,10,,",
    )

    result = AsnResource(supplier=supplier).import_data(data, dry_run=False, user=supplier_user)

    assert list(errors_by_row(result)) == [1]
    assert list(Shipment.objects.values_list("asn_number", flat=True)) == ["ASN-2"]


def test_the_upload_page_shows_the_dry_run_errors(client, supplier, supplier_user, orders):
    client.force_login(supplier_user)
    content = HEADER + "\nASN-1,2030-05-01,2030-05-03,UPS,PO-9,1,4,,\n"

    response = client.post(
        reverse("suppliers:asn_upload"),
        {"file": SimpleUploadedFile("asns.csv", content.encode()), "action": "check"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 row with errors (dry run: nothing was imported)" in page
    assert "Unknown purchase order &#x27;PO-9&#x27;." in page
    assert Shipment.objects.count() == 0
