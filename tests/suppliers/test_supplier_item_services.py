"""supplier_item_create, supplier_item_update and supplier_item_upsert: the rules on a
supplier's SKU and unit, and the audit of each change."""

from decimal import Decimal

import pytest

from integrations.errors import DomainError
from integrations.models import AuditEntry, Channel
from inventory.models import UomConversion
from suppliers import services
from suppliers.models import SupplierItem
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.factories import SupplierItemFactory


@pytest.fixture
def bolt(db):
    UnitOfMeasureFactory(code="EA")
    UnitOfMeasureFactory(code="CS", name="Case")
    return ItemFactory(sku="BOLT-10")


def upsert(supplier, item, actor=None, **values):
    defaults = {
        "supplier_sku": "AC-B10",
        "uom": "EA",
        "lead_time_days": 5,
        "channel": Channel.CSV,
    }
    return services.supplier_item_upsert(
        actor=actor, supplier=supplier, item=item, **{**defaults, **values}
    )


def supplier_item_audits():
    return AuditEntry.objects.filter(object_type="suppliers.supplieritem").order_by("id")


def test_a_new_pair_creates_the_supplier_item_and_one_audit_entry_with_its_values(
    supplier, bolt, portal_admin
):
    supplier_item, created = upsert(supplier, bolt, portal_admin)

    assert created is True
    assert [
        (a.action, a.actor_id, a.channel, a.object_id, a.before, a.after)
        for a in supplier_item_audits()
    ] == [
        (
            "created",
            portal_admin.pk,
            "csv",
            str(supplier_item.pk),
            {},
            {
                "supplier": "ACME",
                "item": "BOLT-10",
                "supplier_sku": "AC-B10",
                "uom": "EA",
                "lead_time_days": 5,
            },
        )
    ]


def test_a_known_pair_is_updated_and_audited_with_only_the_fields_that_changed(
    supplier, bolt, portal_admin
):
    existing = SupplierItemFactory(
        supplier=supplier, item=bolt, supplier_sku="OLD-1", lead_time_days=30
    )

    supplier_item, created = upsert(supplier, bolt, portal_admin, lead_time_days=4)

    assert (created, supplier_item.pk) == (False, existing.pk)
    assert SupplierItem.objects.values_list("supplier_sku", "lead_time_days").get() == (
        "AC-B10",
        4,
    )
    assert [(a.action, a.before, a.after) for a in supplier_item_audits()] == [
        (
            "updated",
            {"supplier_sku": "OLD-1", "lead_time_days": 30},
            {"supplier_sku": "AC-B10", "lead_time_days": 4},
        )
    ]


def test_a_supplier_item_that_already_has_the_values_is_not_saved_or_audited(supplier, bolt):
    SupplierItemFactory(supplier=supplier, item=bolt, supplier_sku="AC-B10", lead_time_days=5)

    _supplier_item, created = upsert(supplier, bolt, supplier_sku=" AC-B10 ")

    assert created is False
    assert supplier_item_audits().count() == 0


def test_a_supplier_sku_already_naming_another_item_of_the_supplier_is_refused(supplier, bolt):
    SupplierItemFactory(supplier=supplier, item=ItemFactory(sku="NUT-10"), supplier_sku="AC-B10")

    with pytest.raises(DomainError) as caught:
        upsert(supplier, bolt, supplier_sku="AC-B10")

    assert (caught.value.field, caught.value.message) == (
        "supplier_sku",
        "ACME already sells item NUT-10 as AC-B10; a supplier SKU names one item. "
        "Give BOLT-10 its own supplier SKU.",
    )
    assert SupplierItem.objects.filter(item=bolt).count() == 0


def test_another_supplier_may_use_the_same_supplier_sku(supplier, other_supplier, bolt):
    SupplierItemFactory(supplier=other_supplier, item=ItemFactory(sku="NUT-10"), supplier_sku="X")

    _supplier_item, created = upsert(supplier, bolt, supplier_sku="X")

    assert created is True


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"supplier_sku": " "}, "supplier_sku", "Enter the supplier SKU."),
        (
            {"supplier_sku": "AC\nB10"},
            "supplier_sku",
            "The supplier SKU 'AC\\nB10' contains a control character (a tab, line break or "
            "NUL); remove it.",
        ),
        (
            {"uom": "BOX"},
            "uom",
            "There is no unit of measure 'BOX'; use one of the units in the unit-of-measure table.",
        ),
        (
            {"lead_time_days": -1},
            "lead_time_days",
            "The lead time cannot be negative (-1 days); enter 0 or more.",
        ),
        (
            {"lead_time_days": Decimal("1.5")},
            "lead_time_days",
            "Enter the lead time as a whole number of days.",
        ),
    ],
    ids=["blank supplier sku", "line break in supplier sku", "unknown unit", "negative", "1.5"],
)
def test_bad_values_are_refused_with_what_to_fix_and_the_field(
    supplier, bolt, values, field, message
):
    with pytest.raises(DomainError) as caught:
        upsert(supplier, bolt, **values)

    assert (caught.value.field, caught.value.message) == (field, message)
    assert SupplierItem.objects.count() == 0
    assert supplier_item_audits().count() == 0


def test_a_unit_without_a_conversion_to_the_items_base_unit_is_refused(supplier, bolt):
    with pytest.raises(DomainError) as caught:
        upsert(supplier, bolt, uom="CS")

    assert (caught.value.field, caught.value.message) == (
        "uom",
        "BOLT-10 is stocked in EA and there is no conversion from CS to EA for it. Add one "
        "to the unit-of-measure table first, or use EA.",
    )
    assert SupplierItem.objects.count() == 0


@pytest.mark.parametrize("scope", ["item", "global"])
def test_a_unit_with_an_item_or_global_conversion_to_the_base_unit_is_accepted(
    supplier, bolt, scope
):
    UomConversionFactory(item=bolt if scope == "item" else None, factor=Decimal(12))

    supplier_item, _created = upsert(supplier, bolt, uom="CS")

    assert supplier_item.uom.code == "CS"


def test_a_kept_unit_whose_conversion_was_removed_does_not_block_a_lead_time_change(supplier, bolt):
    conversion = UomConversionFactory(item=bolt, factor=Decimal(12))
    upsert(supplier, bolt, uom="CS", lead_time_days=5)
    UomConversion.objects.filter(pk=conversion.pk).delete()

    supplier_item, _created = upsert(supplier, bolt, uom="CS", lead_time_days=9)

    assert SupplierItem.objects.get(pk=supplier_item.pk).lead_time_days == 9


def test_supplier_item_update_renames_the_supplier_sku_of_the_same_row(supplier, bolt):
    existing = SupplierItemFactory(supplier=supplier, item=bolt, supplier_sku="AC-B10")

    services.supplier_item_update(
        actor=None, supplier_item=existing, supplier_sku="AC-B10-ZN", uom="EA", lead_time_days=7
    )

    assert list(SupplierItem.objects.values_list("pk", "supplier_sku")) == [
        (existing.pk, "AC-B10-ZN")
    ]
    assert [(a.before, a.after) for a in supplier_item_audits()] == [
        ({"supplier_sku": "AC-B10"}, {"supplier_sku": "AC-B10-ZN"})
    ]


def test_supplier_item_update_to_a_supplier_sku_of_another_item_is_refused(supplier, bolt):
    SupplierItemFactory(supplier=supplier, item=ItemFactory(sku="NUT-10"), supplier_sku="AC-N10")
    existing = SupplierItemFactory(supplier=supplier, item=bolt, supplier_sku="AC-B10")

    with pytest.raises(DomainError) as caught:
        services.supplier_item_update(
            actor=None, supplier_item=existing, supplier_sku="AC-N10", uom="EA", lead_time_days=7
        )

    assert caught.value.field == "supplier_sku"
    assert SupplierItem.objects.get(pk=existing.pk).supplier_sku == "AC-B10"


def test_supplier_item_create_for_a_pair_that_exists_is_refused_on_the_item(supplier, bolt):
    SupplierItemFactory(supplier=supplier, item=bolt, supplier_sku="AC-B10")

    with pytest.raises(DomainError) as caught:
        services.supplier_item_create(
            actor=None,
            supplier=supplier,
            item=bolt,
            supplier_sku="AC-B10",
            uom="EA",
            lead_time_days=5,
        )

    assert (caught.value.field, caught.value.code, caught.value.message) == (
        "item",
        "supplier_item_exists",
        "ACME already sells item BOLT-10, as AC-B10; a supplier has one entry per item. "
        "Change that entry instead.",
    )
    assert SupplierItem.objects.count() == 1


def test_deactivating_a_supplier_item_is_audited(supplier, bolt):
    existing = SupplierItemFactory(
        supplier=supplier, item=bolt, supplier_sku="AC-B10", lead_time_days=5
    )

    services.supplier_item_update(
        actor=None,
        supplier_item=existing,
        supplier_sku="AC-B10",
        uom="EA",
        lead_time_days=5,
        is_active=False,
    )

    assert SupplierItem.objects.get(pk=existing.pk).is_active is False
    assert [(a.before, a.after) for a in supplier_item_audits()] == [
        ({"is_active": True}, {"is_active": False})
    ]
