"""Steps that many browser journeys share."""

import re

from playwright.sync_api import Page, expect

from tests.portal.factories import PASSWORD


def login(page: Page, live_server, user) -> None:
    """Sign in through allauth's real login page, as a person would, and land on home."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(re.compile(r"^Email:?$")).fill(user.email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile(r"sign in", re.IGNORECASE)).click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_text(user.email)).to_be_visible()


def nav_link(page: Page, name: str, *, exact: bool = False):
    """The link `name` of the main navigation, made clickable: on a phone the "Menu"
    button is opened, and the task menu (<details>) that holds the link is opened."""
    toggle = page.locator(".nav-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    nav = page.get_by_role("navigation", name="Main")
    hidden = page.get_by_role("link", name=name, exact=exact, include_hidden=True)
    closed = nav.locator("details.nav-group:not([open])").filter(has=hidden)
    if closed.count():
        closed.first.locator("summary").click()
    return nav.get_by_role("link", name=name, exact=exact)


def result_rows(page: Page):
    """The rows of the PO list's results table (the part htmx swaps)."""
    return page.locator("#po-results table tbody tr")


def expect_htmx_loaded(page: Page) -> None:
    """The vendored htmx came from the live server's /static/ and has wired up the page.

    htmx binds its triggers on DOMContentLoaded, after its deferred script has run, so a
    `window.htmx` check alone could let a test change a filter nobody listens to yet;
    readyState "complete" comes after DOMContentLoaded's handlers.
    """
    page.wait_for_function(
        "() => document.readyState === 'complete' && typeof window.htmx !== 'undefined'"
    )
