# Issue 19: invoice tolerances per item class (for one supplier or for all), and the
# tolerance each invoice line was matched with.

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0011_invoices_matching_disputes"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoiceline",
            name="tolerance",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.CreateModel(
            name="InvoiceTolerance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "item_class",
                    models.CharField(
                        help_text="The items' tolerance class (Item.item_class), e.g. A.",
                        max_length=20,
                    ),
                ),
                (
                    "qty_tolerance_pct",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=5),
                ),
                (
                    "price_tolerance_pct",
                    models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=5),
                ),
                (
                    "amount_tolerance",
                    models.DecimalField(
                        blank=True,
                        decimal_places=4,
                        help_text="Largest variance per line, in the PO currency, let through "
                        "within the percentages; empty: no absolute limit.",
                        max_digits=12,
                        null=True,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "supplier",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty: every supplier (a supplier's own row for the class "
                        "comes first).",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="invoice_tolerances",
                        to="suppliers.supplier",
                    ),
                ),
            ],
            options={
                "ordering": ["item_class", "supplier_id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("supplier__isnull", False)),
                        fields=("supplier", "item_class"),
                        name="invoicetolerance_supplier_class",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("supplier__isnull", True)),
                        fields=("item_class",),
                        name="invoicetolerance_class_for_all",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("item_class", ""), _negated=True),
                        name="invoicetolerance_class_named",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("qty_tolerance_pct__gte", 0),
                            ("price_tolerance_pct__gte", 0),
                            models.Q(
                                ("amount_tolerance__isnull", True),
                                ("amount_tolerance__gte", 0),
                                _connector="OR",
                            ),
                        ),
                        name="invoicetolerance_nonneg",
                    ),
                ],
            },
        ),
    ]
