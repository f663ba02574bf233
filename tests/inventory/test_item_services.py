"""item_create, item_update and item_upsert: the rules on an item's master data, and the
audit entry of each change."""

import datetime
from decimal import Decimal

import pytest

from integrations.errors import DomainError
from integrations.models import AuditEntry, Channel
from inventory.models import Item, UnitOfMeasure
from inventory.services import (
    item_create,
    item_update,
    item_upsert,
    stock_movement_record,
    stock_position_adjust,
)
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.inventory.snapshots import ingest


def upsert(actor=None, **values):
    defaults = {
        "sku": "BOLT-10",
        "description": "Hex bolt M10",
        "base_uom": "EA",
        "item_class": "A",
        "is_serialized": False,
        "channel": Channel.CSV,
    }
    return item_upsert(actor=actor, **{**defaults, **values})


def item_audits():
    return AuditEntry.objects.filter(object_type="inventory.item").order_by("id")


@pytest.fixture
def units(db):
    UnitOfMeasureFactory(code="EA")
    UnitOfMeasureFactory(code="CS", name="Case")
    UnitOfMeasureFactory(code="KG", kind=UnitOfMeasure.Kind.MASS, decimal_places=3)


def test_a_new_sku_creates_the_item_and_one_audit_entry_with_its_values(units, portal_admin):
    item, created = upsert(portal_admin)

    assert created is True
    assert (item.sku, item.description, item.base_uom.code, item.item_class) == (
        "BOLT-10",
        "Hex bolt M10",
        "EA",
        "A",
    )
    assert [
        (a.action, a.actor_id, a.channel, a.object_id, a.before, a.after) for a in item_audits()
    ] == [
        (
            "created",
            portal_admin.pk,
            "csv",
            str(item.pk),
            {},
            {
                "sku": "BOLT-10",
                "description": "Hex bolt M10",
                "base_uom": "EA",
                "item_class": "A",
                "is_serialized": False,
            },
        )
    ]


def test_a_known_sku_is_updated_and_audited_with_only_the_fields_that_changed(units, portal_admin):
    existing = ItemFactory(sku="BOLT-10", description="Old text", item_class="A")

    item, created = upsert(portal_admin, description="Hex bolt M10", base_uom="CS")

    assert (created, item.pk) == (False, existing.pk)
    assert Item.objects.values_list("description", "base_uom__code").get() == (
        "Hex bolt M10",
        "CS",
    )
    assert [(a.action, a.before, a.after) for a in item_audits()] == [
        (
            "updated",
            {"description": "Old text", "base_uom": "EA"},
            {"description": "Hex bolt M10", "base_uom": "CS"},
        )
    ]


def test_an_item_that_already_has_the_values_is_not_saved_or_audited(units, portal_admin):
    ItemFactory(sku="BOLT-10", description="Hex bolt M10", item_class="A")

    item, created = upsert(portal_admin)

    assert (created, item.sku) == (False, "BOLT-10")
    assert item_audits().count() == 0


def test_surrounding_whitespace_is_stripped_and_the_case_of_the_sku_is_kept(units):
    item, _created = upsert(sku="  bolt-10\u00a0", description=" Hex bolt ", item_class=" B ")

    assert Item.objects.values_list("sku", "description", "item_class").get(pk=item.pk) == (
        "bolt-10",
        "Hex bolt",
        "B",
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"sku": "  "}, "sku", "Enter the SKU."),
        (
            {"sku": "B" * 41},
            "sku",
            f"The SKU '{'B' * 41}' is 41 characters long; the most is 40.",
        ),
        (
            {"sku": "BOLT\x0010"},
            "sku",
            "The SKU 'BOLT\\x0010' contains a control character (a tab, line break or NUL); "
            "remove it.",
        ),
        ({"description": ""}, "description", "Enter the description."),
        (
            {"description": "Hex\tbolt"},
            "description",
            "The description 'Hex\\tbolt' contains a control character (a tab, line break or "
            "NUL); remove it.",
        ),
        (
            {"item_class": "CLASS-" * 4},
            "item_class",
            f"The item class '{'CLASS-' * 4}' is 24 characters long; the most is 20.",
        ),
        (
            {"base_uom": "BOX"},
            "base_uom",
            "There is no unit of measure 'BOX'; use one of the units in the unit-of-measure table.",
        ),
    ],
    ids=[
        "blank sku",
        "sku too long",
        "nul in sku",
        "blank description",
        "tab in description",
        "item class too long",
        "unknown base unit",
    ],
)
def test_bad_values_are_refused_with_what_to_fix_and_the_field(units, values, field, message):
    with pytest.raises(DomainError) as caught:
        upsert(**values)

    assert (caught.value.field, caught.value.message) == (field, message)
    assert Item.objects.count() == 0
    assert item_audits().count() == 0


def test_a_new_serialised_item_needs_a_count_base_unit(units):
    with pytest.raises(DomainError) as caught:
        upsert(base_uom="KG", is_serialized=True)

    assert (caught.value.field, caught.value.message) == (
        "base_uom",
        "BOLT-10 is serialised, so its base unit must be a count unit (an ASN carries one "
        "serial number per base unit); KG is a mass unit. Choose a count unit such as EA, "
        "or make the item not serialised.",
    )
    assert Item.objects.count() == 0


def test_serialising_an_item_kept_in_a_mass_unit_is_refused_on_is_serialized(units):
    ItemFactory(sku="GREASE-1", base_uom=UnitOfMeasure.objects.get(code="KG"))

    with pytest.raises(DomainError) as caught:
        upsert(sku="GREASE-1", base_uom="KG", is_serialized=True)

    assert caught.value.field == "is_serialized"
    assert Item.objects.get(sku="GREASE-1").is_serialized is False


def test_the_base_unit_changes_while_nothing_holds_quantities_of_the_item(units):
    ItemFactory(sku="BOLT-10")

    item, _created = upsert(base_uom="CS")

    assert Item.objects.get(pk=item.pk).base_uom.code == "CS"


def _hold_a_stock_position(item):
    stock_position_adjust(
        actor=None,
        item=item,
        warehouse=WarehouseFactory(code="DC1"),
        allocated=Decimal(3),
        reason="test",
    )


def _hold_a_stock_movement(item):
    stock_movement_record(
        actor=None,
        item=item,
        warehouse=WarehouseFactory(code="DC1"),
        kind="adjustment",
        quantity=Decimal(2),
        occurred_at=datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC),
        document_type="count",
        document_ref="C-1",
    )


def _hold_a_snapshot_line(item):
    assert ingest("erp", WarehouseFactory(code="DC1"), [(item.sku, 5)]).rows_loaded == 1


@pytest.mark.parametrize(
    ("hold", "holder"),
    [
        (_hold_a_stock_position, "stock positions"),
        (_hold_a_stock_movement, "stock movements"),
        (_hold_a_snapshot_line, "inventory snapshots"),
    ],
    ids=["position", "movement", "snapshot"],
)
def test_the_base_unit_cannot_change_once_quantities_of_the_item_are_held_in_it(
    units, hold, holder
):
    item = ItemFactory(sku="BOLT-10", description="Hex bolt M10", item_class="A")
    hold(item)

    with pytest.raises(DomainError) as caught:
        upsert(base_uom="CS")

    assert (caught.value.field, caught.value.message) == (
        "base_uom",
        f"BOLT-10 keeps its base unit EA: {holder} already hold quantities of it in EA, and "
        "changing the unit would change what they mean. Keep EA, or create a new SKU for "
        "the new unit.",
    )
    assert Item.objects.get(pk=item.pk).base_uom.code == "EA"
    assert item_audits().count() == 0


def test_other_fields_of_an_item_with_stock_still_change(units):
    item = ItemFactory(sku="BOLT-10", description="Old text", item_class="A")
    _hold_a_stock_position(item)

    upsert(description="Hex bolt M10", base_uom="EA")

    assert Item.objects.get(pk=item.pk).description == "Hex bolt M10"


def test_item_update_renames_the_item_it_is_given_and_audits_the_rename(units, portal_admin):
    item = ItemFactory(sku="BOLT-10", description="Hex bolt M10", item_class="A")

    renamed = item_update(
        actor=portal_admin,
        item=item,
        sku="BOLT-10-ZN",
        description="Hex bolt M10",
        base_uom="EA",
        item_class="A",
        is_serialized=False,
    )

    assert list(Item.objects.values_list("pk", "sku")) == [(item.pk, "BOLT-10-ZN")]
    assert renamed.sku == "BOLT-10-ZN"
    assert [(a.action, a.before, a.after) for a in item_audits()] == [
        ("updated", {"sku": "BOLT-10"}, {"sku": "BOLT-10-ZN"})
    ]


def test_item_update_reads_the_stored_item_not_the_values_of_the_instance_it_is_given(units):
    item = ItemFactory(sku="BOLT-10", description="Old text", item_class="A")
    # What a form does before saving: the instance already holds the new values.
    item.description = "Hex bolt M10"

    item_update(
        actor=None,
        item=item,
        sku="BOLT-10",
        description="Hex bolt M10",
        base_uom="EA",
        item_class="A",
        is_serialized=False,
    )

    assert [(a.before, a.after) for a in item_audits()] == [
        ({"description": "Old text"}, {"description": "Hex bolt M10"})
    ]


def test_item_update_to_the_sku_of_another_item_is_refused_on_the_sku(units):
    ItemFactory(sku="NUT-10")
    item = ItemFactory(sku="BOLT-10")

    with pytest.raises(DomainError) as caught:
        item_update(
            actor=None,
            item=item,
            sku="NUT-10",
            description="Hex bolt M10",
            base_uom="EA",
            item_class="",
            is_serialized=False,
        )

    assert (caught.value.field, caught.value.message) == (
        "sku",
        "NUT-10 is already the SKU of another item; a SKU names one item. Choose another "
        "SKU, or change that item instead.",
    )
    assert Item.objects.get(pk=item.pk).sku == "BOLT-10"


def test_item_create_of_a_taken_sku_is_refused_on_the_sku(units):
    ItemFactory(sku="BOLT-10", description="Hex bolt M10")

    with pytest.raises(DomainError) as caught:
        item_create(
            actor=None,
            sku="BOLT-10",
            description="Another bolt",
            base_uom="EA",
            item_class="",
            is_serialized=False,
        )

    assert (caught.value.field, caught.value.code) == ("sku", "sku_taken")
    assert list(Item.objects.values_list("description", flat=True)) == ["Hex bolt M10"]
    assert item_audits().count() == 0


@pytest.mark.parametrize(("is_active", "stored"), [(None, True), (False, False)])
def test_item_update_changes_the_status_only_when_it_is_given(units, is_active, stored):
    item = ItemFactory(sku="BOLT-10", description="Hex bolt M10", item_class="A")

    item_update(
        actor=None,
        item=item,
        sku="BOLT-10",
        description="Hex bolt M10",
        base_uom="EA",
        item_class="A",
        is_serialized=False,
        is_active=is_active,
    )

    assert Item.objects.get(pk=item.pk).is_active is stored
    assert [a.after for a in item_audits()] == ([] if stored else [{"is_active": False}])
