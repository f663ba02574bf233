"""The layout from a 390 px phone up (issue 21): every page a role's navigation reaches, and
the PO, ASN and audit pages, fit the screen without sideways scrolling at 390 px and on a
desktop; the navigation collapses behind "Menu" on the phone, groups pages by task, keeps
"Log out" on screen, and is usable by keyboard (skip link, Escape) and by thumb (44 px)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_accessible, axe_violations, login
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TOUCH = 44


@pytest.fixture
def documents(supplier, supplier_user):
    """A PO awaiting acknowledgment with long SKUs, a confirmed PO and its ASN."""
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-100044", lines=6)
    shipped = confirmed_po(
        supplier,
        "PO-100045",
        lines=[("FASTENER-HEX-BOLT-M8X40-ZINC-PLATED", "120", "EA"), ("NUT-M8", "50", "EA")],
    )
    ship(supplier, supplier_user, "ASN-2026-000123", [(line_of(shipped), "120")], submit=True)
    return {"po": "PO-100044", "asn": "ASN-2026-000123"}


def _overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)"
    )


def _nav_urls(page: Page) -> list[str]:
    return page.locator("#main-nav a").evaluate_all("links => links.map(a => a.href)")


DUPLICATE_IDS = """() => {
  const seen = {};
  for (const el of document.querySelectorAll("[id]")) seen[el.id] = (seen[el.id] || 0) + 1;
  return Object.keys(seen).filter(id => seen[id] > 1);
}"""


def _sideways(page: Page, urls: list[str]) -> list[str]:
    """The pages that scroll sideways at the current window size, with by how much, the
    pages whose element ids are not unique, and axe-core's serious or critical
    violations of each page (issue 21: axe on every page visited, phone and desktop)."""
    found = []
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("load")
        if (extra := _overflow(page)) > 0:
            found.append(f"{url} +{extra}px")
        if duplicates := page.evaluate(DUPLICATE_IDS):
            found.append(f"{url} duplicate ids {duplicates}")
        found += axe_violations(page)
    return found


def _height(locator) -> float:
    return locator.bounding_box()["height"]


@pytest.mark.parametrize(
    ("who", "extra_paths"),
    [
        ("supplier_user", ["/orders/PO-100044/", "/orders/shipments/ASN-2026-000123/"]),
        ("buyer", ["/buyer/orders/PO-100044/"]),
        ("operator", []),
        ("portal_admin", ["/manage/suppliers/ACME/", "/manage/suppliers/ACME/audit/"]),
    ],
)
def test_no_page_of_a_role_scrolls_sideways_or_fails_axe_on_a_phone_or_a_desktop(
    page: Page, live_server, request, documents, who, extra_paths
):
    user = request.getfixturevalue(who)
    login(page, live_server, user)
    # The Django admin has its own layout (and its own responsive rules): not ours to test.
    urls = [url for url in _nav_urls(page) if "/admin/" not in url]
    urls += [f"{live_server.url}{path}" for path in extra_paths]
    assert len(urls) >= 3

    page.set_viewport_size(PHONE)
    on_phone = [f"phone {problem}" for problem in _sideways(page, urls)]
    page.set_viewport_size(DESKTOP)
    on_desktop = [f"desktop {problem}" for problem in _sideways(page, urls)]

    problems = on_phone + on_desktop
    assert problems == [], "\n".join(problems)


def test_on_a_phone_the_menu_opens_groups_pages_by_task_and_log_out_stays_on_screen(
    page: Page, live_server, buyer, documents
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    assert _overflow(page) == 0
    assert_accessible(page)
    login(page, live_server, buyer)
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    log_out = page.get_by_role("button", name="Log out")

    expect(nav).to_be_hidden()
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(log_out).to_be_in_viewport()
    assert _height(menu) >= TOUCH and _height(log_out) >= TOUCH

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    expect(nav.locator("summary")).to_have_text(
        ["Orders", "Shipping", "Stock", "Invoices", "Measures"]
    )
    nav.locator("summary", has_text="Orders").click()
    change_reviews = nav.get_by_role("link", name="Change reviews")
    expect(change_reviews).to_be_visible()
    assert_accessible(page)  # the open menu, too
    assert _height(change_reviews) >= TOUCH
    change_reviews.click()

    expect(page).to_have_url(re.compile(r"/buyer/reviews/$"))
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "false")
    assert _overflow(page) == 0
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/accounts/"))


def test_on_a_desktop_the_task_menus_drop_down_one_at_a_time_and_close_with_escape(
    page: Page, live_server, buyer, documents
):
    page.set_viewport_size(DESKTOP)
    login(page, live_server, buyer)
    nav = page.get_by_role("navigation", name="Main")

    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    first_link, last_link = nav.locator("a").first, nav.get_by_role("link", name="Compliance")
    assert first_link.bounding_box()["y"] == last_link.bounding_box()["y"]  # one line
    nav.locator("summary", has_text="Orders").click()
    expect(nav.get_by_role("link", name="All purchase orders")).to_be_visible()
    nav.locator("summary", has_text="Shipping").click()
    expect(nav.get_by_role("link", name="All purchase orders")).to_be_hidden()
    expect(nav.get_by_role("link", name="Inbound risk")).to_be_visible()

    page.keyboard.press("Escape")
    expect(nav.get_by_role("link", name="Inbound risk")).to_be_hidden()
    expect(nav.locator("summary", has_text="Shipping")).to_be_focused()


def test_the_skip_link_comes_first_and_moves_the_keyboard_to_the_main_content(
    page: Page, live_server, supplier_user, documents
):
    login(page, live_server, supplier_user)
    page.goto(f"{live_server.url}/orders/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    page.keyboard.press("Enter")

    assert outline == "solid"
    expect(page.locator("main#main")).to_be_focused()
