"""The supplier PO list takes its totals from the inbox counts instead of its own COUNT(*):
they must be the totals of what each filter shows, and another supplier's POs never count."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from suppliers.models import PurchaseOrder
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(supplier, other_supplier):
    long_ago = timezone.now() - datetime.timedelta(days=10)
    PurchaseOrderFactory(supplier=supplier, number="PO-NEW")
    PurchaseOrderFactory(supplier=supplier, number="PO-LATE", issued_at=long_ago)
    PurchaseOrderFactory(supplier=supplier, number="PO-LATE2", issued_at=long_ago)
    PurchaseOrderFactory(supplier=supplier, number="PO-OK", status=PurchaseOrder.Status.CONFIRMED)
    PurchaseOrderFactory(supplier=other_supplier, number="PO-THEIRS", issued_at=long_ago)
    PurchaseOrderFactory(
        supplier=other_supplier, number="PO-THEIRS2", status=PurchaseOrder.Status.CONFIRMED
    )


@pytest.mark.parametrize(
    ("params", "numbers"),
    [
        ({}, {"PO-NEW", "PO-LATE", "PO-LATE2", "PO-OK"}),
        ({"status": "issued"}, {"PO-NEW", "PO-LATE", "PO-LATE2"}),
        ({"status": "confirmed"}, {"PO-OK"}),
        ({"status": "shipped"}, set()),
        ({"overdue": "1"}, {"PO-LATE", "PO-LATE2"}),
        ({"overdue": "1", "status": "confirmed"}, set()),
        ({"q": "LATE"}, {"PO-LATE", "PO-LATE2"}),
    ],
)
def test_the_supplier_list_total_is_the_number_of_orders_it_lists(
    client, supplier_user, orders, params, numbers
):
    client.force_login(supplier_user)

    page = client.get(reverse("suppliers:po_list"), params).context["page"]

    assert {po["number"] for po in page.object_list} == numbers
    assert page.paginator.count == len(numbers)


def test_the_list_shows_every_column_of_a_purchase_order(client, supplier, supplier_user):
    purchase_order = PurchaseOrderFactory(
        supplier=supplier,
        number="PO-COLS",
        issued_at=datetime.datetime(2026, 3, 4, 10, 0, tzinfo=datetime.UTC),
        ack_due_at=datetime.datetime(2026, 3, 6, 9, 30, tzinfo=datetime.UTC),
    )
    PurchaseOrderLineFactory(purchase_order=purchase_order, line_no=1)
    PurchaseOrderLineFactory(purchase_order=purchase_order, line_no=2)
    client.force_login(supplier_user)

    body = client.get(reverse("suppliers:po_list")).content.decode()

    assert '<a href="/orders/PO-COLS/">PO-COLS</a>' in body
    assert "Awaiting acknowledgment" in body
    assert "<td>2026-03-04</td>" in body
    assert "<td>2026-03-06 09:30</td>" in body
    assert '<td class="num">2</td>' in body
    assert f"<td>{purchase_order.ship_to.code}</td>" in body
