"""Tolerances per item class: the supplier's row for the class comes before the class's
row for every supplier, which comes before the supplier's invoicing terms; boundaries are
inclusive, to the smallest unit of the PO currency (JPY without decimals, USD with two)
and of the quantity; the invoice page says which tolerance each line was matched with."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from inventory.models import Item
from portal.roles import ensure_role_groups
from suppliers.models import Invoice, InvoiceLine, InvoiceTolerance, InvoicingTerms, PurchaseOrder
from tests.suppliers.invoicing_helpers import received_line, submit

pytestmark = pytest.mark.django_db
R = InvoiceLine.Result
OTHER_DAY = datetime.date(2026, 3, 11)


def _line(invoice: Invoice) -> InvoiceLine:
    return invoice.lines.get(line_no=1)


def _classed_line(supplier, item_class: str, *, n: int, currency: str = "USD", **values):
    """A received PO line (PO-n, ASN-n) of an item of `item_class`, in `currency`."""
    po_line = received_line(supplier, po=f"PO-{n}", asn=f"ASN-{n}", sku=f"SKU-{n}", **values)
    Item.objects.filter(pk=po_line.item_id).update(item_class=item_class)
    PurchaseOrder.objects.filter(pk=po_line.purchase_order_id).update(currency=currency)
    po_line.purchase_order.refresh_from_db()
    return po_line


def test_the_suppliers_own_row_for_the_class_comes_before_the_class_row_and_the_terms(
    supplier, other_supplier
):
    InvoicingTerms.objects.create(supplier=supplier, price_tolerance_pct=Decimal("1"))
    InvoiceTolerance.objects.create(item_class="A", price_tolerance_pct=Decimal("2"))
    InvoiceTolerance.objects.create(
        supplier=supplier, item_class="A", price_tolerance_pct=Decimal("4")
    )
    InvoiceTolerance.objects.create(
        supplier=other_supplier, item_class="A", price_tolerance_pct=Decimal("50")
    )

    within = submit(supplier, _classed_line(supplier, "A", n=1), number="INV-1", price="2.60")
    over = submit(
        supplier,
        _classed_line(supplier, "A", n=2),
        number="INV-2",
        price="2.6001",
        invoice_date=OTHER_DAY,
    )

    assert (within.status, _line(within).result) == (Invoice.Status.APPROVED, R.MATCHED)
    assert _line(within).tolerance == "Item class A, this supplier: quantity 0%, price 4%."
    assert (over.status, _line(over).result) == (Invoice.Status.ON_HOLD, R.PRICE_VARIANCE)


def test_the_class_row_for_every_supplier_applies_when_the_supplier_has_none(
    supplier, other_supplier
):
    InvoicingTerms.objects.create(supplier=supplier, price_tolerance_pct=Decimal("1"))
    InvoiceTolerance.objects.create(item_class="A", price_tolerance_pct=Decimal("2"))
    InvoiceTolerance.objects.create(
        supplier=other_supplier, item_class="A", price_tolerance_pct=Decimal("50")
    )

    within = submit(supplier, _classed_line(supplier, "A", n=1), number="INV-1", price="2.55")
    over = submit(
        supplier,
        _classed_line(supplier, "A", n=2),
        number="INV-2",
        price="2.5501",
        invoice_date=OTHER_DAY,
    )

    assert _line(within).result == R.MATCHED
    assert _line(within).tolerance == "Item class A, every supplier: quantity 0%, price 2%."
    assert _line(over).result == R.PRICE_VARIANCE


def test_an_item_of_a_class_without_a_row_is_matched_with_the_supplier_terms(supplier):
    InvoicingTerms.objects.create(supplier=supplier, price_tolerance_pct=Decimal("1"))
    InvoiceTolerance.objects.create(item_class="A", price_tolerance_pct=Decimal("20"))

    invoice = submit(supplier, _classed_line(supplier, "B", n=1), price="2.53")

    assert _line(invoice).result == R.PRICE_VARIANCE
    assert _line(invoice).tolerance == "Supplier's invoicing terms: quantity 0%, price 1%."


def test_without_any_row_the_match_is_exact_and_says_so(supplier):
    invoice = submit(supplier, _classed_line(supplier, "", n=1))

    assert _line(invoice).tolerance == "Default terms: exact match (no tolerance)."


def test_the_amount_limit_in_yen_lets_through_exactly_it_and_not_one_yen_more(supplier):
    InvoiceTolerance.objects.create(
        supplier=supplier,
        item_class="A",
        price_tolerance_pct=Decimal("10"),
        amount_tolerance=Decimal("100"),
    )
    at_limit = _classed_line(supplier, "A", n=1, currency="JPY", qty="10", receive="10")
    beyond = _classed_line(supplier, "A", n=2, currency="JPY", qty="10", receive="10")
    for po_line in (at_limit, beyond):
        po_line.unit_price = Decimal("1000")
        po_line.save(update_fields=["unit_price"])

    within = submit(supplier, at_limit, number="INV-1", qty="10", price="1010")  # 100 over
    over = submit(
        supplier, beyond, number="INV-2", qty="10", price="1010.1", invoice_date=OTHER_DAY
    )  # 101 over

    assert (_line(within).result, within.status) == (R.MATCHED, Invoice.Status.APPROVED)
    assert _line(over).result == R.PRICE_VARIANCE
    assert _line(over).variance_amount == Decimal("101")
    assert _line(over).hold_reason == ("Price 1010.1 per EA is above the PO's 1000 (101 JPY over).")
    assert _line(within).tolerance == (
        "Item class A, this supplier: quantity 0%, price 10%, at most 100 JPY per line."
    )


def test_the_amount_limit_in_dollars_lets_through_exactly_it_and_not_one_cent_more(supplier):
    InvoiceTolerance.objects.create(
        supplier=supplier,
        item_class="A",
        price_tolerance_pct=Decimal("10"),
        amount_tolerance=Decimal("5.00"),
    )

    within = submit(supplier, _classed_line(supplier, "A", n=1), number="INV-1", price="2.55")
    over = submit(
        supplier,
        _classed_line(supplier, "A", n=2),
        number="INV-2",
        price="2.5501",
        invoice_date=OTHER_DAY,
    )  # 5.01 over (100 × 0.0501)

    assert _line(within).result == R.MATCHED
    assert (_line(over).result, _line(over).variance_amount) == (
        R.PRICE_VARIANCE,
        Decimal("5.0100"),
    )


def test_the_quantity_tolerance_of_a_class_stops_at_the_smallest_unit_over(supplier):
    InvoiceTolerance.objects.create(item_class="A", qty_tolerance_pct=Decimal("5"))

    within = submit(supplier, _classed_line(supplier, "A", n=1), number="INV-1", qty="105")
    over = submit(
        supplier,
        _classed_line(supplier, "A", n=2),
        number="INV-2",
        qty="105.000001",
        invoice_date=OTHER_DAY,
    )

    assert _line(within).result == R.MATCHED
    assert _line(over).result == R.QUANTITY_VARIANCE


def test_a_class_has_one_row_for_every_supplier_and_one_per_supplier(supplier):
    InvoiceTolerance.objects.create(item_class="A")
    InvoiceTolerance.objects.create(supplier=supplier, item_class="A")

    with pytest.raises(IntegrityError):
        InvoiceTolerance.objects.create(item_class="A")


def test_the_invoice_page_says_which_tolerance_applied(client, supplier, supplier_user):
    InvoiceTolerance.objects.create(
        supplier=supplier, item_class="A", qty_tolerance_pct=Decimal("5")
    )
    invoice = submit(supplier, _classed_line(supplier, "A", n=1))
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:invoice_detail", args=[invoice.number]))

    assert response.status_code == 200
    assert (
        "Tolerance applied to line 1: Item class A, this supplier: quantity 5%, price 0%."
        in response.content.decode()
    )


def test_a_portal_admin_adds_a_class_tolerance_in_the_admin(client, portal_admin, supplier):
    ensure_role_groups()  # the role's admin permissions, as the deploy grants them
    client.force_login(portal_admin)

    response = client.post(
        reverse("admin:suppliers_invoicetolerance_add"),
        {
            "supplier": supplier.pk,
            "item_class": "A",
            "qty_tolerance_pct": "5",
            "price_tolerance_pct": "2",
            "amount_tolerance": "10.00",
        },
    )

    assert response.status_code == 302
    row = InvoiceTolerance.objects.get()
    assert (row.supplier, row.item_class, row.qty_tolerance_pct, row.amount_tolerance) == (
        supplier,
        "A",
        Decimal("5.00"),
        Decimal("10.0000"),
    )
    assert client.get(reverse("admin:suppliers_invoicetolerance_changelist")).status_code == 200
