"""The movement ledger takes a set-based apply of a million events (issue 22): no
database foreign keys and no per-key indexes on it (see InventoryMovement), a partial
index for the transfers' counterpart instead, and not the (source, warehouse, sequence)
index no query reads (a stream's held events have their own partial index)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0005_inventory_movements"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="inventorymovement", name="movement_stream_seq"),
        migrations.AlterField(
            model_name="inventorymovement",
            name="item",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="inventory.item",
            ),
        ),
        migrations.AlterField(
            model_name="inventorymovement",
            name="warehouse",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="inventory.warehouse",
            ),
        ),
        migrations.AlterField(
            model_name="inventorymovement",
            name="counterpart_warehouse",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="inventory.warehouse",
            ),
        ),
        migrations.AlterField(
            model_name="inventorymovement",
            name="uom",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="inventory.unitofmeasure",
            ),
        ),
        migrations.AddIndex(
            model_name="inventorymovement",
            index=models.Index(
                condition=models.Q(("counterpart_warehouse__isnull", False)),
                fields=["counterpart_warehouse", "item"],
                name="movement_counterpart",
            ),
        ),
    ]
