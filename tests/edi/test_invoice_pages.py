"""Invoice pages: a supplier sees the invoices it sent (810), a buyer sees every
supplier's, with links to the PO; another supplier's invoice is a 404."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.models import Channel
from integrations.services.edi_intake import edi_file_import
from suppliers.models import Invoice
from suppliers.services import InvoiceLineInput, invoice_record
from tests.edi.conftest import confirmed_po
from tests.edi.helpers import partner_file
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db


def _invoice(supplier, number: str, *, po_number: str, lines: int = 1) -> Invoice:
    purchase_order = PurchaseOrderFactory(supplier=supplier, number=po_number)
    po_lines = [
        PurchaseOrderLineFactory(purchase_order=purchase_order, line_no=n)
        for n in range(1, lines + 1)
    ]
    return invoice_record(
        actor="test",
        supplier=supplier,
        purchase_order=purchase_order,
        number=number,
        invoice_date=datetime.date(2024, 3, 10),
        currency="USD",
        total_amount=Decimal("2.50") * lines,
        lines=[
            InvoiceLineInput(
                line_no=line.line_no,
                quantity=Decimal("10"),
                uom_code="EA",
                unit_price=Decimal("0.25"),
                po_line=line,
                supplier_sku=f"AC-{line.line_no}",
            )
            for line in po_lines
        ],
        channel=Channel.EDI,
    )


def _numbers(response) -> list[str]:
    return [invoice.number for invoice in response.context["page"].object_list]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_a_supplier_sees_only_its_own_invoices(client, supplier, other_supplier, supplier_user):
    _invoice(supplier, "INV-A1", po_number="PO-A1")
    _invoice(supplier, "INV-A2", po_number="PO-A2")
    _invoice(other_supplier, "INV-G1", po_number="PO-G1")
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:invoice_list"))

    assert response.status_code == 200
    assert sorted(_numbers(response)) == ["INV-A1", "INV-A2"]
    assert b"INV-G1" not in response.content


def test_another_suppliers_invoice_is_a_404_for_an_outsider(client, supplier, outsider):
    _invoice(supplier, "INV-A1", po_number="PO-A1")
    client.force_login(outsider)

    response = client.get(reverse("suppliers:invoice_detail", args=["INV-A1"]))

    assert response.status_code == 404
    assert b"INV-A1" not in response.content


def test_the_same_invoice_number_at_two_suppliers_shows_each_its_own(
    client, supplier, other_supplier, supplier_user, outsider
):
    _invoice(supplier, "INV-1", po_number="PO-ACME-1")
    _invoice(other_supplier, "INV-1", po_number="PO-GLOBEX-1")
    url = reverse("suppliers:invoice_detail", args=["INV-1"])

    client.force_login(supplier_user)
    mine = client.get(url)
    client.force_login(outsider)
    theirs = client.get(url)

    assert mine.context["invoice"].purchase_order.number == "PO-ACME-1"
    assert theirs.context["invoice"].purchase_order.number == "PO-GLOBEX-1"


def test_the_supplier_invoice_page_shows_lines_and_links_to_the_suppliers_po(
    client, supplier, supplier_user
):
    _invoice(supplier, "INV-A1", po_number="PO-A1", lines=2)
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:invoice_detail", args=["INV-A1"]))

    assert response.status_code == 200
    assert [
        (line.line_no, line.po_line.line_no, line.quantity, line.amount)
        for line in response.context["lines"]
    ] == [(1, 1, Decimal("10"), Decimal("2.5000")), (2, 2, Decimal("10"), Decimal("2.5000"))]
    assert response.context["lines_total"] == Decimal("5")
    po_url = reverse("suppliers:po_detail", args=["PO-A1"]).encode()
    assert b'href="' + po_url + b'" id="invoice-po"' in response.content
    assert reverse("buyer:po_detail", args=["PO-A1"]).encode() not in response.content


def test_a_buyer_sees_every_suppliers_invoices(client, supplier, other_supplier, buyer):
    _invoice(supplier, "INV-A1", po_number="PO-A1")
    _invoice(other_supplier, "INV-G1", po_number="PO-G1")
    client.force_login(buyer)

    response = client.get(reverse("buyer:invoice_list"))

    assert response.status_code == 200
    assert sorted(_numbers(response)) == ["INV-A1", "INV-G1"]
    assert reverse("buyer:invoice_detail", args=["GLOBEX", "INV-G1"]).encode() in response.content
    assert reverse("buyer:po_detail", args=["PO-G1"]).encode() in response.content


def test_a_buyer_filters_invoices_by_supplier_and_by_po_number(
    client, supplier, other_supplier, buyer
):
    _invoice(supplier, "INV-A1", po_number="PO-A1")
    _invoice(supplier, "INV-A2", po_number="PO-A2")
    _invoice(other_supplier, "INV-G1", po_number="PO-G1")
    client.force_login(buyer)
    url = reverse("buyer:invoice_list")

    by_supplier = client.get(url, {"supplier": "ACME"})
    by_po = client.get(url, {"po": "po-a2"})
    both = client.get(url, {"supplier": "GLOBEX", "po": "PO-A2"})

    assert sorted(_numbers(by_supplier)) == ["INV-A1", "INV-A2"]
    assert _numbers(by_po) == ["INV-A2"]
    assert _numbers(both) == []


def test_a_supplier_filters_its_invoices_by_po_number(client, supplier, supplier_user):
    _invoice(supplier, "INV-A1", po_number="PO-A1")
    _invoice(supplier, "INV-A2", po_number="PO-A2")
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:invoice_list"), {"po": "PO-A1"})

    assert _numbers(response) == ["INV-A1"]


def test_the_buyer_invoice_page_names_the_supplier_and_links_to_the_buyers_po(
    client, supplier, other_supplier, buyer
):
    _invoice(supplier, "INV-1", po_number="PO-ACME-1")
    _invoice(other_supplier, "INV-1", po_number="PO-GLOBEX-1")
    client.force_login(buyer)

    response = client.get(reverse("buyer:invoice_detail", args=["GLOBEX", "INV-1"]))

    assert response.status_code == 200
    assert response.context["invoice"].purchase_order.number == "PO-GLOBEX-1"
    po_url = reverse("buyer:po_detail", args=["PO-GLOBEX-1"]).encode()
    assert b'href="' + po_url + b'" id="invoice-po"' in response.content


def test_a_buyer_asking_for_an_invoice_under_the_wrong_supplier_gets_a_404(
    client, supplier, other_supplier, buyer
):
    _invoice(supplier, "INV-A1", po_number="PO-A1")
    client.force_login(buyer)

    response = client.get(reverse("buyer:invoice_detail", args=["GLOBEX", "INV-A1"]))

    assert response.status_code == 404


def test_supplier_users_cannot_open_the_buyer_invoice_pages(client, supplier, supplier_user):
    _invoice(supplier, "INV-A1", po_number="PO-A1")
    client.force_login(supplier_user)

    list_status = client.get(reverse("buyer:invoice_list")).status_code
    detail_status = client.get(reverse("buyer:invoice_detail", args=["ACME", "INV-A1"])).status_code

    assert (list_status, detail_status) == (403, 403)


def test_the_supplier_invoice_list_runs_a_constant_number_of_queries(
    client, supplier, supplier_user
):
    client.force_login(supplier_user)
    url = reverse("suppliers:invoice_list")
    _invoice(supplier, "INV-1", po_number="PO-1", lines=1)
    few = _queries(client, url)

    for n in range(2, 8):
        _invoice(supplier, f"INV-{n}", po_number=f"PO-{n}", lines=3)
    many = _queries(client, url)

    assert many == few


def test_the_buyer_invoice_list_runs_a_constant_number_of_queries(
    client, supplier, other_supplier, buyer
):
    client.force_login(buyer)
    url = reverse("buyer:invoice_list")
    _invoice(supplier, "INV-1", po_number="PO-1", lines=1)
    few = _queries(client, url)

    for n in range(2, 5):
        _invoice(supplier, f"INV-{n}", po_number=f"PO-{n}", lines=3)
        _invoice(other_supplier, f"INV-G{n}", po_number=f"PO-G{n}", lines=2)
    many = _queries(client, url)

    assert many == few


def test_the_invoice_detail_runs_a_constant_number_of_queries(client, supplier, supplier_user):
    client.force_login(supplier_user)
    _invoice(supplier, "INV-1", po_number="PO-1", lines=1)
    _invoice(supplier, "INV-2", po_number="PO-2", lines=6)

    one_line = _queries(client, reverse("suppliers:invoice_detail", args=["INV-1"]))
    six_lines = _queries(client, reverse("suppliers:invoice_detail", args=["INV-2"]))

    assert six_lines == one_line


def test_an_invoice_received_by_edi_appears_on_the_suppliers_invoice_page(
    client, supplier, supplier_user, edi_partner
):
    confirmed_po(supplier, "PO-810")
    body = [
        "810", "BIG*20240310*INV-77**PO-810", "CUR*SE*USD",
        "IT1*1*48*EA*0.25**VP*AC-PO-810", "TDS*1200",
    ]  # fmt: skip
    edi_file_import(data=partner_file([body], functional_id="IN"))
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:invoice_detail", args=["INV-77"]))

    assert response.status_code == 200
    assert [(line.supplier_sku, line.quantity) for line in response.context["lines"]] == [
        ("AC-PO-810", Decimal("48"))
    ]
    assert response.context["invoice"].total_amount == Decimal("12.00")
