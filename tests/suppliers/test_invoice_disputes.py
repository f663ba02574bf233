"""Disputes: opened with a reason and an amount, a thread with read receipts, a case in
the shared exceptions inbox; the resolution updates the match and the invoice status."""

from decimal import Decimal

import pytest
from django.core import mail

from integrations.errors import DomainError
from integrations.models import Event, ExceptionCase, ExceptionClass
from suppliers import services
from suppliers.models import Dispute, Invoice, InvoiceLine
from tests.suppliers.invoicing_helpers import received_line, submit

pytestmark = pytest.mark.django_db


def _held(supplier):
    return submit(supplier, received_line(supplier), price="2.60")


def _open(supplier, user, invoice, **extra):
    return services.dispute_open(
        actor=user,
        supplier=supplier,
        side=Dispute.Side.SUPPLIER,
        reason=Dispute.Reason.PRICE,
        amount=Decimal("10"),
        message="The price rose on March 1st, see the letter.",
        invoice=invoice,
        **extra,
    )


def test_a_supplier_opens_a_dispute_that_lands_in_the_exceptions_inbox(supplier, supplier_user):
    invoice = _held(supplier)

    dispute = _open(supplier, supplier_user, invoice)

    case = ExceptionCase.objects.get(pk=dispute.exception_case_id)
    assert (case.exception_class, case.status, case.supplier_code, case.owner_team) == (
        ExceptionClass.INVOICE_DISPUTE,
        "open",
        "ACME",
        "purchasing",
    )
    assert case.subject_key == f"dispute:{dispute.pk}"
    opened = Event.objects.get(type="dispute.opened")
    assert (opened.data["invoice_number"], opened.data["amount"], opened.data["reason"]) == (
        "INV-1",
        "10.00",
        "price",
    )
    assert dispute.messages.count() == 1


def test_a_second_open_dispute_on_the_same_invoice_is_refused(supplier, supplier_user):
    invoice = _held(supplier)
    _open(supplier, supplier_user, invoice)

    with pytest.raises(DomainError, match="already has an open dispute"):
        _open(supplier, supplier_user, invoice)


def test_a_supplier_cannot_dispute_another_suppliers_invoice(supplier, other_supplier, outsider):
    invoice = _held(supplier)

    with pytest.raises(DomainError, match="not one of the supplier's"):
        _open(other_supplier, outsider, invoice)


def test_the_buyer_reading_the_thread_marks_the_suppliers_messages_read(
    supplier, supplier_user, buyer
):
    dispute = _open(supplier, supplier_user, _held(supplier))
    services.dispute_add_message(
        actor=buyer, dispute=dispute, side=Dispute.Side.BUYER, body="Which letter?"
    )

    read = services.dispute_mark_read(dispute=dispute, side=Dispute.Side.BUYER)

    assert read == 1
    unread = dispute.messages.filter(read_at__isnull=True)
    assert list(unread.values_list("side", flat=True)) == ["buyer"]


def test_accepting_the_variance_approves_the_invoice_and_closes_the_case(
    supplier, supplier_user, buyer, django_capture_on_commit_callbacks
):
    invoice = _held(supplier)
    dispute = _open(supplier, supplier_user, invoice)

    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_resolve(
            actor=buyer,
            dispute=dispute,
            resolution=Dispute.Resolution.ACCEPT_VARIANCE,
            note="Price increase confirmed by purchasing.",
        )

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED
    assert invoice.lines.get().result == InvoiceLine.Result.ACCEPTED
    case = ExceptionCase.objects.get(pk=dispute.exception_case_id)
    assert case.status == "auto_resolved"
    resolved = Event.objects.get(type="dispute.resolved")
    assert (resolved.data["status"], resolved.data["resolution"]) == ("resolved", "accept_variance")
    assert [m.to for m in mail.outbox] == [["sam@acme.example"]]


def test_a_rejected_dispute_leaves_the_hold(supplier, supplier_user, buyer):
    invoice = _held(supplier)
    dispute = _open(supplier, supplier_user, invoice)

    services.dispute_resolve(
        actor=buyer,
        dispute=dispute,
        resolution=Dispute.Resolution.REJECTED,
        note="The PO price stands.",
    )

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ON_HOLD
    assert Dispute.objects.get().status == Dispute.Status.RESOLVED


def test_a_resolved_dispute_takes_no_more_messages(supplier, supplier_user, buyer):
    dispute = _open(supplier, supplier_user, _held(supplier))
    services.dispute_resolve(
        actor=buyer, dispute=dispute, resolution=Dispute.Resolution.REJECTED, note="No."
    )

    with pytest.raises(DomainError, match="resolved"):
        services.dispute_add_message(
            actor=supplier_user, dispute=dispute, side="supplier", body="But..."
        )


def test_a_dispute_email_is_written_in_each_recipients_language(
    supplier, supplier_user, teammate, buyer, django_capture_on_commit_callbacks
):
    teammate.language = "de"
    teammate.save(update_fields=["language"])
    invoice = _held(supplier)
    dispute = _open(supplier, supplier_user, invoice)

    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_resolve(
            actor=buyer,
            dispute=dispute,
            resolution=Dispute.Resolution.ACCEPT_VARIANCE,
            note="Price increase confirmed by purchasing.",
        )

    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects[supplier_user.email].endswith(": resolved.")
    assert subjects[teammate.email].endswith(": geklärt.")
