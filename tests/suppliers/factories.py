import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from suppliers.models import (
    AutoAcceptRule,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierItem,
    SupplierMembership,
)
from tests.inventory.factories import ItemFactory, WarehouseFactory
from tests.portal.factories import UserFactory


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SUP{n:03d}")
    name = factory.Faker("company")
    status = Supplier.Status.ACTIVE
    erp_vendor_id = factory.LazyAttribute(lambda o: f"V-{o.code}")


class SupplierMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierMembership

    user = factory.SubFactory(UserFactory)
    supplier = factory.SubFactory(SupplierFactory)
    role = SupplierMembership.Role.STAFF


class SupplierItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierItem

    supplier = factory.SubFactory(SupplierFactory)
    item = factory.SubFactory(ItemFactory)
    supplier_sku = factory.LazyAttribute(lambda o: f"{o.supplier.code}-{o.item.sku}")
    uom = factory.LazyAttribute(lambda o: o.item.base_uom)


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrder

    number = factory.Sequence(lambda n: f"PO-{n:06d}")
    supplier = factory.SubFactory(SupplierFactory)
    ship_to = factory.SubFactory(WarehouseFactory)
    issued_at = factory.LazyFunction(timezone.now)
    ack_due_at = factory.LazyAttribute(
        lambda o: o.issued_at + datetime.timedelta(hours=o.supplier.ack_sla_hours)
    )
    currency = "USD"


class PurchaseOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrderLine

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    line_no = factory.Sequence(lambda n: n + 1)
    item = factory.SubFactory(ItemFactory)
    ordered_qty = Decimal("100")
    uom = factory.LazyAttribute(lambda o: o.item.base_uom)
    unit_price = Decimal("2.5000")
    requested_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=14)
    )


class AutoAcceptRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AutoAcceptRule

    supplier = factory.SubFactory(SupplierFactory)
    is_enabled = True
    max_date_shift_days = 3
    max_qty_change_pct = Decimal("10")


def purchase_order_awaiting_acknowledgment(
    *, supplier, number: str, lines: int = 2, qty: str = "100", **fields
) -> PurchaseOrder:
    """A PO issued to `supplier` with `lines` lines (SKU-<number>-<n>, `qty` EA each at
    2.50, requested two weeks out), the way acknowledgment tests need one."""
    purchase_order = PurchaseOrderFactory(supplier=supplier, number=number, **fields)
    for line_no in range(1, lines + 1):
        PurchaseOrderLineFactory(
            purchase_order=purchase_order,
            line_no=line_no,
            item=ItemFactory(sku=f"SKU-{number}-{line_no}"),
            ordered_qty=Decimal(qty),
        )
    return purchase_order


class ShipmentFactory(factory.django.DjangoModelFactory):
    """A bare ASN header (no lines): for pages and probes. Tests of the shipping rules
    create ASNs through the services (tests/suppliers/shipping_helpers.py)."""

    class Meta:
        model = "suppliers.Shipment"

    supplier = factory.SubFactory(SupplierFactory)
    asn_number = factory.Sequence(lambda n: f"ASN-{n:06d}")
    ship_to = factory.SubFactory(WarehouseFactory)
    ship_date = factory.LazyFunction(timezone.localdate)
    expected_delivery = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=3)
    )
