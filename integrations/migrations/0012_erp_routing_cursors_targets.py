import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0011_exception_classes_master_data_slo"),
    ]

    operations = [
        migrations.CreateModel(
            name="ErpRoutingRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=100)),
                (
                    "origin",
                    models.CharField(
                        choices=[
                            ("erp", "came from this ERP"),
                            ("other", "seeded, imported or from another system"),
                            ("any", "any origin"),
                        ],
                        default="any",
                        max_length=10,
                    ),
                ),
                ("supplier_code", models.CharField(blank=True, max_length=40)),
                ("warehouse_code", models.CharField(blank=True, max_length=40)),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("send", "send to the ERP"),
                            ("skip", "do not send (delivered as skipped)"),
                        ],
                        max_length=10,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=200)),
                (
                    "connector",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="routing_rules",
                        to="integrations.connector",
                    ),
                ),
            ],
            options={"ordering": ["connector", "position", "pk"]},
        ),
        migrations.CreateModel(
            name="ErpPullCursor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("stream", models.CharField(max_length=30)),
                ("position", models.DateTimeField(blank=True, null=True)),
                ("last_pull_at", models.DateTimeField(blank=True, null=True)),
                ("last_read", models.PositiveIntegerField(default=0)),
                ("full_resync_requested", models.BooleanField(default=False)),
                ("retry_ids", models.JSONField(blank=True, default=list)),
                (
                    "connector",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="pull_cursors",
                        to="integrations.connector",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("connector", "stream"), name="erp_pull_cursor_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ErpShortReceiptRule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "supplier_code",
                    models.CharField(blank=True, help_text="Blank: every supplier.", max_length=40),
                ),
                (
                    "rule",
                    models.CharField(
                        choices=[
                            ("keep_open", "keep the remainder open on both sides"),
                            ("cancel_backorder", "cancel the ERP backorder and close the line"),
                        ],
                        max_length=20,
                    ),
                ),
                ("set_by", models.CharField(blank=True, max_length=150)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "connector",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="short_receipt_rules",
                        to="integrations.connector",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("connector", "supplier_code"), name="erp_short_receipt_rule_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ErpLineTarget",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("erp_line_id", models.CharField(max_length=64)),
                ("po_number", models.CharField(max_length=60)),
                ("line_no", models.PositiveIntegerField()),
                ("schedule", models.JSONField(default=list)),
                ("cut_move_ids", models.JSONField(default=list)),
                ("event_id", models.CharField(max_length=64)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "connector",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="line_targets",
                        to="integrations.connector",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("connector", "erp_line_id"), name="erp_line_target_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ErpTransportHealth",
            fields=[
                (
                    "connector",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="erp_health",
                        serialize=False,
                        to="integrations.connector",
                    ),
                ),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("ok", "answering"),
                            ("unavailable", "answering HTTP 503 (restarting or overloaded)"),
                            ("unreachable", "connection refused or timed out"),
                            ("session", "session lost: logged in again"),
                            ("refused", "login refused (user or password)"),
                            ("error", "server error"),
                        ],
                        default="ok",
                        max_length=20,
                    ),
                ),
                ("detail", models.CharField(blank=True, max_length=300)),
                ("last_ok_at", models.DateTimeField(blank=True, null=True)),
                ("last_failure_at", models.DateTimeField(blank=True, null=True)),
                ("relogins", models.PositiveIntegerField(default=0)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
