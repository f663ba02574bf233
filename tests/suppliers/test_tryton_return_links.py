"""Which supplier sees a Tryton return to vendor (issue 22), the domain side of the stock
move pull with Tryton's answer canned (tests/erp/ runs it against a real trytond): a
return is linked to the portal PO whose Tryton id and number (with the connector's
prefix) its purchase line belongs to, and only when the return shipment goes back to that
PO's supplier; a return without such a PO is shown to the supplier its return shipment's
party is (`supplier_code`); any other return is recorded unlinked, shown to no supplier."""

import datetime
from decimal import Decimal

import pytest

from inventory.models import InventoryMovement, Item
from suppliers.erp import tryton_stock_moves
from suppliers.erp.tryton_stock_moves import tryton_stock_moves_pull
from suppliers.selectors.item_stock import supplier_item_stock
from tests.integrations.factories import ConnectorFactory
from tests.inventory.factories import ItemFactory
from tests.inventory.snapshots import items, warehouse
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SupplierFactory,
    SupplierItemFactory,
)

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 3, 3, 8, 0, tzinfo=datetime.UTC)


def _return(move_id: int, quantity: int, *, purchase: str, number: str, party: str) -> dict:
    """A return to vendor as `fetch_done_stock_moves` hands it over."""
    return {
        "source_event_id": f"stock.move:{move_id}",
        "kind": "return_to_vendor",
        "occurred_at": AT + datetime.timedelta(minutes=move_id),
        "sku": "BOLT",
        "warehouse": "DAL1",
        "quantity": Decimal(quantity),
        "unit": "u",
        "uom": "EA",
        "document_ref": f"supplier return {move_id}",
        "reason": "",
        "transfer_ref": "",
        "counterpart_warehouse": "",
        "purchase_erp_id": purchase,
        "purchase_number": number,
        "supplier_party": party,
    }


@pytest.fixture
def pulled(monkeypatch):
    """Tryton purchase 31, number 7, is the portal's PO T-7 of Fasteners (prefix "T-");
    four returns against it or not."""
    items("BOLT")
    warehouse("DAL1")
    fasteners = SupplierFactory(code="FAST", erp_vendor_id="V1")
    packaging = SupplierFactory(code="PACK", erp_vendor_id="V2")
    bolt = Item.objects.get(sku="BOLT")
    for supplier, number, erp_id in ((fasteners, "T-7", "31"), (packaging, "P-1", "")):
        order = PurchaseOrderFactory(supplier=supplier, number=number, erp_id=erp_id)
        PurchaseOrderLineFactory(purchase_order=order, line_no=1, item=bolt)
    events = [
        _return(1, 5, purchase="31", number="7", party="V1"),  # T-7, back to Fasteners
        _return(2, 3, purchase="31", number="7", party="V2"),  # T-7, but sent to Packaging
        _return(3, 2, purchase="99", number="7", party="V1"),  # another Tryton's purchase 7
        _return(4, 1, purchase="", number="", party="V1"),  # no purchase line origin
        _return(5, 6, purchase="", number="", party="V9"),  # a party no supplier is
    ]
    monkeypatch.setattr(tryton_stock_moves, "fetch_done_stock_moves", lambda *a, **k: (events, AT))
    monkeypatch.setenv("TEST_TRYTON_PASSWORD", "unused")
    connector = ConnectorFactory(
        kind="tryton",
        name="erp",
        config={
            "url": "http://127.0.0.1:9",  # never called: the read is canned
            "database": "x",
            "username": "admin",
            "password_env": "TEST_TRYTON_PASSWORD",
            "number_prefix": "T-",
        },
    )
    report = tryton_stock_moves_pull(connector=connector)
    return report, fasteners, packaging, bolt


def test_a_return_against_a_portal_po_names_the_po_and_keeps_the_tryton_reference(pulled):
    report, *_ = pulled

    assert report.errors == []
    assert list(
        InventoryMovement.objects.order_by("sequence").values_list(
            "sequence", "document_ref", "reason", "supplier_code"
        )
    ) == [
        (1, "T-7", "supplier return 1", "FAST"),
        (2, "supplier return 2", "", ""),
        (3, "supplier return 3", "", "FAST"),
        (4, "supplier return 4", "", "FAST"),
        (5, "supplier return 5", "", ""),
    ]
    assert [line.split(": ", 1)[1] for line in report.unlinked] == [
        "returned to party V2, but PO T-7 is FAST's; no supplier sees it.",
        "no purchase line of a portal PO is its origin in Tryton and its return shipment's "
        "party V9 is no portal supplier's ERP vendor id; no supplier sees it.",
    ]
    assert [line.split(": ", 1)[0] for line in report.by_party] == [
        "stock.move:3 (supplier return 3)",
        "stock.move:4 (supplier return 4)",
    ]


def test_the_po_supplier_sees_its_tryton_return_and_an_outsider_does_not(pulled):
    _report, fasteners, packaging, bolt = pulled
    own = SupplierItemFactory(supplier=fasteners, item=bolt)
    theirs = SupplierItemFactory(supplier=packaging, item=bolt)

    seen = supplier_item_stock(supplier=fasteners, supplier_item=own).returns
    unseen = supplier_item_stock(supplier=packaging, supplier_item=theirs).returns

    assert [(m.document_ref, m.quantity) for m in seen] == [
        ("supplier return 4", Decimal(1)),
        ("supplier return 3", Decimal(2)),
        ("T-7", Decimal(5)),
    ]
    assert list(unseen) == []


def test_a_supplier_sees_a_return_its_party_names_only_for_an_item_it_supplies(pulled):
    _report, fasteners, _packaging, bolt = pulled
    nut = ItemFactory(sku="NUT", base_uom=bolt.base_uom)
    unrelated = SupplierItemFactory(supplier=fasteners, item=nut)

    assert list(supplier_item_stock(supplier=fasteners, supplier_item=unrelated).returns) == []
