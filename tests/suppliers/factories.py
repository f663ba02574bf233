import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from suppliers.models import (
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
