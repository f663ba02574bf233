"""Items loaded from CSV/XLSX: row errors by row and column, updates by SKU, XLSX cells."""

from decimal import Decimal

import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats import base_formats

from integrations.models import AuditEntry
from inventory.models import Item
from inventory.resources.items import ItemResource
from inventory.services import stock_position_adjust
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory

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


def item_audits():
    return AuditEntry.objects.filter(object_type="inventory.item").order_by("id")


def test_item_import_audits_each_created_or_changed_row_as_the_admin_and_skips_unchanged_ones(
    db, portal_admin
):
    UnitOfMeasureFactory(code="EA")
    ItemFactory(sku="BOLT-10", description="Old text", item_class="A")
    ItemFactory(sku="NUT-10", description="Hex nut M10", item_class="B")

    result = ItemResource().import_data(
        csv_dataset(
            "BOLT-10,Hex bolt M10,EA,A,no",
            "NUT-10,Hex nut M10,EA,B,no",
            "WASHER-10,Washer M10,EA,C,no",
        ),
        dry_run=False,
        user=portal_admin,
    )

    assert errors_by_row(result) == {}
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (1, 1, 1)
    assert [
        (a.object_repr, a.action, a.channel, a.actor_id, a.before, a.after) for a in item_audits()
    ] == [
        (
            "BOLT-10",
            "updated",
            "csv",
            portal_admin.pk,
            {"description": "Old text"},
            {"description": "Hex bolt M10"},
        ),
        (
            "WASHER-10",
            "created",
            "csv",
            portal_admin.pk,
            {},
            {
                "sku": "WASHER-10",
                "description": "Washer M10",
                "base_uom": "EA",
                "item_class": "C",
                "is_serialized": False,
            },
        ),
    ]


def test_item_dry_run_writes_neither_items_nor_audit_entries(db, portal_admin):
    UnitOfMeasureFactory(code="EA")
    ItemFactory(sku="BOLT-10", description="Old text", item_class="A")

    result = ItemResource().import_data(
        csv_dataset("BOLT-10,Hex bolt M10,EA,A,no", "WASHER-10,Washer M10,EA,C,no"),
        dry_run=True,
        user=portal_admin,
    )

    assert errors_by_row(result) == {}
    assert (result.totals["new"], result.totals["update"]) == (1, 1)
    assert list(Item.objects.values_list("sku", "description")) == [("BOLT-10", "Old text")]
    assert AuditEntry.objects.count() == 0


def test_item_row_the_service_refuses_shows_its_message_under_its_row_number(db, portal_admin):
    UnitOfMeasureFactory(code="EA")
    UnitOfMeasureFactory(code="CS")
    bolt = ItemFactory(sku="BOLT-10", description="Hex bolt M10", item_class="A")
    stock_position_adjust(
        actor=None,
        item=bolt,
        warehouse=WarehouseFactory(code="DC1"),
        allocated=Decimal(3),
        reason="test",
    )

    result = ItemResource().import_data(
        csv_dataset("WASHER-10,Washer M10,EA,C,no", "BOLT-10,Hex bolt M10,CS,A,no"),
        dry_run=True,
        user=portal_admin,
    )

    assert errors_by_row(result) == {
        2: {
            "base_uom": [
                "BOLT-10 keeps its base unit EA: stock positions already hold quantities of it "
                "in EA, and changing the unit would change what they mean. Keep EA, or create "
                "a new SKU for the new unit."
            ]
        }
    }
    assert not result.has_errors()
    assert list(Item.objects.values_list("sku", "base_uom__code")) == [("BOLT-10", "EA")]
    assert item_audits().count() == 0


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
    assert AuditEntry.objects.count() == 0
    confirm = dry.context["confirm_form"].initial
    response = client.post(
        reverse("admin:inventory_item_process_import"),
        {key: confirm[key] for key in ("import_file_name", "original_file_name", "format")},
    )

    assert response.status_code == 302
    assert list(Item.objects.values_list("sku", "base_uom__code", "is_serialized")) == [
        ("BOLT-10", "EA", True)
    ]
    assert [(a.object_repr, a.action, a.channel, a.actor_id) for a in item_audits()] == [
        ("BOLT-10", "created", "csv", portal_admin.pk)
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
