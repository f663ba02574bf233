"""The receipt and invoice uploads share their plumbing (suppliers/resources/uploads.py):
the header read case-blind and refused on row 1 when it lacks a required column, a dry
run that records nothing yet says what it would, and a file with one bad row that records
nothing at all. Each case goes through both uploads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from suppliers.models import Invoice, Receipt
from suppliers.resources.invoices import COLUMNS, RowError, invoices_upload
from suppliers.resources.receipts import receipts_upload
from tests.suppliers.invoicing_helpers import received_line
from tests.suppliers.receipts_helpers import submitted_asn

pytestmark = pytest.mark.django_db

RECEIPTS = "supplier,asn_number,reference,line_no,qty_received"
INVOICES = ",".join(COLUMNS)


def _csv(*lines: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("file.csv", ("\n".join(lines) + "\n").encode())


def _receipts(*lines: str, dry_run: bool = False):
    return receipts_upload(actor=None, upload=_csv(*lines), dry_run=dry_run)


def _invoices(supplier, *lines: str, dry_run: bool = False):
    return invoices_upload(actor=None, supplier=supplier, upload=_csv(*lines), dry_run=dry_run)


def test_both_uploads_refuse_a_header_without_a_required_column_on_row_one(supplier):
    receipts = _receipts("supplier,asn_number,reference,line_no", "ACME,ASN-1,R-1,1")
    invoices = _invoices(supplier, "invoice_number,invoice_date,po_number,line_no,quantity")

    assert receipts.errors == [(1, "The file has no column qty_received.")]
    assert invoices.errors == [
        RowError(
            1,
            "unit_price",
            f"The file has no column unit_price: the first row must name the columns "
            f"({', '.join(COLUMNS)}); download the template.",
        )
    ]
    assert not (receipts.ok or invoices.ok)


def test_both_uploads_read_the_header_case_blind_and_a_dry_run_records_nothing(supplier):
    submitted_asn(supplier, None, number="ASN-9", po="PO-9")
    received_line(supplier, po="PO-1", asn="ASN-1")

    receipts = _receipts(RECEIPTS.upper(), "ACME,ASN-9,R-9,1,100", dry_run=True)
    invoices = _invoices(
        supplier, INVOICES.upper(), "INV-1,2026-03-10,PO-1,1,100,2.50,,,,", dry_run=True
    )

    assert (receipts.ok, receipts.dry_run, receipts.receipts) == (True, True, ["R-9"])
    assert (invoices.ok, invoices.dry_run, invoices.invoices) == (True, True, ["INV-1"])
    assert not Receipt.objects.filter(reference="R-9").exists()
    assert not Invoice.objects.exists()


def test_one_bad_row_in_either_upload_records_nothing_of_the_file(supplier):
    submitted_asn(supplier, None, number="ASN-9", po="PO-9")
    received_line(supplier, po="PO-1", asn="ASN-1")

    receipts = _receipts(RECEIPTS, "ACME,ASN-9,R-9,1,100", "ACME,ASN-9,R-10,1,ten")
    invoices = _invoices(
        supplier,
        INVOICES,
        "INV-1,2026-03-10,PO-1,1,100,2.50,,,,",
        "INV-2,2026-03-10,PO-1,1,ten,2.50,,,,",
    )

    assert receipts.errors == [(3, "R-10: qty_received 'ten' is not a number.")]
    assert invoices.errors == [
        RowError(3, "quantity", "quantity 'ten' is not a number (write it like 1234.50).")
    ]
    assert not Receipt.objects.filter(reference="R-9").exists()
    assert not Invoice.objects.exists()
