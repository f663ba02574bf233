from decimal import Decimal

import factory

from inventory.models import Item, UnitOfMeasure, UomConversion, Warehouse


class UnitOfMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitOfMeasure
        django_get_or_create = ("code",)

    code = "EA"
    name = factory.LazyAttribute(lambda o: o.code.title())
    kind = UnitOfMeasure.Kind.COUNT
    decimal_places = 0


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    description = factory.Faker("catch_phrase")
    base_uom = factory.SubFactory(UnitOfMeasureFactory, code="EA")


class UomConversionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UomConversion

    item = factory.SubFactory(ItemFactory)
    from_uom = factory.SubFactory(UnitOfMeasureFactory, code="CS")
    to_uom = factory.SubFactory(UnitOfMeasureFactory, code="EA")
    factor = Decimal("12")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.LazyAttribute(lambda o: f"Warehouse {o.code}")
