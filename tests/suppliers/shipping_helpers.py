"""Builders shared by the shipping tests: confirmed PO lines (set directly, as the
acknowledgment service would leave them) and ASNs made through the real services."""

import datetime
import time
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from suppliers import services
from suppliers.models import PurchaseOrder, PurchaseOrderLine, Shipment
from suppliers.services.inbound_rows import refresh_inbound_rows_for_orders
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.suppliers.factories import PurchaseOrderFactory, PurchaseOrderLineFactory


def today() -> datetime.date:
    return timezone.localdate()


def confirmed_po(
    supplier,
    number: str,
    *,
    lines: list[tuple] = (("BOLT-M8", "100", "EA"),),
    warehouse: str = "DC1",
    promised: datetime.date | None = None,
) -> PurchaseOrder:
    """A confirmed PO whose lines are confirmed as ordered: (sku, qty, uom code)."""
    purchase_order = PurchaseOrderFactory(
        supplier=supplier,
        number=number,
        status=PurchaseOrder.Status.CONFIRMED,
        ship_to=WarehouseFactory(code=warehouse),
    )
    for line_no, (sku, qty, uom_code) in enumerate(lines, start=1):
        PurchaseOrderLineFactory(
            purchase_order=purchase_order,
            line_no=line_no,
            item=ItemFactory(sku=sku),
            ordered_qty=Decimal(qty),
            uom=UnitOfMeasureFactory(code=uom_code),
            confirmed_qty=Decimal(qty),
            confirmed_date=promised or today() + datetime.timedelta(days=7),
        )
    # Made by factories, not by the acceptance: its inbound schedule rows as that writes them.
    refresh_inbound_rows_for_orders([purchase_order])
    return purchase_order


def line_of(purchase_order: PurchaseOrder, line_no: int = 1) -> PurchaseOrderLine:
    return PurchaseOrderLine.objects.select_related(
        "purchase_order__ship_to", "item__base_uom", "uom"
    ).get(purchase_order=purchase_order, line_no=line_no)


def header(number: str, *, ship_in: int = 0, arrive_in: int = 3, **extra) -> services.AsnHeader:
    return services.AsnHeader(
        asn_number=number,
        ship_date=today() + datetime.timedelta(days=ship_in),
        expected_delivery=today() + datetime.timedelta(days=arrive_in),
        **extra,
    )


def ship(
    supplier, actor, number: str, lines: list[tuple], *, submit: bool = True, **header_extra
) -> Shipment:
    """An ASN of (po_line, qty[, uom]) tuples through asn_create (+ asn_submit)."""
    inputs = [
        services.AsnLineInput(
            po_line=line[0], quantity=Decimal(line[1]), uom=line[2] if len(line) > 2 else None
        )
        for line in lines
    ]
    shipment = services.asn_create(
        actor=actor, supplier=supplier, header=header(number, **header_extra), lines=inputs
    )
    if submit:
        shipment = services.asn_submit(actor=actor, shipment=shipment)
    return shipment


def wait_until_both_are_blocked() -> None:
    """Wait (10 s at most) until two other connections wait on a lock: the moment two
    concurrent submissions have met on the same rows."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            # Inside a transaction the statistics views are a snapshot: refresh it.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= 2:
                return
        time.sleep(0.05)
    raise AssertionError("the two submissions never both waited on a lock")
