"""Set-based snapshot ingest (DESIGN §6): a stock file from the ERP or the WMS goes into a
staging table in one COPY (PostgreSQL) or batched inserts (SQLite), and every
check and mapping after that is SQL over the whole set — SKU and unit by joins, exact
conversion to the item's base unit, negative quantities — never a Python loop per row.

The file is CSV with a header naming the columns `sku`, `uom` and `quantity` (any order).
Bad rows do not stop the load: they are reported with their line numbers and kinds, and
the good rows are stored. The staging table is an unlogged table named after the snapshot,
created and dropped in the ingest's transaction, so concurrent ingests never meet.
"""

import contextlib
import csv
import datetime
import hashlib
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psycopg
from django.db import DataError, IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record
from inventory.models import (
    InventorySnapshot,
    InventorySnapshotLine,
    Item,
    UnitOfMeasure,
    UomConversion,
    Warehouse,
    snapshot_lines_partition,
)
from portal.access import Actor, actor_user

COLUMNS = {"sku": "sku", "uom": "uom", "quantity": "qty"}
ERROR_LIMIT = 1000  # rows kept on the snapshot; counts by kind are always complete
_NUMBER = r"^ *-?[0-9]+(\.[0-9]+)? *$"
# Quantities are numeric(18, 6): twelve integer digits. The fast path takes whole numbers
# of up to twelve digits; anything longer is checked in full and reported if too large.
_LIMIT = 10**12
_WHOLE = "^[0-9]{1,12}$"
_SIGNED_WHOLE = "^-?[0-9]{1,12}$"

ERROR_MESSAGES = {
    "invalid_quantity": "The quantity is not a number.",
    "unknown_sku": "No item has this SKU.",
    "unknown_uom": "No unit of measure has this code.",
    "no_conversion": "There is no conversion from this unit to the item's base unit.",
    "inexact_conversion": "The quantity does not convert exactly into the item's base unit.",
    "negative_quantity": "Negative quantities are not allowed from this source.",
    "quantity_too_large": "The quantity is too large (at most 999,999,999,999 in the base unit).",
    "duplicate_sku": "The SKU appears on another line of the file; only one of them counts.",
}


@dataclass(frozen=True)
class IngestResult:
    snapshot: InventorySnapshot
    rows_total: int
    rows_loaded: int
    error_counts: dict[str, int]


@contextlib.contextmanager
def _unreadable_file_is_a_domain_error() -> Iterator[None]:
    """A file that is not UTF-8 CSV (bad bytes, a NUL, an unterminated quote) fails in the
    decoder, the csv module or COPY; that is the sender's file, not our bug, so every
    channel gets the same clear error instead of a crash."""
    try:
        yield
    except (UnicodeDecodeError, csv.Error, DataError, psycopg.DataError) as error:
        raise DomainError(
            f"The file is not a readable UTF-8 CSV ({str(error).splitlines()[0]}). "
            "Save it as CSV UTF-8 with the columns sku, uom and quantity.",
            field="file",
            code="unreadable_file",
        ) from error


def _checksum(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(1 << 20):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def _header(stream: IO[bytes]) -> list[str]:
    first = stream.readline().decode("utf-8-sig").strip()
    stream.seek(0)
    names = [name.strip().lower() for name in next(csv.reader([first]), [])]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        raise DomainError(
            "The first line must name the columns sku, uom and quantity "
            f"(found: {', '.join(names) or 'nothing'}).",
            field="file",
            line=1,
        )
    return [COLUMNS[name] for name in names]


def _stage_postgresql(
    cursor: CursorWrapper, stream: IO[bytes], columns: list[str], table: str
) -> int:
    # An UNLOGGED table of its own (named after the snapshot, so concurrent ingests never
    # meet), created and dropped inside the ingest's transaction: it goes through shared
    # buffers without WAL, where a temp table would spill its million rows to the
    # backend's small local buffers. line_no counts from 2: line 1 is the header; its
    # sequence hands out numbers in cached blocks rather than one locked call per row.
    # The raw bytes go straight to COPY. Returns the number of rows.
    cursor.execute(
        f"CREATE UNLOGGED TABLE {table} (line_no bigint GENERATED ALWAYS AS IDENTITY "
        "(START WITH 2 CACHE 100000), sku text, uom text, qty text)"
    )
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
    with raw.copy(sql) as copy:
        while chunk := stream.read(1 << 20):
            copy.write(chunk)
    # No ANALYZE: estimating from the pages COPY just wrote already gives the hash joins
    # below, and sampling the table cost a third of the COPY.
    rows: int = raw.rowcount
    return rows


def _stage_sqlite(cursor: CursorWrapper, stream: IO[bytes], columns: list[str], table: str) -> None:
    # SQLite is the embedded demo: no COPY, so batched executemany is its bulk load.
    cursor.execute(f"CREATE TEMP TABLE {table} (line_no integer, sku text, uom text, qty text)")
    reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""), strict=True)
    next(reader, None)
    sql = f"INSERT INTO {table} (line_no, {', '.join(columns)}) VALUES (%s, %s, %s, %s)"
    batch: list[tuple[Any, ...]] = []
    for row in reader:
        if any("\x00" in value for value in row):
            # PostgreSQL's COPY refuses a NUL in text; refuse it here too, so a file is
            # judged the same on either database.
            raise csv.Error(f"line {reader.line_num} contains a NUL character")
        batch.append((reader.line_num, *[*row, "", "", ""][:3]))
        if len(batch) >= 5000:
            cursor.executemany(sql, batch)
            batch.clear()
    if batch:
        cursor.executemany(sql, batch)


def _conversion_sql() -> tuple[str, str, str]:
    """(joins, num, den): the factor from the row's unit to the item's base unit.

    Item-specific before global, either direction of a stored pair (1 from = factor ×
    to). Only the rows off the fast path get here (a few percent), so four small hash
    joins on the conversion table are cheap.
    """
    conv = UomConversion._meta.db_table
    joins = f"""
        LEFT JOIN {conv} AS cif ON cif.item_id = i.id AND cif.from_uom_id = u.id
             AND cif.to_uom_id = i.base_uom_id
        LEFT JOIN {conv} AS cir ON cir.item_id = i.id AND cir.to_uom_id = u.id
             AND cir.from_uom_id = i.base_uom_id
        LEFT JOIN {conv} AS cgf ON cgf.item_id IS NULL AND cgf.from_uom_id = u.id
             AND cgf.to_uom_id = i.base_uom_id
        LEFT JOIN {conv} AS cgr ON cgr.item_id IS NULL AND cgr.to_uom_id = u.id
             AND cgr.from_uom_id = i.base_uom_id"""
    num = """CASE WHEN cif.factor IS NOT NULL THEN cif.factor WHEN cir.factor IS NOT NULL THEN 1
                  WHEN cgf.factor IS NOT NULL THEN cgf.factor WHEN cgr.factor IS NOT NULL THEN 1
             END"""
    den = """CASE WHEN cif.factor IS NOT NULL THEN 1 WHEN cir.factor IS NOT NULL THEN cir.factor
                  WHEN cgf.factor IS NOT NULL THEN 1 WHEN cgr.factor IS NOT NULL THEN cgr.factor
             END"""
    return joins, num, den


def _resolve_sql(*, table: str, allow_negative: bool) -> tuple[str, list[Any]]:
    """The one pass that maps every staged row to an item and a base-unit quantity, or to
    the kind of error that stops it. Rows already in the item's base unit (nearly all)
    only get a scale check; the others are converted and must come out exact."""
    item, uom = Item._meta.db_table, UnitOfMeasure._meta.db_table
    pg = connection.vendor == "postgresql"
    matches = "s.qty ~ %s" if pg else "s.qty REGEXP %s"
    number = "CAST(trim(s.qty) AS numeric)" if pg else "CAST(trim(s.qty) AS REAL)"
    if pg:
        # Exact: q × num / den has at most `places` decimals iff q·num·10^places is a
        # multiple of den (numeric arithmetic is exact in PostgreSQL).
        exact = "mod(q.q * q.num * power(10::numeric, q.places), q.den) = 0"
        fence = "OFFSET 0"  # compute the inner columns once per row, not per reference
    else:
        scaled = "(q.q * q.num / q.den * power(10, q.places))"
        exact = f"abs({scaled} - round({scaled})) < 1e-9"
        fence = ""
    negative = "" if allow_negative else "WHEN q.q < 0 THEN 'negative_quantity'"
    joins, num, den = _conversion_sql()
    return (
        f"""
        SELECT r.line_no, r.item_id,
               CASE WHEN r.kind IS NULL THEN
                    CASE WHEN r.is_base THEN r.q ELSE round(r.q * r.num / r.den, r.places) END
               END AS quantity,
               r.kind
        FROM (
            SELECT q.*, CASE
                   WHEN q.q IS NULL THEN 'invalid_quantity'
                   WHEN q.item_id IS NULL THEN 'unknown_sku'
                   WHEN q.uom_id IS NULL THEN 'unknown_uom'
                   WHEN q.is_base AND round(q.q, q.places) <> q.q THEN 'inexact_conversion'
                   WHEN NOT q.is_base AND q.num IS NULL THEN 'no_conversion'
                   WHEN NOT q.is_base AND NOT ({exact}) THEN 'inexact_conversion'
                   WHEN abs(q.q * COALESCE(q.num, 1) / COALESCE(q.den, 1)) >= {_LIMIT}
                        THEN 'quantity_too_large'
                   {negative}
                   END AS kind
            FROM (
                SELECT s.line_no, i.id AS item_id, u.id AS uom_id,
                       bu.decimal_places AS places, u.id = i.base_uom_id AS is_base,
                       CASE WHEN {matches} THEN {number} END AS q,
                       {num} AS num, {den} AS den
                FROM {table} AS s
                LEFT JOIN {item} AS i ON i.sku = trim(s.sku)
                LEFT JOIN {uom} AS bu ON bu.id = i.base_uom_id
                LEFT JOIN {uom} AS u ON u.code = upper(trim(s.uom))
                {joins}
                {fence}
            ) AS q
            {fence}
        ) AS r
    """,
        [_NUMBER],
    )


_WORK_TABLES = (
    "snapshot_rejects",
    "snapshot_resolved",
    "snapshot_errors",
    "snapshot_loaded",
    "snapshot_duplicates",
    "snapshot_ranked",
)


def _drop_work_tables(cursor: CursorWrapper) -> None:
    # Leftovers of an ingest that failed earlier on this connection inside a caller's
    # transaction that went on.
    for table in _WORK_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _resolve_rejects(
    cursor: CursorWrapper, *, staging: str, loaded_table: str, allow_negative: bool
) -> None:
    """Pass 2, for the staged rows the fast path did not load (an anti-join on the line
    number): padded codes, other units, decimals and the bad rows, resolved in full into
    `snapshot_resolved` — a few percent of a usual file."""
    cursor.execute(
        f"""CREATE TEMP TABLE snapshot_rejects AS SELECT s.* FROM {staging} AS s
        WHERE NOT EXISTS (SELECT 1 FROM {loaded_table} AS l WHERE l.line_no = s.line_no)"""
    )
    resolve, params = _resolve_sql(table="snapshot_rejects", allow_negative=allow_negative)
    if connection.vendor == "postgresql":
        # A few thousand rows against a million items: index lookups, not a hash of the
        # whole item table (the planner, without statistics on the new table, hashes).
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
    cursor.execute(f"CREATE TEMP TABLE snapshot_resolved AS {resolve}", params)
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL enable_hashjoin = on")
        cursor.execute("SET LOCAL enable_mergejoin = on")


def _load_postgresql(
    cursor: CursorWrapper,
    *,
    stream: IO[bytes],
    columns: list[str],
    snapshot_id: int,
    allow_negative: bool,
) -> tuple[int, int]:
    """COPY into staging, then build the snapshot's own partition of the lines table in
    bulk and attach it (see `snapshot_lines_partition`). Leaves `snapshot_errors`;
    returns (rows in the file, rows loaded)."""
    staging = f"inventory_snapshot_staging_{int(snapshot_id)}"
    part = snapshot_lines_partition(snapshot_id)
    parent = InventorySnapshotLine._meta.db_table
    _drop_work_tables(cursor)
    with _unreadable_file_is_a_domain_error():
        total = _stage_postgresql(cursor, stream, columns, staging)
    # An analytical statement over a million rows: enough memory to hash the item table,
    # and no JIT (its compile time costs more than it saves here).
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # the primary key's sort
    cursor.execute("SET LOCAL jit = off")
    # Pass 1, the fast path for the usual row: exact SKU, the item's base unit code, a
    # whole number. CREATE TABLE AS writes in bulk (and may join in parallel), where an
    # INSERT into the shared table maintained its index one row at a time.
    # A plain pattern and a length test: the bounded pattern {1,12} doubled the scan.
    whole = "^-?[0-9]+$" if allow_negative else "^[0-9]+$"
    cursor.execute(f"DROP TABLE IF EXISTS {part}")  # an empty leftover of a flushed test DB
    cursor.execute(
        f"""CREATE TABLE {part} AS
        SELECT CAST({int(snapshot_id)} AS bigint) AS snapshot_id, i.id AS item_id,
               CAST(s.qty AS numeric(18, 6)) AS quantity, CAST(s.line_no AS integer) AS line_no
        FROM {staging} AS s
        JOIN {Item._meta.db_table} AS i ON i.sku = s.sku
        JOIN {UnitOfMeasure._meta.db_table} AS bu ON bu.id = i.base_uom_id AND bu.code = s.uom
        WHERE s.qty ~ '{whole}' AND length(s.qty) <= 12"""
    )
    if cursor.rowcount < total:
        _resolve_rejects(cursor, staging=staging, loaded_table=part, allow_negative=allow_negative)
    else:  # every row took the fast path: nothing to anti-join
        cursor.execute(
            f"CREATE TEMP TABLE snapshot_rejects AS SELECT * FROM {staging} WITH NO DATA"
        )
        cursor.execute(
            "CREATE TEMP TABLE snapshot_resolved (line_no bigint, item_id bigint, "
            "quantity numeric, kind text)"
        )
    cursor.execute(
        f"""INSERT INTO {part} (snapshot_id, item_id, quantity, line_no)
        SELECT {int(snapshot_id)}, item_id, quantity, line_no FROM snapshot_resolved
        WHERE kind IS NULL"""
    )
    # A partition is attached only with every NOT NULL and CHECK of the parent, under the
    # same names; the CHECK on snapshot_id spares ATTACH its own scan of the rows.
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'c' ORDER BY conname",
        [parent],
    )
    checks = [f'ADD CONSTRAINT "{name}" {definition}' for name, definition in cursor.fetchall()]
    not_null = [
        f"ALTER COLUMN {column} SET NOT NULL"
        for column in ("snapshot_id", "item_id", "quantity", "line_no")
    ]
    cursor.execute(
        f"ALTER TABLE {part} {', '.join(not_null + checks)}, "
        f"ADD CONSTRAINT {part}_snapshot CHECK (snapshot_id = {int(snapshot_id)})"
    )
    # The primary key is built in one sort. It fails only when a SKU is on two lines of
    # the file: then the first line counts, the others are reported, and it is built again.
    duplicates = False
    try:
        with transaction.atomic():
            cursor.execute(f"ALTER TABLE {part} ADD PRIMARY KEY (snapshot_id, item_id)")
    except IntegrityError:
        duplicates = True
        cursor.execute(
            f"""CREATE TEMP TABLE snapshot_duplicates AS
            WITH gone AS (
                DELETE FROM {part} AS p USING {part} AS q
                WHERE p.item_id = q.item_id AND p.line_no > q.line_no RETURNING p.line_no
            ) SELECT DISTINCT line_no FROM gone"""
        )
        cursor.execute(f"ALTER TABLE {part} ADD PRIMARY KEY (snapshot_id, item_id)")
    cursor.execute(
        f"ALTER TABLE {parent} ATTACH PARTITION {part} FOR VALUES IN ({int(snapshot_id)})"
    )
    cursor.execute(f"SELECT COUNT(*) FROM {part}")
    (loaded,) = cursor.fetchone()
    errors_sql = """
        SELECT r.line_no, r.kind, s.sku, s.uom, s.qty
        FROM snapshot_resolved AS r JOIN snapshot_rejects AS s ON s.line_no = r.line_no
        WHERE r.kind IS NOT NULL"""
    if duplicates:
        errors_sql += f"""
        UNION ALL
        SELECT s.line_no, 'duplicate_sku', s.sku, s.uom, s.qty
        FROM snapshot_duplicates AS d JOIN {staging} AS s ON s.line_no = d.line_no"""
    cursor.execute(f"CREATE TEMP TABLE snapshot_errors AS {errors_sql}")
    if duplicates:
        cursor.execute("DROP TABLE snapshot_duplicates")
    cursor.execute(f"DROP TABLE {staging}")
    return total, loaded


def _load_sqlite(
    cursor: CursorWrapper,
    *,
    stream: IO[bytes],
    columns: list[str],
    snapshot_id: int,
    allow_negative: bool,
) -> tuple[int, int]:
    """The embedded demo's path: one lines table, the same two passes, and the first line
    of a SKU kept as on PostgreSQL. Leaves `snapshot_errors`; returns (rows in the file,
    rows loaded)."""
    staging = f"inventory_snapshot_staging_{int(snapshot_id)}"
    lines_table = InventorySnapshotLine._meta.db_table
    _drop_work_tables(cursor)
    with _unreadable_file_is_a_domain_error():
        _stage_sqlite(cursor, stream, columns, staging)
    cursor.execute(
        f"""CREATE TEMP TABLE snapshot_loaded AS
        SELECT i.id AS item_id, CAST(s.qty AS INTEGER) AS quantity, s.line_no
        FROM {staging} AS s
        JOIN {Item._meta.db_table} AS i ON i.sku = s.sku
        JOIN {UnitOfMeasure._meta.db_table} AS bu ON bu.id = i.base_uom_id AND bu.code = s.uom
        WHERE s.qty REGEXP %s""",
        [_SIGNED_WHOLE if allow_negative else _WHOLE],
    )
    _resolve_rejects(
        cursor, staging=staging, loaded_table="snapshot_loaded", allow_negative=allow_negative
    )
    cursor.execute(
        """CREATE TEMP TABLE snapshot_ranked AS
        SELECT item_id, quantity, line_no,
               ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY line_no) AS rank
        FROM (SELECT item_id, quantity, line_no FROM snapshot_loaded
              UNION ALL
              SELECT item_id, quantity, line_no FROM snapshot_resolved WHERE kind IS NULL)"""
    )
    cursor.execute(
        f"""INSERT INTO {lines_table} (snapshot_id, item_id, quantity, line_no)
        SELECT {int(snapshot_id)}, item_id, quantity, line_no FROM snapshot_ranked
        WHERE rank = 1"""
    )
    loaded = cursor.rowcount
    cursor.execute(f"SELECT COUNT(*) FROM {staging}")
    (total,) = cursor.fetchone()
    cursor.execute(
        f"""CREATE TEMP TABLE snapshot_errors AS
        SELECT r.line_no, r.kind, s.sku, s.uom, s.qty
        FROM snapshot_resolved AS r JOIN snapshot_rejects AS s ON s.line_no = r.line_no
        WHERE r.kind IS NOT NULL
        UNION ALL
        SELECT s.line_no, 'duplicate_sku', s.sku, s.uom, s.qty
        FROM snapshot_ranked AS d JOIN {staging} AS s ON s.line_no = d.line_no
        WHERE d.rank > 1"""
    )
    for table in ("snapshot_loaded", "snapshot_ranked", staging):
        cursor.execute(f"DROP TABLE {table}")
    return total, loaded


def snapshot_ingest(
    *,
    actor: Actor,
    stream: IO[bytes],
    source: str,
    warehouse: Warehouse,
    taken_at: datetime.datetime | None = None,
    file_name: str = "",
    allow_negative: bool | None = None,
    channel: str = Channel.CSV,
) -> IngestResult:
    """Ingest one stock file as a snapshot of `source` for `warehouse`, set-based.

    The same source × warehouse × time twice, or without a time the same file (SHA-256)
    as the latest snapshot, is refused with a DomainError: counting a snapshot twice would
    be worse than refusing it. Negative
    quantities are allowed from the ERP (the book can go negative: reconciliation reports
    it) and refused from the WMS (a physical count cannot be), unless `allow_negative`
    says otherwise.
    """
    if source not in InventorySnapshot.Source.values:
        raise DomainError(f"Source must be erp or wms, not {source!r}.", field="source")
    if allow_negative is None:
        allow_negative = source == InventorySnapshot.Source.ERP
    started = time.monotonic()
    checksum = _checksum(stream)
    with _unreadable_file_is_a_domain_error():
        columns = _header(stream)
    snapshots = InventorySnapshot.objects.filter(source=source, warehouse=warehouse)
    if taken_at is None:
        # No time given (a file dropped in a folder): the same bytes as the latest
        # snapshot are a re-send, not a new count. With a time, identical contents on
        # another day are legitimate (nothing moved), and the time decides.
        latest = snapshots.order_by("-taken_at", "-id").first()
        existing = latest if latest is not None and latest.checksum == checksum else None
        taken_at = timezone.now()
    else:
        existing = snapshots.filter(taken_at=taken_at).first()
    if existing is not None:
        raise DomainError(
            f"This snapshot was already ingested as #{existing.pk} ({existing}); "
            "it is not counted twice.",
            field="file",
            code="duplicate_snapshot",
        )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            snapshot = InventorySnapshot.objects.create(
                source=source,
                warehouse=warehouse,
                taken_at=taken_at,
                file_name=file_name[:255],
                checksum=checksum,
                created_by=actor_user(actor),
            )
            load = _load_postgresql if connection.vendor == "postgresql" else _load_sqlite
            total, loaded = load(
                cursor,
                stream=stream,
                columns=columns,
                snapshot_id=snapshot.pk,
                allow_negative=allow_negative,
            )
            cursor.execute("SELECT kind, COUNT(*) FROM snapshot_errors GROUP BY kind")
            error_counts = dict(cursor.fetchall())
            cursor.execute(
                "SELECT line_no, kind, sku, uom, qty FROM snapshot_errors "
                f"ORDER BY line_no LIMIT {ERROR_LIMIT}"
            )
            errors = [
                {
                    "line": line_no,
                    "kind": kind,
                    "sku": sku,
                    "uom": uom,
                    "quantity": qty,
                    "message": ERROR_MESSAGES[kind],
                }
                for line_no, kind, sku, uom, qty in cursor.fetchall()
            ]
            # Dropped now rather than at commit: a caller's outer transaction (or a
            # test) may ingest again on this connection before committing.
            for table in ("snapshot_errors", "snapshot_resolved", "snapshot_rejects"):
                cursor.execute(f"DROP TABLE {table}")
            rejected = sum(error_counts.values())
            snapshot.rows_total = total
            snapshot.rows_loaded = loaded
            snapshot.rows_rejected = rejected
            snapshot.error_counts = error_counts
            snapshot.errors = errors
            snapshot.status = (
                InventorySnapshot.Status.LOADED
                if not rejected
                else InventorySnapshot.Status.LOADED_WITH_ERRORS
                if loaded
                else InventorySnapshot.Status.FAILED
            )
            snapshot.duration_ms = int((time.monotonic() - started) * 1000)
            snapshot.save()
            audit_record(
                actor=actor,
                channel=channel,
                obj=snapshot,
                action="ingested",
                after={
                    "rows_total": total,
                    "rows_loaded": loaded,
                    "rows_rejected": rejected,
                    "error_counts": error_counts,
                },
            )
    except IntegrityError as error:  # a concurrent ingest of the same file won the race
        raise DomainError(
            "This snapshot is being ingested or was already ingested; it is not counted twice.",
            field="file",
            code="duplicate_snapshot",
        ) from error
    return IngestResult(
        snapshot=snapshot, rows_total=total, rows_loaded=loaded, error_counts=error_counts
    )


def snapshot_ingest_file(*, actor: Actor, path: str | Path, **kwargs: Any) -> IngestResult:
    path = Path(path)
    with path.open("rb") as stream:
        return snapshot_ingest(actor=actor, stream=stream, file_name=path.name, **kwargs)


def error_report_csv(snapshot: InventorySnapshot) -> str:
    """The kept error rows as CSV: line, kind, sku, uom, quantity, message."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "kind", "sku", "uom", "quantity", "message"])
    for error in snapshot.errors:
        writer.writerow(
            [
                error["line"],
                error["kind"],
                error["sku"],
                error["uom"],
                error["quantity"],
                error["message"],
            ]
        )
    return out.getvalue()
