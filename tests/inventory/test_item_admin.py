"""The admin's item add and change forms: saved by item_create / item_update, audited,
and the services' rules shown on the form."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.urls import reverse

from integrations.models import AuditEntry
from inventory.models import Item, UnitOfMeasure
from inventory.services import stock_movement_record
from portal.roles import ensure_role_groups
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.inventory.snapshots import ingest


@pytest.fixture
def admin_client(client, portal_admin):
    # The role's model permissions (add_item, change_item…) come with its group.
    ensure_role_groups()
    client.force_login(portal_admin)
    return client


@pytest.fixture
def each(db) -> UnitOfMeasure:
    UnitOfMeasureFactory(code="CS", name="Case")
    return UnitOfMeasureFactory(code="EA")


def item_audits():
    return AuditEntry.objects.filter(object_type="inventory.item").order_by("id")


def form_values(item: Item, **changes) -> dict:
    values = {
        "sku": item.sku,
        "description": item.description,
        "base_uom": item.base_uom_id,
        "item_class": item.item_class,
        "is_active": "on" if item.is_active else "",
    }
    if item.is_serialized:
        values["is_serialized"] = "on"
    return {name: value for name, value in {**values, **changes}.items() if value != ""}


def change(admin_client, item: Item, **changes):
    return admin_client.post(
        reverse("admin:inventory_item_change", args=[item.pk]), form_values(item, **changes)
    )


def form_errors(response) -> dict:
    form = response.context["adminform"].form
    return {name: list(messages) for name, messages in form.errors.items()}


def test_adding_an_item_creates_it_and_one_audit_entry_with_the_admin_as_actor(
    admin_client, portal_admin, each
):
    response = admin_client.post(
        reverse("admin:inventory_item_add"),
        {"sku": " BOLT-10 ", "description": "Hex bolt M10", "base_uom": each.pk, "item_class": "A"},
    )

    item = Item.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:inventory_item_changelist")
    assert (item.sku, item.description, item.base_uom.code, item.is_active) == (
        "BOLT-10",
        "Hex bolt M10",
        "EA",
        True,
    )
    assert [
        (a.action, a.actor_id, a.channel, a.object_id, a.before, a.after) for a in item_audits()
    ] == [
        (
            "created",
            portal_admin.pk,
            "portal",
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
    assert list(LogEntry.objects.values_list("action_flag", "object_id", "user_id")) == [
        (ADDITION, str(item.pk), portal_admin.pk)
    ]


def test_changing_the_description_audits_the_before_and_after_of_that_field_only(
    admin_client, portal_admin, each
):
    item = ItemFactory(sku="BOLT-10", description="Old text", item_class="A")

    response = change(admin_client, item, description="Hex bolt M10")

    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).description == "Hex bolt M10"
    assert [(a.action, a.actor_id, a.channel, a.before, a.after) for a in item_audits()] == [
        (
            "updated",
            portal_admin.pk,
            "portal",
            {"description": "Old text"},
            {"description": "Hex bolt M10"},
        )
    ]


def test_deactivating_an_item_is_audited(admin_client, each):
    item = ItemFactory(sku="BOLT-10", item_class="A")

    change(admin_client, item, is_active="")

    assert Item.objects.get(pk=item.pk).is_active is False
    assert [(a.before, a.after) for a in item_audits()] == [
        ({"is_active": True}, {"is_active": False})
    ]


def _hold_a_snapshot_line(item: Item) -> None:
    assert ingest("erp", WarehouseFactory(code="DC1"), [(item.sku, 5)]).rows_loaded == 1


def _hold_a_stock_movement(item: Item) -> None:
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


@pytest.mark.parametrize(
    ("hold", "holder"),
    [(_hold_a_snapshot_line, "inventory snapshots"), (_hold_a_stock_movement, "stock movements")],
    ids=["snapshot", "movement"],
)
def test_changing_the_base_unit_of_an_item_with_quantities_shows_the_services_message(
    admin_client, each, hold, holder
):
    item = ItemFactory(sku="BOLT-10", description="Hex bolt M10", item_class="A")
    hold(item)

    response = change(
        admin_client,
        item,
        base_uom=UnitOfMeasure.objects.get(code="CS").pk,
        description="Changed too",
    )

    assert response.status_code == 200
    assert form_errors(response) == {
        "base_uom": [
            f"BOLT-10 keeps its base unit EA: {holder} already hold quantities of it in EA, "
            "and changing the unit would change what they mean. Keep EA, or create a new SKU "
            "for the new unit."
        ]
    }
    assert Item.objects.values_list("sku", "description", "base_uom__code").get() == (
        "BOLT-10",
        "Hex bolt M10",
        "EA",
    )
    assert item_audits().count() == 0


def test_renaming_the_sku_updates_the_same_item_and_audits_the_rename(
    admin_client, portal_admin, each
):
    item = ItemFactory(sku="BOLT-10", description="Hex bolt M10", item_class="A")

    response = change(admin_client, item, sku="BOLT-10-ZN")

    assert response.status_code == 302
    assert list(Item.objects.values_list("pk", "sku")) == [(item.pk, "BOLT-10-ZN")]
    assert [(a.action, a.actor_id, a.object_id, a.before, a.after) for a in item_audits()] == [
        ("updated", portal_admin.pk, str(item.pk), {"sku": "BOLT-10"}, {"sku": "BOLT-10-ZN"})
    ]


def test_renaming_to_the_sku_of_another_item_is_refused_on_the_sku(admin_client, each):
    ItemFactory(sku="NUT-10")
    item = ItemFactory(sku="BOLT-10", item_class="A")

    response = change(admin_client, item, sku="NUT-10")

    assert form_errors(response) == {
        "sku": [
            "NUT-10 is already the SKU of another item; a SKU names one item. Choose another "
            "SKU, or change that item instead."
        ]
    }
    assert Item.objects.get(pk=item.pk).sku == "BOLT-10"
    assert item_audits().count() == 0


def test_a_sku_with_a_tab_is_refused_with_the_services_message(admin_client, each):
    response = admin_client.post(
        reverse("admin:inventory_item_add"),
        {"sku": "BOLT\t10", "description": "Hex bolt M10", "base_uom": each.pk},
    )

    assert response.status_code == 200
    assert form_errors(response) == {
        "sku": [
            "The SKU 'BOLT\\t10' contains a control character (a tab, line break or NUL); "
            "remove it."
        ]
    }
    assert Item.objects.count() == 0
    assert item_audits().count() == 0


def test_a_supplier_user_is_sent_to_the_admin_login_from_the_add_page(client, supplier_user):
    client.force_login(supplier_user)
    url = reverse("admin:inventory_item_add")

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


def test_the_change_form_offers_only_what_item_update_takes(admin_client, each):
    item = ItemFactory(sku="BOLT-10")

    response = admin_client.get(reverse("admin:inventory_item_change", args=[item.pk]))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == [
        "sku",
        "description",
        "base_uom",
        "item_class",
        "is_serialized",
        "is_active",
    ]
