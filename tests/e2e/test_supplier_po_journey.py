"""Browser journeys through the purchase order pages, in headless Chromium."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from suppliers.models import PurchaseOrder
from tests.e2e.helpers import assert_accessible, expect_htmx_loaded, login, nav_link, result_rows
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory


def _po(supplier, number: str, status: str, days_ago: int, lines: list[tuple]) -> PurchaseOrder:
    purchase_order = PurchaseOrderFactory(
        supplier=supplier,
        number=number,
        status=status,
        ship_to=WarehouseFactory(code="DAL"),
        issued_at=timezone.now() - datetime.timedelta(days=days_ago),
    )
    for line_no, (sku, qty, uom_code) in enumerate(lines, start=1):
        PurchaseOrderLineFactory(
            purchase_order=purchase_order,
            line_no=line_no,
            item=ItemFactory(sku=sku),
            ordered_qty=Decimal(qty),
            uom=UnitOfMeasureFactory(code=uom_code),
        )
    return purchase_order


@pytest.fixture
def purchase_orders(supplier, other_supplier):
    """Three Acme POs and two Globex ones; Globex also orders BOLT-M8, so a SKU search
    that leaked across suppliers would show it."""
    return {
        "A1": _po(
            supplier, "PO-A1", "issued", 1, [("BOLT-M8", "120", "EA"), ("NUT-M8", "10", "CS")]
        ),
        "A2": _po(supplier, "PO-A2", "confirmed", 2, [("WASHER-10", "500", "EA")]),
        "A3": _po(supplier, "PO-A3", "issued", 3, [("NUT-M8", "4", "CS")]),
        "G1": _po(other_supplier, "PO-G1", "issued", 1, [("BOLT-M8", "60", "EA")]),
        "G2": _po(other_supplier, "PO-G2", "confirmed", 2, [("TAPE-48", "24", "EA")]),
    }


def test_supplier_filters_po_list_opens_a_po_and_gets_404_for_another_suppliers_po(
    page: Page, live_server, supplier_user, outsider, purchase_orders
):
    login(page, live_server, supplier_user)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Purchase orders").click()
    expect(page).to_have_url(f"{live_server.url}/orders/")
    expect_htmx_loaded(page)
    expect(result_rows(page)).to_have_count(3)
    expect(page.locator("#po-results")).to_contain_text("3 purchase orders")
    for number in ("PO-A1", "PO-A2", "PO-A3"):
        expect(page.get_by_role("link", name=number, exact=True)).to_be_visible()
    expect(page.get_by_text("PO-G1")).to_have_count(0)
    expect(page.get_by_text("PO-G2")).to_have_count(0)

    # A marker on `window` survives an htmx swap but not a full page load.
    page.evaluate("window.__sameDocument = true")

    page.get_by_label("Status").select_option("confirmed")
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text("PO-A2")
    expect(page.locator("#po-results")).to_contain_text("1 purchase order")
    expect(page).to_have_url(re.compile(r"/orders/\?status=confirmed(&|$)"))
    assert page.evaluate("window.__sameDocument") is True

    page.get_by_label("Status").select_option("")
    expect(result_rows(page)).to_have_count(3)

    # Typing fires the keyup trigger; the other supplier's BOLT-M8 PO must not appear.
    page.get_by_label("Search").press_sequentially("bolt-m8")
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text("PO-A1")
    expect(page).to_have_url(re.compile(r"[?&]q=bolt-m8(&|$)"))

    page.get_by_label("Search").fill("PO-A3")
    page.get_by_role("button", name="Filter").click()
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text("PO-A3")
    expect(page).to_have_url(re.compile(r"[?&]q=PO-A3(&|$)"))

    page.get_by_label("Search").fill("PO-G1")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#po-results")).to_contain_text("No purchase orders match these filters.")
    expect(result_rows(page)).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True

    page.get_by_label("Search").fill("")
    page.get_by_role("button", name="Filter").click()
    expect(result_rows(page)).to_have_count(3)
    page.get_by_role("link", name="PO-A1", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/orders/PO-A1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("PO PO-A1")
    lines = page.locator("#po-lines tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.nth(0).locator("td").nth(1)).to_contain_text("BOLT-M8")
    expect(lines.nth(0).locator("td").nth(3)).to_have_text("120 EA")
    expect(lines.nth(1).locator("td").nth(1)).to_contain_text("NUT-M8")
    expect(lines.nth(1).locator("td").nth(3)).to_have_text("10 CS")

    response = page.goto(f"{live_server.url}/orders/PO-G1/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_accessible(page)
    expect(page.get_by_text("PO-G1")).to_have_count(0)
    expect(page.get_by_text("BOLT-M8")).to_have_count(0)


def test_buyer_filters_po_list_by_supplier_and_sees_only_that_suppliers_pos(
    page: Page, live_server, buyer, purchase_orders
):
    login(page, live_server, buyer)

    nav_link(page, "All purchase orders").click()
    expect(page).to_have_url(f"{live_server.url}/buyer/orders/")
    expect_htmx_loaded(page)
    expect(result_rows(page)).to_have_count(5)

    page.get_by_label("Supplier").select_option("GLOBEX")
    expect(result_rows(page)).to_have_count(2)
    for row in result_rows(page).all():
        expect(row.locator("td").nth(1)).to_have_text("GLOBEX Globex Packaging")
    expect(page.get_by_role("link", name="PO-G1", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="PO-G2", exact=True)).to_be_visible()
    expect(page.get_by_text("PO-A1")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"[?&]supplier=GLOBEX(&|$)"))
