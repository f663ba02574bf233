"""python manage.py reencrypt_fields

Key rotation for the fields encrypted at rest (bank account numbers): after putting a new
key in front of PORTAL_FIELD_ENCRYPTION_KEYS, this re-encrypts every stored value under
it, so the old keys can then be taken out of the list. Safe to run again.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from suppliers.models.fields import EncryptedFieldMixin, rotate_token

CHUNK = 500


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field value under the first configured key."

    def handle(self, *args, **options) -> None:
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, EncryptedFieldMixin):
                    count = self._rotate(model, field)
                    self.stdout.write(
                        f"{model._meta.label}.{field.name}: {count} value(s) re-encrypted "
                        "with the first key."
                    )

    def _rotate(self, model, field) -> int:
        # The stored tokens are read and written as they are, past the ORM (which would
        # decrypt on the way out and encrypt anew on the way in): rotation keeps each
        # token's original timestamp.
        table, column = model._meta.db_table, field.column
        pk = model._meta.pk.column
        what = f"{model._meta.label}.{field.name}"
        quote = connection.ops.quote_name
        count = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} "
                f"WHERE {quote(column)} <> '' ORDER BY {quote(pk)}"
            )
            rows = cursor.fetchall()
            for start in range(0, len(rows), CHUNK):
                cursor.executemany(
                    f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE {quote(pk)} = %s",
                    [
                        (rotate_token(token, what=f"{what} #{key}"), key)
                        for key, token in rows[start : start + CHUNK]
                    ],
                )
                count += len(rows[start : start + CHUNK])
        return count
