"""The invoice pages, end to end through the views: a supplier flips a receipt into an
invoice, it goes on hold for a price variance, the supplier disputes, the buyer accepts,
the invoice is approved and paid; the AP queue lists holds oldest first."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suppliers.models import Dispute, Invoice, Receipt
from tests.suppliers.invoicing_helpers import received_line, submit

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _form(**values):
    return {"number": "INV-900", "invoice_date": "2026-03-20", **values}


def test_the_journey_from_receipt_to_paid_invoice(
    client, supplier, supplier_user, buyer, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    po_line = received_line(supplier)
    receipt = Receipt.objects.get()
    client.force_login(supplier_user)
    url = reverse("suppliers:invoice_new_receipt", args=[receipt.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["quantity_1"].initial == po_line.received_qty
    response = client.post(
        url,
        _form(
            quantity_1="100",
            unit_price_1="2.60",
            extra_kind_1="charge",
            extra_description_1="Freight",
            extra_amount_1="15",
            pdf=SimpleUploadedFile("inv-900.pdf", PDF, content_type="application/pdf"),
        ),
    )

    assert response.status_code == 302, response.content
    invoice = Invoice.objects.get(number="INV-900")
    assert (invoice.status, invoice.source_ref, str(invoice.total_amount)) == (
        "on_hold",
        "Receipt R-ASN-I1",
        "275.0000",
    )
    detail = client.get(reverse("suppliers:invoice_detail", args=["INV-900"]))
    assert b"Price 2.6 per EA is above the PO&#x27;s 2.5" in detail.content
    pdf = client.get(reverse("suppliers:invoice_pdf", args=["INV-900"]))
    assert b"".join(pdf.streaming_content) == PDF

    opened = client.post(
        reverse("suppliers:invoice_dispute", args=["INV-900"]),
        {
            "reason": "price",
            "amount": "10",
            "line_no": "1",
            "message": "New price list.",
        },
    )
    dispute = Dispute.objects.get()
    assert opened.status_code == 302

    client.force_login(buyer)
    queue = client.get(reverse("buyer:ap_queue"))
    assert [line.invoice.number for line in queue.context["lines"]] == ["INV-900"]
    client.get(reverse("buyer:dispute_detail", args=[dispute.pk]))
    resolved = client.post(
        reverse("buyer:dispute_resolve", args=[dispute.pk]),
        {
            "resolution": "accept_variance",
            "note": "New price list agreed.",
        },
    )
    assert resolved.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED
    assert dispute.messages.get().read_at is not None

    args = [supplier.code, "INV-900"]
    client.post(reverse("buyer:invoice_schedule", args=args), {"pay_on": "2026-04-15"})
    client.post(
        reverse("buyer:invoice_paid", args=args),
        {
            "paid_on": "2026-04-15",
            "remittance_reference": "REM-77",
        },
    )
    client.force_login(supplier_user)
    final = client.get(reverse("suppliers:invoice_detail", args=["INV-900"]))
    assert final.context["invoice"].status == Invoice.Status.PAID
    assert b"2026-04-15, remittance REM-77" in final.content


def test_an_invoice_from_an_asn_is_prefilled_with_what_was_received_not_invoiced(
    client, supplier, supplier_user
):
    po_line = received_line(supplier, receive="60")
    submit(supplier, po_line, number="INV-1", qty="20")
    client.force_login(supplier_user)

    page = client.get(reverse("suppliers:invoice_new_asn", args=["ASN-I1"]))

    assert page.context["form"]["quantity_1"].initial == 40
    assert page.context["draft"].source_ref == "ASN ASN-I1"


def test_a_refused_invoice_shows_the_error_and_keeps_the_form(client, supplier, supplier_user):
    received_line(supplier)
    client.force_login(supplier_user)
    url = reverse("suppliers:invoice_new_po", args=["PO-I1"])
    client.post(url, _form(quantity_1="10", unit_price_1="2.5"))

    again = client.post(url, _form(quantity_1="10", unit_price_1="2.5"))

    assert again.status_code == 422
    assert "Invoice INV-900 was already received." in again.context["form"].errors["number"]


def test_the_ap_queue_lists_holds_oldest_first_in_a_constant_number_of_queries(
    client, supplier, buyer
):
    first = received_line(supplier, po="PO-A", asn="ASN-A")
    submit(supplier, first, number="INV-A", price="9")
    client.force_login(buyer)
    url = reverse("buyer:ap_queue")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    second = received_line(supplier, po="PO-B", asn="ASN-B")
    submit(supplier, second, number="INV-B", price="9", invoice_date=datetime.date(2026, 3, 9))

    with CaptureQueriesContext(connection) as two:
        response = client.get(url)

    assert [line.invoice.number for line in response.context["lines"]] == ["INV-A", "INV-B"]
    assert len(two) == len(one)


def test_supplier_users_cannot_open_the_ap_queue_or_resolve_disputes(
    client, supplier, supplier_user
):
    client.force_login(supplier_user)

    assert client.get(reverse("buyer:ap_queue")).status_code == 403
    assert client.post(reverse("buyer:dispute_resolve", args=[1])).status_code == 403
