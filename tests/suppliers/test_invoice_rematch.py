"""The match is recomputed at once, in the changing transaction, when a receipt, a PO
revision (also when the ERP is followed) or a credit note changes what an invoice is
measured against: not only by the five-minute beat."""

from datetime import timedelta
from decimal import Decimal

import pytest

from integrations.models import Event
from suppliers import services
from suppliers.models import Invoice, InvoiceLine, PurchaseOrder, PurchaseOrderLine
from suppliers.services.erp_follow import purchase_order_follow_erp
from tests.suppliers.invoicing_helpers import (
    INVOICE_DATE,
    received_line,
    revised_line,
    submit,
    unshipped_line,
)

pytestmark = pytest.mark.django_db
R = InvoiceLine.Result


def _line(invoice: Invoice) -> InvoiceLine:
    return invoice.lines.get(line_no=1)


def _invoice_events(invoice: Invoice) -> list[str]:
    return list(
        Event.objects.filter(aggregate_id=f"{invoice.supplier.code}:{invoice.number}")
        .order_by("sequence")
        .values_list("type", flat=True)
    )


def test_a_receipt_after_an_invoice_not_yet_received_matches_and_approves_it_at_once(
    supplier,
):
    po_line = received_line(supplier, receive="0")
    invoice = submit(supplier, po_line)
    shipment = po_line.asn_lines.get().shipment

    services.receipt_record(
        actor=None,
        shipment=shipment,
        reference="R-1",
        lines=[services.ReceiptLineInput(1, Decimal("100"))],
    )

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.APPROVED
    assert (_line(invoice).result, _line(invoice).basis_qty) == (R.MATCHED, Decimal("100"))
    assert _invoice_events(invoice)[-2:] == ["invoice.matched", "invoice.approved"]


def test_a_short_receipt_turns_not_yet_received_into_a_quantity_variance_at_once(supplier):
    po_line = received_line(supplier, receive="0")
    invoice = submit(supplier, po_line)

    services.receipt_record(
        actor=None,
        shipment=po_line.asn_lines.get().shipment,
        reference="R-1",
        lines=[services.ReceiptLineInput(1, Decimal("90"))],
    )

    invoice.refresh_from_db()
    assert (invoice.status, _line(invoice).result) == (
        Invoice.Status.ON_HOLD,
        R.QUANTITY_VARIANCE,
    )
    assert _line(invoice).hold_reason == (
        "Invoiced 100 EA, received 90 EA: 10 EA over (25.00 USD)."
    )


def test_a_receipt_on_another_po_line_leaves_an_invoice_alone(supplier):
    waiting = submit(supplier, received_line(supplier, receive="0", po="PO-W", asn="ASN-W"))
    other = received_line(supplier, receive="0", po="PO-O", asn="ASN-O")
    matched_at = Invoice.objects.get(pk=waiting.pk).matched_at

    services.receipt_record(
        actor=None,
        shipment=other.asn_lines.get().shipment,
        reference="R-O",
        lines=[services.ReceiptLineInput(1, Decimal("100"))],
    )

    waiting.refresh_from_db()
    assert (waiting.status, waiting.matched_at) == (Invoice.Status.ON_HOLD, matched_at)


def test_a_po_price_revision_from_the_erp_holds_the_invoice_for_a_price_variance_at_once(
    supplier,
):
    po_line = unshipped_line(supplier, price="2.50")
    invoice = submit(supplier, po_line, price="2.50")
    assert _line(invoice).result == R.NOT_RECEIVED

    outcome = purchase_order_follow_erp(
        actor=None,
        purchase_order=po_line.purchase_order,
        lines=[revised_line(po_line, unit_price=Decimal("2.40"))],
        erp_reference="P7",
    )

    assert outcome == "revised"
    line = _line(invoice)
    new_po_line = PurchaseOrderLine.objects.get(purchase_order=po_line.purchase_order)
    assert line.po_line_id == new_po_line.pk != po_line.pk
    assert (line.result, line.po_price, line.variance_amount) == (
        R.PRICE_VARIANCE,
        Decimal("2.4000"),
        Decimal("10.0000"),
    )
    assert line.hold_reason == (
        "Price 2.5 per EA is above the PO's 2.4 (10.00 USD over). "
        "Nothing of this PO line was received yet."
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ON_HOLD


def test_a_revision_that_drops_the_invoiced_line_holds_the_invoice_and_says_why(supplier):
    po_line = unshipped_line(supplier)
    PurchaseOrderLine.objects.create(
        purchase_order=po_line.purchase_order,
        line_no=2,
        item=po_line.item,
        ordered_qty=Decimal("5"),
        uom=po_line.uom,
        unit_price=Decimal("1"),
        requested_date=po_line.requested_date,
    )
    invoice = submit(supplier, po_line)

    services.purchase_order_revise(
        actor=None,
        purchase_order=po_line.purchase_order,
        lines=[revised_line(po_line, line_no=2)],
    )

    line = _line(invoice)
    assert (line.po_line_id, line.result) == (None, R.NOT_RECEIVED)
    assert line.hold_reason == "The line names no line of the PO."


def test_a_credit_note_that_frees_received_goods_matches_the_later_invoice_at_once(supplier):
    po_line = received_line(supplier)
    first = submit(supplier, po_line, number="INV-1", qty="100")
    second = submit(supplier, po_line, number="INV-2", qty="10")
    assert _line(second).result == R.QUANTITY_VARIANCE

    services.credit_note_create(
        actor="test",
        invoice=first,
        number="CN-1",
        invoice_date=INVOICE_DATE,
        reversal={1: Decimal("10")},
    )

    second.refresh_from_db()
    assert (second.status, _line(second).result) == (Invoice.Status.APPROVED, R.MATCHED)
    first.refresh_from_db()
    assert first.status == Invoice.Status.APPROVED


def test_a_price_the_buyer_accepts_in_a_proposal_clears_the_price_variance_at_once(
    supplier, supplier_user, buyer
):
    po_line = unshipped_line(supplier, price="2.50")
    invoice = submit(supplier, po_line, price="2.60")
    assert _line(invoice).result == R.PRICE_VARIANCE
    purchase_order_follow_erp(
        actor=None,
        purchase_order=po_line.purchase_order,
        lines=[revised_line(po_line, requested_date=po_line.requested_date + timedelta(days=1))],
        erp_reference="P7",
    )
    purchase_order = PurchaseOrder.objects.get(pk=po_line.purchase_order_id)
    proposal = services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=purchase_order,
        revision=purchase_order.revision,
        lines=[
            services.LineProposalInput(
                line_no=1,
                action="change",
                unit_price=Decimal("2.60"),
                reason_code="price_change",
            )
        ],
    )

    services.change_proposal_accept(actor=buyer, acknowledgment=proposal)

    # Measured against the accepted price at once: no price variance left, only the goods
    # still to come.
    line = _line(invoice)
    assert (line.result, line.po_price, line.hold_reason) == (
        R.NOT_RECEIVED,
        Decimal("2.6000"),
        "Nothing of this PO line was received yet.",
    )
