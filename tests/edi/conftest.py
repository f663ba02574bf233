"""An EDI supplier: ACME with a trading partner whose folders are under tmp_path, a PO
ordered in eaches of an item ACME ships in cases of 12, and an edi_x12 connector."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from suppliers.models import TradingPartner
from tests.integrations.factories import ConnectorFactory
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.factories import (
    PurchaseOrderFactory,
    PurchaseOrderLineFactory,
    SupplierItemFactory,
)


@pytest.fixture
def edi_partner(supplier, tmp_path):
    return TradingPartner.objects.create(
        supplier=supplier,
        code="acme-edi",
        isa_qualifier="ZZ",
        isa_id="ACMEEDI",
        gs_id="ACMEGS",
        our_isa_qualifier="ZZ",
        our_isa_id="DISTRIB",
        our_gs_id="DISTGS",
        versions_accepted="004010,005010",
        uom_map={"CA": "CS"},
        inbound_folder=str(tmp_path / "in"),
        outbound_folder=str(tmp_path / "out"),
    )


@pytest.fixture
def other_partner(other_supplier, tmp_path):
    return TradingPartner.objects.create(
        supplier=other_supplier,
        code="globex-edi",
        isa_id="GLOBEXEDI",
        gs_id="GLOBEXGS",
        our_isa_id="DISTRIB",
        our_gs_id="DISTGS",
        inbound_folder=str(tmp_path / "globex-in"),
        outbound_folder=str(tmp_path / "globex-out"),
    )


@pytest.fixture
def edi_connector(db):
    return ConnectorFactory(
        kind="edi_x12",
        name="edi",
        config={},
        event_types=[
            "edi.functional_ack",
            "purchase_order.received",
            "purchase_order.change_decided",
        ],
    )


def confirmed_po(supplier, number: str, *, qty: str = "48", cases: bool = True):
    """A confirmed PO ordered in EA of an item the supplier sells in CS of 12."""
    each = UnitOfMeasureFactory(code="EA")
    case = UnitOfMeasureFactory(code="CS")
    item = ItemFactory(sku=f"BOLT-{number}", base_uom=each)
    UomConversionFactory(item=item, from_uom=case, to_uom=each, factor=Decimal("12"))
    SupplierItemFactory(
        supplier=supplier, item=item, supplier_sku=f"AC-{number}", uom=case if cases else each
    )
    purchase_order = PurchaseOrderFactory(
        supplier=supplier, number=number, status="confirmed", issued_at=timezone.now()
    )
    PurchaseOrderLineFactory(
        purchase_order=purchase_order,
        line_no=1,
        item=item,
        ordered_qty=Decimal(qty),
        uom=each,
        confirmed_qty=Decimal(qty),
        confirmed_date=datetime.date.today() + datetime.timedelta(days=7),
    )
    return purchase_order
