from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suppliers.models import PurchaseOrder
from tests.inventory.factories import ItemFactory
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SupplierItemFactory,
)

pytestmark = pytest.mark.django_db


def _make_orders(supplier, count):
    for _ in range(count):
        purchase_order = PurchaseOrderFactory(supplier=supplier)
        PurchaseOrderLineFactory(purchase_order=purchase_order, line_no=1)
        PurchaseOrderLineFactory(purchase_order=purchase_order, line_no=2)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_supplier_po_list_runs_the_same_queries_for_5_and_500_orders(
    client, supplier, supplier_user
):
    client.force_login(supplier_user)
    url = reverse("suppliers:po_list")
    _make_orders(supplier, 5)
    few = _queries(client, url)

    _make_orders(supplier, 495)
    many = _queries(client, url)

    assert few == many


def test_buyer_po_list_runs_the_same_queries_for_5_and_500_orders(
    client, supplier, other_supplier, buyer
):
    client.force_login(buyer)
    url = reverse("buyer:po_list")
    _make_orders(supplier, 5)
    few = _queries(client, url)

    _make_orders(other_supplier, 495)
    many = _queries(client, url)

    assert few == many


def test_po_detail_runs_the_same_queries_for_2_and_40_lines(client, supplier, supplier_user):
    client.force_login(supplier_user)
    small = PurchaseOrderFactory(supplier=supplier)
    large = PurchaseOrderFactory(supplier=supplier)
    for n in range(1, 3):
        PurchaseOrderLineFactory(purchase_order=small, line_no=n)
    for n in range(1, 41):
        line = PurchaseOrderLineFactory(purchase_order=large, line_no=n)
        SupplierItemFactory(supplier=supplier, item=line.item)

    assert _queries(client, reverse("suppliers:po_detail", args=[small.number])) == _queries(
        client, reverse("suppliers:po_detail", args=[large.number])
    )


def test_supplier_sees_only_its_own_purchase_orders(
    client, supplier, other_supplier, supplier_user
):
    PurchaseOrderFactory(supplier=supplier, number="PO-MINE")
    PurchaseOrderFactory(supplier=other_supplier, number="PO-THEIRS")
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_list"))

    numbers = [po["number"] for po in response.context["page"].object_list]
    assert numbers == ["PO-MINE"]


def test_supplier_filters_purchase_orders_by_status(client, supplier, supplier_user):
    PurchaseOrderFactory(supplier=supplier, number="PO-NEW")
    PurchaseOrderFactory(supplier=supplier, number="PO-CONF", status=PurchaseOrder.Status.CONFIRMED)
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_list"), {"status": "confirmed"})

    assert [po["number"] for po in response.context["page"].object_list] == ["PO-CONF"]


def test_supplier_searches_by_po_number_or_sku(client, supplier, supplier_user):
    first = PurchaseOrderFactory(supplier=supplier, number="PO-7001")
    second = PurchaseOrderFactory(supplier=supplier, number="PO-7002")
    PurchaseOrderLineFactory(purchase_order=first, line_no=1, item=ItemFactory(sku="BOLT-M8"))
    PurchaseOrderLineFactory(purchase_order=second, line_no=1, item=ItemFactory(sku="NUT-M8"))
    client.force_login(supplier_user)

    by_number = client.get(reverse("suppliers:po_list"), {"q": "7002"})
    by_sku = client.get(reverse("suppliers:po_list"), {"q": "bolt-m8"})

    assert [po["number"] for po in by_number.context["page"].object_list] == ["PO-7002"]
    assert [po["number"] for po in by_sku.context["page"].object_list] == ["PO-7001"]


def test_an_htmx_filter_request_gets_only_the_results_fragment(client, supplier, supplier_user):
    PurchaseOrderFactory(supplier=supplier, number="PO-FRAG")
    client.force_login(supplier_user)

    response = client.get(
        reverse("suppliers:po_list"),
        {"q": "FRAG"},
        headers={"HX-Request": "true", "HX-Target": "po-results"},
    )

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="po-results">')
    assert "PO-FRAG" in body
    assert "<html" not in body


def test_supplier_list_pages_through_results(client, supplier, supplier_user, settings):
    settings.PORTAL_PAGE_SIZE = 2
    for n in range(5):
        PurchaseOrderFactory(supplier=supplier, number=f"PO-P{n}")
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_list"), {"page": 3})

    assert response.context["page"].number == 3
    assert len(response.context["page"].object_list) == 1


def test_buyer_filters_by_supplier(client, supplier, other_supplier, buyer):
    PurchaseOrderFactory(supplier=supplier, number="PO-A")
    PurchaseOrderFactory(supplier=other_supplier, number="PO-B")
    client.force_login(buyer)

    response = client.get(reverse("buyer:po_list"), {"supplier": other_supplier.code})

    assert [po["number"] for po in response.context["page"].object_list] == ["PO-B"]


def test_po_detail_shows_quantities_in_their_unit(client, supplier, supplier_user):
    purchase_order = PurchaseOrderFactory(supplier=supplier, number="PO-UNITS")
    PurchaseOrderLineFactory(
        purchase_order=purchase_order, line_no=1, ordered_qty=Decimal("24"), unit_price=Decimal("3")
    )
    client.force_login(supplier_user)

    response = client.get(reverse("suppliers:po_detail", args=["PO-UNITS"]))

    assert "24 EA" in response.content.decode()


def test_the_supplier_list_offers_a_ship_tick_box_only_for_pos_open_to_ship(
    client, supplier, other_supplier, supplier_user
):
    for status in PurchaseOrder.Status.values:
        PurchaseOrderFactory(supplier=supplier, number=f"PO-{status}", status=status)
    PurchaseOrderFactory(supplier=other_supplier, number="PO-OUTSIDER", status="confirmed")
    client.force_login(supplier_user)

    listing = client.get(reverse("suppliers:po_list")).content.decode()

    ticked = {s for s in PurchaseOrder.Status.values if f'value="PO-{s}"' in listing}
    assert ticked == {"confirmed", "partially_shipped"}
    assert "PO-OUTSIDER" not in listing
