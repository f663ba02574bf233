"""The inbound schedule's read model (issue 24), filled from the documents.

The backfill is the schedule's definition (suppliers.selectors.inbound_schedule's
`inbound_source_rows`) as of this migration, in SQL both PostgreSQL and SQLite run, with
the statuses spelled out: a migration must not follow later code.
"""

import django.db.models.deletion
from django.db import migrations, models

INBOUND_ASN = "('submitted', 'in_transit', 'delayed')"
OPEN_TO_SHIP = "('confirmed', 'partially_shipped')"

BACKFILL = f"""
INSERT INTO suppliers_inboundrow (
    warehouse_code, day, kind, supplier_code, document, po_number, po_line_no, sku,
    quantity, uom_code, state, at_risk, promised,
    purchase_order_id, po_line_id, asn_line_id, schedule_line_id
)
SELECT w.code, s.expected_delivery, 'asn', sup.code, s.asn_number, po.number, pl.line_no,
       i.sku, al.quantity_po_uom, u.code, s.status, s.at_risk,
       COALESCE(sl.date, pl.confirmed_date, pl.requested_date),
       po.id, pl.id, al.id, NULL
FROM suppliers_asnline al
JOIN suppliers_shipment s ON s.id = al.shipment_id
JOIN inventory_warehouse w ON w.id = s.ship_to_id
JOIN suppliers_supplier sup ON sup.id = s.supplier_id
JOIN suppliers_purchaseorderline pl ON pl.id = al.po_line_id
JOIN suppliers_purchaseorder po ON po.id = pl.purchase_order_id
JOIN inventory_item i ON i.id = pl.item_id
JOIN inventory_unitofmeasure u ON u.id = pl.uom_id
LEFT JOIN suppliers_purchaseorderscheduleline sl ON sl.id = al.schedule_line_id
WHERE s.status IN {INBOUND_ASN}
UNION ALL
SELECT w.code, sl.date, 'po_line', sup.code, po.number, po.number, pl.line_no,
       i.sku, sl.quantity - sl.shipped_qty, u.code, po.status, po.at_risk, sl.date,
       po.id, pl.id, NULL, sl.id
FROM suppliers_purchaseorderscheduleline sl
JOIN suppliers_purchaseorderline pl ON pl.id = sl.line_id
JOIN suppliers_purchaseorder po ON po.id = pl.purchase_order_id
JOIN inventory_warehouse w ON w.id = po.ship_to_id
JOIN suppliers_supplier sup ON sup.id = po.supplier_id
JOIN inventory_item i ON i.id = pl.item_id
JOIN inventory_unitofmeasure u ON u.id = pl.uom_id
WHERE po.status IN {OPEN_TO_SHIP} AND sl.quantity > sl.shipped_qty
UNION ALL
SELECT w.code, COALESCE(pl.confirmed_date, pl.requested_date), 'po_line', sup.code,
       po.number, po.number, pl.line_no, i.sku, pl.confirmed_qty - pl.shipped_qty, u.code,
       po.status, po.at_risk, COALESCE(pl.confirmed_date, pl.requested_date),
       po.id, pl.id, NULL, NULL
FROM suppliers_purchaseorderline pl
JOIN suppliers_purchaseorder po ON po.id = pl.purchase_order_id
JOIN inventory_warehouse w ON w.id = po.ship_to_id
JOIN suppliers_supplier sup ON sup.id = po.supplier_id
JOIN inventory_item i ON i.id = pl.item_id
JOIN inventory_unitofmeasure u ON u.id = pl.uom_id
WHERE po.status IN {OPEN_TO_SHIP} AND pl.confirmed_qty > pl.shipped_qty
  AND NOT EXISTS (
      SELECT 1 FROM suppliers_purchaseorderscheduleline x WHERE x.line_id = pl.id
  )
"""


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0012_invoice_item_class_tolerances"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboundRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("asn_line_id", models.BigIntegerField(blank=True, null=True)),
                ("schedule_line_id", models.BigIntegerField(blank=True, null=True)),
                (
                    "kind",
                    models.CharField(
                        choices=[("asn", "ASN"), ("po_line", "PO line")], max_length=10
                    ),
                ),
                ("warehouse_code", models.CharField(max_length=20)),
                ("day", models.DateField()),
                ("supplier_code", models.CharField(max_length=20)),
                ("document", models.CharField(max_length=40)),
                ("po_line_no", models.PositiveIntegerField()),
                ("po_number", models.CharField(max_length=40)),
                ("sku", models.CharField(max_length=40)),
                ("quantity", models.DecimalField(decimal_places=6, max_digits=18)),
                ("uom_code", models.CharField(max_length=10)),
                ("state", models.CharField(max_length=20)),
                ("at_risk", models.BooleanField(default=False)),
                ("promised", models.DateField()),
                (
                    "purchase_order",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="suppliers.purchaseorder",
                    ),
                ),
                (
                    "po_line",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="suppliers.purchaseorderline",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=[
                            "warehouse_code",
                            "day",
                            "supplier_code",
                            "document",
                            "po_line_no",
                            "id",
                        ],
                        name="inbound_row_page",
                    ),
                    models.Index(
                        fields=[
                            "supplier_code",
                            "warehouse_code",
                            "day",
                            "document",
                            "po_line_no",
                            "id",
                        ],
                        name="inbound_row_supplier_page",
                    ),
                ],
            },
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
