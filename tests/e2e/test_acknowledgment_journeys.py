"""Browser journeys through acknowledgments, in headless Chromium: the supplier proposes
changes, the buyer decides, the supplier sees the outcome."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.helpers import assert_accessible, expect_htmx_loaded, login, nav_link
from tests.suppliers.factories import purchase_order_awaiting_acknowledgment


def _in(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def po(supplier):
    # Two lines of 100 EA at 2.50, requested two weeks out.
    return purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-J1")


def _switch_user(page: Page, live_server, user) -> None:
    page.context.clear_cookies()
    login(page, live_server, user)


def _open_change_form(page: Page, live_server, number: str) -> None:
    page.goto(f"{live_server.url}/orders/{number}/")
    expect_htmx_loaded(page)
    expect(page.get_by_role("heading", name="Acknowledge revision 1")).to_be_visible()
    page.get_by_role("link", name="Accept with changes…").click()
    expect(page.locator("#proposal-form")).to_be_visible()
    assert_accessible(page)


def test_supplier_proposes_a_later_date_and_less_quantity_and_the_buyer_accepts(
    page: Page, live_server, supplier_user, buyer, po
):
    login(page, live_server, supplier_user)
    _open_change_form(page, live_server, po.number)

    line_1 = page.locator("#line-1")
    line_1.get_by_label("Answer").select_option("change")
    line_1.get_by_label("Reason").select_option("lead_time")
    line_1.get_by_label("Promised date").fill(_in(21))
    line_2 = page.locator("#line-2")
    line_2.get_by_label("Answer").select_option("change")
    line_2.get_by_label("Reason").select_option("capacity")
    line_2.get_by_label("Quantity").fill("80")
    # Split line 2 into two deliveries with htmx-added schedule lines.
    line_2.get_by_role("button", name="+ Add schedule line").click()
    expect(line_2.locator(".schedule-row")).to_have_count(1)
    line_2.get_by_role("button", name="+ Add schedule line").click()
    expect(line_2.locator(".schedule-row")).to_have_count(2)
    line_2.locator('input[name="line-2-s0-quantity"]').fill("50")
    line_2.locator('input[name="line-2-s0-date"]').fill(_in(14))
    line_2.locator('input[name="line-2-s1-quantity"]').fill("30")
    line_2.locator('input[name="line-2-s1-date"]').fill(_in(28))
    page.get_by_role("button", name="Send proposal").click()

    expect(page).to_have_url(f"{live_server.url}/orders/{po.number}/")
    expect(page.get_by_text("were sent to the buyer for review")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Change proposed")

    _switch_user(page, live_server, buyer)
    nav_link(page, "Change reviews").click()
    expect_htmx_loaded(page)
    card = page.locator(f'article[data-po="{po.number}"]')
    expect(card.locator('tr[data-line="2"]')).to_contain_text("100 → 80 EA")
    # The ordered delivery beside the proposed one.
    expect(card.locator('tr[data-line="1"] td.proposed-deliveries')).to_contain_text(
        f"100 EA on {_in(21)}"
    )
    card.get_by_label("Comment for the supplier").fill("Thanks, works for us.")
    card.get_by_role("button", name="Accept changes").click()
    expect(card).to_contain_text(f"PO {po.number} is now revision 2")

    _switch_user(page, live_server, supplier_user)
    page.goto(f"{live_server.url}/orders/{po.number}/")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(re.compile(r"Revision\s*2"))
    expect(page.locator("h1 .badge")).to_have_text("Confirmed")
    rows = page.locator("#po-lines tbody tr")
    expect(rows.nth(0)).to_contain_text(_in(21))
    expect(rows.nth(0)).to_contain_text("100 EA")
    expect(rows.nth(1)).to_contain_text("80 EA")
    expect(page.locator("#po-timeline")).to_contain_text("Changes accepted by the buyer")
    expect(page.locator("#ack-panel")).to_contain_text("Thanks, works for us.")


def test_buyer_rejects_a_proposal_and_the_supplier_sees_why_and_proposes_again(
    page: Page, live_server, supplier_user, buyer, po
):
    login(page, live_server, supplier_user)
    _open_change_form(page, live_server, po.number)
    line_1 = page.locator("#line-1")
    line_1.get_by_label("Answer").select_option("change")
    line_1.get_by_label("Reason").select_option("lead_time")
    line_1.get_by_label("Promised date").fill(_in(45))
    page.get_by_role("button", name="Send proposal").click()
    expect(page.get_by_text("were sent to the buyer for review")).to_be_visible()

    _switch_user(page, live_server, buyer)
    page.goto(f"{live_server.url}/buyer/reviews/")
    expect_htmx_loaded(page)
    card = page.locator(f'article[data-po="{po.number}"]')
    # Rejecting needs a comment: the error shows in the card, nothing is decided.
    card.get_by_role("button", name="Reject proposal").click()
    expect(card).to_contain_text("Tell the supplier why you reject the proposal")
    card.get_by_label("Comment for the supplier").fill(
        "45 days is too late; we need it in 3 weeks."
    )
    card.get_by_role("button", name="Reject proposal").click()
    expect(card).to_contain_text("Rejected by buyer")

    _switch_user(page, live_server, supplier_user)
    page.goto(f"{live_server.url}/orders/{po.number}/")
    expect(page.locator("#ack-panel")).to_contain_text(
        "45 days is too late; we need it in 3 weeks."
    )
    expect(page.locator("h1 .badge")).to_have_text("Awaiting acknowledgment")
    expect_htmx_loaded(page)
    page.get_by_role("link", name="Accept with changes…").click()
    expect(page.locator("#proposal-form")).to_contain_text(
        "The buyer rejected your previous proposal"
    )
    line_1 = page.locator("#line-1")
    line_1.get_by_label("Answer").select_option("change")
    line_1.get_by_label("Reason").select_option("lead_time")
    line_1.get_by_label("Promised date").fill(_in(21))
    page.get_by_role("button", name="Send proposal").click()

    expect(page.get_by_text("were sent to the buyer for review")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Change proposed")
    expect(page.locator("#po-timeline li")).to_have_count(3)
