"""The purchase-order reads build their bodies from `.values()` rows (issue 24): the JSON is
the one the documented serializers give for the same orders, byte for byte, in every case
a line can be in; and one PO costs a constant number of queries."""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from suppliers import selectors
from suppliers.api.purchase_orders import PurchaseOrderDetailOutput, PurchaseOrderListItemOutput
from suppliers.models import PurchaseOrder, PurchaseOrderScheduleLine
from tests.inventory.factories import ItemFactory
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SupplierItemFactory,
    purchase_order_awaiting_acknowledgment,
)

pytestmark = pytest.mark.django_db


def varied_purchase_order(supplier, number: str = "PO-MIX", currency: str = "USD"):
    """Lines in every state: ordered only; confirmed with two schedule lines (positions
    stored out of order); confirmed without schedule lines (read as one delivery, shipped
    above the confirmed quantity); rejected (confirmed 0); with the supplier's own SKU;
    a price with more decimals than the currency, rounding half up."""
    purchase_order = PurchaseOrderFactory(
        supplier=supplier, number=number, currency=currency, ack_due_at=None
    )
    ordered = PurchaseOrderLineFactory(
        purchase_order=purchase_order,
        line_no=1,
        ordered_qty=Decimal("3"),
        unit_price=Decimal("0.1250"),
    )
    SupplierItemFactory(supplier=supplier, item=ordered.item, supplier_sku=f"{number}-0001")
    scheduled = PurchaseOrderLineFactory(
        purchase_order=purchase_order,
        line_no=2,
        ordered_qty=Decimal("10"),
        confirmed_qty=Decimal("9.5"),
        confirmed_price=Decimal("1.0050"),
        confirmed_date=datetime.date(2026, 3, 20),
        shipped_qty=Decimal("4"),
    )
    for position, quantity, day in ((2, "5.5", 25), (1, "4", 20)):
        PurchaseOrderScheduleLine.objects.create(
            line=scheduled,
            position=position,
            quantity=Decimal(quantity),
            date=datetime.date(2026, 3, day),
            shipped_qty=Decimal("4") if position == 1 else Decimal("0"),
        )
    PurchaseOrderLineFactory(
        purchase_order=purchase_order,
        line_no=3,
        ordered_qty=Decimal("7"),
        confirmed_qty=Decimal("6"),
        confirmed_date=datetime.date(2026, 4, 1),
        shipped_qty=Decimal("7"),
        received_qty=Decimal("2"),
    )
    PurchaseOrderLineFactory(
        purchase_order=purchase_order,
        line_no=4,
        item=ItemFactory(description='Washer; \u00e9t\u00e9 "quoted"'),
        confirmed_qty=Decimal("0"),
    )
    return purchase_order


def rendered(data) -> bytes:
    return JSONRenderer().render(data)


def serializer_detail(purchase_order: PurchaseOrder) -> bytes:
    # What the view answered before it built its body from rows (the documented serializer).
    purchase_order = selectors.get_purchase_order_for_supplier(
        supplier=purchase_order.supplier, number=purchase_order.number
    )
    lines = selectors.purchase_order_lines(purchase_order=purchase_order)
    fields = ("number", "status", "revision", "ship_to", "currency", "issued_at")
    header = {field: getattr(purchase_order, field) for field in fields} | {
        "ack_due_at": purchase_order.ack_due_at,
        "updated_at": purchase_order.updated_at,
        "at_risk": purchase_order.at_risk,
    }
    total = selectors.purchase_order_totals([purchase_order])[purchase_order.pk]
    return rendered(
        PurchaseOrderDetailOutput({**header, "total_amount": total, "lines": lines}).data
    )


@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD"])
def test_one_purchase_order_reads_exactly_as_its_serializer_writes_it(api, supplier, currency):
    purchase_order = varied_purchase_order(supplier, currency=currency)

    response = api.get(f"/api/v1/purchase-orders/{purchase_order.number}")

    assert response.status_code == 200
    assert response.content == serializer_detail(purchase_order)
    body = response.json()
    assert [line["line_no"] for line in body["lines"]] == [1, 2, 3, 4]
    assert [s["position"] for s in body["lines"][1]["schedule_lines"]] == [1, 2]
    assert body["lines"][2]["schedule_lines"] == [
        {"position": 1, "quantity": "6.000000", "date": "2026-04-01", "shipped_qty": "6.000000"}
    ]
    assert body["lines"][0]["supplier_sku"] == "PO-MIX-0001"
    assert body["lines"][1]["supplier_sku"] is None


def test_a_purchase_order_without_lines_reads_with_no_lines_and_a_zero_total(api, supplier):
    purchase_order = PurchaseOrderFactory(supplier=supplier, number="PO-EMPTY")

    response = api.get("/api/v1/purchase-orders/PO-EMPTY")

    assert response.status_code == 200
    assert response.content == serializer_detail(purchase_order)
    assert response.json()["lines"] == []
    assert response.json()["total_amount"] == "0.00"


def test_another_suppliers_purchase_order_is_not_found_by_number(
    api, outsider_api, supplier, other_supplier
):
    varied_purchase_order(other_supplier, number="PO-THEIRS")

    response = api.get("/api/v1/purchase-orders/PO-THEIRS")

    assert response.status_code == 404
    assert outsider_api.get("/api/v1/purchase-orders/PO-THEIRS").status_code == 200


def test_the_list_reads_exactly_as_its_serializer_writes_it(api, supplier, other_supplier):
    varied_purchase_order(supplier, number="PO-MIX-1")
    varied_purchase_order(supplier, number="PO-MIX-2", currency="JPY")
    PurchaseOrderFactory(supplier=supplier, number="PO-EMPTY")
    purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-PLAIN")
    varied_purchase_order(other_supplier, number="PO-THEIRS")

    response = api.get("/api/v1/purchase-orders?limit=3")
    second = api.get(response.json()["next"])

    orders = selectors.with_totals(
        selectors.purchase_orders_for_supplier(supplier=supplier).order_by("-updated_at", "-id")
    )
    expected = json.loads(rendered(PurchaseOrderListItemOutput(orders, many=True).data))
    assert response.json()["results"] + second.json()["results"] == expected
    assert [row["number"] for row in expected] == ["PO-PLAIN", "PO-EMPTY", "PO-MIX-2", "PO-MIX-1"]
    assert response.content.startswith(b'{"next":')
    first = rendered(PurchaseOrderListItemOutput(orders[:3], many=True).data)
    assert first in response.content


def test_one_purchase_order_takes_the_same_queries_with_2_or_40_lines(api, supplier):
    small = varied_purchase_order(supplier, number="PO-SMALL")
    large = purchase_order_awaiting_acknowledgment(supplier=supplier, number="PO-LARGE", lines=40)
    api.get(f"/api/v1/purchase-orders/{small.number}")  # the key's first use stamps it

    def queries(number: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"/api/v1/purchase-orders/{number}").status_code == 200
        return len(captured)

    # The key, its supplier, and the PO with its lines, schedule lines and supplier SKUs.
    assert queries(small.number) == 3
    assert queries(large.number) == 3
