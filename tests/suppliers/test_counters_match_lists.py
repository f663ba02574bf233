"""Every count tile and queue count shows the number of rows of the list it opens: the
supplier's home tiles and inbox counters, the buyer's and the admin's home tiles, the
review queue's "N waiting" (also right after an htmx decision), and the exceptions
dashboard's counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.services import Subject, exception_open_or_update
from suppliers import services
from suppliers.models import Acknowledgment, PurchaseOrder
from suppliers.services import LineProposalInput
from tests.suppliers.factories import PurchaseOrderFactory, purchase_order_awaiting_acknowledgment

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
Status = PurchaseOrder.Status
TILE = re.compile(
    r'<a class="card[^"]*" href="([^"]+)"><span class="count"[^>]*>(\d+)</span>'
    r'<span class="label">([^<]+)</span></a>'
)


def proposal(supplier, actor, number: str) -> Acknowledgment:
    purchase_order = purchase_order_awaiting_acknowledgment(
        supplier=supplier, number=number, lines=1
    )
    return services.purchase_order_propose_changes(
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
    """ACME: 3 to acknowledge (1 overdue), 1 change proposed, 2 confirmed and 3 partially
    shipped (5 open to ship), 1 shipped. GLOBEX: 1 to acknowledge, 1 change proposed, 1
    confirmed: never in ACME's figures."""
    now = timezone.now()
    for number in ("PO-I1", "PO-I2"):
        PurchaseOrderFactory(supplier=supplier, number=number, status=Status.ISSUED)
    PurchaseOrderFactory(
        supplier=supplier,
        number="PO-I3",
        status=Status.ISSUED,
        issued_at=now - datetime.timedelta(days=5),
        ack_due_at=now - datetime.timedelta(days=3),
    )
    proposal(supplier, supplier_user, "PO-C1")
    for number in ("PO-S1", "PO-S2"):
        PurchaseOrderFactory(supplier=supplier, number=number, status=Status.CONFIRMED)
    for number in ("PO-P1", "PO-P2", "PO-P3"):
        PurchaseOrderFactory(supplier=supplier, number=number, status=Status.PARTIALLY_SHIPPED)
    PurchaseOrderFactory(supplier=supplier, number="PO-X1", status=Status.SHIPPED)
    PurchaseOrderFactory(supplier=other_supplier, number="PO-G1", status=Status.ISSUED)
    proposal(other_supplier, outsider, "PO-G2")
    PurchaseOrderFactory(supplier=other_supplier, number="PO-G3", status=Status.CONFIRMED)


def tiles(html: str) -> dict[str, tuple[int, str]]:
    return {
        label: (int(count), href.replace("&amp;", "&")) for href, count, label in TILE.findall(html)
    }


def table_rows(html: str, table: str) -> int:
    """Rows of a list's table body, without its "nothing here" row."""
    match = re.search(rf"{table}.*?<tbody>(.*?)</tbody>", html, re.S)
    if match is None:
        return 0
    rows = re.findall(r"<tr\b.*?</tr>", match.group(1), re.S)
    return len([row for row in rows if "colspan" not in row])


def get(client, url: str, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode()


def test_every_supplier_home_tile_opens_a_list_of_as_many_rows_as_it_counts(
    client, supplier_user, orders
):
    client.force_login(supplier_user)

    shown = tiles(get(client, reverse("home")))

    assert {label: count for label, (count, _url) in shown.items()} == {
        "To acknowledge": 3,
        "Change proposed": 1,
        "Overdue acknowledgment": 1,
        "Open to ship": 5,
    }
    for count, url in shown.values():
        assert table_rows(get(client, url), 'id="po-results"') == count, url


def test_every_inbox_counter_opens_a_list_of_as_many_rows_as_it_counts(
    client, supplier_user, orders
):
    client.force_login(supplier_user)
    po_list = reverse("suppliers:po_list")

    shown = tiles(get(client, po_list))

    assert shown["Open to ship"][0] == 5  # partially shipped POs are counted and listed
    for count, query in shown.values():
        html = get(client, f"{po_list}{query}")
        assert table_rows(html, 'id="po-results"') == count, query
        assert f"{count} purchase order" in html


def test_htmx_filtering_the_po_list_brings_the_counters_back_out_of_band(
    client, supplier_user, orders
):
    client.force_login(supplier_user)

    html = get(
        client,
        reverse("suppliers:po_list") + "?queue=open_to_ship",
        HTTP_HX_TARGET="po-results",
        **HTMX,
    )

    assert 'id="inbox-counters" aria-label="Purchase orders to act on" hx-swap-oob="true"' in html
    assert tiles(html)["Open to ship"][0] == table_rows(html, 'id="po-results"') == 5


def test_every_buyer_home_tile_opens_a_list_of_as_many_rows_as_it_counts(client, buyer, orders):
    client.force_login(buyer)

    shown = tiles(get(client, reverse("home")))

    assert shown["Awaiting acknowledgment"][0] == 4
    assert shown["Partially shipped"][0] == 3
    for count, url in shown.values():
        assert table_rows(get(client, url), 'id="po-results"') == count, url


def test_every_admin_supplier_tile_opens_a_list_of_as_many_rows_as_it_counts(
    client, portal_admin, orders
):
    client.force_login(portal_admin)

    supplier_list = reverse("supplier_admin:supplier_list")
    shown = {
        label: (count, url)
        for label, (count, url) in tiles(get(client, reverse("home"))).items()
        if url.startswith(supplier_list)
    }

    assert len(shown) == 5
    assert shown["Active"][0] == 2
    for count, url in shown.values():
        assert table_rows(get(client, url), 'id="suppliers"') == count, url


def waiting(html: str) -> tuple[int, int]:
    """(the queue's "N waiting", the proposals listed as waiting)."""
    count = re.search(r'data-counter="waiting">(\d+)</span>', html)
    return int(count.group(1)), html.count("data-waiting")


def test_the_review_queue_count_is_its_waiting_proposals_before_and_after_htmx_decisions(
    client, buyer, orders
):
    client.force_login(buyer)
    queue = reverse("buyer:review_queue")
    before = waiting(get(client, queue))
    acme, globex = (
        Acknowledgment.objects.get(purchase_order__number=number) for number in ("PO-C1", "PO-G2")
    )

    accepted = client.post(reverse("buyer:proposal_accept", args=[acme.pk]), {}, **HTMX)
    after_accept = waiting(get(client, queue))
    rejected = client.post(
        reverse("buyer:proposal_reject", args=[globex.pk]),
        {"comment": "Not this month", "supplier": "GLOBEX"},
        **HTMX,
    )
    after_reject = waiting(get(client, queue))

    assert before == (2, 2)
    assert 'id="review-waiting" hx-swap-oob="true"' in accepted.content.decode()
    assert waiting(accepted.content.decode())[0] == after_accept[0] == after_accept[1] == 1
    assert waiting(rejected.content.decode())[0] == after_reject[0] == after_reject[1] == 0


def test_the_filtered_review_queue_counts_only_that_suppliers_proposals(client, buyer, orders):
    client.force_login(buyer)

    assert waiting(get(client, reverse("buyer:review_queue") + "?supplier=ACME")) == (1, 1)


def test_every_exceptions_dashboard_count_opens_a_list_of_as_many_rows(client, operator):
    for n, kind in enumerate(["quantity_mismatch", "quantity_mismatch", "negative_stock"]):
        exception_open_or_update(
            actor=None,
            exception_class=kind,
            subject=Subject.position(sku=f"SKU-{n}", warehouse_code="DC1"),
            title=f"SKU-{n} at DC1",
            expected=Decimal(10),
            actual=Decimal(9),
        )
    client.force_login(operator)

    html = get(client, reverse("exceptions:dashboard"))

    figures = re.findall(r'<a href="([^"]*/exceptions/\?[^"]*)">(\d+)</a>', html)
    assert len(figures) >= 6
    for url, count in figures:
        assert table_rows(get(client, url.replace("&amp;", "&")), "<table") == int(count), url


def test_a_supplier_never_sees_another_suppliers_orders_in_its_tiles(client, outsider, orders):
    client.force_login(outsider)

    shown = tiles(get(client, reverse("home")))

    assert {label: count for label, (count, _url) in shown.items()} == {
        "To acknowledge": 1,
        "Change proposed": 1,
        "Overdue acknowledgment": 0,
        "Open to ship": 1,
    }
