"""Invoices from a CSV upload: the same submission as the page, the API and the EDI 810;
every bad row reported with its row, its column and what to fix, and nothing submitted
from a file with any error; another supplier's PO reads as one that does not exist."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integrations.models import Event
from suppliers.models import Invoice, InvoiceLine
from suppliers.resources.invoices import COLUMNS, RowError, invoices_upload
from tests.suppliers.invoicing_helpers import received_line

pytestmark = pytest.mark.django_db
HEADER = ",".join(COLUMNS)


def _csv(*rows: str, header: str = HEADER) -> SimpleUploadedFile:
    content = "\n".join([header, *rows]) + "\n"
    return SimpleUploadedFile("invoices.csv", content.encode(), content_type="text/csv")


def _upload(supplier, *rows: str, **kwargs):
    return invoices_upload(actor="test", supplier=supplier, upload=_csv(*rows), **kwargs)


def test_a_file_of_two_invoices_submits_and_matches_both_through_the_same_door(supplier):
    received_line(supplier, po="PO-1", asn="ASN-1")
    received_line(supplier, po="PO-2", asn="ASN-2")

    result = _upload(
        supplier,
        "INV-1,2026-03-10,PO-1,1,100,2.50,EA,,,USD",
        "INV-1,2026-03-10,PO-1,,,20.63,,tax,Sales tax 8.25%,USD",
        "INV-2,2026-03-11,PO-2,1,100,2.60,,,,",
    )

    assert (result.ok, result.invoices) == (True, ["INV-1", "INV-2"])
    first = Invoice.objects.get(number="INV-1")
    assert (first.status, first.channel, first.total_amount) == (
        Invoice.Status.APPROVED,
        "csv",
        Decimal("270.6300"),
    )
    tax = first.lines.get(line_no=2)
    assert (tax.kind, tax.description, tax.quantity, tax.amount) == (
        InvoiceLine.Kind.TAX,
        "Sales tax 8.25%",
        Decimal("1"),
        Decimal("20.6300"),
    )
    second = Invoice.objects.get(number="INV-2")
    assert second.status == Invoice.Status.ON_HOLD
    assert second.lines.get().result == InvoiceLine.Result.PRICE_VARIANCE
    assert Event.objects.filter(type="invoice.submitted").count() == 2


def test_every_bad_row_is_reported_and_nothing_is_submitted(supplier):
    received_line(supplier, po="PO-1", asn="ASN-1")

    result = _upload(
        supplier,
        "INV-OK,2026-03-10,PO-1,1,10,2.50,,,,",
        "INV-1,2026-03-10,PO-1,1,ten,2.50,,,,",
        "INV-1,2026-03-10,PO-1,7,1,2.50,,,,",
        "INV-2,10/03/2026,PO-1,1,1,2.50,,,,",
        "INV-3,2026-03-10,PO-1,1,1,2.50,,gift,,",
        ",2026-03-10,PO-1,1,1,2.50,,,,",
    )

    assert result.errors == [
        RowError(3, "quantity", "quantity 'ten' is not a number (write it like 1234.50)."),
        RowError(4, "line_no", "PO PO-1 has no line 7."),
        RowError(
            5,
            "invoice_date",
            "invoice_date '10/03/2026' is not a date: write it as YYYY-MM-DD (2026-03-10).",
        ),
        RowError(6, "kind", "kind 'gift' is not one of goods, tax, charge."),
        RowError(7, "invoice_number", "invoice_number is empty: every row needs it."),
    ]
    assert result.invoices == []
    assert not Invoice.objects.exists()
    assert not Event.objects.filter(type__startswith="invoice.").exists()


def test_another_suppliers_po_number_is_refused_as_unknown(supplier, other_supplier):
    theirs = received_line(other_supplier, po="PO-GLOBEX", asn="ASN-G")

    result = _upload(supplier, "INV-1,2026-03-10,PO-GLOBEX,1,100,2.50,,,,")

    assert result.errors == [
        RowError(2, "po_number", "No purchase order 'PO-GLOBEX' of yours: check the PO number.")
    ]
    assert not Invoice.objects.filter(purchase_order=theirs.purchase_order).exists()


def test_the_services_refusal_names_the_files_row_and_column(supplier):
    received_line(supplier, po="PO-1", asn="ASN-1")
    _upload(supplier, "INV-1,2026-03-10,PO-1,1,10,2.50,,,,")

    result = _upload(
        supplier,
        "INV-2,2026-03-12,PO-1,1,5,2.50,,,,",
        "INV-1,2026-03-11,PO-1,1,5,2.50,,,,",
        "INV-3,2026-03-12,PO-1,1,5,2.50,,,,JPY",
    )

    assert result.errors == [
        RowError(3, "invoice_number", "Invoice INV-1 was already received."),
        RowError(4, "currency", "The invoice is in JPY but PO PO-1 is in USD."),
    ]
    assert list(Invoice.objects.values_list("number", flat=True)) == ["INV-1"]


def test_rows_of_one_invoice_must_agree_on_its_date_po_and_currency(supplier):
    received_line(supplier, po="PO-1", asn="ASN-1")

    result = _upload(
        supplier,
        "INV-1,2026-03-10,PO-1,1,5,2.50,,,,",
        "INV-1,2026-03-11,PO-1,1,5,2.50,,,,",
    )

    assert result.errors == [
        RowError(
            3,
            "invoice_date",
            "Invoice INV-1 has invoice_date '2026-03-10' on row 2: every row of an invoice "
            "has the same invoice_date.",
        )
    ]


def test_a_file_without_the_columns_says_which_are_missing(supplier):
    result = invoices_upload(
        actor="test",
        supplier=supplier,
        upload=_csv("INV-1,PO-1", header="invoice_number,po_number"),
    )

    assert result.errors == [
        RowError(
            1,
            "invoice_date",
            "The file has no column invoice_date, line_no, quantity, unit_price: the first "
            f"row must name the columns ({', '.join(COLUMNS)}); download the template.",
        )
    ]


def test_a_dry_run_checks_the_file_and_submits_nothing(supplier):
    received_line(supplier, po="PO-1", asn="ASN-1")

    result = _upload(supplier, "INV-1,2026-03-10,PO-1,1,100,2.50,,,,", dry_run=True)

    assert (result.ok, result.invoices) == (True, ["INV-1"])
    assert not Invoice.objects.exists()


def test_the_upload_page_submits_and_shows_the_rows_to_fix(client, supplier, supplier_user):
    received_line(supplier, po="PO-1", asn="ASN-1")
    client.force_login(supplier_user)
    url = reverse("suppliers:invoice_upload")

    bad = client.post(url, {"file": _csv("INV-1,2026-03-10,PO-1,9,100,2.50,,,,")})
    good = client.post(url, {"file": _csv("INV-1,2026-03-10,PO-1,1,100,2.50,,,,")})

    assert bad.status_code == 422
    assert "PO PO-1 has no line 9." in bad.content.decode()
    assert good.status_code == 200
    assert "Submitted 1 invoice: INV-1." in good.content.decode()
    assert Invoice.objects.get().supplier == supplier


def test_an_outsider_uploading_the_owners_po_number_submits_nothing(client, supplier, outsider):
    received_line(supplier, po="PO-1", asn="ASN-1")
    client.force_login(outsider)

    response = client.post(
        reverse("suppliers:invoice_upload"),
        {"file": _csv("INV-1,2026-03-10,PO-1,1,100,2.50,,,,")},
    )

    assert response.status_code == 422
    assert "No purchase order &#x27;PO-1&#x27; of yours" in response.content.decode()
    assert not Invoice.objects.exists()


def test_the_template_downloads_with_every_column(client, supplier_user):
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:invoice_upload_template"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="invoices-template.csv"'
    assert response.content.decode().splitlines()[0] == HEADER


def test_a_buyer_cannot_open_the_suppliers_upload(client, buyer):
    client.force_login(buyer)

    assert client.get(reverse("suppliers:invoice_upload")).status_code == 403
