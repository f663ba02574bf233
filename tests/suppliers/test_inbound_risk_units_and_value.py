"""Inbound risk never adds quantities across units, values lines as quantity × price in
their PO's currency, counts late deliveries per schedule line on their own date, and every
figure on the page opens exactly the lines it was computed from."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import UnitOfMeasure
from suppliers.models import PurchaseOrder, PurchaseOrderScheduleLine
from suppliers.selectors import week_label
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def late_line(supplier, number, *, sku, qty, uom, price, currency="USD", due=-3, warehouse="DC1"):
    """A confirmed PO with one line confirmed as ordered and promised `due` days from
    today (negative: already late), nothing shipped."""
    unit = UnitOfMeasureFactory(
        code=uom,
        kind=UnitOfMeasure.Kind.COUNT if uom != "KG" else UnitOfMeasure.Kind.MASS,
        decimal_places=0 if uom != "KG" else 3,
    )
    purchase_order = PurchaseOrderFactory(
        supplier=supplier,
        number=number,
        status=PurchaseOrder.Status.CONFIRMED,
        ship_to=WarehouseFactory(code=warehouse),
        currency=currency,
    )
    return PurchaseOrderLineFactory(
        purchase_order=purchase_order,
        line_no=1,
        item=ItemFactory(sku=sku, base_uom=unit),
        uom=unit,
        ordered_qty=Decimal(qty),
        confirmed_qty=Decimal(qty),
        confirmed_date=days(due),
        unit_price=Decimal(price),
    )


@pytest.fixture
def three_units(supplier):
    """ACME is late on 12 CS at 10.005 USD, 3600 EA at 0.0125 USD and 3.942 KG at 7.10
    USD, all at DC1 and promised three days ago."""
    return [
        late_line(supplier, "PO-CS", sku="BOX", qty="12", uom="CS", price="10.005"),
        late_line(supplier, "PO-EA", sku="SCREW", qty="3600", uom="EA", price="0.0125"),
        late_line(supplier, "PO-KG", sku="GREASE", qty="3.942", uom="KG", price="7.10"),
    ]


def risk_page(client):
    response = client.get(reverse("buyer:inbound_risk"))
    assert response.status_code == 200
    return response


def test_inbound_risk_with_lines_in_three_units_keeps_each_unit_apart_everywhere(
    client, buyer, three_units
):
    client.force_login(buyer)

    summary = risk_page(client).context["summary"]

    per_unit = {"CS": Decimal("12"), "EA": Decimal("3600"), "KG": Decimal("3.942")}
    week = week_label(days(-3))
    assert summary.totals["late"].quantities == per_unit
    assert [(r.key, r.cells["late"].quantities) for r in summary.supplier] == [("ACME", per_unit)]
    assert [(r.key, r.cells["late"].quantities) for r in summary.warehouse] == [("DC1", per_unit)]
    assert [(r.key, r.cells["late"].quantities) for r in summary.week] == [(week, per_unit)]


def test_the_page_shows_each_unit_on_its_own_and_no_sum_of_them(client, buyer, three_units):
    client.force_login(buyer)

    page = risk_page(client).content.decode()

    assert "12 CS" in page and "3600 EA" in page and "3.942 KG" in page
    assert "3615.942" not in page


def test_value_at_risk_is_the_sum_of_quantity_times_price_in_the_currency_decimals(
    client, buyer, three_units
):
    client.force_login(buyer)

    summary = risk_page(client).context["summary"]

    # 12 × 10.005 = 120.06; 3600 × 0.0125 = 45.00; 3.942 × 7.10 = 27.9882 → 27.99.
    expected = Decimal("120.06") + Decimal("45.00") + Decimal("27.99")
    assert expected == Decimal("193.05")
    assert summary.totals["late"].values == {"USD": expected}
    assert summary.supplier[0].cells["late"].values == {"USD": expected}
    assert summary.week[0].cells["late"].values == {"USD": expected}
    assert "193.05 USD" in risk_page(client).content.decode()


def test_values_in_different_currencies_are_never_added(client, supplier, buyer):
    late_line(supplier, "PO-USD", sku="A", qty="10", uom="EA", price="1.50")
    late_line(supplier, "PO-JPY", sku="B", qty="10", uom="EA", price="155.5", currency="JPY")
    client.force_login(buyer)

    summary = risk_page(client).context["summary"]

    assert summary.totals["late"].values == {"JPY": Decimal("1555"), "USD": Decimal("15.00")}
    assert summary.totals["late"].quantities == {"EA": Decimal("20")}


def test_a_split_line_is_late_only_for_the_delivery_whose_date_has_passed(client, supplier, buyer):
    line = late_line(supplier, "PO-SPLIT", sku="BOX", qty="15", uom="CS", price="2", due=-2)
    PurchaseOrderScheduleLine.objects.create(line=line, position=1, quantity=10, date=days(-2))
    PurchaseOrderScheduleLine.objects.create(line=line, position=2, quantity=5, date=days(12))
    client.force_login(buyer)

    summary = risk_page(client).context["summary"]
    listed = client.get(reverse("buyer:inbound_risk_lines"), {"measure": "late"})

    assert summary.totals["late"].quantities == {"CS": Decimal("10")}
    assert summary.totals["late"].values == {"USD": Decimal("20.00")}
    assert [(r.key, r.cells["late"].lines) for r in summary.week] == [(week_label(days(-2)), 1)]
    rows = listed.context["lines"]
    assert [(r.po_number, r.schedule_position, r.due, r.quantity) for r in rows] == [
        ("PO-SPLIT", 1, days(-2), Decimal("10"))
    ]


def test_a_partly_shipped_delivery_is_late_for_what_is_still_to_ship(client, supplier, buyer):
    line = late_line(supplier, "PO-PART", sku="BOX", qty="15", uom="CS", price="2", due=-2)
    PurchaseOrderScheduleLine.objects.create(
        line=line, position=1, quantity=10, date=days(-2), shipped_qty=4
    )
    PurchaseOrderScheduleLine.objects.create(line=line, position=2, quantity=5, date=days(12))
    client.force_login(buyer)

    summary = risk_page(client).context["summary"]

    assert summary.totals["late"].quantities == {"CS": Decimal("6")}


def _links(page: str) -> list[tuple[str, str]]:
    """Every figure on the page: (its link, its text)."""
    return [
        (href.replace("&amp;", "&"), text)
        for href, text in re.findall(
            r'<a href="([^"]*inbound-risk/lines/[^"]*)"[^>]*>([^<]*)</a>', page
        )
    ]


def test_every_figure_opens_the_lines_it_adds_up(client, supplier, other_supplier, buyer):
    late_line(supplier, "PO-1", sku="BOX", qty="12", uom="CS", price="3", warehouse="DC1")
    late_line(supplier, "PO-2", sku="SCREW", qty="40", uom="EA", price="0.5", warehouse="DC2")
    late_line(other_supplier, "PO-3", sku="OIL", qty="2.5", uom="KG", price="4", due=-10)
    client.force_login(buyer)

    links = _links(risk_page(client).content.decode())

    assert len(links) > 20
    for url, text in links:
        listed = client.get(url)
        assert listed.status_code == 200
        lines = listed.context["lines"]
        if text.endswith(" USD"):
            assert text == f"{sum((line.value for line in lines), Decimal(0)):,.2f} USD", url
        elif " " in text:
            qty, unit = text.split(" ")
            assert {line.uom_code for line in lines} == {unit}, url
            assert sum(line.quantity for line in lines) == Decimal(qty), url
        else:
            assert int(text) == len(lines), url


def test_the_chart_is_server_rendered_svg_whose_bars_link_to_the_late_lines(
    client, buyer, three_units
):
    client.force_login(buyer)

    response = risk_page(client)
    page = response.content.decode()

    bars = response.context["chart"].bars
    assert len(bars) == 1
    assert "<svg" in page and "<script" not in page.split("<main", 1)[-1]
    assert (
        client.get(bars[0].url).context["lines"]
        == client.get(reverse("buyer:inbound_risk_lines"), {"measure": "late"}).context["lines"]
    )


def test_suppliers_and_outsiders_cannot_open_the_risk_pages(client, supplier_user, outsider):
    for user in (supplier_user, outsider):
        client.force_login(user)
        for name in ("buyer:inbound_risk", "buyer:inbound_risk_lines"):
            assert client.get(reverse(name)).status_code == 403
