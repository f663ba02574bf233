"""The ERP cancels or revises a purchase order the portal already has: the service changes
it when nothing has shipped, and refuses clearly when goods already moved."""

import datetime
from decimal import Decimal

import pytest

from integrations.errors import DomainError
from integrations.models import Event
from suppliers import services
from suppliers.erp import tryton as erp_tryton
from suppliers.models import PurchaseOrder
from tests.integrations.factories import ConnectorFactory
from tests.inventory.factories import ItemFactory, WarehouseFactory
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory

pytestmark = pytest.mark.django_db


def _order(supplier, **line):
    purchase_order = PurchaseOrderFactory(supplier=supplier, number="PO-T1", erp_id="7")
    PurchaseOrderLineFactory(purchase_order=purchase_order, line_no=1, **line)
    return purchase_order


def test_cancelling_an_unshipped_po_cancels_it_and_publishes_the_event(supplier):
    purchase_order = _order(supplier)

    services.purchase_order_cancel(actor=None, purchase_order=purchase_order, reason="ERP")

    purchase_order.refresh_from_db()
    assert purchase_order.status == PurchaseOrder.Status.CANCELLED
    event = Event.objects.get(type="purchase_order.cancelled")
    assert event.data["number"] == "PO-T1"
    assert event.data["reason"] == "ERP"


def test_cancelling_twice_changes_nothing_the_second_time(supplier):
    purchase_order = _order(supplier)
    services.purchase_order_cancel(actor=None, purchase_order=purchase_order, reason="ERP")

    services.purchase_order_cancel(actor=None, purchase_order=purchase_order, reason="ERP")

    assert Event.objects.filter(type="purchase_order.cancelled").count() == 1


def test_a_po_with_shipped_goods_cannot_be_cancelled(supplier):
    purchase_order = _order(supplier, shipped_qty=Decimal("10"), confirmed_qty=Decimal("100"))

    with pytest.raises(DomainError) as error:
        services.purchase_order_cancel(actor=None, purchase_order=purchase_order, reason="ERP")

    assert error.value.message == (
        "Purchase order PO-T1 cannot be cancelled: line(s) 1 already shipped. "
        "Settle it with the supplier (cancel or receive the ASN first)."
    )
    purchase_order.refresh_from_db()
    assert purchase_order.status == PurchaseOrder.Status.ISSUED


def test_a_revision_replaces_the_lines_and_asks_for_a_new_acknowledgment(supplier):
    purchase_order = _order(supplier, confirmed_qty=Decimal("100"))
    PurchaseOrder.objects.filter(pk=purchase_order.pk).update(status=PurchaseOrder.Status.CONFIRMED)
    item = ItemFactory(sku="NEW-1")

    services.purchase_order_revise(
        actor=None,
        purchase_order=purchase_order,
        lines=[
            services.PurchaseOrderLineInput(
                line_no=1,
                item=item,
                ordered_qty=Decimal("40"),
                uom=item.base_uom,
                unit_price=Decimal("1.5"),
                requested_date=datetime.date.today() + datetime.timedelta(days=9),
            )
        ],
    )

    purchase_order.refresh_from_db()
    line = purchase_order.lines.get()
    assert (purchase_order.revision, purchase_order.status) == (2, PurchaseOrder.Status.ISSUED)
    assert (line.item.sku, line.ordered_qty, line.confirmed_qty) == ("NEW-1", 40, None)
    assert Event.objects.get(type="purchase_order.revised").data["revision"] == 2


def _tryton_purchase(supplier, warehouse, *, state="processing", quantity="100"):
    return {
        "erp_id": "7",
        "number": "PO-T1",
        "state": state,
        "supplier": supplier.erp_vendor_id,
        "supplier_name": supplier.name,
        "warehouse": warehouse.code,
        "currency": "USD",
        "purchase_date": datetime.date.today(),
        "lines": [
            {
                "line_no": 1,
                "product": "BOLT-1",
                "quantity": Decimal(quantity),
                "uom": "EA",
                "unit": "u",
                "unit_price": Decimal("2.5"),
                "delivery_date": datetime.date.today() + datetime.timedelta(days=10),
            }
        ],
    }


@pytest.fixture
def tryton(db):
    return ConnectorFactory(name="erp-test", kind="tryton", config={}, event_types=[])


def test_a_purchase_revised_then_cancelled_in_tryton_follows_in_the_portal(supplier, tryton):
    warehouse = WarehouseFactory(code="DAL1")
    ItemFactory(sku="BOLT-1")
    first = _tryton_purchase(supplier, warehouse)

    assert erp_tryton.purchase_import(connector=tryton, purchase=first) == "created"
    assert erp_tryton.purchase_import(connector=tryton, purchase=first) == "unchanged"
    revised = _tryton_purchase(supplier, warehouse, quantity="80")
    assert erp_tryton.purchase_import(connector=tryton, purchase=revised) == "revised"
    cancelled = _tryton_purchase(supplier, warehouse, state="cancelled", quantity="80")
    assert erp_tryton.purchase_import(connector=tryton, purchase=cancelled) == "cancelled"

    purchase_order = PurchaseOrder.objects.get(number="PO-T1")
    assert purchase_order.revision == 2
    assert purchase_order.status == PurchaseOrder.Status.CANCELLED
    assert purchase_order.lines.get().ordered_qty == 80
