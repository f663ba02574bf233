"""Items loaded from CSV/XLSX: row errors by row and column, updates by SKU, XLSX cells."""

import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats import base_formats

from inventory.models import Item
from inventory.resources import ItemResource
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory

HEADER = "sku,description,base_uom,item_class,is_serialized"


def csv_dataset(*rows: str):
    return base_formats.CSV().create_dataset("\n".join([HEADER, *rows]) + "\n")


def errors_by_row(result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in result.invalid_rows}


def test_item_dry_run_reports_each_bad_cell_by_row_and_column_and_imports_nothing(db):
    UnitOfMeasureFactory(code="EA")
    dataset = csv_dataset(
        "BOLT-10,Hex bolt M10,EA,A,no",
        "NUT-10,Hex nut M10,BOX,B,no",
        ",Washer,EA,C,maybe",
    )

    result = ItemResource().import_data(dataset, dry_run=True)

    assert errors_by_row(result) == {
        2: {"base_uom": ["Unknown unit of measure 'BOX'."]},
        3: {"sku": ["This column is required."], "is_serialized": ["'maybe' is not yes or no."]},
    }
    assert not result.has_errors()
    assert Item.objects.count() == 0


def test_clean_item_csv_creates_new_skus_and_updates_known_ones(db):
    UnitOfMeasureFactory(code="EA")
    UnitOfMeasureFactory(code="CS")
    ItemFactory(sku="BOLT-10", description="Old text", item_class="C")

    result = ItemResource().import_data(
        csv_dataset("BOLT-10,Hex bolt M10,CS,A,yes", "NUT-10,Hex nut M10,EA,,"), dry_run=False
    )

    assert errors_by_row(result) == {}
    assert (result.totals["new"], result.totals["update"]) == (1, 1)
    assert list(
        Item.objects.order_by("sku").values_list(
            "sku", "description", "base_uom__code", "item_class", "is_serialized"
        )
    ) == [
        ("BOLT-10", "Hex bolt M10", "CS", "A", True),
        ("NUT-10", "Hex nut M10", "EA", "", False),
    ]


def test_xlsx_item_file_imports_including_numeric_skus_and_boolean_cells(db):
    UnitOfMeasureFactory(code="EA")
    sheet = tablib.Dataset(headers=HEADER.split(","))
    sheet.append([10001, "Cable tie 200mm", "EA", "B", True])
    sheet.append(["GLOVE-L", "Nitrile glove L", "EA", None, False])
    dataset = base_formats.XLSX().create_dataset(sheet.export("xlsx"))

    result = ItemResource().import_data(dataset, dry_run=False)

    assert errors_by_row(result) == {}
    assert list(Item.objects.order_by("sku").values_list("sku", "item_class", "is_serialized")) == [
        ("10001", "B", True),
        ("GLOVE-L", "", False),
    ]


def test_item_export_writes_the_unit_code_and_yes_no(db):
    ItemFactory(sku="BOLT-10", description="Hex bolt", base_uom=UnitOfMeasureFactory(code="CS"))

    exported = ItemResource().export()

    assert exported.headers == HEADER.split(",")
    assert list(exported) == [("BOLT-10", "Hex bolt", "CS", "", "no")]


def test_admin_imports_an_xlsx_item_file_after_the_dry_run_is_confirmed(client, portal_admin):
    UnitOfMeasureFactory(code="EA")
    sheet = tablib.Dataset(headers=HEADER.split(","))
    sheet.append(["BOLT-10", "Hex bolt M10", "EA", "A", "yes"])
    upload = SimpleUploadedFile("items.xlsx", sheet.export("xlsx"))
    client.force_login(portal_admin)

    dry = client.post(
        reverse("admin:inventory_item_import"), {"format": "1", "import_file": upload}
    )
    assert Item.objects.count() == 0
    confirm = dry.context["confirm_form"].initial
    response = client.post(
        reverse("admin:inventory_item_process_import"),
        {key: confirm[key] for key in ("import_file_name", "original_file_name", "format")},
    )

    assert response.status_code == 302
    assert list(Item.objects.values_list("sku", "base_uom__code", "is_serialized")) == [
        ("BOLT-10", "EA", True)
    ]


def test_admin_import_pages_list_the_expected_columns(client, portal_admin):
    client.force_login(portal_admin)

    pages = {
        name: client.get(reverse(f"admin:{name}_import")).context["fields_list"]
        for name in ("inventory_item", "suppliers_supplieritem", "suppliers_purchaseorder")
    }

    assert [columns for _name, columns in pages["inventory_item"]] == [HEADER.split(",")]
    assert [columns for _name, columns in pages["suppliers_supplieritem"]] == [
        ["supplier", "sku", "supplier_sku", "uom", "lead_time_days"]
    ]
    assert [columns for _name, columns in pages["suppliers_purchaseorder"]] == [
        [
            "po_number",
            "supplier",
            "ship_to",
            "line_no",
            "sku",
            "ordered_qty",
            "uom",
            "unit_price",
            "requested_date",
            "currency",
        ]
    ]
