"""Inserting the demo seed's big tables fast: PostgreSQL's COPY (issue 24).

`bulk_create` on PostgreSQL sends each batch as one array per column (`UNNEST`), and with
client-side binding psycopg quotes every element of those arrays in Python: 80 of the
large seed's 150 s (profiled with pyinstrument), plus 25 s building model instances. COPY
of plain tuples skips both. Ids are not returned: callers read them back by natural key.
Other databases (SQLite for the demo) get `bulk_create`, the same rows.
"""

import datetime
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from suppliers.services.inbound_rows import rebuild_inbound_rows
from suppliers.services.purchase_order_counts import purchase_orders_changed

BATCH = 2_000


def insert_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert `rows` (tuples of the fields named by `columns`, attribute names such as
    `supplier_id`) into `model`'s table; every other field gets its default (auto_now and
    auto_now_add fields: now). Returns the number of rows inserted."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    given = [fields[name] for name in columns]
    now = timezone.now()
    filled = []
    for field in model._meta.concrete_fields:
        if field.attname in columns or getattr(field, "db_returning", False):
            continue  # given, or the auto primary key the database numbers
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled.append((field, now))
        else:
            filled.append((field, field.get_default()))
    if connection.vendor != "postgresql":
        objects = [
            model(**dict(zip(columns, row, strict=True)), **{f.attname: v for f, v in filled})
            for row in rows
        ]
        model._default_manager.bulk_create(objects, batch_size=BATCH)
        return len(objects)
    all_fields = given + [field for field, _ in filled]
    constants = tuple(_copy_value(field, value) for field, value in filled)
    json_positions = [i for i, field in enumerate(given) if isinstance(field, models.JSONField)]
    quote = connection.ops.quote_name
    sql = (
        f"COPY {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in all_fields)}) FROM STDIN"
    )
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json_positions:
                row = list(row)
                for i in json_positions:
                    row[i] = _copy_value(given[i], row[i])
            copy.write_row((*row, *constants))
            count += 1
    return count


def rebuild_read_models() -> int:
    """Rewrite the read models kept by the services these inserts bypass (the inbound
    schedule's rows) and make the PO lists' cached counts obsolete (COPY sends no
    signal): call once after the bulk inserts, in their transaction. Returns the number
    of inbound rows written."""
    purchase_orders_changed(None)
    return rebuild_inbound_rows()


def _copy_value(field: models.Field, value: Any) -> Any:
    if isinstance(field, models.JSONField):
        return None if value is None else json.dumps(value, cls=field.encoder)
    if isinstance(value, datetime.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value
