"""The three-way match on hand-built cases: each result, tolerances at their boundaries,
money in the PO currency's decimals, a PO in cases invoiced in eaches."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Event
from inventory.models import StockMovement
from suppliers import services
from suppliers.models import (
    Invoice,
    InvoiceLine,
    InvoicingTerms,
    PurchaseOrder,
    PurchaseOrderLine,
)
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.factories import SupplierItemFactory
from tests.suppliers.invoicing_helpers import received_line, submit
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship

pytestmark = pytest.mark.django_db
OTHER_DAY = datetime.date(2026, 3, 11)
R = InvoiceLine.Result


def _line(invoice: Invoice) -> InvoiceLine:
    return invoice.lines.get(line_no=1)


def _terms(supplier, **values) -> InvoicingTerms:
    return InvoicingTerms.objects.create(supplier=supplier, **values)


def test_an_invoice_of_what_was_received_at_the_po_price_is_matched_and_approved(supplier):
    po_line = received_line(supplier)

    invoice = submit(supplier, po_line)

    assert invoice.status == Invoice.Status.APPROVED
    line = _line(invoice)
    assert (line.result, line.hold_reason, line.amount) == (R.MATCHED, "", Decimal("250.0000"))
    assert (line.po_price, line.basis_qty) == (Decimal("2.5000"), Decimal("100.000000"))
    events = Event.objects.filter(aggregate_type="invoice").order_by("sequence")
    assert list(events.values_list("type", flat=True)) == [
        "invoice.submitted",
        "invoice.matched",
        "invoice.approved",
    ]


def test_a_price_above_the_po_price_holds_the_invoice_with_the_reason(supplier):
    po_line = received_line(supplier)

    invoice = submit(supplier, po_line, price="2.60")

    assert invoice.status == Invoice.Status.ON_HOLD
    line = _line(invoice)
    assert line.result == R.PRICE_VARIANCE
    assert line.hold_reason == "Price 2.6 per EA is above the PO's 2.5 (10.00 USD over)."
    assert line.variance_amount == Decimal("10.0000")
    assert Event.objects.filter(type="invoice.held").count() == 1


def test_a_lower_price_is_never_held(supplier):
    invoice = submit(supplier, received_line(supplier), price="2.40")

    assert (invoice.status, _line(invoice).result) == (Invoice.Status.APPROVED, R.MATCHED)


def test_invoicing_more_than_received_is_a_quantity_variance(supplier):
    po_line = received_line(supplier, receive="80")

    invoice = submit(supplier, po_line, qty="100")

    line = _line(invoice)
    assert (invoice.status, line.result) == (Invoice.Status.ON_HOLD, R.QUANTITY_VARIANCE)
    assert line.hold_reason == "Invoiced 100 EA, received 80 EA: 20 EA over (50.00 USD)."


def test_invoicing_what_was_shipped_but_not_received_is_not_yet_received(supplier):
    po_line = received_line(supplier, receive="0")

    invoice = submit(supplier, po_line)

    line = _line(invoice)
    assert (invoice.status, line.result) == (Invoice.Status.ON_HOLD, R.NOT_RECEIVED)
    assert line.hold_reason == "Nothing of this PO line was received yet."


def test_a_supplier_invoicing_what_it_shipped_is_matched_against_the_shipment(supplier):
    _terms(supplier, basis=InvoicingTerms.Basis.SHIPPED)
    po_line = received_line(supplier, receive="0")

    invoice = submit(supplier, po_line)

    assert (invoice.status, _line(invoice).result) == (Invoice.Status.APPROVED, R.MATCHED)


def test_the_quantity_tolerance_lets_through_exactly_its_percentage_and_no_more(supplier):
    _terms(supplier, qty_tolerance_pct=Decimal("5"))
    at_limit = received_line(supplier, receive="100", po="PO-A", asn="ASN-A")
    beyond = received_line(supplier, receive="100", po="PO-B", asn="ASN-B")

    within = submit(supplier, at_limit, number="INV-A", qty="105")
    over = submit(supplier, beyond, number="INV-B", qty="105.000001", invoice_date=OTHER_DAY)

    assert _line(within).result == R.MATCHED
    assert _line(over).result == R.QUANTITY_VARIANCE


def test_the_price_tolerance_lets_through_exactly_its_percentage_and_no_more(supplier):
    _terms(supplier, price_tolerance_pct=Decimal("2"))
    at_limit = received_line(supplier, po="PO-A", asn="ASN-A")
    beyond = received_line(supplier, po="PO-B", asn="ASN-B")

    within = submit(supplier, at_limit, number="INV-A", price="2.55")
    over = submit(supplier, beyond, number="INV-B", price="2.5501", invoice_date=OTHER_DAY)

    assert _line(within).result == R.MATCHED
    assert _line(over).result == R.PRICE_VARIANCE


def test_the_absolute_amount_caps_a_variance_the_percentage_allows(supplier):
    _terms(supplier, price_tolerance_pct=Decimal("10"), amount_tolerance=Decimal("5.00"))
    at_limit = received_line(supplier, po="PO-A", asn="ASN-A")
    beyond = received_line(supplier, po="PO-B", asn="ASN-B")

    within = submit(supplier, at_limit, number="INV-A", price="2.55")  # 5.00 over
    over = submit(
        supplier, beyond, number="INV-B", price="2.56", invoice_date=OTHER_DAY
    )  # 6.00 over

    assert _line(within).result == R.MATCHED
    assert _line(over).result == R.PRICE_VARIANCE
    assert _line(over).variance_amount == Decimal("6.0000")


def test_amounts_are_in_the_po_currencys_decimals(supplier):
    po_line = received_line(supplier, qty="3", receive="3", price="0.3335")
    PurchaseOrder.objects.filter(pk=po_line.purchase_order_id).update(currency="KWD")
    po_line.purchase_order.refresh_from_db()

    invoice = submit(supplier, po_line, qty="3", price="0.3335")
    yen = received_line(supplier, qty="3", receive="3", price="333.5", po="PO-J", asn="ASN-J")
    PurchaseOrder.objects.filter(pk=yen.purchase_order_id).update(currency="JPY")
    yen.purchase_order.refresh_from_db()
    in_yen = submit(supplier, yen, number="INV-J", qty="3", price="333.5")

    assert (invoice.total_amount, _line(invoice).amount) == (Decimal("1.0010"), Decimal("1.0010"))
    assert in_yen.total_amount == Decimal("1001")
    assert invoice.status == in_yen.status == Invoice.Status.APPROVED


def test_a_po_in_cases_invoiced_in_eaches_converts_exactly(supplier):
    case = UnitOfMeasureFactory(code="CS")
    each = UnitOfMeasureFactory(code="EA")
    UomConversionFactory(
        item=ItemFactory(sku="BOLT-M8"), from_uom=case, to_uom=each, factor=Decimal("12")
    )
    po_line = received_line(supplier, qty="10", receive="10", price="30.00", uom="CS")

    invoice = submit(supplier, po_line, qty="120", uom="EA", price="2.50")

    line = _line(invoice)
    assert (line.qty_po_uom, line.result, line.amount) == (
        Decimal("10.000000"),
        R.MATCHED,
        Decimal("300.0000"),
    )


def test_an_invoice_in_eaches_that_is_not_a_whole_number_of_cases_is_refused(supplier):
    case = UnitOfMeasureFactory(code="CS")
    each = UnitOfMeasureFactory(code="EA")
    UomConversionFactory(
        item=ItemFactory(sku="BOLT-M8"), from_uom=case, to_uom=each, factor=Decimal("12")
    )
    po_line = received_line(supplier, qty="10", receive="10", price="30.00", uom="CS")

    with pytest.raises(DomainError, match="121 EA is not a whole number of CS"):
        submit(supplier, po_line, qty="121", uom="EA", price="2.50")
    assert not Invoice.objects.exists()


def test_a_second_invoice_of_the_same_goods_is_a_quantity_variance(supplier):
    po_line = received_line(supplier)
    submit(supplier, po_line, number="INV-1")

    second = submit(supplier, po_line, number="INV-2", qty="10")

    assert _line(second).result == R.QUANTITY_VARIANCE
    assert "with 100 already invoiced" in _line(second).hold_reason


def test_a_hold_for_goods_not_received_yet_clears_when_they_arrive(supplier):
    po_line = received_line(supplier, receive="0")
    invoice = submit(supplier, po_line)
    assert (invoice.status, _line(invoice).result) == (Invoice.Status.ON_HOLD, R.NOT_RECEIVED)
    shipment = po_line.asn_lines.get().shipment

    services.receipt_record(
        actor=None,
        shipment=shipment,
        reference="R-LATE",
        lines=[services.ReceiptLineInput(1, Decimal("100"))],
    )

    invoice.refresh_from_db()
    assert (invoice.status, _line(invoice).result) == (Invoice.Status.APPROVED, R.MATCHED)
    assert list(
        Event.objects.filter(type__startswith="invoice.")
        .order_by("sequence")
        .values_list("type", flat=True)
    ) == [
        "invoice.submitted",
        "invoice.matched",
        "invoice.held",
        "invoice.matched",
        "invoice.approved",
    ]
    # Nothing is left for the beat: the receipt matched it in its own transaction.
    assert services.invoices_rematch_stale() == {}


def test_the_beat_rematches_an_invoice_whose_po_line_changed_elsewhere(supplier):
    po_line = received_line(supplier, receive="0")
    invoice = submit(supplier, po_line)
    # A change that did not come through the receipt service (a data fix, a late pull).
    PurchaseOrderLine.objects.filter(pk=po_line.pk).update(
        received_qty=Decimal("100"), updated_at=timezone.now()
    )

    outcome = services.invoices_rematch_stale()

    assert outcome == {invoice.pk: Invoice.Status.APPROVED}


def test_a_hold_that_stays_a_hold_is_not_moved_or_announced_again(supplier):
    invoice = submit(supplier, received_line(supplier), price="3.00")
    held = Event.objects.filter(type="invoice.held").count()

    services.invoices_match(actor=None, invoice_ids=[invoice.pk])

    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ON_HOLD
    assert Event.objects.filter(type="invoice.held").count() == held == 1


def test_the_rematch_of_stale_invoices_runs_every_five_minutes(settings):
    assert settings.CELERY_BEAT_SCHEDULE["suppliers-rematch-invoices"] == {
        "task": "suppliers.rematch_invoices",
        "schedule": 300.0,
    }


def test_a_po_in_cases_received_in_eaches_is_matched_in_the_po_unit(supplier):
    case = UnitOfMeasureFactory(code="CS")
    each = UnitOfMeasureFactory(code="EA")
    item = ItemFactory(sku="BOLT-M8", base_uom=each)
    UomConversionFactory(item=item, from_uom=case, to_uom=each, factor=Decimal("12"))
    SupplierItemFactory(supplier=supplier, item=item, uom=each)  # it ships in eaches
    purchase_order = confirmed_po(supplier, "PO-P", lines=[("BOLT-M8", "10", "CS")])
    PurchaseOrderLine.objects.filter(purchase_order=purchase_order).update(
        unit_price=Decimal("30.00")
    )
    po_line = line_of(purchase_order)
    # Shipped and received in the item's base unit: 120 EA are the 10 CS ordered.
    shipment = ship(supplier, None, "ASN-P", [(po_line, "120", each)])
    services.receipt_record(
        actor=None,
        shipment=shipment,
        reference="R-P",
        lines=[services.ReceiptLineInput(1, Decimal("10"))],
    )
    po_line = line_of(purchase_order)

    matched = submit(supplier, po_line, number="INV-EA", qty="120", uom="EA", price="2.50")
    over = submit(
        supplier,
        po_line,
        number="INV-EA-2",
        qty="12",
        uom="EA",
        price="2.50",
        invoice_date=OTHER_DAY,
    )

    stocked = StockMovement.objects.get(document_ref="wms:R-P")
    assert (stocked.quantity, po_line.received_qty) == (Decimal("120"), Decimal("10"))
    line = _line(matched)
    assert (line.qty_po_uom, line.basis_qty, line.result) == (
        Decimal("10.000000"),
        Decimal("10.000000"),
        R.MATCHED,
    )
    assert matched.status == Invoice.Status.APPROVED
    assert _line(over).hold_reason == (
        "Invoiced 1 CS (with 10 already invoiced), received 10 CS: 1 CS over (30.00 USD)."
    )
