"""Supplier items loaded from CSV: unknown codes are row errors, known pairs update."""

from import_export.formats import base_formats

from suppliers.models import SupplierItem
from suppliers.resources import SupplierItemResource
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory
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
