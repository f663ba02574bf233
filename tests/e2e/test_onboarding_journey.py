"""The onboarding journey in headless Chromium, with MFA on: an admin invites a supplier;
its admin accepts, sets up TOTP, completes the checklist with a document; the admin asks
for a change; the supplier fixes it; the admin approves; the supplier's user sees POs."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from suppliers.models import Supplier
from tests.e2e.helpers import assert_accessible, nav_link
from tests.portal.factories import PASSWORD, totp_code
from tests.suppliers.factories import PurchaseOrderFactory
from tests.suppliers.onboarding_support import PDF_BYTES

ADMIN_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NEW_PASSWORD = "newco-admin-passphrase-2026"


@pytest.fixture(autouse=True)
def journey_settings(settings, tmp_path):
    settings.PORTAL_MFA_REQUIRED = True
    settings.MEDIA_ROOT = tmp_path


def _admin_signs_in(page: Page, live_server, admin) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"sign in", re.IGNORECASE)).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(totp_code(ADMIN_SECRET))
    page.get_by_role("button", name=re.compile(r"sign in", re.IGNORECASE)).click()
    expect(page).to_have_url(f"{live_server.url}/")


def _review(page: Page, live_server, decisions: dict[str, str], comments: dict[str, str]) -> None:
    page.goto(f"{live_server.url}/manage/reviews/")
    page.get_by_role("link", name="Review NEWCO").click()
    for section, decision in decisions.items():
        page.locator(f"input[name={section}_decision][value={decision}]").check()
    for section, comment in comments.items():
        page.locator(f"textarea[name={section}_comment]").fill(comment)
    page.get_by_role("button", name="Record review").click()
    expect(page).to_have_url(f"{live_server.url}/manage/reviews/")


def _add_location(page: Page, name: str, city: str) -> None:
    form = page.locator("#section-locations form").last
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=address_line1]").fill("1 Bolt Way")
    form.locator("input[name=city]").fill(city)
    form.locator("input[name=postal_code]").fill("62701")
    form.locator("input[name=country]").fill("US")
    form.get_by_role("button", name="Add location").click()


def test_admin_invites_supplier_onboards_with_mfa_and_sees_purchase_orders(
    browser: Browser, page: Page, live_server, portal_admin, tmp_path
):
    TOTP.activate(portal_admin, ADMIN_SECRET)

    # 1. The admin creates and invites the supplier.
    _admin_signs_in(page, live_server, portal_admin)
    nav_link(page, "All suppliers").click()
    page.get_by_role("link", name="Invite a supplier").click()
    page.locator("input[name=code]").fill("NEWCO")
    page.locator("input[name=name]").fill("Newco Metals")
    page.locator("input[name=erp_vendor_id]").fill("V-NEWCO")
    page.locator("input[name=admin_email]").fill("nina@newco.example")
    page.get_by_role("button", name="Create and invite").click()
    expect(page.locator("#supplier-status")).to_have_text("Invited")
    link = re.search(r"https?://\S+/onboarding/invitations/\S+", mail.outbox[-1].body).group(0)

    # 2. The supplier's admin accepts in their own browser and signs up.
    supplier_context = browser.new_context()
    supplier_page = supplier_context.new_page()
    supplier_page.goto(link)
    expect(supplier_page.get_by_role("heading", level=1)).to_contain_text("Join Newco Metals")
    assert_accessible(supplier_page)
    supplier_page.get_by_role("link", name="Create your account").click()
    expect(supplier_page.locator("input[name=email]")).to_have_value("nina@newco.example")
    supplier_page.locator("input[name=password1]").fill(NEW_PASSWORD)
    supplier_page.locator("input[name=password2]").fill(NEW_PASSWORD)
    supplier_page.get_by_role("button", name=re.compile(r"sign up", re.IGNORECASE)).click()

    # 3. MFA first: confirm the password, then enter a code from the secret shown.
    expect(supplier_page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    supplier_page.locator("input[name=password]").fill(NEW_PASSWORD)
    supplier_page.get_by_role("button", name=re.compile(r"confirm", re.IGNORECASE)).click()
    expect(supplier_page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = supplier_page.locator("#authenticator_secret").input_value()
    supplier_page.locator("input[name=code]").fill(totp_code(secret))
    supplier_page.get_by_role("button", name="Activate").click()
    expect(supplier_page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))

    # 4. The checklist, section by section, with a document.
    supplier_page.goto(f"{live_server.url}/onboarding/")
    expect(supplier_page.locator("#onboarding-progress")).to_contain_text("0 of 4")
    assert_accessible(supplier_page)
    profile = supplier_page.locator("#section-profile form")
    for name, value in {
        "legal_name": "Newco Metals LLC",
        "tax_id": "12-3456789",
        "address_line1": "1 Bolt Way",
        "city": "Springfield",
        "postal_code": "62701",
        "country": "US",
        "bank_account_name": "Newco Metals LLC",
        "bank_account_number": "000123456789",
        "bank_routing": "021000021",
    }.items():
        profile.locator(f"input[name={name}]").fill(value)
    profile.locator("textarea[name=remit_to]").fill("PO Box 1, Springfield IL")
    profile.get_by_role("button", name="Save profile").click()
    expect(supplier_page.locator("#bank-masked")).to_have_text("On file: •••• 6789")
    for role in ("orders", "shipping", "accounts_receivable"):
        form = supplier_page.locator("#section-contacts form").last
        form.locator("select[name=role]").select_option(role)
        form.locator("input[name=name]").fill(f"{role} lead")
        form.locator("input[name=email]").fill(f"{role}@newco.example")
        form.get_by_role("button", name="Add contact").click()
        expect(supplier_page.locator(".messages")).to_contain_text("Contact added.")
    _add_location(supplier_page, "Main plant", "Springfield")
    w9 = tmp_path / "w9.pdf"
    w9.write_bytes(PDF_BYTES)
    insurance = tmp_path / "insurance.pdf"
    insurance.write_bytes(PDF_BYTES)
    for label, path, expires in (
        ("W-9 tax form", w9, ""),
        ("Insurance certificate", insurance, "2099-12-31"),
    ):
        form = supplier_page.locator("#section-documents form").last
        form.locator("select[name=document_type]").select_option(label=label)
        form.locator("input[name=file]").set_input_files(str(path))
        if expires:
            form.locator("input[name=expires_on]").fill(expires)
        form.get_by_role("button", name="Upload document").click()
        expect(supplier_page.locator(".messages")).to_contain_text("Document uploaded.")
    expect(supplier_page.locator("#onboarding-progress")).to_contain_text("4 of 4")
    supplier_page.get_by_role("button", name="Submit for review").click()
    expect(supplier_page.locator("#supplier-status")).to_have_text("Pending approval")

    # 5. The admin asks for one change.
    _review(
        page,
        live_server,
        {
            "profile": "approve",
            "contacts": "approve",
            "locations": "changes",
            "documents": "approve",
        },
        {"locations": "Add the Dallas warehouse you ship from."},
    )
    expect(page.locator(".messages")).to_contain_text("Changes requested from NEWCO")

    # 6. The supplier sees the comment, fixes it and resubmits.
    supplier_page.goto(f"{live_server.url}/onboarding/")
    expect(supplier_page.locator("#section-locations")).to_contain_text(
        "Add the Dallas warehouse you ship from."
    )
    _add_location(supplier_page, "Dallas", "Dallas")
    supplier_page.get_by_role("button", name="Submit for review").click()
    expect(supplier_page.locator("#supplier-status")).to_have_text("Pending approval")

    # 7. The admin approves every section.
    _review(
        page,
        live_server,
        {s: "approve" for s in ("profile", "contacts", "locations", "documents")},
        {},
    )
    expect(page.locator(".messages")).to_contain_text("NEWCO is approved and active.")
    supplier = Supplier.objects.get(code="NEWCO")
    assert supplier.status == Supplier.Status.ACTIVE
    assert supplier.activated_at > supplier.invited_at

    # 8. The supplier's user sees their purchase orders.
    PurchaseOrderFactory(supplier=supplier, number="PO-NEWCO-1")
    supplier_page.goto(f"{live_server.url}/")
    supplier_page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Purchase orders"
    ).click()
    expect(supplier_page.locator("#po-results")).to_contain_text("PO-NEWCO-1")
    supplier_context.close()
