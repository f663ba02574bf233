from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0013_inbound_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name="supplier",
            name="gs1_company_prefix",
            field=models.CharField(
                blank=True,
                help_text="The supplier's GS1 company prefix (7 to 10 digits), to number SSCC labels.",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="supplier",
            name="sscc_last_serial",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name="supplier",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("gs1_company_prefix", ""),
                    ("gs1_company_prefix__regex", "^[0-9]{7,10}$"),
                    _connector="OR",
                ),
                name="supplier_gs1_company_prefix_digits",
            ),
        ),
    ]
