"""PO amounts: line amount = quantity × price in the PO currency's decimals (rounded
once, half up), the PO total the sum of the line amounts, on the PO pages, in the API and
in the CSV export; prices never show four decimals they do not have."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from suppliers import services
from suppliers.models import PurchaseOrder
from tests.api.conftest import client_for, issue_key
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db


def _po(supplier, number: str, currency: str, lines: list[tuple[str, str]], **fields):
    """A PO with (quantity, unit price) lines in `currency`."""
    purchase_order = PurchaseOrderFactory(
        supplier=supplier, number=number, currency=currency, **fields
    )
    for line_no, (qty, price) in enumerate(lines, start=1):
        PurchaseOrderLineFactory(
            purchase_order=purchase_order,
            line_no=line_no,
            ordered_qty=Decimal(qty),
            unit_price=Decimal(price),
        )
    return purchase_order


def test_the_po_page_shows_line_amounts_and_the_total_in_the_currencys_decimals(
    client, supplier, supplier_user
):
    _po(supplier, "PO-USD", "USD", [("100", "2.5000"), ("3", "0.0125")])
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_detail", args=["PO-USD"]))
    page = response.content.decode()

    assert [line.amount for line in response.context["lines"]] == [
        Decimal("250.00"),
        Decimal("0.04"),
    ]
    assert response.context["total_amount"] == Decimal("250.04")
    assert '<dd id="po-total">250.04 USD</dd>' in page
    # 2.5000 shows as 2.50; a real fourth decimal stays.
    assert "2.50 USD" in page
    assert "2.5000" not in page
    assert "0.0125 USD" in page


def test_a_currency_without_cents_shows_none(client, supplier, buyer):
    _po(supplier, "PO-JPY", "JPY", [("3", "1234.5000")])
    client.force_login(buyer)

    page = client.get(reverse("buyer:po_detail", args=["PO-JPY"])).content.decode()

    assert '<dd id="po-total">3,704 JPY</dd>' in page
    assert "1,234.5 JPY" in page


def test_the_lists_show_each_pos_total(client, supplier, other_supplier, supplier_user, buyer):
    _po(supplier, "PO-A", "USD", [("10", "1.10"), ("1", "0.005")])
    _po(other_supplier, "PO-THEIRS", "KWD", [("2", "1.2345")])

    client.force_login(supplier_user)
    mine = client.get(reverse("suppliers:po_list"))
    client.force_login(buyer)
    everyone = client.get(reverse("buyer:po_list"))

    assert {po["number"]: po["total"] for po in mine.context["page"].object_list} == {
        "PO-A": Decimal("11.01")
    }
    assert {po["number"]: po["total"] for po in everyone.context["page"].object_list} == {
        "PO-A": Decimal("11.01"),
        "PO-THEIRS": Decimal("2.469"),
    }
    assert "11.01 USD" in mine.content.decode()
    assert "2.469 KWD" in everyone.content.decode()


def test_the_api_gives_amounts_as_strings_in_the_currencys_decimals(supplier):
    _po(supplier, "PO-KWD", "KWD", [("3", "1.2345"), ("1", "0.0004")])
    api = client_for(issue_key(supplier=supplier).plaintext)

    detail = api.get("/api/v1/purchase-orders/PO-KWD").json()
    listed = api.get("/api/v1/purchase-orders").json()

    assert (detail["currency"], detail["total_amount"]) == ("KWD", "3.704")
    assert [line["line_amount"] for line in detail["lines"]] == ["3.704", "0.000"]
    assert [(po["number"], po["total_amount"]) for po in listed["results"]] == [("PO-KWD", "3.704")]


def test_a_confirmed_line_is_worth_its_confirmed_quantity_at_its_confirmed_price(
    supplier, supplier_user
):
    purchase_order = _po(supplier, "PO-CONF", "USD", [("100", "2.50"), ("10", "1.00")])
    services.purchase_order_propose_changes(
        actor=supplier_user,
        purchase_order=purchase_order,
        revision=1,
        lines=[
            services.LineProposalInput(
                line_no=1,
                action="change",
                quantity=Decimal("80"),
                unit_price=Decimal("2.40"),
                reason_code="capacity",
            ),
            services.LineProposalInput(line_no=2, action="reject", reason_code="discontinued"),
        ],
    )
    acknowledgment = purchase_order.acknowledgments.get()
    services.change_proposal_accept(actor=None, acknowledgment=acknowledgment)
    api = client_for(issue_key(supplier=supplier).plaintext)

    detail = api.get("/api/v1/purchase-orders/PO-CONF").json()

    assert [line["line_amount"] for line in detail["lines"]] == ["192.00", "0.00"]
    assert detail["total_amount"] == "192.00"


def test_the_csv_export_has_amounts_and_deliveries_of_the_suppliers_own_lines_only(
    client, supplier, other_supplier, supplier_user
):
    _po(supplier, "PO-CSV", "USD", [("100", "2.5000"), ("3", "0.0125")])
    _po(other_supplier, "PO-NOT-MINE", "USD", [("1", "1.00")])
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert response["Content-Type"] == "text/csv"
    assert [
        (r["po_number"], r["line_no"], r["unit_price"], r["line_amount"], r["po_total"])
        for r in rows
    ] == [
        ("PO-CSV", "1", "2.5", "250.00", "250.04"),
        ("PO-CSV", "2", "0.0125", "0.04", "250.04"),
    ]
    assert {r["currency"] for r in rows} == {"USD"}


def test_the_buyers_csv_export_takes_the_lists_filters(client, supplier, other_supplier, buyer):
    _po(supplier, "PO-B1", "USD", [("1", "1.00")], status=PurchaseOrder.Status.CONFIRMED)
    _po(other_supplier, "PO-B2", "EUR", [("2", "1.00")])
    client.force_login(buyer)

    response = client.get(reverse("buyer:po_csv"), {"supplier": other_supplier.code})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert [(r["po_number"], r["currency"], r["po_total"]) for r in rows] == [
        ("PO-B2", "EUR", "2.00")
    ]


def test_the_csv_export_is_for_signed_in_portal_users_only(client, supplier):
    _po(supplier, "PO-ANON", "USD", [("1", "1.00")])

    response = client.get(reverse("suppliers:po_csv"))

    assert response.status_code == 302
