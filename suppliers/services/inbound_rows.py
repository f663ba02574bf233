"""Keeping the inbound schedule's read model (`InboundRow`) equal to its definition.

The rows of a purchase order depend on the PO (status, ship-to, at risk), its lines
(confirmed quantity and date, shipped quantity), their schedule lines and the ASN lines
shipping them (the ASN's status, date, risk). The services that change any of those call
`refresh_inbound_rows` with the PO lines they touched, at their end and inside their
transaction: the rows of those lines' purchase orders are deleted and written again from
`inbound_source_rows` (set-based: one DELETE and one INSERT … SELECT per chunk of POs), so
they are current when the transaction commits and cannot drift. Rewriting the whole PO,
not only the touched lines, is what keeps a status change (every row's state and
membership) right. `rebuild_inbound_rows` rewrites everything: after a bulk load (the demo
seed, benchmarks) or as a repair.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Field

from suppliers.models import AsnLine, InboundRow, PurchaseOrder, PurchaseOrderLine, Shipment
from suppliers.selectors.inbound_schedule import (
    SOURCE_COLUMNS,
    inbound_source_rows,
    new_count_version,
)

# POs per statement: keeps each parameter list short (SQLite caps it).
CHUNK = 500

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


def _counts_changed() -> None:
    """The cached counts are obsolete: at once (readers in this transaction) and again
    after the commit (a reader that counted the committed rows in between stored its
    count under the first new version)."""
    new_count_version()
    transaction.on_commit(new_count_version)


def _column(name: str) -> str:
    field = InboundRow._meta.get_field(name)
    assert isinstance(field, Field) and field.column
    return field.column


def _insert_source_rows(purchase_order_ids: list[int] | None) -> int:
    """INSERT … SELECT the definition's rows (of these POs, or all) into the read model."""
    _counts_changed()
    source = inbound_source_rows(purchase_order_ids=purchase_order_ids, with_sources=True)
    sql, params = source.query.sql_with_params()
    meta = InboundRow._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(name)) for name in _TARGET_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM ({sql}) source",
            params,
        )
        return int(cursor.rowcount)


def refresh_inbound_rows(
    po_line_ids: Iterable[int] = (), *, purchase_order_ids: Iterable[int] = ()
) -> int:
    """Rewrite the read model's rows of the purchase orders of `po_line_ids` (and of
    `purchase_order_ids`). Locks those POs (primary-key order, after the caller's PO line
    locks, as the ASN and receipt services do) so two transactions cannot rewrite the same
    PO at once and leave both their rows. Returns the number of rows written."""
    order_ids = set(purchase_order_ids)
    line_ids = sorted(set(po_line_ids))
    for start in range(0, len(line_ids), CHUNK):
        order_ids.update(
            PurchaseOrderLine.objects.filter(pk__in=line_ids[start : start + CHUNK]).values_list(
                "purchase_order_id", flat=True
            )
        )
    ordered = sorted(order_ids)
    written = 0
    with transaction.atomic():
        for start in range(0, len(ordered), CHUNK):
            chunk = ordered[start : start + CHUNK]
            list(
                PurchaseOrder.objects.select_for_update(of=("self",))
                .filter(pk__in=chunk)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            InboundRow.objects.filter(purchase_order_id__in=chunk).delete()
            written += _insert_source_rows(chunk)
    return written


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
