"""Exception cases get `updated_at`, moved by every change (helper C, issue 14). Existing
cases start at their last change: resolved_at when closed, else last_seen_at."""

from django.db import migrations, models
from django.db.models.functions import Coalesce


def backfill(apps, schema_editor):
    ExceptionCase = apps.get_model("integrations", "ExceptionCase")
    ExceptionCase.objects.update(updated_at=Coalesce("resolved_at", "last_seen_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0009_edi_files_dedupe_progress"),
    ]

    operations = [
        migrations.AddField(
            model_name="exceptioncase",
            name="updated_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="exceptioncase",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
    ]
