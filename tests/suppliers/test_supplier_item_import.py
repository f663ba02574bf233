"""Supplier items loaded from CSV: unknown codes are row errors, known pairs update."""

from decimal import Decimal

from import_export.formats import base_formats

from integrations.models import AuditEntry
from suppliers.models import SupplierItem
from suppliers.resources.supplier_items import SupplierItemResource
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, UomConversionFactory
from tests.suppliers.factories import SupplierItemFactory

HEADER = "supplier,sku,supplier_sku,uom,lead_time_days"


def csv_dataset(*rows: str):
    return base_formats.CSV().create_dataset("\n".join([HEADER, *rows]) + "\n")


def errors_by_row(result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in result.invalid_rows}


def test_supplier_item_dry_run_names_unknown_supplier_sku_and_uom_and_imports_nothing(supplier):
    UnitOfMeasureFactory(code="EA")
    ItemFactory(sku="BOLT-10")
    dataset = csv_dataset(
        "ZZZ,BOLT-10,Z-1,EA,5",
        "ACME,NOPE-99,A-1,EA,5",
        "ACME,BOLT-10,A-2,BOX,1.5",
        "ACME,BOLT-10,A-3,EA,7",
    )

    result = SupplierItemResource().import_data(dataset, dry_run=True)

    assert errors_by_row(result) == {
        1: {"supplier": ["Unknown supplier 'ZZZ'."]},
        2: {"sku": ["Unknown SKU 'NOPE-99'."]},
        3: {
            "uom": ["Unknown unit of measure 'BOX'."],
            "lead_time_days": ["'1.5' is not a whole number."],
        },
    }
    assert not result.has_errors()
    assert SupplierItem.objects.count() == 0


def test_supplier_item_import_creates_new_pairs_and_updates_a_known_supplier_and_sku(
    supplier, other_supplier
):
    UnitOfMeasureFactory(code="EA")
    UnitOfMeasureFactory(code="CS")
    bolt = ItemFactory(sku="BOLT-10")
    ItemFactory(sku="NUT-10")
    UomConversionFactory(item=bolt, factor=Decimal(12))  # 1 CS = 12 EA, BOLT-10's base unit
    SupplierItemFactory(supplier=supplier, item=bolt, supplier_sku="OLD-1", lead_time_days=30)

    result = SupplierItemResource().import_data(
        csv_dataset("ACME,BOLT-10,AC-B10,CS,4", "GLOBEX,NUT-10,GX-N10,EA,12"), dry_run=False
    )

    assert errors_by_row(result) == {}
    assert (result.totals["new"], result.totals["update"]) == (1, 1)
    assert list(
        SupplierItem.objects.order_by("supplier__code").values_list(
            "supplier__code", "item__sku", "supplier_sku", "uom__code", "lead_time_days"
        )
    ) == [("ACME", "BOLT-10", "AC-B10", "CS", 4), ("GLOBEX", "NUT-10", "GX-N10", "EA", 12)]


def supplier_item_audits():
    return AuditEntry.objects.filter(object_type="suppliers.supplieritem").order_by("id")


def test_supplier_item_import_audits_each_created_or_changed_row_as_the_admin_and_skips_unchanged(
    supplier, other_supplier, portal_admin
):
    UnitOfMeasureFactory(code="EA")
    bolt = ItemFactory(sku="BOLT-10")
    nut = ItemFactory(sku="NUT-10")
    SupplierItemFactory(supplier=supplier, item=bolt, supplier_sku="AC-B10", lead_time_days=30)
    SupplierItemFactory(supplier=supplier, item=nut, supplier_sku="AC-N10", lead_time_days=7)

    result = SupplierItemResource().import_data(
        csv_dataset(
            "ACME,BOLT-10,AC-B10,EA,4",
            "ACME,NUT-10,AC-N10,EA,7",
            "GLOBEX,NUT-10,GX-N10,EA,12",
        ),
        dry_run=False,
        user=portal_admin,
    )

    assert errors_by_row(result) == {}
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (1, 1, 1)
    assert [
        (a.object_repr, a.action, a.channel, a.actor_id, a.before, a.after)
        for a in supplier_item_audits()
    ] == [
        (
            "AC-B10 (BOLT-10)",
            "updated",
            "csv",
            portal_admin.pk,
            {"lead_time_days": 30},
            {"lead_time_days": 4},
        ),
        (
            "GX-N10 (NUT-10)",
            "created",
            "csv",
            portal_admin.pk,
            {},
            {
                "supplier": "GLOBEX",
                "item": "NUT-10",
                "supplier_sku": "GX-N10",
                "uom": "EA",
                "lead_time_days": 12,
            },
        ),
    ]


def test_supplier_item_dry_run_writes_neither_supplier_items_nor_audit_entries(
    supplier, portal_admin
):
    UnitOfMeasureFactory(code="EA")
    bolt = ItemFactory(sku="BOLT-10")
    ItemFactory(sku="NUT-10")
    SupplierItemFactory(supplier=supplier, item=bolt, supplier_sku="AC-B10", lead_time_days=30)

    result = SupplierItemResource().import_data(
        csv_dataset("ACME,BOLT-10,AC-B10,EA,4", "ACME,NUT-10,AC-N10,EA,7"),
        dry_run=True,
        user=portal_admin,
    )

    assert errors_by_row(result) == {}
    assert (result.totals["new"], result.totals["update"]) == (1, 1)
    assert list(SupplierItem.objects.values_list("supplier_sku", "lead_time_days")) == [
        ("AC-B10", 30)
    ]
    assert AuditEntry.objects.count() == 0


def test_supplier_item_rows_the_service_refuses_show_its_message_under_their_row_numbers(
    supplier, portal_admin
):
    UnitOfMeasureFactory(code="EA")
    UnitOfMeasureFactory(code="CS")
    ItemFactory(sku="BOLT-10")
    nut = ItemFactory(sku="NUT-10")
    SupplierItemFactory(supplier=supplier, item=nut, supplier_sku="AC-N10")

    result = SupplierItemResource().import_data(
        csv_dataset("ACME,BOLT-10,AC-N10,EA,4", "ACME,NUT-10,AC-N10,EA,7", "ACME,BOLT-10,X,CS,4"),
        dry_run=True,
        user=portal_admin,
    )

    assert errors_by_row(result) == {
        1: {
            "supplier_sku": [
                "ACME already sells item NUT-10 as AC-N10; a supplier SKU names one item. "
                "Give BOLT-10 its own supplier SKU."
            ]
        },
        3: {
            "uom": [
                "BOLT-10 is stocked in EA and there is no conversion from CS to EA for it. "
                "Add one to the unit-of-measure table first, or use EA."
            ]
        },
    }
    assert not result.has_errors()
    assert list(SupplierItem.objects.values_list("item__sku", flat=True)) == ["NUT-10"]
    assert supplier_item_audits().count() == 0
