"""The write of `supplier_availability_post_many` on PostgreSQL: the rows and their audit
entries in one statement per batch (issue 17: an 846 feed at ≤ 3× the bare upsert).

Python sends the accepted lines once, as parallel arrays; the statement reads the rows
they replace, upserts each item's last count and inserts one audit entry per post whose
`before` and `after` it builds itself. Building half a million audit values in Python,
encoding them as JSON and having the database parse them again cost more than the upsert
(bench/README.md, "Where the EDI 846 floor is").

What is recorded is exactly what the portable path in `availability_batches.py` records:
`before` holds, per supplier SKU, the row the post replaced (quantity and date as the
database prints them, as of in ISO 8601) or, for an item counted again later in the same
batch, the earlier post's values; `after` the post's reference, its as-of time and its
items. The supplier's availability lock is held by the caller, so nothing changes between
the caller's checks and this statement.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import connection

from integrations.models import AuditEntry
from suppliers.models import SupplierAvailability


class AvailabilityItem(NamedTuple):
    """A supplier item as a set-based post needs it (found by `availability_items`). A
    named tuple: a feed's batch builds thousands straight from cursor rows (`_make`), at a
    quarter of a frozen dataclass's cost."""

    id: int
    supplier_id: int
    supplier_sku: str
    sku: str
    item_id: int
    uom_id: int
    uom_code: str
    decimal_places: int


# (post number, item, quantity, next-available date) of one accepted line, the quantity
# and the date (ISO 8601) as printed for the audit and the event.
Line = tuple[int, "AvailabilityItem", str, str | None]

# The lines as parallel arrays (one parameter per column, no JSON to parse per value).
_INPUT = """
WITH posts AS (
    SELECT (n - 1)::int AS post, reference, as_of
    FROM unnest(%(references)s::text[], %(as_ofs)s::text[]) WITH ORDINALITY
        AS p(reference, as_of, n)
), lines AS (
    SELECT * FROM unnest(%(posts)s::int[], %(items)s::bigint[], %(qtys)s::text[],
                         %(days)s::text[], %(supplier_skus)s::text[], %(skus)s::text[],
                         %(uoms)s::text[]) WITH ORDINALITY
        AS l(post, item, qty, day, supplier_sku, sku, uom, n)
), old AS (
    SELECT supplier_item_id AS item, qty_available::text AS qty,
           available_date::text AS day, to_json(as_of) AS as_of
    FROM {availability}
    WHERE supplier_item_id IN (SELECT item FROM lines)
),"""

# Each item once in the batch (a daily feed): each line is its row and replaces `old`.
_ONCE = """
chained AS (
    SELECT l.*, p.as_of AS post_as_of, NULL::bigint AS prev_n, NULL::text AS prev_qty,
           NULL::text AS prev_day, NULL::text AS prev_as_of, 1 AS from_last
    FROM lines l JOIN posts p ON p.post = l.post
),"""

# An item counted by several posts of the batch: each post replaces the one before it
# (its `before`), and the row ends with the last one.
_AGAIN = """
chained AS (
    SELECT l.*, p.as_of AS post_as_of,
           lag(l.n) OVER w AS prev_n, lag(l.qty) OVER w AS prev_qty,
           lag(l.day) OVER w AS prev_day, lag(p.as_of) OVER w AS prev_as_of,
           row_number() OVER (PARTITION BY l.item ORDER BY l.n DESC) AS from_last
    FROM lines l JOIN posts p ON p.post = l.post
    WINDOW w AS (PARTITION BY l.item ORDER BY l.n)
),"""

_WRITE = """
upserted AS (
    INSERT INTO {availability}
        (supplier_item_id, qty_available, available_date, as_of, channel, reported_by_id,
         updated_at)
    SELECT item, qty::numeric, day::date, post_as_of::timestamptz,
           %(channel)s, %(reporter)s, %(now)s
    FROM chained WHERE from_last = 1
    ON CONFLICT (supplier_item_id) DO UPDATE SET
        qty_available = EXCLUDED.qty_available,
        available_date = EXCLUDED.available_date,
        as_of = EXCLUDED.as_of,
        channel = EXCLUDED.channel,
        reported_by_id = EXCLUDED.reported_by_id,
        updated_at = EXCLUDED.updated_at
    RETURNING 1
), entries AS (
    SELECT p.post, min(p.reference) AS reference, min(p.as_of) AS as_of,
           COALESCE(json_object_agg(
               c.supplier_sku,
               CASE WHEN c.prev_n IS NOT NULL
                    THEN json_build_object('qty_available', c.prev_qty,
                         'available_date', c.prev_day, 'as_of', c.prev_as_of)
                    ELSE json_build_object('qty_available', o.qty,
                         'available_date', o.day, 'as_of', o.as_of)
               END
           ) FILTER (WHERE c.prev_n IS NOT NULL OR o.item IS NOT NULL), '{{}}'::json) AS before,
           COALESCE(json_object_agg(
               c.supplier_sku,
               json_build_object('sku', c.sku, 'qty_available', c.qty, 'uom', c.uom,
                                  'available_date', c.day)
           ) FILTER (WHERE c.item IS NOT NULL), '{{}}'::json) AS items
    FROM posts p
    LEFT JOIN chained c ON c.post = p.post
    LEFT JOIN old o ON o.item = c.item
    GROUP BY p.post
)
INSERT INTO {audit}
    (occurred_at, actor_id, actor_label, channel, object_type, object_id, object_repr,
     action, before, after, correlation_id)
SELECT %(now)s, %(reporter)s, %(actor_label)s, %(channel)s, %(object_type)s,
       %(object_id)s, %(object_repr)s, %(action)s, before::jsonb,
       json_build_object('reference', reference, 'as_of', as_of, 'items', items)::jsonb,
       %(correlation_id)s
FROM entries
ORDER BY post
"""


def write_rows_and_audit(
    posts: Sequence[tuple[str, datetime.datetime]],
    lines: Sequence[Line],
    *,
    channel: str,
    reporter_id: int | None,
    now: datetime.datetime,
    audit: dict[str, Any],
) -> None:
    """Upsert the lines and insert one audit entry per post (in post order) in one
    statement. `posts` are (reference, as of); each line names its post by position.
    `audit` holds the entries' common columns (actor label, object, action, correlation)."""
    chosen = [line[1] for line in lines]
    items = [item.id for item in chosen]
    again = len(set(items)) != len(items)
    statement = (_INPUT + (_AGAIN if again else _ONCE) + _WRITE).format(
        availability=SupplierAvailability._meta.db_table, audit=AuditEntry._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            {
                "references": text_array([reference for reference, _as_of in posts]),
                "as_ofs": text_array([as_of.isoformat() for _reference, as_of in posts]),
                "posts": _number_array([line[0] for line in lines]),
                "items": _number_array(items),
                "qtys": text_array([line[2] for line in lines]),
                "days": "{" + ",".join([line[3] or "NULL" for line in lines]) + "}",
                "supplier_skus": text_array([item.supplier_sku for item in chosen]),
                "skus": text_array([item.sku for item in chosen]),
                "uoms": text_array([item.uom_code for item in chosen]),
                "channel": channel,
                "reporter": reporter_id,
                "now": now,
                **audit,
            },
        )


# Each array goes to PostgreSQL as one array literal (a string): Django's cursor binds on
# the client, and psycopg quoting a batch's 8,500-element lists value by value cost more
# Python time than building them (issue 17).


def _number_array(values: Sequence[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def text_array(values: Sequence[str]) -> str:
    """`values` as a PostgreSQL text[] literal: every element double-quoted, with double
    quotes and backslashes escaped (the common case, neither present, is checked once on
    the joined text)."""
    if not values:
        return "{}"
    body = '","'.join(values)
    if "\\" not in body and body.count('"') == 2 * (len(values) - 1):
        return '{"' + body + '"}'
    return "{" + ",".join('"' + _escape(value) + '"' for value in values) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')
