"""Receiving pages: suppliers see receiving variances on their own ASNs only; buyers
upload receipts (CSV) and see the schedule variance; constant query counts."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suppliers.models import Receipt, Shipment
from tests.suppliers.receipts_helpers import receive, submitted_asn

pytestmark = pytest.mark.django_db


def short_asn(supplier, user, number: str, po: str):
    asn = submitted_asn(supplier, user, number=number, po=po)
    receive(asn, f"R-{number}", "50", closes_asn=True)
    return asn


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_a_supplier_sees_receiving_variances_on_its_own_asns_only(
    client, supplier, supplier_user, other_supplier, outsider
):
    short_asn(supplier, supplier_user, "ASN-A", "PO-A")
    short_asn(other_supplier, outsider, "ASN-G", "PO-G")

    client.force_login(supplier_user)
    mine = client.get(reverse("suppliers:receiving_variances"))
    client.force_login(outsider)
    theirs = client.get(reverse("suppliers:receiving_variances"))

    assert [c.document_ref for c in mine.context["page"].object_list] == ["ACME:ASN-A:1"]
    assert [c.document_ref for c in theirs.context["page"].object_list] == ["GLOBEX:ASN-G:1"]
    assert "ASN-G" not in mine.content.decode()


def test_the_variances_page_runs_the_same_queries_for_1_and_8_cases(
    client, supplier, supplier_user
):
    client.force_login(supplier_user)
    short_asn(supplier, supplier_user, "ASN-1", "PO-1")
    few = queries(client, reverse("suppliers:receiving_variances"))

    for n in range(2, 9):
        short_asn(supplier, supplier_user, f"ASN-{n}", f"PO-{n}")
    many = queries(client, reverse("suppliers:receiving_variances"))

    assert few == many


def test_suppliers_cannot_open_the_buyers_receiving_pages(client, supplier_user):
    client.force_login(supplier_user)

    assert client.get(reverse("buyer:receiving")).status_code == 403
    assert client.get(reverse("buyer:receipt_upload")).status_code == 403


def test_a_buyer_uploads_receipts_and_a_bad_row_records_nothing(
    client, supplier, supplier_user, buyer
):
    asn = submitted_asn(supplier, supplier_user)
    client.force_login(buyer)
    bad = (
        "supplier,asn_number,reference,line_no,qty_received,qty_damaged\n"
        "ACME,ASN-1,WMS-1,1,60,0\n"
        "ACME,ASN-1,WMS-2,7,5,0\n"
    )
    response = client.post(
        reverse("buyer:receipt_upload"), {"file": SimpleUploadedFile("r.csv", bad.encode())}
    )

    assert response.context["result"].errors == [(3, "WMS-2: ASN ASN-1 has no line 7.")]
    assert Receipt.objects.count() == 0

    good = (
        "supplier,asn_number,reference,line_no,qty_received,closes_asn\nACME,ASN-1,WMS-1,1,60,yes\n"
    )
    client.post(
        reverse("buyer:receipt_upload"), {"file": SimpleUploadedFile("r.csv", good.encode())}
    )

    asn.refresh_from_db()
    assert asn.status == Shipment.Status.RECEIVED
    assert asn.lines.get().received_qty == Decimal(60)


def test_the_receiving_dashboard_runs_the_same_queries_for_1_and_6_received_asns(
    client, supplier, supplier_user, buyer
):
    client.force_login(buyer)
    short_asn(supplier, supplier_user, "ASN-1", "PO-1")
    few = queries(client, reverse("buyer:receiving") + "?bucket=early")

    for n in range(2, 7):
        short_asn(supplier, supplier_user, f"ASN-{n}", f"PO-{n}")
    many = queries(client, reverse("buyer:receiving") + "?bucket=early")

    assert few == many
    summary = client.get(reverse("buyer:receiving")).context["summary"]
    assert sum(row["count"] for row in summary) == 6
