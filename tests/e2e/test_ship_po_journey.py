"""Browser journey on a 390 px phone (issue 21): the supplier opens a confirmed PO, ships
it with one click, picks the carrier from the list, labels the package, submits the ASN,
downloads the packing slip and the SSCC labels, reports the pickup and sees the ASN in
transit with its tracking number as a link."""

import datetime
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from suppliers.models import Shipment
from suppliers.services.schedule_lines import schedule_lines_replace
from tests.e2e.helpers import assert_accessible, login, nav_link
from tests.suppliers.shipping_helpers import confirmed_po, line_of

PHONE = {"width": 390, "height": 844}
SSCC = "034567890123456786"


def _overflow(page: Page) -> int:
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


def test_supplier_ships_a_po_in_one_click_prints_its_papers_and_sees_it_in_transit_on_a_phone(
    page: Page, live_server, supplier, supplier_user
):
    due = timezone.localdate() + datetime.timedelta(days=4)
    purchase_order = confirmed_po(supplier, "PO-100045", lines=[("BOLT-M8", "120", "EA")])
    later = due + datetime.timedelta(days=21)
    schedule_lines_replace(
        [(line_of(purchase_order), [(Decimal("80"), due), (Decimal("40"), later)], None)]
    )
    page.set_viewport_size(PHONE)

    login(page, live_server, supplier_user)
    nav_link(page, "Purchase orders", exact=True).click()
    page.get_by_role("link", name="PO-100045").click()
    assert _overflow(page) == 0
    page.get_by_role("button", name="Ship this PO").click()

    expect(page).to_have_url(f"{live_server.url}/orders/shipments/ASN-000001/edit/")
    expect(page.get_by_label("ASN number")).to_have_value("ASN-000001")
    expect(page.get_by_label("Quantity for PO-100045 line 1")).to_have_value("80")
    expect(page.get_by_label("Expected delivery")).to_have_value(due.isoformat())
    expect(page.locator("#carrier-options option")).to_have_count(5)
    assert_accessible(page)
    page.get_by_label("Carrier").fill("UPS")
    page.get_by_label("Tracking number").fill("1Z999AA10123456784")
    page.get_by_label("Weight (kg)").fill("18.5")
    page.get_by_label("SSCC labels").fill(SSCC)
    assert _overflow(page) == 0
    page.get_by_role("button", name="Save and submit").click()

    expect(page).to_have_url(f"{live_server.url}/orders/shipments/ASN-000001/")
    expect(page.locator("#asn-status")).to_have_text("Submitted")
    assert_accessible(page)
    tracking = page.locator("#asn-tracking a")
    expect(tracking).to_have_attribute(
        "href", "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    )
    assert _overflow(page) == 0
    for name, filename in (
        ("Packing slip (PDF)", "packing-slip-ASN-000001.pdf"),
        ("SSCC labels (PDF)", "sscc-labels-ASN-000001.pdf"),
    ):
        href = page.get_by_role("link", name=name).get_attribute("href")
        response = page.request.get(f"{live_server.url}{href}")
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        assert filename in response.headers["content-disposition"]
        body = response.body()
        assert body.startswith(b"%PDF-") and len(body) > 1000

    page.get_by_label("Milestone").select_option("picked_up")
    page.get_by_role("button", name="Report").click()

    expect(page.locator("#asn-status")).to_have_text("In transit")
    shipment = Shipment.objects.get(asn_number="ASN-000001")
    assert shipment.status == Shipment.Status.IN_TRANSIT
    assert (shipment.carrier, shipment.packages.get().sscc) == ("UPS", SSCC)
    assert [line.quantity for line in shipment.lines.all()] == [Decimal("80")]
