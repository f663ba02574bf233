"""Steps that many browser journeys share."""

import re
from pathlib import Path

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


AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
# Serious and critical are what the issue fails on; moderate and minor are advice.
AXE_FAILING_IMPACTS = ("serious", "critical")
AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
    count: v.nodes.length,
  }));
}"""


def axe_violations(page: Page) -> list[str]:
    """The serious and critical axe-core violations of the page as shown now, one line
    each: rule id, impact, how many elements and the first selectors.

    The vendored axe.min.js goes in through `page.evaluate` (the DevTools protocol), not
    `add_script_tag`: that would inline the file into a <script>, which the portal's CSP
    (script-src 'self') rightly blocks, and loosening the CSP for tests would hide the
    very thing the CSP journey checks.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(f"() => {{ {AXE_SOURCE}\n}}")
    found = page.evaluate(AXE_RUN)
    return [
        f"{page.url}: {v['id']} ({v['impact']}, {v['count']}x) {v['help']} at {v['targets']}"
        for v in found
        if v["impact"] in AXE_FAILING_IMPACTS
    ]


def assert_accessible(page: Page) -> None:
    """Fail with a readable list if axe-core finds a serious or critical violation."""
    violations = axe_violations(page)
    assert not violations, "axe-core violations:\n" + "\n".join(violations)
