"""The admin's supplier-item add and change forms: saved by supplier_item_create /
supplier_item_update, audited, and the services' rules shown on the form."""

import pytest
from django.urls import reverse

from integrations.models import AuditEntry
from inventory.models import Item, UnitOfMeasure
from portal.roles import ensure_role_groups
from suppliers.models import SupplierItem
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory
from tests.suppliers.factories import SupplierItemFactory


@pytest.fixture
def admin_client(client, portal_admin):
    # The role's model permissions (add_supplieritem…) come with its group.
    ensure_role_groups()
    client.force_login(portal_admin)
    return client


@pytest.fixture
def bolt(db) -> Item:
    UnitOfMeasureFactory(code="CS", name="Case")
    return ItemFactory(sku="BOLT-10", base_uom=UnitOfMeasureFactory(code="EA"))


def unit(code: str) -> int:
    return UnitOfMeasure.objects.get(code=code).pk


def supplier_item_audits():
    return AuditEntry.objects.filter(object_type="suppliers.supplieritem").order_by("id")


def add(admin_client, supplier, item, **changes):
    values = {
        "supplier": supplier.pk,
        "item": item.pk,
        "supplier_sku": "AC-B10",
        "uom": unit("EA"),
        "lead_time_days": 5,
    }
    return admin_client.post(reverse("admin:suppliers_supplieritem_add"), {**values, **changes})


def form_errors(response) -> dict:
    form = response.context["adminform"].form
    return {name: list(messages) for name, messages in form.errors.items()}


def test_adding_a_supplier_item_creates_it_and_one_audit_entry_with_the_admin_as_actor(
    admin_client, portal_admin, supplier, bolt
):
    response = add(admin_client, supplier, bolt, supplier_sku=" AC-B10 ")

    supplier_item = SupplierItem.objects.get()
    assert response.status_code == 302
    assert [
        (a.action, a.actor_id, a.channel, a.object_id, a.before, a.after)
        for a in supplier_item_audits()
    ] == [
        (
            "created",
            portal_admin.pk,
            "portal",
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


def test_a_purchase_unit_without_a_conversion_to_the_base_unit_is_refused_on_the_form(
    admin_client, supplier, bolt
):
    response = add(admin_client, supplier, bolt, uom=unit("CS"))

    assert response.status_code == 200
    assert form_errors(response) == {
        "uom": [
            "BOLT-10 is stocked in EA and there is no conversion from CS to EA for it. Add one "
            "to the unit-of-measure table first, or use EA."
        ]
    }
    assert SupplierItem.objects.count() == 0
    assert supplier_item_audits().count() == 0


def test_a_second_entry_for_the_same_item_of_the_supplier_is_refused_on_the_item(
    admin_client, supplier, bolt
):
    SupplierItemFactory(supplier=supplier, item=bolt, supplier_sku="AC-B10")

    response = add(admin_client, supplier, bolt, supplier_sku="AC-B10-NEW")

    assert form_errors(response) == {
        "item": [
            "ACME already sells item BOLT-10, as AC-B10; a supplier has one entry per item. "
            "Change that entry instead."
        ]
    }
    assert list(SupplierItem.objects.values_list("supplier_sku", flat=True)) == ["AC-B10"]


def test_changing_the_supplier_sku_updates_the_same_row_and_audits_that_field_only(
    admin_client, portal_admin, supplier, bolt
):
    existing = SupplierItemFactory(
        supplier=supplier, item=bolt, supplier_sku="AC-B10", lead_time_days=5
    )
    other_item = ItemFactory(sku="NUT-10")

    response = admin_client.post(
        reverse("admin:suppliers_supplieritem_change", args=[existing.pk]),
        {
            # Supplier and item are read-only once added: a posted item is ignored.
            "item": other_item.pk,
            "supplier_sku": "AC-B10-ZN",
            "uom": unit("EA"),
            "lead_time_days": 5,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert list(SupplierItem.objects.values_list("pk", "item__sku", "supplier_sku")) == [
        (existing.pk, "BOLT-10", "AC-B10-ZN")
    ]
    assert [
        (a.action, a.actor_id, a.channel, a.before, a.after) for a in supplier_item_audits()
    ] == [
        (
            "updated",
            portal_admin.pk,
            "portal",
            {"supplier_sku": "AC-B10"},
            {"supplier_sku": "AC-B10-ZN"},
        )
    ]


def test_a_supplier_user_is_sent_to_the_admin_login_from_the_add_page(client, supplier_user):
    client.force_login(supplier_user)
    url = reverse("admin:suppliers_supplieritem_add")

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


def test_the_change_form_keeps_supplier_and_item_read_only(admin_client, supplier, bolt):
    existing = SupplierItemFactory(supplier=supplier, item=bolt, supplier_sku="AC-B10")

    response = admin_client.get(reverse("admin:suppliers_supplieritem_change", args=[existing.pk]))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == [
        "supplier_sku",
        "uom",
        "lead_time_days",
        "is_active",
    ]
    assert list(response.context["adminform"].readonly_fields) == ["supplier", "item"]
