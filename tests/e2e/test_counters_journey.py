"""Browser journeys, in headless Chromium: every count tile and queue count shows as many
as the list it opens has rows, before and after an htmx action changes them."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from suppliers import services
from suppliers.models import PurchaseOrder
from suppliers.services import LineProposalInput
from tests.e2e.helpers import expect_htmx_loaded, login, result_rows
from tests.suppliers.factories import PurchaseOrderFactory, purchase_order_awaiting_acknowledgment

Status = PurchaseOrder.Status
SUPPLIER_TILES = ("To acknowledge", "Change proposed", "Overdue acknowledgment", "Open to ship")


def _propose(supplier, actor, number: str) -> None:
    purchase_order = purchase_order_awaiting_acknowledgment(
        supplier=supplier, number=number, lines=1
    )
    services.purchase_order_propose_changes(
        actor=actor,
        purchase_order=purchase_order,
        revision=1,
        lines=[
            LineProposalInput(
                line_no=1, action="change", quantity=Decimal("90"), reason_code="capacity"
            )
        ],
    )


@pytest.fixture
def orders(supplier, other_supplier, supplier_user, outsider):
    """ACME: 2 to acknowledge, 1 change proposed, 1 confirmed and 2 partially shipped
    (3 open to ship). GLOBEX: 1 change proposed."""
    for number in ("PO-A1", "PO-A2"):
        purchase_order_awaiting_acknowledgment(supplier=supplier, number=number, lines=1)
    _propose(supplier, supplier_user, "PO-C1")
    PurchaseOrderFactory(supplier=supplier, number="PO-S1", status=Status.CONFIRMED)
    for number in ("PO-P1", "PO-P2"):
        PurchaseOrderFactory(supplier=supplier, number=number, status=Status.PARTIALLY_SHIPPED)
    _propose(other_supplier, outsider, "PO-G1")


def _tile_count(page: Page, label: str) -> int:
    tile = page.locator("a.card").filter(has=page.locator(".label", has_text=label))
    return int(tile.locator(".count").inner_text())


def _home_tiles_match_their_lists(page: Page, live_server) -> dict[str, int]:
    counts = {}
    for label in SUPPLIER_TILES:
        page.goto(f"{live_server.url}/")
        count = _tile_count(page, label)
        page.locator("a.card").filter(has=page.locator(".label", has_text=label)).click()
        expect(page.locator("#po-results")).to_be_visible()
        expect(result_rows(page)).to_have_count(count)
        # The list's own counters (the inbox) agree with the home tile and the rows.
        assert _tile_count(page, label) == count
        counts[label] = count
    return counts


def test_supplier_tiles_match_their_lists_before_and_after_accepting_a_po(
    page: Page, live_server, supplier_user, orders
):
    login(page, live_server, supplier_user)
    before = _home_tiles_match_their_lists(page, live_server)

    page.goto(f"{live_server.url}/orders/PO-A1/")
    expect_htmx_loaded(page)
    page.get_by_role("button", name="Accept as ordered").click()
    expect(page.get_by_text("PO PO-A1 accepted as ordered.")).to_be_visible()
    after = _home_tiles_match_their_lists(page, live_server)

    assert before == {
        "To acknowledge": 2,
        "Change proposed": 1,
        "Overdue acknowledgment": 0,
        "Open to ship": 3,
    }
    assert after == {**before, "To acknowledge": 1, "Open to ship": 4}


def test_filtering_the_po_list_with_htmx_keeps_the_counters_and_the_queue_list_in_step(
    page: Page, live_server, supplier_user, orders
):
    login(page, live_server, supplier_user)
    page.goto(f"{live_server.url}/orders/?queue=open_to_ship")
    expect_htmx_loaded(page)
    expect(result_rows(page)).to_have_count(_tile_count(page, "Open to ship"))

    page.get_by_label("Search").fill("PO-P")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"q=PO-P.*queue=open_to_ship"))
    expect(result_rows(page)).to_have_count(2)
    assert _tile_count(page, "Open to ship") == 3


def _waiting(page: Page):
    return page.locator("#review-waiting [data-counter=waiting]")


def _waiting_cards(page: Page):
    return page.locator("article.review-card[data-waiting]")


def test_the_review_queue_count_follows_each_htmx_decision(page: Page, live_server, buyer, orders):
    login(page, live_server, buyer)
    page.goto(f"{live_server.url}/buyer/reviews/")
    expect_htmx_loaded(page)
    expect(_waiting(page)).to_have_text("2")
    expect(_waiting_cards(page)).to_have_count(2)

    acme = page.locator('article[data-po="PO-C1"]')
    acme.get_by_role("button", name="Accept changes").click()
    expect(acme).to_contain_text("PO PO-C1 is now revision 2")
    expect(_waiting(page)).to_have_text("1")
    expect(_waiting_cards(page)).to_have_count(1)

    globex = page.locator('article[data-po="PO-G1"]')
    globex.get_by_label("Comment for the supplier").fill("Not this month.")
    globex.get_by_role("button", name="Reject proposal").click()
    expect(globex).to_contain_text("Rejected")
    expect(_waiting(page)).to_have_text("0")
    expect(_waiting_cards(page)).to_have_count(0)

    page.reload()
    expect(_waiting(page)).to_have_text("0")
    expect(_waiting_cards(page)).to_have_count(0)
