""" "Ship this PO" and "Ship these POs": one click makes a draft ASN of the next open
delivery of every line, numbered from the supplier's ASN sequence; carriers from a list
with tracking links; the PO's print view."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.urls import reverse

from integrations.errors import DomainError
from suppliers import services
from suppliers.models import PurchaseOrder, Shipment
from suppliers.services.asn_numbers import asn_create_numbered, next_asn_number
from suppliers.services.carriers import carrier_name, tracking_url
from suppliers.services.schedule_lines import schedule_lines_replace
from suppliers.services.ship_purchase_orders import purchase_orders_ship
from tests.suppliers.factories import PurchaseOrderFactory, ShipmentFactory
from tests.suppliers.shipping_helpers import confirmed_po, header, line_of, ship, today

pytestmark = pytest.mark.django_db


def _in(days: int) -> datetime.date:
    return today() + datetime.timedelta(days=days)


def _po_with_deliveries(supplier, number: str = "PO-1", warehouse: str = "DC1") -> PurchaseOrder:
    """Line 1: 100 EA as 60 due in 5 days and 40 in 20; line 2: 50 EA due in 9 days."""
    purchase_order = confirmed_po(
        supplier,
        number,
        lines=[(f"{number}-BOLT", "100", "EA"), (f"{number}-NUT", "50", "EA")],
        warehouse=warehouse,
    )
    schedule_lines_replace(
        [
            (line_of(purchase_order, 1), [(Decimal("60"), _in(5)), (Decimal("40"), _in(20))], None),
            (line_of(purchase_order, 2), [(Decimal("50"), _in(9))], None),
        ]
    )
    return purchase_order


def _lines(shipment: Shipment) -> list[tuple]:
    return [
        (
            line.po_line.purchase_order.number,
            line.po_line.line_no,
            line.quantity,
            line.schedule_line.date if line.schedule_line else None,
        )
        for line in shipment.lines.select_related("po_line__purchase_order", "schedule_line")
    ]


def test_ship_this_po_makes_a_draft_asn_of_each_lines_next_delivery_and_opens_its_edit_page(
    client, supplier, supplier_user
):
    _po_with_deliveries(supplier)
    client.force_login(supplier_user)

    response = client.post(reverse("suppliers:po_ship", args=["PO-1"]))

    assert response.status_code == 302
    assert response["Location"] == reverse("suppliers:asn_edit", args=["ASN-000001"])
    shipment = Shipment.objects.get()
    assert (shipment.asn_number, shipment.status, shipment.ship_date) == (
        "ASN-000001",
        Shipment.Status.DRAFT,
        today(),
    )
    # Expected on the date the first delivery is due.
    assert shipment.expected_delivery == _in(5)
    assert _lines(shipment) == [
        ("PO-1", 1, Decimal("60"), _in(5)),
        ("PO-1", 2, Decimal("50"), _in(9)),
    ]
    edit_page = client.get(response["Location"])
    assert edit_page.status_code == 200
    assert b'value="ASN-000001"' in edit_page.content
    assert b'value="60"' in edit_page.content


def test_shipping_the_po_again_after_the_first_asn_is_submitted_takes_the_next_delivery(
    supplier, supplier_user
):
    purchase_order = _po_with_deliveries(supplier)
    first = purchase_orders_ship(
        actor=supplier_user, supplier=supplier, purchase_orders=[purchase_order]
    ).shipment
    services.asn_submit(actor=supplier_user, shipment=first)
    purchase_order.refresh_from_db()

    second = purchase_orders_ship(
        actor=supplier_user, supplier=supplier, purchase_orders=[purchase_order]
    ).shipment

    assert second.asn_number == "ASN-000002"
    assert _lines(second) == [("PO-1", 1, Decimal("40"), _in(20))]
    assert second.expected_delivery == _in(20)


def test_a_second_click_opens_the_same_draft_instead_of_making_another(
    client, supplier, supplier_user
):
    _po_with_deliveries(supplier)
    client.force_login(supplier_user)

    first = client.post(reverse("suppliers:po_ship", args=["PO-1"]))
    second = client.post(reverse("suppliers:po_ship", args=["PO-1"]), follow=True)

    edit_url = reverse("suppliers:asn_edit", args=["ASN-000001"])
    assert first["Location"] == edit_url
    assert second.redirect_chain == [(edit_url, 302)]
    assert "Draft ASN ASN-000001 already ships these deliveries; continue it." in (
        second.content.decode()
    )
    assert list(Shipment.objects.values_list("asn_number", flat=True)) == ["ASN-000001"]


def test_a_draft_that_ships_something_else_does_not_stop_a_new_one(supplier, supplier_user):
    purchase_order = _po_with_deliveries(supplier)
    ship(supplier, supplier_user, "MY-DRAFT", [(line_of(purchase_order, 1), "5")], submit=False)

    result = purchase_orders_ship(
        actor=supplier_user, supplier=supplier, purchase_orders=[purchase_order]
    )

    assert (result.created, result.shipment.asn_number) == (True, "ASN-000001")


def test_an_overdue_delivery_is_expected_today_not_in_the_past(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-LATE", promised=_in(-3))

    shipment = purchase_orders_ship(
        actor=supplier_user, supplier=supplier, purchase_orders=[purchase_order]
    ).shipment

    assert (shipment.ship_date, shipment.expected_delivery) == (today(), today())
    assert [line.quantity for line in shipment.lines.all()] == [Decimal("100")]


def test_the_next_asn_number_follows_the_highest_sequence_number_and_ignores_typed_ones(
    supplier, other_supplier
):
    for number in ("ASN-000041", "ASN-7", "MANUAL-99", "ASN-12X", "asn-000500"):
        ShipmentFactory(supplier=supplier, asn_number=number)
    ShipmentFactory(supplier=other_supplier, asn_number="ASN-000900")

    assert next_asn_number(supplier) == "ASN-000042"
    assert next_asn_number(other_supplier) == "ASN-000901"


_POSTGRES_THREADS = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Another request's commit needs a second connection (PostgreSQL).",
    ),
]


def _commit_elsewhere(supplier, number: str, ship_to) -> None:
    """Another request (its own connection and transaction) commits an ASN number."""

    def run() -> None:
        try:
            ShipmentFactory(supplier=supplier, asn_number=number, ship_to=ship_to)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)


def _marks(function):
    """PostgreSQL only, in real transactions: the race needs a second connection."""
    for mark in _POSTGRES_THREADS:
        function = mark(function)
    return function


@_marks
def test_a_number_taken_by_another_request_in_the_meantime_is_retried_with_the_next_one(
    supplier, supplier_user
):
    purchase_order = confirmed_po(supplier, "PO-1")
    tried: list[str] = []

    def create(number: str) -> Shipment:
        tried.append(number)
        if len(tried) == 1:
            # Between reading the next number and writing it, another click commits it.
            _commit_elsewhere(supplier, number, purchase_order.ship_to)
        return services.asn_create(
            actor=supplier_user,
            supplier=supplier,
            header=header(number),
            lines=[services.AsnLineInput(po_line=line_of(purchase_order), quantity=Decimal(5))],
        )

    shipment = asn_create_numbered(supplier=supplier, create=create)

    assert tried == ["ASN-000001", "ASN-000002"]
    assert shipment.asn_number == "ASN-000002"
    assert sorted(Shipment.objects.values_list("asn_number", flat=True)) == [
        "ASN-000001",
        "ASN-000002",
    ]


@_marks
def test_a_number_that_keeps_being_taken_gives_up_with_a_message(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-1")

    def create(number: str) -> Shipment:
        _commit_elsewhere(supplier, number, purchase_order.ship_to)
        return services.asn_create(
            actor=supplier_user,
            supplier=supplier,
            header=header(number),
            lines=[services.AsnLineInput(po_line=line_of(purchase_order), quantity=Decimal(5))],
        )

    with pytest.raises(DomainError) as raised:
        asn_create_numbered(supplier=supplier, create=create, attempts=3)

    assert raised.value.message == (
        "ASN number ASN-000003 was taken while this ASN was being created; try again."
    )


@_marks
def test_two_suppliers_staff_shipping_two_pos_at_the_same_moment_get_two_numbers(
    supplier, supplier_user, teammate
):
    first, second = confirmed_po(supplier, "PO-1"), confirmed_po(supplier, "PO-2")
    barrier = threading.Barrier(2)
    numbers: list[str] = []

    def click(user, purchase_order) -> None:
        try:
            barrier.wait()
            result = purchase_orders_ship(
                actor=user, supplier=supplier, purchase_orders=[purchase_order]
            )
            numbers.append(result.shipment.asn_number)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=click, args=(supplier_user, first)),
        threading.Thread(target=click, args=(teammate, second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(numbers) == ["ASN-000001", "ASN-000002"]


def test_ship_this_po_on_a_po_awaiting_acknowledgment_explains_and_creates_nothing(
    client, supplier, supplier_user
):
    PurchaseOrderFactory(supplier=supplier, number="PO-NEW", status=PurchaseOrder.Status.ISSUED)
    client.force_login(supplier_user)

    response = client.post(reverse("suppliers:po_ship", args=["PO-NEW"]), follow=True)

    assert response.redirect_chain == [(reverse("suppliers:po_detail", args=["PO-NEW"]), 302)]
    assert (
        "Nothing is open to ship on PO-NEW: only confirmed lines with an open quantity can be "
        "shipped."
    ) in response.content.decode()
    assert not Shipment.objects.exists()


def test_the_po_page_offers_ship_this_po_only_when_confirmed(client, supplier, supplier_user):
    confirmed_po(supplier, "PO-1")
    PurchaseOrderFactory(supplier=supplier, number="PO-NEW", status=PurchaseOrder.Status.ISSUED)
    client.force_login(supplier_user)

    confirmed = client.get(reverse("suppliers:po_detail", args=["PO-1"])).content.decode()
    awaiting = client.get(reverse("suppliers:po_detail", args=["PO-NEW"])).content.decode()

    assert f'action="{reverse("suppliers:po_ship", args=["PO-1"])}"' in confirmed
    assert "Ship this PO" in confirmed
    assert "Ship this PO" not in awaiting
    assert reverse("suppliers:po_print", args=["PO-NEW"]) in awaiting


def test_buyers_see_neither_the_ship_buttons_nor_the_tick_boxes(client, supplier, buyer):
    confirmed_po(supplier, "PO-1")
    client.force_login(buyer)

    detail = client.get(reverse("buyer:po_detail", args=["PO-1"])).content.decode()
    listing = client.get(reverse("buyer:po_list")).content.decode()

    assert "PO-1" in detail and "PO-1" in listing
    assert "Ship this PO" not in detail
    assert "Print view" not in detail
    assert "Ship these POs" not in listing
    assert 'name="po"' not in listing


def test_ship_these_pos_puts_the_ticked_pos_of_one_warehouse_on_one_draft_asn(
    client, supplier, supplier_user
):
    _po_with_deliveries(supplier, "PO-1")
    _po_with_deliveries(supplier, "PO-2")
    client.force_login(supplier_user)

    listing = client.get(reverse("suppliers:po_list")).content.decode()
    response = client.post(reverse("suppliers:po_ship_many"), {"po": ["PO-2", "PO-1"]})

    assert 'name="po" value="PO-1"' in listing
    assert response["Location"] == reverse("suppliers:asn_edit", args=["ASN-000001"])
    assert _lines(Shipment.objects.get()) == [
        ("PO-1", 1, Decimal("60"), _in(5)),
        ("PO-1", 2, Decimal("50"), _in(9)),
        ("PO-2", 1, Decimal("60"), _in(5)),
        ("PO-2", 2, Decimal("50"), _in(9)),
    ]


def test_ship_these_pos_refuses_pos_of_two_warehouses(client, supplier, supplier_user):
    confirmed_po(supplier, "PO-1", warehouse="DC1")
    confirmed_po(supplier, "PO-2", warehouse="DC2")
    client.force_login(supplier_user)

    response = client.post(reverse("suppliers:po_ship_many"), {"po": ["PO-1", "PO-2"]}, follow=True)

    assert response.redirect_chain == [(reverse("suppliers:po_list"), 302)]
    assert "These purchase orders ship to different warehouses" in response.content.decode()
    assert not Shipment.objects.exists()


def test_ship_these_pos_with_another_suppliers_po_is_a_404_and_ships_nothing(
    client, supplier, supplier_user, other_supplier, outsider
):
    confirmed_po(supplier, "PO-1")
    confirmed_po(other_supplier, "PO-9")
    client.force_login(outsider)

    mixed = client.post(reverse("suppliers:po_ship_many"), {"po": ["PO-9", "PO-1"]})
    single = client.post(reverse("suppliers:po_ship", args=["PO-1"]))

    assert (mixed.status_code, single.status_code) == (404, 404)
    assert not Shipment.objects.exists()


def test_listed_carriers_are_named_one_way_and_link_their_tracking_pages():
    assert carrier_name(" ups ") == "UPS"
    assert carrier_name("UPSN") == "UPS"
    assert carrier_name("db  schenker") == "DB Schenker"
    assert carrier_name("Acme  Freight") == "Acme Freight"
    assert tracking_url("UPS", "1Z 999") == "https://www.ups.com/track?tracknum=1Z%20999"
    assert tracking_url("fedex", "7712") == "https://www.fedex.com/fedextrack/?trknbr=7712"
    assert tracking_url("Acme Freight", "A1") is None
    assert tracking_url("UPS", "") is None


def test_the_asn_form_offers_the_carriers_and_the_asn_page_links_the_tracking_number(
    client, supplier, supplier_user
):
    purchase_order = confirmed_po(supplier, "PO-1")
    ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")], submit=False)
    client.force_login(supplier_user)
    post = {
        "asn_number": "ASN-1",
        "ship_date": today().isoformat(),
        "expected_delivery": _in(2).isoformat(),
        "carrier": "fedex",
        "tracking_number": "7712 3456",
        "package_count": "1",
        f"line-{line_of(purchase_order).pk}-quantity": "10",
        f"line-{line_of(purchase_order).pk}-uom": str(line_of(purchase_order).uom_id),
    }

    form_page = client.get(reverse("suppliers:asn_edit", args=["ASN-1"])).content.decode()
    saved = client.post(reverse("suppliers:asn_edit", args=["ASN-1"]), post)
    detail = client.get(reverse("suppliers:asn_detail", args=["ASN-1"])).content.decode()
    listing = client.get(reverse("suppliers:asn_list")).content.decode()

    assert '<datalist id="carrier-options">' in form_page
    assert '<option value="DB Schenker"></option>' in form_page
    assert saved.status_code == 302
    assert Shipment.objects.get().carrier == "FedEx"
    link = (
        '<a href="https://www.fedex.com/fedextrack/?trknbr=7712%203456" class="tracking-link" '
        'target="_blank" rel="noopener noreferrer">7712 3456</a>'
    )
    assert link in detail
    assert link in listing


def test_the_print_view_shows_amounts_and_deliveries_without_the_navigation(
    client, supplier, supplier_user
):
    purchase_order = _po_with_deliveries(supplier)
    purchase_order.lines.update(unit_price=Decimal("2.50"))
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_print", args=["PO-1"]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Purchase order PO-1" in page
    assert "@media print" in page
    assert 'aria-label="Main"' not in page
    assert f"60 EA on {_in(5):%Y-%m-%d}" in page
    assert f"40 EA on {_in(20):%Y-%m-%d}" in page
    assert f"50 EA on {_in(9):%Y-%m-%d}" in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 2
    assert '<dd id="po-total">375.00 USD</dd>' in page
    assert '<td class="num">250.00 USD</td>' in rows


def test_another_suppliers_user_gets_a_404_on_the_print_view_and_the_papers(
    client, supplier, supplier_user, outsider
):
    purchase_order = confirmed_po(supplier, "PO-1")
    ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "10")])
    client.force_login(outsider)

    statuses = [
        client.get(reverse("suppliers:po_print", args=["PO-1"])).status_code,
        client.get(reverse("suppliers:asn_packing_slip", args=["ASN-1"])).status_code,
        client.get(reverse("suppliers:asn_labels", args=["ASN-1"])).status_code,
    ]

    assert statuses == [404, 404, 404]
