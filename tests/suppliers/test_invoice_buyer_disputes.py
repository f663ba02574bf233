"""Either side opens a dispute: the buyer from the invoice page (or a held line of the AP
queue) and from a receipt with a variance, the supplier from its own receipts too; the
other side is e-mailed a link (text and HTML) and finds it in its notifications; replies
with attachments and read receipts work both ways; another supplier sees and hears
nothing."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integrations.models import Event, ExceptionCase
from portal.models import Notification
from suppliers import services
from suppliers.models import Dispute, DisputeMessage, PurchaseOrder, PurchaseOrderLine
from tests.suppliers.invoicing_helpers import received_line, submit
from tests.suppliers.receipts_helpers import receive, submitted_asn

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.PORTAL_SITE_URL = "https://portal.example"


def _held(supplier):
    return submit(supplier, received_line(supplier), price="2.60")


def _short_receipt(supplier):
    """A receipt of 90 of 100 EA that closes its ASN: short, outside tolerance."""
    return receive(submitted_asn(supplier, None), "R-SHORT", "90", closes_asn=True)


def test_the_buyer_opens_a_dispute_on_an_invoice_and_the_supplier_is_emailed_a_link(
    client, supplier, supplier_user, outsider, buyer, django_capture_on_commit_callbacks
):
    invoice = _held(supplier)
    client.force_login(buyer)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("buyer:invoice_dispute", args=[supplier.code, invoice.number]),
            {
                "reason": Dispute.Reason.DEDUCTION,
                "amount": "10.00",
                "line_no": "1",
                "message": "We deduct the price difference until the new list arrives.",
                "attachment": SimpleUploadedFile("deduction.txt", b"10.00 USD"),
            },
        )

    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("buyer:dispute_detail", args=[dispute.pk])
    assert (dispute.opened_by_side, dispute.reason, dispute.amount, dispute.invoice_line) == (
        Dispute.Side.BUYER,
        Dispute.Reason.DEDUCTION,
        Decimal("10.0000"),
        invoice.lines.get(line_no=1),
    )
    assert dispute.messages.get().attachment_name == "deduction.txt"
    assert ExceptionCase.objects.filter(pk=dispute.exception_case_id, status="open").exists()
    assert Event.objects.get(type="dispute.opened").data["opened_by"] == "buyer"
    [email] = mail.outbox
    link = f"https://portal.example/orders/invoices/disputes/{dispute.pk}/"
    assert email.to == ["sam@acme.example"]
    assert email.subject == f"Dispute #{dispute.pk} (Invoice INV-1): opened by the distributor."
    assert link in email.body
    assert "We deduct the price difference" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    notified = Notification.objects.filter(kind=Notification.Kind.DISPUTE_REPLY)
    assert list(notified.values_list("user__email", "url")) == [
        ("sam@acme.example", f"/orders/invoices/disputes/{dispute.pk}/")
    ]
    assert outsider.email not in {address for m in mail.outbox for address in m.to}


def test_a_buyers_dispute_names_only_a_line_the_invoice_has(client, supplier, buyer):
    invoice = _held(supplier)
    client.force_login(buyer)

    response = client.post(
        reverse("buyer:invoice_dispute", args=[supplier.code, invoice.number]),
        {"reason": "price", "amount": "1", "line_no": "9", "message": "Line 9?"},
    )

    assert response.status_code == 422
    assert "Invoice INV-1 has no line 9." in response.content.decode()
    assert not Dispute.objects.exists()


def test_the_ap_queue_links_each_held_line_to_a_dispute_form_naming_it(client, supplier, buyer):
    invoice = _held(supplier)
    client.force_login(buyer)

    queue = client.get(reverse("buyer:ap_queue")).content.decode()
    detail_url = reverse("buyer:invoice_detail", args=[supplier.code, invoice.number])
    detail = client.get(f"{detail_url}?line=1").content.decode()

    assert f'href="{detail_url}?line=1#dispute-form"' in queue
    assert 'name="line_no" value="1"' in detail


def test_the_buyer_opens_a_dispute_on_a_short_receipt(
    client, supplier, supplier_user, buyer, django_capture_on_commit_callbacks
):
    receipt = _short_receipt(supplier)
    client.force_login(buyer)
    url = reverse("buyer:receipt_dispute", args=[receipt.pk])

    page = client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"reason": "quantity", "amount": "0", "message": "Ten are missing: please confirm."},
        )

    assert page.status_code == 200
    assert "Short" in page.content.decode()
    dispute = Dispute.objects.get()
    assert response.status_code == 302
    assert (dispute.receipt, dispute.invoice, dispute.opened_by_side) == (
        receipt,
        None,
        Dispute.Side.BUYER,
    )
    assert [m.to for m in mail.outbox] == [["sam@acme.example"]]
    assert mail.outbox[0].subject == (
        f"Dispute #{dispute.pk} (Receipt R-SHORT): opened by the distributor."
    )


def test_a_receipt_dispute_starts_from_the_shortfall_at_the_po_price_in_the_currencys_decimals(
    client, supplier, buyer
):
    supplier.currency = "KWD"
    supplier.save(update_fields=["currency"])
    receipt = _short_receipt(supplier)
    PurchaseOrder.objects.filter(supplier=supplier).update(currency="KWD")
    PurchaseOrderLine.objects.filter(purchase_order__supplier=supplier).update(
        unit_price=Decimal("1.0005")
    )
    client.force_login(buyer)

    page = client.get(reverse("buyer:receipt_dispute", args=[receipt.pk])).content.decode()

    # 10 short × 1.0005 KWD, in fils (3 decimals): not cut to cents.
    assert 'name="amount" value="10.005"' in page


def test_the_supplier_opens_a_dispute_on_its_receipt_and_the_buyers_are_emailed(
    client, supplier, supplier_user, buyer, django_capture_on_commit_callbacks
):
    receipt = _short_receipt(supplier)
    client.force_login(supplier_user)

    listed = client.get(reverse("suppliers:dispute_list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("suppliers:receipt_dispute", args=[receipt.pk]),
            {"reason": "not_received", "amount": "25", "message": "We shipped 100."},
        )

    assert reverse("suppliers:receipt_dispute", args=[receipt.pk]) in listed
    dispute = Dispute.objects.get()
    assert (dispute.opened_by_side, dispute.amount) == (Dispute.Side.SUPPLIER, Decimal("25.0000"))
    assert [m.to for m in mail.outbox] == [["bea@distributor.example"]]
    assert f"https://portal.example/buyer/invoices/disputes/{dispute.pk}/" in mail.outbox[0].body


def test_a_second_open_dispute_on_the_same_receipt_is_refused(client, supplier, buyer):
    receipt = _short_receipt(supplier)
    client.force_login(buyer)
    url = reverse("buyer:receipt_dispute", args=[receipt.pk])
    client.post(url, {"reason": "quantity", "amount": "0", "message": "Ten short."})

    response = client.post(url, {"reason": "quantity", "amount": "0", "message": "Again."})

    assert response.status_code == 422
    assert Dispute.objects.count() == 1


def test_an_outsider_can_neither_open_nor_see_a_dispute_on_the_owners_receipt(
    client, supplier, outsider
):
    receipt = _short_receipt(supplier)
    client.force_login(outsider)

    listed = client.get(reverse("suppliers:dispute_list")).content.decode()
    response = client.post(
        reverse("suppliers:receipt_dispute", args=[receipt.pk]),
        {"reason": "quantity", "amount": "1", "message": "Mine?"},
    )

    assert response.status_code == 404
    assert "R-SHORT" not in listed
    assert not Dispute.objects.exists()


def test_replies_with_attachments_and_read_receipts_work_both_ways_on_a_buyers_dispute(
    client, supplier, supplier_user, buyer, django_capture_on_commit_callbacks
):
    dispute = services.dispute_open(
        actor=buyer,
        supplier=supplier,
        side=Dispute.Side.BUYER,
        reason=Dispute.Reason.QUANTITY,
        amount=Decimal("5"),
        message="Five were damaged.",
        receipt=_short_receipt(supplier),
    )
    client.force_login(supplier_user)
    client.get(reverse("suppliers:dispute_detail", args=[dispute.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("suppliers:dispute_message", args=[dispute.pk]),
            {"body": "Photos attached.", "attachment": SimpleUploadedFile("p.jpg", b"jpeg")},
        )
    reply = DisputeMessage.objects.get(side=Dispute.Side.SUPPLIER)
    client.force_login(buyer)

    client.get(reverse("buyer:dispute_detail", args=[dispute.pk]))
    download = client.get(reverse("buyer:dispute_attachment", args=[reply.pk]))

    first = DisputeMessage.objects.get(side=Dispute.Side.BUYER)
    reply.refresh_from_db()
    assert first.read_at is not None
    assert reply.read_at is not None
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"jpeg"
    assert [m.to for m in mail.outbox] == [["bea@distributor.example"]]


def test_supplier_users_cannot_open_disputes_as_the_distributor(
    client, supplier, supplier_user, outsider
):
    invoice = _held(supplier)
    receipt = _short_receipt(supplier)
    data = {"reason": "price", "amount": "1", "message": "As the buyer?"}

    statuses = []
    for user in (supplier_user, outsider):
        client.force_login(user)
        statuses.append(
            client.post(
                reverse("buyer:invoice_dispute", args=[supplier.code, invoice.number]), data
            ).status_code
        )
        statuses.append(
            client.post(reverse("buyer:receipt_dispute", args=[receipt.pk]), data).status_code
        )

    assert statuses == [403, 403, 403, 403]
    assert not Dispute.objects.exists()
