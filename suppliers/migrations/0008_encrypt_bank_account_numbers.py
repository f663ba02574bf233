"""Bank account numbers encrypted at rest (Fernet, keys from PORTAL_FIELD_ENCRYPTION_KEYS).

The profile column turns into text, existing clear numbers are encrypted, and then the
field becomes the encrypting one: while the column is a plain TextField the code reads and
writes raw column values. Profile changes stop holding numbers in clear: a pending one
keeps its new number encrypted in `sealed_changes` and masked in `changes`; a decided one
keeps only the mask (nothing needs the number any more).

The reverse decrypts the profile column and puts a pending change's number back in
`changes`; decided changes keep their mask.
"""

import json

from django.db import migrations, models

import suppliers.models.fields
from suppliers.models.fields import decrypt_text, encrypt_text
from suppliers.models.onboarding import mask_account_number

# Frozen here: the members of BANK_SECRET_FIELDS when this migration was written.
SECRET_FIELDS = ("bank_account_number",)


def encrypt_bank_details(apps, schema_editor) -> None:
    SupplierProfile = apps.get_model("suppliers", "SupplierProfile")
    ProfileChange = apps.get_model("suppliers", "ProfileChange")
    profiles = SupplierProfile.objects.exclude(bank_account_number="")
    # Read whole before writing: SQLite does not isolate an open cursor from the writes.
    for pk, number in list(profiles.values_list("pk", "bank_account_number")):
        SupplierProfile.objects.filter(pk=pk).update(bank_account_number=encrypt_text(number))
    for change in list(ProfileChange.objects.all()):
        secrets = {name: value for name, value in change.changes.items() if name in SECRET_FIELDS}
        if not secrets:
            continue
        change.changes = {
            name: mask_account_number(value) if name in SECRET_FIELDS else value
            for name, value in change.changes.items()
        }
        # The historical field is the encrypting one: assigning clear JSON stores a token.
        change.sealed_changes = json.dumps(secrets) if change.status == "pending" else ""
        change.save(update_fields=["changes", "sealed_changes"])


def decrypt_bank_details(apps, schema_editor) -> None:
    SupplierProfile = apps.get_model("suppliers", "SupplierProfile")
    ProfileChange = apps.get_model("suppliers", "ProfileChange")
    profiles = SupplierProfile.objects.exclude(bank_account_number="")
    for pk, token in list(profiles.values_list("pk", "bank_account_number")):
        SupplierProfile.objects.filter(pk=pk).update(
            bank_account_number=decrypt_text(token, what="suppliers.SupplierProfile")
        )
    # No SQL filter on the encrypted field (it refuses lookups): sift in Python.
    for change in list(ProfileChange.objects.all()):
        if change.sealed_changes:
            change.changes = {**change.changes, **json.loads(change.sealed_changes)}
            change.save(update_fields=["changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("suppliers", "0007_purchase_order_list_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="supplierprofile",
            name="bank_account_number",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="profilechange",
            name="sealed_changes",
            field=suppliers.models.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="profilechange",
            name="changes",
            field=models.JSONField(help_text="Field → new value; bank secrets masked."),
        ),
        migrations.RunPython(encrypt_bank_details, decrypt_bank_details),
        migrations.AlterField(
            model_name="supplierprofile",
            name="bank_account_number",
            field=suppliers.models.fields.EncryptedCharField(blank=True, max_length=34),
        ),
    ]
