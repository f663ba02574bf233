import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0003_snapshot_lines_partitioned"),
    ]

    operations = [
        migrations.AddField(
            model_name="warehouse",
            name="in_flight_window_hours",
            field=models.PositiveIntegerField(
                default=24,
                help_text="Hours a difference explained by an ASN, a receipt or an adjustment "
                "may wait for the lagging source before it becomes an exception.",
            ),
        ),
        migrations.AddField(
            model_name="inventorysnapshot",
            name="partial",
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name="InventorySnapshotIssue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("line_no", models.PositiveIntegerField()),
                ("kind", models.CharField(max_length=30)),
                ("sku", models.CharField(blank=True, max_length=200)),
                ("uom", models.CharField(blank=True, max_length=60)),
                ("quantity", models.CharField(blank=True, max_length=60)),
                (
                    "item",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="inventory.item",
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="issues",
                        to="inventory.inventorysnapshot",
                    ),
                ),
            ],
            options={
                "ordering": ["snapshot_id", "line_no", "kind"],
                "indexes": [
                    models.Index(fields=["snapshot", "line_no"], name="snapshot_issue_line")
                ],
            },
        ),
    ]
