"""The rules of opening a dispute live in its service, so every channel gets them: a
disputed line must be on the invoice, the supplier's side is e-mailed at the addresses
every other supplier e-mail goes to, and a receipt's dispute is in the currency of the
receipt's PO (whose prices value the variance), shown beside its amount."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from integrations.errors import DomainError
from suppliers import services
from suppliers.models import Dispute, PurchaseOrder, PurchaseOrderLine
from suppliers.services.acknowledgment_emails import supplier_recipients
from tests.suppliers.factories import SupplierMembershipFactory
from tests.suppliers.invoicing_helpers import received_line, submit
from tests.suppliers.receipts_helpers import receive, submitted_asn

pytestmark = pytest.mark.django_db


def _open(supplier, actor, invoice, **extra) -> Dispute:
    return services.dispute_open(
        actor=actor,
        supplier=supplier,
        side=Dispute.Side.BUYER,
        reason=Dispute.Reason.PRICE,
        amount=Decimal("1"),
        message="The price is not the list's.",
        invoice=invoice,
        **extra,
    )


def test_the_service_refuses_a_line_the_invoice_does_not_have(supplier, buyer):
    invoice = submit(supplier, received_line(supplier), price="2.60")

    with pytest.raises(DomainError) as refused:
        _open(supplier, buyer, invoice, line_no=9)

    assert (refused.value.message, refused.value.field) == (
        "Invoice INV-1 has no line 9.",
        "line_no",
    )
    assert not Dispute.objects.exists()


def test_the_service_ties_the_dispute_to_the_line_it_names(supplier, buyer):
    invoice = submit(supplier, received_line(supplier), price="2.60")

    dispute = _open(supplier, buyer, invoice, line_no=1)

    assert dispute.invoice_line == invoice.lines.get(line_no=1)


def test_a_line_without_an_invoice_is_refused(supplier, buyer):
    receipt = receive(submitted_asn(supplier, None), "R-1", "90", closes_asn=True)

    with pytest.raises(DomainError) as refused:
        _open(supplier, buyer, None, receipt=receipt, line_no=1)

    assert (refused.value.message, refused.value.field) == (
        "The line is not on this invoice.",
        "line_no",
    )


def test_a_dispute_mails_the_suppliers_users_that_every_supplier_email_goes_to(
    supplier, supplier_user, teammate, outsider, buyer, django_capture_on_commit_callbacks
):
    SupplierMembershipFactory(supplier=supplier, user__email="gone@acme.example", is_active=False)
    SupplierMembershipFactory(
        supplier=supplier, user__email="left@acme.example", user__is_active=False
    )
    invoice = submit(supplier, received_line(supplier), price="2.60")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        dispute = _open(supplier, buyer, invoice)

    expected = supplier_recipients(PurchaseOrder.objects.get(supplier=supplier))
    assert supplier_recipients(dispute) == expected
    assert [m.to for m in mail.outbox] == [expected]
    assert expected == sorted([supplier_user.email, teammate.email])
    assert outsider.email not in expected


def _receipt_in_yen(supplier):
    """10 short of 100 EA at 0.25 JPY on a yen PO of a supplier whose default is USD."""
    receipt = receive(submitted_asn(supplier, None), "R-YEN", "90", closes_asn=True)
    PurchaseOrder.objects.filter(supplier=supplier).update(currency="JPY")
    PurchaseOrderLine.objects.filter(purchase_order__supplier=supplier).update(
        unit_price=Decimal("0.2500")
    )
    return receipt


def test_a_receipt_dispute_shows_and_keeps_the_currency_of_the_receipts_po(client, supplier, buyer):
    assert supplier.currency == "USD"
    receipt = _receipt_in_yen(supplier)
    client.force_login(buyer)
    url = reverse("buyer:receipt_dispute", args=[receipt.pk])

    page = client.get(url).content.decode()
    response = client.post(url, {"reason": "quantity", "amount": "2.6", "message": "Short."})

    # 10 × 0.25 = 2.5 JPY, half up to whole yen.
    assert 'name="amount" value="3"' in page
    assert '<label for="id_amount">Amount (JPY):</label>' in page
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.currency, dispute.amount) == ("JPY", Decimal("3"))
