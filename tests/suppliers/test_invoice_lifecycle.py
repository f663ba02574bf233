"""The invoice's life: duplicates suspected (never silently accepted), credit notes that
reverse exactly, the buyer's release of a hold, payment with its remittance reference."""

import datetime
from decimal import Decimal

import pytest

from integrations.errors import DomainError
from integrations.models import AuditEntry, Event
from integrations.services.lifecycle import TransitionNotAllowed
from suppliers import services
from suppliers.models import Invoice, InvoiceLine, InvoicingTerms
from tests.suppliers.invoicing_helpers import received_line, submit

pytestmark = pytest.mark.django_db
R = InvoiceLine.Result
TODAY = datetime.date(2026, 3, 12)


def test_the_same_invoice_number_twice_is_refused(supplier):
    po_line = received_line(supplier)
    submit(supplier, po_line, number="INV-7")

    with pytest.raises(DomainError, match="Invoice INV-7 was already received"):
        submit(supplier, po_line, number="INV-7", qty="1")
    assert Invoice.objects.count() == 1


def test_the_same_number_with_other_punctuation_is_held_as_a_suspected_duplicate(supplier):
    po_line = received_line(supplier, receive="100", qty="200")
    first = submit(supplier, po_line, number="INV-007/A", qty="50")

    second = submit(supplier, po_line, number="inv 007a", qty="50", invoice_date=TODAY)

    assert first.status == Invoice.Status.APPROVED
    assert (second.status, second.duplicate_of) == (Invoice.Status.ON_HOLD, first)
    line = second.lines.get()
    assert line.result == R.DUPLICATE
    assert line.hold_reason == (
        "Looks like invoice INV-007/A (same number or same amount and date)."
    )


def test_the_same_amount_on_the_same_date_is_held_as_a_suspected_duplicate(supplier):
    po_line = received_line(supplier, receive="100", qty="200")
    first = submit(supplier, po_line, number="A-1", qty="50")

    second = submit(supplier, po_line, number="B-2", qty="50")

    assert second.duplicate_of == first
    assert second.status == Invoice.Status.ON_HOLD


def test_a_credit_note_of_the_whole_invoice_reverses_it_exactly(supplier):
    po_line = received_line(supplier)
    tax = services.InvoiceLineInput(
        line_no=2,
        quantity=Decimal("1"),
        uom_code="EA",
        unit_price=Decimal("20.63"),
        kind=InvoiceLine.Kind.TAX,
        description="Sales tax 8.25%",
    )
    invoice = submit(supplier, po_line, number="INV-1", price="2.4999", extra=[tax])

    note = services.credit_note_create(
        actor="test", invoice=invoice, number="CN-1", invoice_date=TODAY
    )

    invoice.refresh_from_db()
    assert invoice.total_amount == Decimal("270.62")
    assert note.total_amount == Decimal("-270.62")
    assert (note.kind, note.credited_invoice, note.status) == (
        Invoice.Kind.CREDIT_NOTE,
        invoice,
        Invoice.Status.APPROVED,
    )
    assert [(line.quantity, line.amount) for line in note.lines.order_by("line_no")] == [
        (Decimal("-100.000000"), Decimal("-249.9900")),
        (Decimal("-1.000000"), Decimal("-20.6300")),
    ]
    assert invoice.status == Invoice.Status.CREDITED


def test_a_credited_invoice_no_longer_counts_so_a_corrected_one_matches(supplier):
    po_line = received_line(supplier)
    wrong = submit(supplier, po_line, number="INV-1", price="3.00")
    services.credit_note_create(actor="test", invoice=wrong, number="CN-1", invoice_date=TODAY)

    corrected = submit(supplier, po_line, number="INV-2", invoice_date=TODAY)

    assert corrected.status == Invoice.Status.APPROVED


def test_a_partial_credit_note_clears_a_quantity_variance(supplier):
    po_line = received_line(supplier, receive="80")
    invoice = submit(supplier, po_line, qty="100")
    assert invoice.status == Invoice.Status.ON_HOLD

    services.credit_note_create(
        actor="test",
        invoice=invoice,
        number="CN-1",
        invoice_date=TODAY,
        reversal={1: Decimal("20")},
    )

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED


def test_a_credit_note_cannot_credit_more_than_was_invoiced(supplier):
    invoice = submit(supplier, received_line(supplier))

    with pytest.raises(DomainError, match="at most 100 EA"):
        services.credit_note_create(
            actor="test",
            invoice=invoice,
            number="CN-1",
            invoice_date=TODAY,
            reversal={1: Decimal("101")},
        )


def test_the_buyer_releases_a_hold_and_the_invoice_is_approved(supplier, buyer):
    invoice = submit(supplier, received_line(supplier), price="2.60")

    services.invoice_release_hold(actor=buyer, invoice=invoice, note="Freight surcharge agreed.")

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED
    assert invoice.lines.get().result == R.ACCEPTED
    event = Event.objects.filter(type="invoice.approved").get()
    assert event.data["status"] == "approved"


def test_an_approved_invoice_is_scheduled_then_paid_with_its_remittance(supplier, buyer):
    invoice = submit(supplier, received_line(supplier))

    services.invoice_schedule_payment(actor=buyer, invoice=invoice, pay_on=TODAY)
    services.invoice_mark_paid(
        actor=buyer, invoice=invoice, paid_on=TODAY, remittance_reference="REM-5531"
    )

    invoice.refresh_from_db()
    assert (invoice.status, invoice.scheduled_for, invoice.paid_on) == (
        Invoice.Status.PAID,
        TODAY,
        TODAY,
    )
    paid = Event.objects.get(type="invoice.paid")
    assert (paid.data["paid_on"], paid.data["remittance_reference"]) == ("2026-03-12", "REM-5531")
    assert AuditEntry.objects.filter(action="paid").count() == 1


def test_an_invoice_on_hold_cannot_be_paid(supplier, buyer):
    invoice = submit(supplier, received_line(supplier), price="9.00")

    with pytest.raises(TransitionNotAllowed, match="is on hold and cannot become paid"):
        services.invoice_mark_paid(
            actor=buyer, invoice=invoice, paid_on=TODAY, remittance_reference="R"
        )


def test_an_edi_810_invoice_goes_through_the_same_submission_and_match(supplier):
    po_line = received_line(supplier)

    invoice = services.invoice_record(
        actor="edi",
        supplier=supplier,
        purchase_order=po_line.purchase_order,
        number="810-1",
        invoice_date=TODAY,
        currency="USD",
        total_amount=Decimal("250.00"),
        lines=[services.InvoiceLineInput(1, Decimal("100"), "EA", Decimal("2.5"), po_line)],
    )

    assert (invoice.status, invoice.channel) == (Invoice.Status.APPROVED, "edi")


def test_an_810_whose_total_differs_from_its_lines_is_refused(supplier):
    po_line = received_line(supplier)

    with pytest.raises(DomainError, match="does not match its lines"):
        services.invoice_record(
            actor="edi",
            supplier=supplier,
            purchase_order=po_line.purchase_order,
            number="810-2",
            invoice_date=TODAY,
            currency="USD",
            total_amount=Decimal("250.01"),
            lines=[services.InvoiceLineInput(1, Decimal("100"), "EA", Decimal("2.5"), po_line)],
        )
    assert not Invoice.objects.exists()


def test_terms_that_fix_the_price_refuse_another_price(supplier):
    InvoicingTerms.objects.create(supplier=supplier, price_editable=False)
    po_line = received_line(supplier)

    with pytest.raises(DomainError, match="invoice at the PO price") as error:
        submit(supplier, po_line, price="2.60")

    assert (error.value.field, error.value.line) == ("unit_price", 1)
    assert not Invoice.objects.exists()


def test_taxes_and_charges_are_separate_lines_matched_as_they_are(supplier):
    freight = services.InvoiceLineInput(
        line_no=2,
        quantity=Decimal("1"),
        uom_code="",
        unit_price=Decimal("15"),
        kind=InvoiceLine.Kind.CHARGE,
        description="Freight",
    )

    invoice = submit(supplier, received_line(supplier), extra=[freight])

    assert invoice.total_amount == Decimal("265.00")
    assert list(invoice.lines.values_list("kind", "result")) == [
        ("goods", "matched"),
        ("charge", "matched"),
    ]
