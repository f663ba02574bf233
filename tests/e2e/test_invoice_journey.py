"""Browser journey through invoicing against a real trytond: the supplier flips a receipt
of a Tryton purchase into an invoice, it goes on hold for a price variance, the supplier
disputes, the buyer sees the hold in the AP queue and accepts the variance, the invoice is
approved, and Tryton holds the draft supplier invoice on the purchase lines.

The Tryton side (`tests/erp/conftest.py`: a trytond over a copy of the cached template
database, started once per session) is set up through the services and the pulls, as in
the erp tests; only the invoicing is clicked."""

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from integrations.services import dispatch
from suppliers import services
from suppliers.erp import tryton as erp_tryton
from suppliers.models import Invoice, PurchaseOrder, Receipt
from tests.e2e.helpers import assert_accessible, login
from tests.erp import conftest as erp_conftest
from tests.erp import helpers as erp

pytestmark = pytest.mark.erp
# The erp tests' fixtures (one trytond per session over the cached template database).
trytond_server = erp_conftest.trytond_server
tryton = erp_conftest.tryton
tryton_connector = erp_conftest.tryton_connector

TODAY = datetime.date.today()


def _received_tryton_po(client, connector, supplier_user) -> tuple[dict, PurchaseOrder]:
    """100 bolts at 2.50 bought in Tryton, pulled, shipped by the supplier, received in
    Tryton and pulled back as the portal's receipt."""
    data = erp.portal_master_data()
    supplier_user.supplier_membership.supplier = data["fasteners"]
    supplier_user.supplier_membership.save()
    purchase = erp.create_purchase(
        client, supplier="V-TRY01", warehouse="DAL1", lines=[("TRY-BOLT-M8", "100", "2.50")]
    )
    erp_tryton.purchases_pull(connector=connector)
    po = PurchaseOrder.objects.get(number=purchase["number"])
    services.purchase_order_accept(actor=supplier_user, purchase_order=po, revision=po.revision)
    po = PurchaseOrder.objects.get(pk=po.pk)
    shipment = services.asn_create(
        actor=supplier_user,
        supplier=po.supplier,
        header=services.AsnHeader(
            asn_number=f"ASN-{po.number}",
            ship_date=TODAY,
            expected_delivery=TODAY + datetime.timedelta(days=3),
        ),
        lines=[services.AsnLineInput(po_line=po.lines.get(), quantity=Decimal(100))],
    )
    services.asn_submit(actor=supplier_user, shipment=shipment)
    connector.refresh_from_db()
    dispatch.dispatch_batch(connector)
    (tryton_shipment,) = erp.shipments_of(client, f"ASN-{po.number}")
    erp.receive(client, tryton_shipment["id"])
    erp_tryton.receipts_pull(connector=connector)
    return purchase, po


def test_supplier_invoices_a_receipt_disputes_the_hold_the_buyer_accepts_and_tryton_has_it(
    page: Page, live_server, supplier_user, buyer, tryton, tryton_connector
):
    purchase, po = _received_tryton_po(tryton, tryton_connector, supplier_user)
    receipt = Receipt.objects.get(shipment__asn_number=f"ASN-{po.number}")
    number = f"INV-{po.number}"

    login(page, live_server, supplier_user)
    page.goto(f"{live_server.url}/orders/invoices/new/receipt/{receipt.pk}/")
    expect(page.locator("[name=quantity_1]")).to_have_value("100")
    assert_accessible(page)
    page.get_by_label("Invoice number").fill(number)
    page.get_by_label("Invoice date").fill(TODAY.isoformat())
    page.locator("[name=unit_price_1]").fill("2.60")
    page.get_by_role("button", name="Submit invoice").click()

    expect(page).to_have_url(f"{live_server.url}/orders/invoices/{number}/")
    expect(page.locator("#invoice-status")).to_have_text("On hold")
    expect(page.locator("#hold-reasons")).to_contain_text("Price 2.6 per EA is above the PO's 2.5")
    page.get_by_label("Reason").select_option("price")
    page.get_by_label("Amount").fill("10")
    page.get_by_label("Message").fill("Our price list changed on March 1st.")
    page.get_by_role("button", name="Open a dispute").click()
    expect(page.locator("#dispute-status")).to_have_text("Open")

    page.context.clear_cookies()
    login(page, live_server, buyer)
    page.goto(f"{live_server.url}/buyer/invoices/holds/")
    expect(page.locator("#ap-queue tbody tr")).to_have_count(1)
    expect(page.locator("#ap-queue")).to_contain_text(number)
    page.goto(f"{live_server.url}/buyer/invoices/disputes/")
    page.locator("#dispute-list a").first.click()
    expect(page.locator("#dispute-thread")).to_contain_text("Our price list changed")
    page.get_by_label("Resolution").select_option("accept_variance")
    page.get_by_label("Note").fill("New price list agreed by purchasing.")
    page.get_by_role("button", name="Resolve").click()

    expect(page.locator("#dispute-status")).to_have_text("Resolved")
    page.get_by_role("link", name=f"Invoice {number}").click()
    expect(page.locator("#invoice-status")).to_have_text("Approved")
    assert Invoice.objects.get(number=number).status == Invoice.Status.APPROVED

    # The outbox worker's turn: Tryton holds the draft supplier invoice.
    tryton_connector.refresh_from_db()
    assert dispatch.dispatch_batch(tryton_connector).failed == 0
    (draft,) = erp.supplier_invoices(tryton, number)
    (line,) = erp.invoice_lines(tryton, draft["lines"])
    (purchase_line,) = erp.purchase_lines(tryton, purchase["id"])
    assert (draft["state"], draft["total_amount"]) == ("draft", Decimal("260.00"))
    assert (line["origin"], line["quantity"], line["unit_price"]) == (
        f"purchase.line,{purchase_line['id']}",
        100.0,
        Decimal("2.60"),
    )
