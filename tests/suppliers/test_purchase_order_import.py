"""Purchase orders with lines loaded from CSV/XLSX: dry run, all-or-nothing per PO, admin."""

import datetime
from decimal import Decimal

import pytest
import tablib
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from import_export.formats import base_formats

from integrations.models import AuditEntry, Event
from inventory.models import UnitOfMeasure
from suppliers.models import PurchaseOrder, PurchaseOrderLine
from suppliers.resources.purchase_orders import PurchaseOrderResource
from tests.inventory.factories import ItemFactory, UnitOfMeasureFactory, WarehouseFactory
from tests.portal.factories import UserFactory
from tests.suppliers.factories import PurchaseOrderFactory

HEADER = "po_number,supplier,ship_to,line_no,sku,ordered_qty,uom,unit_price,requested_date"


@pytest.fixture
def catalogue(supplier, other_supplier):
    """Two suppliers, a warehouse, EA/CS (counts) and KG (mass), three items."""
    WarehouseFactory(code="DC1", name="Main DC")
    UnitOfMeasureFactory(code="EA")
    UnitOfMeasureFactory(code="CS", name="Case")
    UnitOfMeasureFactory(code="KG", kind=UnitOfMeasure.Kind.MASS, decimal_places=3)
    for sku in ("BOLT-10", "NUT-10", "GREASE-1"):
        ItemFactory(sku=sku)


def csv_dataset(*rows: str, header: str = HEADER):
    return base_formats.CSV().create_dataset("\n".join([header, *rows]) + "\n")


def errors_by_row(result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in result.invalid_rows}


def test_dry_run_reports_unknown_sku_and_unknown_uom_with_row_numbers_and_imports_nothing(
    catalogue, portal_admin
):
    dataset = csv_dataset(
        "PO-1,ACME,DC1,1,BOLT-10,10,EA,1.25,2030-05-01",
        "PO-1,ACME,DC1,2,NOPE-99,5,EA,1.25,2030-05-01",
        "PO-2,ACME,DC1,1,NUT-10,3,BOX,0.10,2030-05-01",
    )

    result = PurchaseOrderResource().import_data(dataset, dry_run=True, user=portal_admin)

    assert errors_by_row(result) == {
        1: {"__all__": ["Purchase order PO-1 is not imported because of the errors in row 2."]},
        2: {"sku": ["Unknown SKU 'NOPE-99'."]},
        3: {"uom": ["Unknown unit of measure 'BOX'."]},
    }
    assert not result.has_errors()
    assert PurchaseOrder.objects.count() == 0
    assert PurchaseOrderLine.objects.count() == 0
    assert Event.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_clean_import_creates_each_po_with_its_lines_an_audit_entry_and_a_received_event(
    catalogue, portal_admin
):
    dataset = csv_dataset(
        "PO-1,ACME,DC1,1,BOLT-10,24,CS,12.5000,2030-05-01",
        "PO-2,GLOBEX,DC1,1,GREASE-1,2.125,KG,3.10,2030-06-15",
        "PO-1,ACME,DC1,2,NUT-10,100,EA,0.0500,2030-05-02",
        header=HEADER,
    )

    result = PurchaseOrderResource().import_data(dataset, dry_run=False, user=portal_admin)

    assert errors_by_row(result) == {}
    assert result.totals["new"] == 3
    po1 = PurchaseOrder.objects.get(number="PO-1")
    assert (po1.supplier.code, po1.ship_to.code, po1.currency, po1.source_channel) == (
        "ACME",
        "DC1",
        "USD",
        "csv",
    )
    assert [
        (line.line_no, line.item.sku, line.ordered_qty, line.uom.code, line.unit_price)
        for line in po1.lines.order_by("line_no")
    ] == [
        (1, "BOLT-10", Decimal("24"), "CS", Decimal("12.5")),
        (2, "NUT-10", Decimal("100"), "EA", Decimal("0.05")),
    ]
    po2_line = PurchaseOrderLine.objects.get(purchase_order__number="PO-2")
    assert (po2_line.ordered_qty, po2_line.requested_date) == (
        Decimal("2.125"),
        datetime.date(2030, 6, 15),
    )
    audits = AuditEntry.objects.filter(object_type="suppliers.purchaseorder")
    assert sorted((a.object_repr, a.action, a.channel, a.actor_id) for a in audits) == [
        ("PO-1", "received", "csv", portal_admin.pk),
        ("PO-2", "received", "csv", portal_admin.pk),
    ]
    events = Event.objects.filter(type="purchase_order.received")
    assert sorted(e.aggregate_id for e in events) == ["PO-1", "PO-2"]
    assert [line["sku"] for line in events.get(aggregate_id="PO-1").data["lines"]] == [
        "BOLT-10",
        "NUT-10",
    ]


def test_a_po_with_one_bad_line_is_not_created_while_the_other_pos_are_valid(
    catalogue, portal_admin
):
    rows = (
        "PO-1,ACME,DC1,1,BOLT-10,10,EA,1.00,2030-05-01",
        "PO-2,ACME,DC1,1,BOLT-10,10,EA,1.00,2030-05-01",
        "PO-2,ACME,DC1,2,NUT-10,2.5,EA,1.00,2030-05-01",
        "PO-3,GLOBEX,DC1,1,NUT-10,7,EA,1.00,2030-05-01",
    )

    dry = PurchaseOrderResource().import_data(csv_dataset(*rows), dry_run=True, user=portal_admin)

    assert [(row.import_type, row.object_repr) for row in dry.rows] == [
        ("new", "PO-1"),
        ("invalid", None),
        ("invalid", None),
        ("new", "PO-3"),
    ]
    assert errors_by_row(dry) == {
        2: {"__all__": ["Purchase order PO-2 is not imported because of the errors in row 3."]},
        3: {"ordered_qty": ["EA is counted in whole units; 2.5 is not a whole number."]},
    }
    assert PurchaseOrder.objects.count() == 0

    real = PurchaseOrderResource().import_data(csv_dataset(*rows), dry_run=False, user=portal_admin)

    assert errors_by_row(real) == errors_by_row(dry)
    assert sorted(PurchaseOrder.objects.values_list("number", flat=True)) == ["PO-1", "PO-3"]
    assert sorted(Event.objects.values_list("aggregate_id", flat=True)) == ["PO-1", "PO-3"]


def test_every_bad_row_of_a_po_is_reported_not_only_the_first_the_service_refuses(
    catalogue, portal_admin
):
    dataset = csv_dataset(
        "PO-7,ACME,DC1,1,BOLT-10,1.5,EA,1.00,2030-05-01",
        "PO-7,ACME,DC1,2,BOLT-10,0,EA,1.00,2030-05-01",
        "PO-7,ACME,DC1,3,NUT-10,4,EA,1.00,2030-05-01",
        "PO-7,ACME,DC1,3,GREASE-1,4,EA,1.00,2030-05-01",
        "PO-7,ACME,DC1,5,NUT-10,abc,EA,-,05/01/2030",
        "PO-7,ACME,DC1,6,NUT-10,4,EA,-1,2030-05-01",
        "PO-7,ACME,DC1,7,NUT-10,4,EA,1.00,2030-05-01",
    )

    result = PurchaseOrderResource().import_data(dataset, dry_run=True, user=portal_admin)

    assert errors_by_row(result) == {
        1: {"ordered_qty": ["EA is counted in whole units; 1.5 is not a whole number."]},
        2: {"ordered_qty": ["Ordered quantity must be greater than zero."]},
        3: {"line_no": ["Line number 3 appears twice."]},
        4: {"line_no": ["Line number 3 appears twice."]},
        5: {
            "ordered_qty": ["'abc' is not a number."],
            "unit_price": ["'-' is not a number."],
            "requested_date": ["'05/01/2030' is not a date in the form YYYY-MM-DD."],
        },
        6: {"unit_price": ["Unit price cannot be negative."]},
        7: {
            "__all__": [
                "Purchase order PO-7 is not imported because of the errors in row 1, 2, 3, 4, 5, 6."
            ]
        },
    }
    assert PurchaseOrder.objects.count() == 0


def test_an_existing_po_number_is_an_error_row_never_an_update(catalogue, supplier, portal_admin):
    existing = PurchaseOrderFactory(number="PO-OLD", supplier=supplier)
    dataset = csv_dataset("PO-OLD,ACME,DC1,1,BOLT-10,10,EA,1.00,2030-05-01")

    result = PurchaseOrderResource().import_data(dataset, dry_run=False, user=portal_admin)

    assert errors_by_row(result) == {1: {"po_number": ["Purchase order PO-OLD already exists."]}}
    assert existing.lines.count() == 0
    assert Event.objects.count() == 0


def test_rows_of_one_po_that_disagree_on_supplier_or_unknown_codes_are_reported(
    catalogue, portal_admin
):
    dataset = csv_dataset(
        "PO-1,ACME,DC1,1,BOLT-10,10,EA,1.00,2030-05-01,",
        "PO-1,GLOBEX,DC1,2,NUT-10,10,EA,1.00,2030-05-01,",
        "PO-2,ZZZ,DC9,1,NUT-10,10,EA,1.00,2030-05-01,EURO",
        ",ACME,DC1,1,NUT-10,10,EA,1.00,2030-05-01,eur",
        header=HEADER + ",currency",
    )

    result = PurchaseOrderResource().import_data(dataset, dry_run=True, user=portal_admin)

    assert errors_by_row(result) == {
        1: {"__all__": ["Purchase order PO-1 is not imported because of the errors in row 2."]},
        2: {
            "supplier": [
                "Purchase order PO-1 has supplier ACME on row 1; every row of a purchase "
                "order must agree."
            ]
        },
        3: {
            "supplier": ["Unknown supplier 'ZZZ'."],
            "ship_to": ["Unknown warehouse 'DC9'."],
            "currency": ["'EURO' is not a three-letter currency code."],
        },
        4: {"po_number": ["This column is required."]},
    }


def test_currency_column_sets_the_po_currency_and_a_missing_column_is_a_file_error(
    catalogue, portal_admin
):
    with_currency = csv_dataset(
        "PO-1,ACME,DC1,1,BOLT-10,10,EA,1.00,2030-05-01,eur", header=HEADER + ",currency"
    )
    without_sku = base_formats.CSV().create_dataset("po_number,supplier\nPO-2,ACME\n")

    PurchaseOrderResource().import_data(with_currency, dry_run=False, user=portal_admin)
    broken = PurchaseOrderResource().import_data(without_sku, dry_run=True, user=portal_admin)

    assert PurchaseOrder.objects.get(number="PO-1").currency == "EUR"
    assert [str(error.error) for error in broken.base_errors] == [
        "The file has no column ship_to, line_no, sku, ordered_qty, uom, unit_price, "
        "requested_date."
    ]


def test_xlsx_file_of_po_lines_imports_with_numbers_and_dates_as_cells(catalogue, portal_admin):
    sheet = tablib.Dataset(headers=HEADER.split(","))
    sheet.append(["PO-X", "ACME", "DC1", 1, "BOLT-10", 12, "EA", 0.75, datetime.date(2030, 7, 1)])
    data = base_formats.XLSX().create_dataset(sheet.export("xlsx"))

    result = PurchaseOrderResource().import_data(data, dry_run=False, user=portal_admin)

    assert errors_by_row(result) == {}
    line = PurchaseOrderLine.objects.get(purchase_order__number="PO-X")
    assert (line.ordered_qty, line.unit_price, line.requested_date) == (
        Decimal("12"),
        Decimal("0.75"),
        datetime.date(2030, 7, 1),
    )


def _upload(name: str, *rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode(), "text/csv")


def test_admin_import_page_dry_run_shows_row_errors_and_creates_nothing(
    client, catalogue, portal_admin
):
    client.force_login(portal_admin)

    response = client.post(
        reverse("admin:suppliers_purchaseorder_import"),
        {
            "format": "0",
            "import_file": _upload(
                "pos.csv",
                "PO-1,ACME,DC1,1,NOPE-99,10,EA,1.00,2030-05-01",
                "PO-2,ACME,DC1,1,BOLT-10,10,BOX,1.00,2030-05-01",
            ),
        },
    )

    assert response.status_code == 200
    result = response.context["result"]
    assert errors_by_row(result) == {
        1: {"sku": ["Unknown SKU 'NOPE-99'."]},
        2: {"uom": ["Unknown unit of measure 'BOX'."]},
    }
    html = response.content.decode()
    assert "Unknown SKU &#x27;NOPE-99&#x27;." in html
    assert "Unknown unit of measure &#x27;BOX&#x27;." in html
    assert response.context.get("confirm_form") is None
    assert PurchaseOrder.objects.count() == 0


def test_admin_import_confirms_a_clean_dry_run_then_creates_the_po(client, catalogue, portal_admin):
    client.force_login(portal_admin)
    dry = client.post(
        reverse("admin:suppliers_purchaseorder_import"),
        {
            "format": "0",
            "import_file": _upload("pos.csv", "PO-9,ACME,DC1,1,BOLT-10,10,EA,1,2030-05-01"),
        },
    )
    assert PurchaseOrder.objects.count() == 0
    confirm = dry.context["confirm_form"]

    response = client.post(
        reverse("admin:suppliers_purchaseorder_process_import"),
        {
            name: confirm.initial[name]
            for name in ("import_file_name", "original_file_name", "format", "resource")
        },
    )

    assert response.status_code == 302
    po = PurchaseOrder.objects.get(number="PO-9")
    assert list(po.lines.values_list("line_no", "item__sku")) == [(1, "BOLT-10")]
    assert Event.objects.filter(type="purchase_order.received", aggregate_id="PO-9").count() == 1
    assert list(LogEntry.objects.values_list("object_repr", "user_id")) == [
        ("PO-9", portal_admin.pk)
    ]


def test_staff_without_the_portal_admin_role_cannot_open_the_import_page(client, db):
    staff = UserFactory(email="stan@distributor.example", roles=["buyer"], is_staff=True)
    client.force_login(staff)

    response = client.get(reverse("admin:suppliers_purchaseorder_import"))

    assert response.status_code == 403
