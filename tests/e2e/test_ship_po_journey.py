"""Browser journeys on a 390 px phone (issue 21): the supplier opens a confirmed PO, ships
it with one click, picks the carrier from the list, labels the package, submits the ASN,
downloads the packing slip and the SSCC labels, reports the pickup and sees the ASN in
transit with its tracking number as a link; and, from the new-PO e-mail on, accepts the PO
from the e-mail's link, ships it with the labels the portal numbers, and prints them."""

import datetime
import io
import re
from decimal import Decimal

from django.core import mail
from django.utils import timezone
from import_export.formats import base_formats
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from suppliers.models import PurchaseOrder, Shipment
from suppliers.resources.purchase_orders import PurchaseOrderResource
from suppliers.services.schedule_lines import schedule_lines_replace
from suppliers.services.sscc import sscc_compose
from tests.e2e.helpers import assert_accessible, login, nav_link
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.portal.factories import PASSWORD
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


def test_a_supplier_on_a_phone_accepts_a_new_po_from_its_email_ships_it_and_prints_its_labels(
    page: Page, live_server, settings, supplier, supplier_user, portal_admin, eager_tasks
):
    settings.PORTAL_SITE_URL = live_server.url
    supplier.gs1_company_prefix = "0614141"
    supplier.save(update_fields=["gs1_company_prefix"])
    WarehouseFactory(code="DC1", name="Main DC")
    UnitOfMeasureFactory(code="EA")
    ItemFactory(sku="BOLT-M8")
    due = timezone.localdate() + datetime.timedelta(days=6)
    dataset = base_formats.CSV().create_dataset(
        "po_number,supplier,ship_to,line_no,sku,ordered_qty,uom,unit_price,requested_date\n"
        f"PO-100046,ACME,DC1,1,BOLT-M8,120,EA,0.40,{due.isoformat()}\n"
    )
    result = PurchaseOrderResource().import_data(dataset, dry_run=False, user=portal_admin)
    assert not result.has_errors() and not result.invalid_rows

    [email] = [m for m in mail.outbox if m.subject == "New purchase order PO-100046"]
    assert email.to == [supplier_user.email]
    link = re.search(r"Open it: (\S+)", email.body).group(1)
    assert link == f"{live_server.url}/orders/PO-100046/#ack-panel"
    page.set_viewport_size(PHONE)
    page.goto(link)
    # Signed out: the e-mail's link goes through the login page and back to the PO.
    page.get_by_label(re.compile(r"^Email:?$")).fill(supplier_user.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"sign in", re.IGNORECASE)).click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/orders/PO-100046/"))
    assert _overflow(page) == 0
    page.get_by_role("button", name="Accept as ordered").click()

    expect(page.get_by_role("button", name="Ship this PO")).to_be_visible()
    assert PurchaseOrder.objects.get(number="PO-100046").status == PurchaseOrder.Status.CONFIRMED
    page.get_by_role("button", name="Ship this PO").click()

    expect(page).to_have_url(f"{live_server.url}/orders/shipments/ASN-000001/edit/")
    first, second = sscc_compose("0614141", 1), sscc_compose("0614141", 2)
    expect(page.get_by_label("SSCC labels")).to_have_value(first)
    page.get_by_label("Packages").fill("2")
    page.get_by_label("Package weights (kg)").fill("9.5\n8")
    assert _overflow(page) == 0
    page.get_by_role("button", name="Save and submit").click()

    expect(page.locator("#asn-status")).to_have_text("Submitted")
    href = page.get_by_role("link", name="SSCC labels (PDF)").get_attribute("href")
    labels = page.request.get(f"{live_server.url}{href}")
    assert labels.status == 200
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(labels.body())).pages]
    assert len(pages) == 2
    assert f"(00) {first}" in pages[0] and "Weight 9.5 kg" in pages[0]
    assert f"(00) {second}" in pages[1] and "Weight 8 kg" in pages[1]
    page.get_by_label("Milestone").select_option("picked_up")
    page.get_by_role("button", name="Report").click()

    expect(page.locator("#asn-status")).to_have_text("In transit")
    assert _overflow(page) == 0
    shipment = Shipment.objects.get(asn_number="ASN-000001")
    assert [(p.sscc, p.weight_kg) for p in shipment.packages.order_by("sequence")] == [
        (first, Decimal("9.500")),
        (second, Decimal("8.000")),
    ]
