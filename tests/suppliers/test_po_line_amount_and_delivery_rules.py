"""A PO line's amount (confirmed or ordered quantity × price, rounded half up to the PO
currency's minor unit) and its one implied delivery (a confirmed line without schedule
lines) each have one rule: the PO page, the list page's totals, and the API's list and
detail bodies built from `.values()` rows give the same figures for the same lines, in
yen (no decimals), dinar (three) and dollars, half-way amounts included."""

import datetime
from decimal import Decimal

import pytest

from integrations.money import line_amount, line_amount_in, minor_unit, round_money
from suppliers import selectors
from suppliers.api.purchase_order_rows import (
    LIST_COLUMNS,
    ROW_EXPRESSIONS,
    detail_body,
    detail_rows_of,
    list_items,
)
from suppliers.models import PurchaseOrder, PurchaseOrderScheduleLine
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db

# A price whose amounts fall half-way between two minor units: half up rounds them up
# (half even would round 0.125 USD, 2.5 JPY and 0.0025 KWD down).
HALF_WAY = {"USD": Decimal("0.1250"), "JPY": Decimal("2.5000"), "KWD": Decimal("0.0025")}
# Ordered 1 at the half-way price; confirmed 3 at it; rejected (confirmed 0).
EXPECTED_LINES = {
    "USD": ["0.13", "0.38", "0.00"],
    "JPY": ["3", "8", "0"],
    "KWD": ["0.003", "0.008", "0.000"],
}
EXPECTED_TOTAL = {"USD": "0.51", "JPY": "11", "KWD": "0.011"}


def _half_way_order(supplier, currency: str) -> PurchaseOrder:
    purchase_order = PurchaseOrderFactory(
        supplier=supplier, number=f"PO-{currency}", currency=currency
    )
    price = HALF_WAY[currency]
    PurchaseOrderLineFactory(
        purchase_order=purchase_order, line_no=1, ordered_qty=Decimal("1"), unit_price=price
    )
    PurchaseOrderLineFactory(
        purchase_order=purchase_order,
        line_no=2,
        ordered_qty=Decimal("10"),
        unit_price=Decimal("9"),
        confirmed_qty=Decimal("3"),
        confirmed_price=price,
    )
    PurchaseOrderLineFactory(
        purchase_order=purchase_order, line_no=3, unit_price=price, confirmed_qty=Decimal("0")
    )
    return purchase_order


def test_minor_units_round_half_up_as_round_money_does():
    for currency, price in HALF_WAY.items():
        unit = minor_unit(currency)
        assert line_amount_in(Decimal("1"), price, unit) == line_amount(
            Decimal("1"), price, currency
        )
        assert line_amount(Decimal("1"), price, currency) == round_money(price, currency)
    assert [str(minor_unit(c)) for c in ("USD", "JPY", "KWD")] == ["0.01", "1", "0.001"]


def test_every_reader_gives_the_same_line_amounts_and_totals_in_yen_dinar_and_dollars(supplier):
    orders = [_half_way_order(supplier, currency) for currency in ("USD", "JPY", "KWD")]

    # The PO page and the list page's totals (model instances).
    page_lines = {
        po.currency: [
            str(selectors.po_line_amount(line, po.currency))
            for line in selectors.purchase_order_lines(purchase_order=po)
        ]
        for po in orders
    }
    totals = selectors.purchase_order_totals(orders)
    page_totals = {po.currency: str(totals[po.pk]) for po in orders}
    # The API's list (one page of several currencies) and detail bodies (`.values()` rows).
    rows = PurchaseOrder.objects.filter(supplier=supplier).values(*LIST_COLUMNS, **ROW_EXPRESSIONS)
    api_totals = {item["currency"]: item["total_amount"] for item in list_items(list(rows))}
    details = {
        po.currency: detail_body(detail_rows_of(supplier=supplier, number=po.number))
        for po in orders
    }

    assert page_lines == EXPECTED_LINES
    assert {c: [line["line_amount"] for line in d["lines"]] for c, d in details.items()} == (
        EXPECTED_LINES
    )
    assert page_totals == EXPECTED_TOTAL
    assert api_totals == EXPECTED_TOTAL
    assert {c: d["total_amount"] for c, d in details.items()} == EXPECTED_TOTAL


def test_a_line_reads_as_the_same_deliveries_on_the_page_and_in_the_api(supplier):
    purchase_order = PurchaseOrderFactory(supplier=supplier, number="PO-DELIVERIES")
    day = datetime.date(2026, 5, 4)
    cases = [
        {},  # not confirmed: no delivery
        {"confirmed_qty": Decimal("5")},  # confirmed without a date: none either
        {"confirmed_qty": Decimal("0"), "confirmed_date": day},  # rejected: none
        {"confirmed_qty": Decimal("5"), "confirmed_date": day, "shipped_qty": Decimal("2")},
        # Shipped above the confirmed quantity: the delivery is shipped in full, no more.
        {"confirmed_qty": Decimal("5"), "confirmed_date": day, "shipped_qty": Decimal("8")},
        {"confirmed_qty": Decimal("5"), "confirmed_date": day},  # with its own schedule
    ]
    lines = [
        PurchaseOrderLineFactory(purchase_order=purchase_order, line_no=n, **fields)
        for n, fields in enumerate(cases, start=1)
    ]
    PurchaseOrderScheduleLine.objects.create(
        line=lines[-1], position=1, quantity=Decimal("5"), date=day, shipped_qty=Decimal("1")
    )

    page = [
        [(s.position, s.quantity, s.date, s.shipped_qty) for s in line.schedule]
        for line in selectors.purchase_order_lines(purchase_order=purchase_order)
    ]
    api = [
        [
            (
                s["position"],
                Decimal(s["quantity"]),
                datetime.date.fromisoformat(s["date"]),
                Decimal(s["shipped_qty"]),
            )
            for s in line["schedule_lines"]
        ]
        for line in detail_body(detail_rows_of(supplier=supplier, number="PO-DELIVERIES"))["lines"]
    ]

    assert page == api
    assert page == [
        [],
        [],
        [],
        [(1, Decimal("5"), day, Decimal("2"))],
        [(1, Decimal("5"), day, Decimal("5"))],
        [(1, Decimal("5"), day, Decimal("1"))],
    ]
