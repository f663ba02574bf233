"""Browser journey under the Content-Security-Policy (issue 18): the pages that used inline
handlers (a confirm before cancelling, select boxes that submit themselves), htmx filters,
Swagger UI and the admin all work, and the browser reports no CSP violation."""

import re

import pytest
from playwright.sync_api import Page, expect

from suppliers.models import Shipment
from tests.e2e.helpers import expect_htmx_loaded, login
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship


@pytest.fixture
def violations(page: Page) -> list[str]:
    """CSP violations the browser reports, from the console and the DOM event."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text or "Permissions-Policy" in message.text
            else None
        ),
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective));"
    )
    return found


def test_a_supplier_buyer_and_admin_journey_runs_with_no_csp_violation(
    page: Page, live_server, supplier, supplier_user, buyer, portal_admin, violations
):
    purchase_order = confirmed_po(supplier, "PO-1")
    ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")], submit=False)

    login(page, live_server, supplier_user)
    page.goto(f"{live_server.url}/orders/")
    expect_htmx_loaded(page)
    page.get_by_role("link", name="Shipments", exact=True).first.click()
    page.get_by_role("link", name="ASN-1").click()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Cancel ASN").click()
    expect(page.get_by_role("button", name="Cancel ASN")).to_be_visible()
    assert Shipment.objects.get().status == Shipment.Status.DRAFT
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel ASN").click()
    expect(page.get_by_role("button", name="Cancel ASN")).to_have_count(0)
    assert Shipment.objects.get().status == Shipment.Status.CANCELLED

    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Supplier Portal API")

    page.context.clear_cookies()
    login(page, live_server, buyer)
    page.goto(f"{live_server.url}/buyer/reviews/")
    page.get_by_label("Supplier").select_option(label=f"{supplier.code} {supplier.name}")
    expect(page).to_have_url(re.compile(rf"\?supplier={supplier.code}$"))

    page.context.clear_cookies()
    login(page, live_server, portal_admin)
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    assert violations == []
