"""Staging and resolving a batch of movement events on PostgreSQL (issue 22), the first
step of `movement_apply`: the batch goes into the temp table `mv_stage` (COPY from the
API's parsed rows, or from the file channel's CSV), and one statement resolves SKU,
warehouse, counterpart and unit by join, with the exact conversion to the base unit by the
stored conversions (never rounded: a row that does not convert exactly is a row error, its
message made by `inventory.services.uom` so that both paths say the same) and the first
rule each row breaks. The work tables of the whole apply are dropped here too.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from integrations.errors import DomainError
from inventory.models import (
    InventoryMovement,
    Item,
    LivePosition,
    MovementStream,
    UnitOfMeasure,
    UomConversion,
    Warehouse,
)
from inventory.services.uom import conversion_ratios_to_base, convert_quantity

Kind = InventoryMovement.Kind
MOVEMENT = InventoryMovement._meta.db_table
STREAM = MovementStream._meta.db_table
POSITION = LivePosition._meta.db_table
WAREHOUSE = Warehouse._meta.db_table
SOURCE_REGEX = "^(erp|wms:[A-Za-z0-9_.-]{1,36})$"


def source_ok_sql(cell: str) -> str:
    """SQL true exactly when `cell` matches `SOURCE_REGEX`, written as an unbounded
    pattern plus a length: PostgreSQL's regex engine runs the bounded `{1,36}` ~4× slower
    (2.0 of a million-row file's seconds, measured), and 'wms:' + 1..36 characters is
    'wms:' + 1 or more with at most 40 in all ('erp' is 3)."""
    return f"({cell} ~ '^(erp|wms:[A-Za-z0-9_.-]+)$' AND length({cell}) <= 40)"


MAX_BASE_QUANTITY = 10**12
STAGE_COLUMNS = (
    "row_no",
    "source",
    "source_event_id",
    "sequence",
    "kind",
    "occurred_at",
    "recorded_at",
    "sku",
    "warehouse",
    "quantity",
    "uom",
    "reason",
    "transfer_ref",
    "counterpart_warehouse",
    "asn_line_ref",
    "document_ref",
)
WORK_TABLES = (
    "mv_stage",
    "mv_resolved",
    "mv_repeats",
    "mv_keys",
    "mv_seq",
    "mv_apply",
    "mv_effects",
)


@dataclass
class StagedResult:
    """What the apply did, by row number of the stage (the caller's numbering)."""

    recorded: int = 0
    duplicates: int = 0
    applied: int = 0
    held: int = 0
    before_snapshot: int = 0
    errors: list[tuple[int, str, str]] | None = None  # (row_no, field, message)


def stage_create(cursor: CursorWrapper) -> None:
    """The empty batch table; the caller fills it (COPY) and calls `staged_apply`."""
    staged_drop(cursor)
    cursor.execute(
        """CREATE TEMP TABLE mv_stage (
            row_no bigint NOT NULL, source text NOT NULL, source_event_id text NOT NULL,
            sequence bigint NOT NULL, kind text NOT NULL,
            occurred_at timestamptz, -- NULL: the sender's time had no offset
            recorded_at timestamptz, sku text NOT NULL, warehouse text NOT NULL,
            quantity numeric NOT NULL, uom text NOT NULL, reason text NOT NULL,
            transfer_ref text NOT NULL, counterpart_warehouse text NOT NULL,
            asn_line_ref text NOT NULL, document_ref text NOT NULL
        ) ON COMMIT DROP"""
    )


def stage_rows(cursor: CursorWrapper, rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY rows (in `STAGE_COLUMNS` order) into the batch table."""
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(f"COPY mv_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# The first rule a row breaks, in the order `movements._check` tests them.
PROBLEMS: dict[str, tuple[str, str]] = {
    "source": ("source", "The source is 'erp' or 'wms:<warehouse system>', e.g. wms:DC1."),
    "source_event_id": ("source_event_id", "The source event id is 1 to 100 characters."),
    "sequence": ("sequence", "The sequence number starts at 1."),
    "kind": ("kind", f"The kind is one of {', '.join(sorted(Kind.values))}."),
    "occurred_at": (
        "occurred_at",
        "The time must carry its offset (e.g. 2026-03-20T14:02:00Z).",
    ),
    "nan": ("quantity", "The quantity is not a number."),
    "adjustment_zero": ("quantity", "An adjustment is a signed quantity other than zero."),
    "reason": ("reason", "An adjustment needs a reason."),
    "count_negative": ("quantity", "A cycle count is zero or more."),
    "not_positive": ("quantity", "The quantity is more than zero (the kind says the direction)."),
    "transfer_ref": ("transfer_ref", "A transfer needs its transfer reference."),
    "counterpart_warehouse": (
        "counterpart_warehouse",
        "A transfer names the warehouse at its other end.",
    ),
    "sku": ("sku", "No item has this SKU."),
    "warehouse": ("warehouse", "No warehouse has this code."),
    "uom": ("uom", "No unit of measure has this code."),
    "too_large": ("quantity", "The quantity is too large in the base unit."),
}


def resolve_sql(rows: str = "mv_stage", *, source_checked: bool = False) -> str:
    """The SELECT that resolves the batch rows of `rows` (a table or a parenthesised
    query with the `STAGE_COLUMNS`, in that order) into `mv_resolved`'s columns;
    `source_checked` when every row's source is known to keep the contract (its check is
    the dearest of the row's rules)."""
    item, warehouse = Item._meta.db_table, Warehouse._meta.db_table
    unit, conv = UnitOfMeasure._meta.db_table, UomConversion._meta.db_table
    kinds = ", ".join(f"'{kind}'" for kind in Kind.values)
    transfers = f"('{Kind.TRANSFER_OUT}', '{Kind.TRANSFER_IN}')"
    source_ok = "true" if source_checked else source_ok_sql("q.source")
    # Item-specific before global, either direction of a stored pair (1 from = factor ×
    # to), as `uom._factor_in` picks them; q × num / den is exact with `places` decimals
    # iff q·num·10^places is a multiple of den (numeric arithmetic is exact).
    return f"""
    SELECT q.*, CASE
            WHEN NOT {source_ok} THEN 'source'
            WHEN q.source_event_id = '' OR length(q.source_event_id) > 100
                THEN 'source_event_id'
            WHEN q.sequence < 1 THEN 'sequence'
            WHEN q.kind NOT IN ({kinds}) THEN 'kind'
            WHEN q.occurred_at IS NULL THEN 'occurred_at'
            WHEN q.quantity IN ('NaN', 'Infinity', '-Infinity') THEN 'nan'
            WHEN q.kind = 'adjustment' AND q.quantity = 0 THEN 'adjustment_zero'
            WHEN q.kind = 'adjustment' AND q.reason = '' THEN 'reason'
            WHEN q.kind = 'cycle_count' AND q.quantity < 0 THEN 'count_negative'
            WHEN q.kind NOT IN ('adjustment', 'cycle_count') AND q.quantity <= 0
                THEN 'not_positive'
            WHEN q.kind IN {transfers} AND q.transfer_ref = '' THEN 'transfer_ref'
            WHEN q.kind IN {transfers} AND q.counterpart_id IS NULL
                THEN 'counterpart_warehouse'
            WHEN q.item_id IS NULL THEN 'sku'
            WHEN q.warehouse_id IS NULL THEN 'warehouse'
            WHEN q.uom_id IS NULL THEN 'uom'
            WHEN q.is_base AND round(q.quantity, q.places) <> q.quantity THEN 'convert'
            WHEN NOT q.is_base AND q.num IS NULL THEN 'convert'
            WHEN NOT q.is_base
                 AND mod(q.quantity * q.num * power(10::numeric, q.places), q.den) <> 0
                THEN 'convert'
            WHEN abs(q.base_quantity) >= {MAX_BASE_QUANTITY} THEN 'too_large'
        END AS problem
        FROM (
            SELECT c.*, CASE WHEN c.is_base THEN c.quantity
                             ELSE round(c.quantity * c.num / c.den, c.places) END
                        AS base_quantity
            FROM (
                SELECT s.*, i.id AS item_id, w.id AS warehouse_id, cw.id AS counterpart_id,
                       u.id AS uom_id, bu.decimal_places AS places,
                       u.id = i.base_uom_id AS is_base,
                       CASE WHEN cif.factor IS NOT NULL THEN cif.factor
                            WHEN cir.factor IS NOT NULL THEN 1
                            WHEN cgf.factor IS NOT NULL THEN cgf.factor
                            WHEN cgr.factor IS NOT NULL THEN 1 END AS num,
                       CASE WHEN cif.factor IS NOT NULL THEN 1
                            WHEN cir.factor IS NOT NULL THEN cir.factor
                            WHEN cgf.factor IS NOT NULL THEN 1
                            WHEN cgr.factor IS NOT NULL THEN cgr.factor END AS den
                FROM {rows} s
                LEFT JOIN {item} i ON i.sku = s.sku
                LEFT JOIN {unit} bu ON bu.id = i.base_uom_id
                LEFT JOIN {unit} u ON u.code = s.uom
                LEFT JOIN {warehouse} w ON w.code = s.warehouse
                LEFT JOIN {warehouse} cw ON cw.code = s.counterpart_warehouse
                LEFT JOIN {conv} cif ON u.id <> i.base_uom_id AND cif.item_id = i.id
                     AND cif.from_uom_id = u.id AND cif.to_uom_id = i.base_uom_id
                LEFT JOIN {conv} cir ON u.id <> i.base_uom_id AND cir.item_id = i.id
                     AND cir.to_uom_id = u.id AND cir.from_uom_id = i.base_uom_id
                LEFT JOIN {conv} cgf ON u.id <> i.base_uom_id AND cgf.item_id IS NULL
                     AND cgf.from_uom_id = u.id AND cgf.to_uom_id = i.base_uom_id
                LEFT JOIN {conv} cgr ON u.id <> i.base_uom_id AND cgr.item_id IS NULL
                     AND cgr.to_uom_id = u.id AND cgr.from_uom_id = i.base_uom_id
                OFFSET 0
            ) c
            OFFSET 0
        ) q"""


def resolve_from(cursor: CursorWrapper, rows: str, params: dict[str, str]) -> int:
    """Resolve the rows a query selects (the `STAGE_COLUMNS`, in order; every source
    checked against `SOURCE_REGEX` by the query) straight into `mv_resolved`, before
    `staged_apply(resolved=True)` adds what `mv_stage` holds: the file channel's rows its
    SQL contract check proves clean are cast and resolved in one statement, not written
    to a typed batch table only to be read again. How many."""
    sql = resolve_sql(rows, source_checked=True)
    cursor.execute(f"CREATE TEMP TABLE mv_resolved ON COMMIT DROP AS {sql}", params)
    resolved: int = cursor.rowcount
    return resolved


def conversion_messages(rows: list[tuple[int, str, str, Decimal]]) -> dict[int, str]:
    """row_no → what `convert_quantity` says about the rows SQL found inexact or without
    a conversion: the same words as every other quantity entry of the portal."""
    items = {
        i.sku: i
        for i in Item.objects.select_related("base_uom").filter(sku__in={r[1] for r in rows})
    }
    units = {u.code: u for u in UnitOfMeasure.objects.filter(code__in={r[2] for r in rows})}
    ratios = conversion_ratios_to_base({(items[r[1]], units[r[2]]) for r in rows})
    messages: dict[int, str] = {}
    for row_no, sku, code, quantity in rows:
        item, unit = items[sku], units[code]
        ratio = ratios[(item.pk, unit.pk)]
        try:
            if isinstance(ratio, DomainError):
                raise ratio
            convert_quantity(quantity=quantity, from_uom=unit, to_uom=item.base_uom, ratio=ratio)
            messages[row_no] = f"{quantity.normalize():f} {code} does not convert exactly."
        except DomainError as error:
            messages[row_no] = error.message
    return messages


def staged_drop(cursor: CursorWrapper) -> None:
    """Drop the work tables now (a caller may ingest again in the same transaction)."""
    # The views first, before the tables they read (`mv_effects` reads `mv_apply`);
    # those two are views or tables (see `_positions`).
    cursor.execute(
        "SELECT relname, relkind FROM pg_class WHERE relpersistence = 't' "
        "AND pg_table_is_visible(oid) AND relname = ANY(%s) "
        "ORDER BY relkind = 'r', relname DESC",
        [["mv_new", *WORK_TABLES, "mv_streams"]],
    )
    for name, kind in cursor.fetchall():
        cursor.execute(f"DROP {'VIEW' if kind == 'v' else 'TABLE'} {name}")


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"
