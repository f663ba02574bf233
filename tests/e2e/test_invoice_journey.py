"""Browser journey through invoicing: the supplier flips a receipt into an invoice, it
goes on hold for a price variance, the supplier disputes, the buyer sees the hold in the
AP queue and accepts the variance, and the invoice is approved. (Tryton's draft invoice is
the Tryton connector's journey.)"""

from playwright.sync_api import Page, expect

from suppliers.models import Invoice, Receipt
from tests.e2e.helpers import assert_accessible, login
from tests.suppliers.invoicing_helpers import received_line


def test_supplier_invoices_a_receipt_disputes_the_hold_and_the_buyer_accepts(
    page: Page, live_server, supplier, supplier_user, buyer
):
    received_line(supplier)
    receipt = Receipt.objects.get()

    login(page, live_server, supplier_user)
    page.goto(f"{live_server.url}/orders/invoices/new/receipt/{receipt.pk}/")
    expect(page.locator("[name=quantity_1]")).to_have_value("100")
    assert_accessible(page)
    page.get_by_label("Invoice number").fill("INV-E2E-1")
    page.get_by_label("Invoice date").fill("2026-03-20")
    page.locator("[name=unit_price_1]").fill("2.60")
    page.get_by_role("button", name="Submit invoice").click()

    expect(page).to_have_url(f"{live_server.url}/orders/invoices/INV-E2E-1/")
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
    expect(page.locator("#ap-queue")).to_contain_text("INV-E2E-1")
    page.goto(f"{live_server.url}/buyer/invoices/disputes/")
    page.locator("#dispute-list a").first.click()
    expect(page.locator("#dispute-thread")).to_contain_text("Our price list changed")
    page.get_by_label("Resolution").select_option("accept_variance")
    page.get_by_label("Note").fill("New price list agreed by purchasing.")
    page.get_by_role("button", name="Resolve").click()

    expect(page.locator("#dispute-status")).to_have_text("Resolved")
    page.get_by_role("link", name="Invoice INV-E2E-1").click()
    expect(page.locator("#invoice-status")).to_have_text("Approved")
    assert Invoice.objects.get(number="INV-E2E-1").status == Invoice.Status.APPROVED
