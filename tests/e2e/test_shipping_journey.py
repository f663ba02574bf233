"""Browser journey through shipping: the supplier ships two POs on one ASN (one line in
cases), submits it and reports a delay; the buyer sees it late in the inbound schedule."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from suppliers.models import Shipment
from tests.e2e.helpers import assert_accessible, login, nav_link
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.factories import SupplierItemFactory
from tests.suppliers.shipping_helpers import confirmed_po, line_of


def _iso(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def test_supplier_ships_two_pos_in_cases_reports_a_delay_and_the_buyer_sees_it_late(
    page: Page, live_server, supplier, supplier_user, buyer
):
    bolt = ItemFactory(sku="BOLT-M8", base_uom=UnitOfMeasureFactory(code="EA"))
    cases = UnitOfMeasureFactory(code="CS")
    UomConversionFactory(item=bolt, from_uom=cases, to_uom=bolt.base_uom, factor=12)
    SupplierItemFactory(supplier=supplier, item=bolt, uom=cases)
    promised = timezone.localdate() + datetime.timedelta(days=5)
    confirmed_po(supplier, "PO-1", lines=[("BOLT-M8", "120", "EA")], promised=promised)
    confirmed_po(supplier, "PO-2", lines=[("NUT-M8", "50", "EA")], promised=promised)

    login(page, live_server, supplier_user)
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Shipments", exact=True
    ).click()
    page.get_by_role("link", name="New ASN").click()
    page.get_by_label("ASN number").fill("ASN-100")
    page.get_by_label("Ship date").fill(_iso(0))
    page.get_by_label("Expected delivery").fill(_iso(2))
    page.get_by_label("Carrier").fill("UPS")
    page.get_by_label("PO-1 → DC1").check()
    page.get_by_label("PO-2 → DC1").check()
    page.get_by_role("button", name="Create draft ASN").click()

    expect(page).to_have_url(f"{live_server.url}/orders/shipments/ASN-100/edit/")
    expect(page.get_by_label("Quantity for PO-1 line 1")).to_have_value("120")
    expect(page.get_by_label("Quantity for PO-2 line 1")).to_have_value("50")
    assert_accessible(page)
    page.get_by_label("Quantity for PO-1 line 1").fill("6")
    page.get_by_label("Unit for PO-1 line 1").select_option(label="CS")
    page.get_by_role("button", name="Save and submit").click()

    expect(page).to_have_url(f"{live_server.url}/orders/shipments/ASN-100/")
    expect(page.locator("#asn-status")).to_have_text("Submitted")
    lines = page.locator("#asn-lines tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text("6 CS")
    expect(lines.nth(0)).to_contain_text("72 EA")
    expect(lines.nth(1)).to_contain_text("50 EA")

    page.get_by_label("Milestone").select_option("delayed")
    page.get_by_label("New ETA (delay)").fill(_iso(9))
    page.get_by_label("Delay reason").fill("Port congestion")
    page.get_by_role("button", name="Report").click()

    expect(page.locator("#asn-status")).to_have_text("Delayed")
    expect(page.locator("#asn-eta")).to_contain_text(_iso(9))
    expect(page.locator("#asn-timeline")).to_contain_text("Port congestion")
    shipment = Shipment.objects.get(asn_number="ASN-100")
    assert (shipment.status, shipment.at_risk) == (Shipment.Status.DELAYED, True)
    assert line_of(shipment.lines.first().po_line.purchase_order).shipped_qty == 72

    page.get_by_role("button", name="Log out").click()
    login(page, live_server, buyer)
    nav_link(page, "Inbound", exact=True).click()
    expect(page).to_have_url(re.compile(r"/buyer/inbound/$"))
    asn_rows = page.locator('#inbound tbody tr[data-document="ASN-100"]')
    expect(asn_rows).to_have_count(2)
    for row in asn_rows.all():
        expect(row).to_contain_text(_iso(9))
        expect(row).to_contain_text("Late")
        expect(row).to_contain_text("At risk")
        expect(row).to_have_class(re.compile(r"\blate\b"))
    # PO-1 still has 48 EA open to ship, expected on its promised date, not late.
    open_row = page.locator('#inbound tbody tr[data-document="PO-1"]')
    expect(open_row).to_contain_text("48 EA")
    expect(open_row).not_to_contain_text("Late")
