"""Keeping the inbound schedule's read model (`InboundRow`) equal to its definition.

The rows of a purchase order depend on the PO (status, ship-to, at risk), its lines
(confirmed quantity and date, shipped quantity), their schedule lines and the ASN lines
shipping them (the ASN's status, date, risk). The services that change any of those call
`refresh_inbound_rows` with the PO lines they touched, at their end and inside their
transaction: the rows of those lines' purchase orders are deleted and written again from
`inbound_source_rows` (set-based: one DELETE and one INSERT … SELECT per chunk of POs), so
they are current when the transaction commits and cannot drift. Rewriting the whole PO,
not only the touched lines, is what keeps a status change (every row's state and
membership) right. Inside a batch scope (`integrations.services.batch_scope`: the EDI
intake applying a batch of sets in one transaction) a call only collects its lines and
POs, and one rewrite of the union of their POs runs at the batch's end, after the
positions' refresh, inside the batch's transaction. `rebuild_inbound_rows` rewrites
everything: after a bulk load (the demo seed, benchmarks) or as a repair.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Q

from integrations.services.batch_scope import defer_to_batch
from suppliers.models import AsnLine, InboundRow, PurchaseOrder, PurchaseOrderLine, Shipment
from suppliers.selectors.inbound_schedule import (
    SOURCE_COLUMNS,
    inbound_source_rows,
    new_count_version,
)

# POs per statement: keeps each parameter list short (SQLite caps it).
CHUNK = 500
# Deferred to the end of a batch, this runs after the positions' refresh
# (`inbound_positions.BATCH_ORDER`): positions, then POs, as every service locks them.
BATCH_ORDER = 1

# The read model's columns in the order `inbound_source_rows(with_sources=True)` selects
# them (its INBOUND_COLUMNS, then SOURCE_COLUMNS).
_TARGET_FIELDS = (
    "warehouse_code",
    "day",
    "kind",
    "supplier_code",
    "document",
    "po_number",
    "po_line_no",
    "sku",
    "quantity",
    "uom_code",
    "state",
    "at_risk",
    "promised",
    "purchase_order",
    "po_line",
    "asn_line_id",
    "schedule_line_id",
)
assert len(SOURCE_COLUMNS) == 4

# `_source_sql`: statements compiled once for up to this many POs (a service's call),
# keyed by (database vendor, count of POs); ids no PO has stand in for the real ones.
_CACHED_UP_TO = 8
_STAND_IN = -(2**62)
_SOURCE_SQL: dict[tuple[str, int], tuple[str, list[Any], list[tuple[int, int]]]] = {}
_NOT_CACHED: set[tuple[str, int]] = set()


def _counts_changed() -> None:
    """The kept counts are obsolete: at once (readers in this transaction) and again after
    the commit (a reader that counted the committed rows in between kept its count under
    the first new version)."""
    new_count_version()


def _column(name: str) -> str:
    field = InboundRow._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


def _insert_source_rows(purchase_order_ids: list[int] | None) -> int:
    """INSERT … SELECT the definition's rows (of these POs, or all) into the read model."""
    _counts_changed()
    sql, params = _source_sql(purchase_order_ids)
    meta = InboundRow._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(name)) for name in _TARGET_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM ({sql}) source",
            params,
        )
        return int(cursor.rowcount)


def _source_sql(purchase_order_ids: list[int] | None) -> tuple[str, list[Any]]:
    """The definition's SQL and parameters for these POs. Building and compiling the
    UNION costs more than PostgreSQL takes to run it for a PO or two, so for a few POs
    it is compiled once per count of POs (and database) and reused with the ids put in
    the places that stand-in ids took in the parameters."""
    key = (connection.vendor, len(purchase_order_ids or ()))
    if purchase_order_ids is None or key[1] > _CACHED_UP_TO or key in _NOT_CACHED:
        return _compiled(purchase_order_ids)
    if key not in _SOURCE_SQL:
        stand_ins = [_STAND_IN + n for n in range(key[1])]
        sql, compiled = _compiled(stand_ins)
        rank = {stand_in: n for n, stand_in in enumerate(stand_ins)}
        slots = [(i, rank[p]) for i, p in enumerate(compiled) if type(p) is int and p in rank]
        # Each part of the union filters on the ids once; anything else means the
        # definition changed shape: then it is compiled for every call, as before.
        if sorted(n for _i, n in slots) != sorted(list(range(key[1])) * 3):
            _NOT_CACHED.add(key)
            return _compiled(purchase_order_ids)
        _SOURCE_SQL[key] = (sql, compiled, slots)
    sql, template, slots = _SOURCE_SQL[key]
    params = list(template)
    ordered = sorted(purchase_order_ids)
    for index, n in slots:
        params[index] = ordered[n]
    return sql, params


def _compiled(purchase_order_ids: list[int] | None) -> tuple[str, list[Any]]:
    source = inbound_source_rows(purchase_order_ids=purchase_order_ids, with_sources=True)
    sql, params = source.query.sql_with_params()
    return sql, list(params)


def refresh_inbound_rows(
    po_line_ids: Iterable[int] = (), *, purchase_order_ids: Iterable[int] = ()
) -> int:
    """Rewrite the read model's rows of the purchase orders of `po_line_ids` (and of
    `purchase_order_ids`). Locks those POs (primary-key order, after the caller's PO line
    locks, as the ASN and receipt services do) so two transactions cannot rewrite the same
    PO at once and leave both their rows. Returns the number of rows written — 0 inside a
    batch scope, which rewrites the union of its POs once, at its end."""
    keys = {("po", pk) for pk in purchase_order_ids} | {("line", pk) for pk in po_line_ids}
    if not keys:
        return 0
    if defer_to_batch("suppliers.inbound_rows", keys, run=_refresh_union, order=BATCH_ORDER):
        return 0
    return _refresh_union(keys)


def _refresh_union(keys: set[tuple[str, int]]) -> int:
    order_ids = sorted(pk for kind, pk in keys if kind == "po")
    line_ids = sorted(pk for kind, pk in keys if kind == "line")
    with transaction.atomic():
        if len(order_ids) + len(line_ids) <= CHUNK:
            # The usual call (one service's lines, or a batch's): the lines' POs are found
            # and locked by one statement.
            return _rewrite(_lock(order_ids, line_ids))
        written = 0
        for start in range(0, len(line_ids), CHUNK):
            order_ids += PurchaseOrderLine.objects.filter(
                pk__in=line_ids[start : start + CHUNK]
            ).values_list("purchase_order_id", flat=True)
        ordered = sorted(set(order_ids))
        for start in range(0, len(ordered), CHUNK):
            written += _rewrite(_lock(ordered[start : start + CHUNK], []))
    return written


def _lock(order_ids: list[int], line_ids: list[int]) -> list[int]:
    """Lock these POs and those of these lines, in primary-key order; their ids."""
    scope = Q(pk__in=order_ids)
    if line_ids:
        lines = PurchaseOrderLine.objects.filter(pk__in=line_ids).values("purchase_order_id")
        scope |= Q(pk__in=lines)
    return list(
        PurchaseOrder.objects.select_for_update(of=("self",))
        .filter(scope)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _rewrite(order_ids: list[int]) -> int:
    """Replace the (locked) POs' rows by the definition's."""
    if not order_ids:
        return 0
    InboundRow.objects.filter(purchase_order_id__in=order_ids).delete()
    return _insert_source_rows(order_ids)


def refresh_inbound_rows_for_orders(purchase_orders: Iterable[PurchaseOrder]) -> int:
    """`refresh_inbound_rows` for whole purchase orders."""
    return refresh_inbound_rows(purchase_order_ids=[po.pk for po in purchase_orders])


def rebuild_inbound_rows() -> int:
    """Rewrite the whole read model from the documents (after a bulk load, or a repair).
    Returns the number of rows written."""
    with transaction.atomic():
        InboundRow.objects.all().delete()
        return _insert_source_rows(None)


def refresh_inbound_rows_for_shipment(shipment: Shipment) -> int:
    """`refresh_inbound_rows` for the purchase orders an ASN ships against."""
    return refresh_inbound_rows(
        AsnLine.objects.filter(shipment=shipment).values_list("po_line_id", flat=True)
    )


def inbound_rows_repair() -> list[int]:
    """Find the purchase orders whose stored rows differ from the definition, in either
    direction, and rewrite just those: the hourly backstop for writes that bypass the
    services (an edit in the Django admin, a raw bulk update). Returns their ids."""
    source = inbound_source_rows(purchase_order_ids=None, with_sources=True)
    source_sql, params = source.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(InboundRow._meta.db_table)
    columns = ", ".join(quote(_column(name)) for name in _TARGET_FIELDS)
    order = quote(_column("purchase_order"))
    # The empty first branch gives the definition's rows the table's column names, so
    # both sides of each EXCEPT line up and the PO column can be named (on SQLite too).
    sql = f"""
        WITH definition AS (
            SELECT {columns} FROM {table} WHERE 1 = 0
            UNION ALL SELECT * FROM ({source_sql}) source
        )
        SELECT {order} FROM (SELECT * FROM definition EXCEPT SELECT {columns} FROM {table}) a
        UNION
        SELECT {order} FROM (SELECT {columns} FROM {table} EXCEPT SELECT * FROM definition) b
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        order_ids = sorted({row[0] for row in cursor.fetchall() if row[0] is not None})
    if order_ids:
        refresh_inbound_rows(purchase_order_ids=order_ids)
    return order_ids
