"""Stock positions' inbound figures, recomputed from POs, ASNs and receipts."""

from decimal import Decimal

import pytest

from inventory.models import StockPosition
from suppliers.services.inbound_positions import inbound_positions_refresh
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.receipts_helpers import receive
from tests.suppliers.shipping_helpers import confirmed_po, line_of, ship

pytestmark = pytest.mark.django_db


def figures() -> dict:
    return {
        p.item.sku: (p.inbound_open_po, p.inbound_in_transit)
        for p in StockPosition.objects.select_related("item")
    }


def test_open_po_and_in_transit_follow_shipping_and_receiving(supplier, supplier_user):
    purchase_order = confirmed_po(supplier, "PO-1", lines=[("BOLT", "100", "EA")])
    inbound_positions_refresh()
    assert figures() == {"BOLT": (Decimal(100), Decimal(0))}

    asn = ship(supplier, supplier_user, "ASN-1", [(line_of(purchase_order), "40")])
    inbound_positions_refresh()
    assert figures() == {"BOLT": (Decimal(60), Decimal(40))}

    receive(asn, "R-1", "30")
    inbound_positions_refresh()
    assert figures() == {"BOLT": (Decimal(60), Decimal(10))}


def test_quantities_in_other_units_are_converted_to_the_base_unit(supplier):
    each, case = UnitOfMeasureFactory(code="EA"), UnitOfMeasureFactory(code="CS")
    item = ItemFactory(sku="NUT", base_uom=each)
    UomConversionFactory(item=item, from_uom=case, to_uom=each, factor=Decimal(12))
    confirmed_po(supplier, "PO-2", lines=[("NUT", "5", "CS")])

    assert inbound_positions_refresh() == 1

    assert figures() == {"NUT": (Decimal(60), Decimal(0))}
    assert inbound_positions_refresh() == 0  # nothing changed, nothing written
