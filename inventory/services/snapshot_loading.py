"""The set-based load of one snapshot file (DESIGN §6), for `inventory.services.snapshots`:
staging (COPY on PostgreSQL, batched inserts on SQLite), the one pass that maps rows to
items and base-unit quantities, duplicates, and the lines table. Each loader leaves the
temp table `snapshot_errors` (line_no, kind, item_id, sku, uom, qty): the rows rejected
and the rows loaded but flagged (negative stock, an exact duplicate)."""

import contextlib
import csv
import io
from collections.abc import Iterator
from typing import IO, Any

import psycopg
from django.db import DataError, IntegrityError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils.translation import gettext

from integrations.errors import DomainError
from inventory.models import (
    InventorySnapshotLine,
    Item,
    UnitOfMeasure,
    UomConversion,
    snapshot_lines_partition,
)

_NUMBER = r"^ *-?[0-9]+(\.[0-9]+)? *$"
# Quantities are numeric(18, 6): twelve integer digits. The fast path takes whole numbers
# of up to twelve digits; anything longer is checked in full and reported if too large.
_LIMIT = 10**12
_WHOLE = "^[0-9]{1,12}$"
_SIGNED_WHOLE = "^-?[0-9]{1,12}$"
# Kinds of rows that are loaded and reported (the others are rejected).
NEGATIVE = "negative_stock"
DUPLICATE = "duplicate_row"
CONFLICT = "conflicting_duplicate"
FLAGGED = frozenset({NEGATIVE, DUPLICATE})


@contextlib.contextmanager
def unreadable_file_is_a_domain_error() -> Iterator[None]:
    """A file that is not UTF-8 CSV (bad bytes, a NUL, an unterminated quote) fails in the
    decoder, the csv module or COPY; that is the sender's file, not our bug, so every
    channel gets the same clear error instead of a crash."""
    try:
        yield
    except (UnicodeDecodeError, csv.Error, DataError, psycopg.DataError) as error:
        raise DomainError(
            gettext(
                "The file is not a readable UTF-8 CSV (%(error)s). "
                "Save it as CSV UTF-8 with the columns sku, uom and quantity."
            )
            % {"error": str(error).splitlines()[0]},
            field="file",
            code="unreadable_file",
        ) from error


def _stage_postgresql(
    cursor: CursorWrapper, stream: IO[bytes], columns: list[str], table: str, digest: Any
) -> int:
    # An UNLOGGED table of its own (named after the snapshot, so concurrent ingests never
    # meet), created and dropped inside the ingest's transaction: it goes through shared
    # buffers without WAL, where a temp table would spill its million rows to the
    # backend's small local buffers. line_no counts from 2: line 1 is the header; its
    # sequence hands out numbers in cached blocks rather than one locked call per row.
    # The raw bytes go straight to COPY, hashed on the way (`digest`): the file is read
    # once. Returns the number of rows.
    cursor.execute(
        f"CREATE UNLOGGED TABLE {table} (line_no bigint GENERATED ALWAYS AS IDENTITY "
        "(START WITH 2 CACHE 100000), sku text, uom text, qty text)"
    )
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
    with raw.copy(sql) as copy:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
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
    """SQLite's pass 2, for the staged rows the fast path did not load (an anti-join on
    the line number): padded codes, other units, decimals and the bad rows, resolved in
    full into `snapshot_resolved` — a few percent of a usual file."""
    cursor.execute(
        f"""CREATE TEMP TABLE snapshot_rejects AS SELECT s.* FROM {staging} AS s
        WHERE NOT EXISTS (SELECT 1 FROM {loaded_table} AS l WHERE l.line_no = s.line_no)"""
    )
    resolve, params = _resolve_sql(table="snapshot_rejects", allow_negative=allow_negative)
    cursor.execute(f"CREATE TEMP TABLE snapshot_resolved AS {resolve}", params)


def load_postgresql(
    cursor: CursorWrapper,
    *,
    stream: IO[bytes],
    columns: list[str],
    snapshot_id: int,
    allow_negative: bool,
    digest: Any,
) -> tuple[int, int]:
    """COPY into staging, then build the snapshot's own partition of the lines table in
    bulk and attach it (see `snapshot_lines_partition`). Feeds every byte of the file to
    `digest` (a hashlib object). Leaves `snapshot_errors`; returns (rows in the file,
    rows loaded)."""
    staging = f"inventory_snapshot_staging_{int(snapshot_id)}"
    part = snapshot_lines_partition(snapshot_id)
    parent = InventorySnapshotLine._meta.db_table
    _drop_work_tables(cursor)
    with unreadable_file_is_a_domain_error():
        total = _stage_postgresql(cursor, stream, columns, staging, digest)
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
    hash_items = _hash_items(cursor, total)  # a file about as long as the item table
    if hash_items:
        cursor.execute("SET LOCAL enable_nestloop = off")
    cursor.execute(
        f"""CREATE TABLE {part} AS
        SELECT CAST({int(snapshot_id)} AS bigint) AS snapshot_id, i.id AS item_id,
               CAST(s.qty AS numeric(18, 6)) AS quantity, CAST(s.line_no AS integer) AS line_no
        FROM {staging} AS s
        JOIN {Item._meta.db_table} AS i ON i.sku = s.sku
        JOIN {UnitOfMeasure._meta.db_table} AS bu ON bu.id = i.base_uom_id AND bu.code = s.uom
        WHERE s.qty ~ '{whole}' AND length(s.qty) <= 12"""
    )
    fast = cursor.rowcount
    if hash_items:
        cursor.execute("SET LOCAL enable_nestloop = on")
    if fast < total:
        _rejects_postgresql(cursor, staging=staging, part=part, last_line=total + 1)
        _resolve_postgresql(cursor, allow_negative=allow_negative)
    else:  # every row took the fast path: nothing to resolve
        cursor.execute(
            "CREATE TEMP TABLE snapshot_rejects (line_no bigint, sku text, uom text, "
            "qty text, fast boolean)"
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
    # Counted from the statements' own row counts: no COUNT(*) of the partition.
    loaded = fast + cursor.rowcount
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
    # the file: then the same figure twice (an exact duplicate) is kept once and reported;
    # different figures (a conflict) keep none of them: no line may win silently, and
    # reconciliation opens a master-data case instead of comparing the item.
    duplicates = False
    try:
        with transaction.atomic():
            cursor.execute(f"ALTER TABLE {part} ADD PRIMARY KEY (snapshot_id, item_id)")
    except IntegrityError:
        duplicates = True
        cursor.execute(
            f"""CREATE TEMP TABLE snapshot_duplicates AS
            SELECT p.line_no, p.item_id,
                   CASE WHEN d.figures = 1 THEN '{DUPLICATE}' ELSE '{CONFLICT}' END AS kind,
                   d.figures = 1 AND p.line_no = d.first_line AS keep
            FROM {part} AS p JOIN (
                SELECT item_id, MIN(line_no) AS first_line,
                       COUNT(DISTINCT quantity) AS figures
                FROM {part} GROUP BY item_id HAVING COUNT(*) > 1
            ) AS d ON d.item_id = p.item_id"""
        )
        cursor.execute(
            f"""DELETE FROM {part} AS p USING snapshot_duplicates AS d
            WHERE p.line_no = d.line_no AND NOT d.keep"""
        )
        loaded -= cursor.rowcount
        cursor.execute(f"ALTER TABLE {part} ADD PRIMARY KEY (snapshot_id, item_id)")
    cursor.execute(
        f"ALTER TABLE {parent} ATTACH PARTITION {part} FOR VALUES IN ({int(snapshot_id)})"
    )
    errors_sql = f"""
        SELECT r.line_no, r.kind, r.item_id, s.sku, s.uom, s.qty
        FROM snapshot_resolved AS r JOIN snapshot_rejects AS s ON s.line_no = r.line_no
        WHERE r.kind IS NOT NULL
        UNION ALL {_negative_sql(part) if fast == total else _flagged_negative_sql(duplicates)}"""
    if duplicates:
        errors_sql += f"""
        UNION ALL
        SELECT s.line_no, d.kind, d.item_id, s.sku, s.uom, s.qty
        FROM snapshot_duplicates AS d JOIN {staging} AS s ON s.line_no = d.line_no
        WHERE NOT d.keep"""
    cursor.execute(f"CREATE TEMP TABLE snapshot_errors AS {errors_sql}")
    if duplicates:
        cursor.execute("DROP TABLE snapshot_duplicates")
    cursor.execute(f"DROP TABLE {staging}")
    return total, loaded


def _hash_items(cursor: CursorWrapper, rows: int) -> bool:
    """Whether pass 1 should hash the item table rather than look each row's SKU up in its
    index: when the file has at least half as many rows as there are items. Against three
    million items (load 4), a file of one million rows took 2.6 s by index and 3.8 s by
    hash, one of three million 10.3 s by index and 8.3 s by hash. The planner cannot
    judge it: without statistics on the staging table (ANALYZE would cost a third of the
    COPY) it takes the number pattern to keep one row in 200, and always looks up. The
    item count is the table's statistics (kept by autovacuum); none yet, no hash."""
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [Item._meta.db_table])
    items: float = cursor.fetchone()[0]
    return 0 <= items <= 2 * rows


def _rejects_postgresql(cursor: CursorWrapper, *, staging: str, part: str, last_line: int) -> None:
    """Pass 2, into `snapshot_rejects`: the staged rows the fast path did not load (the
    rejects) and, in the same scan, the fast lines below zero (`fast` true), loaded but
    flagged — so the report needs no scan of the loaded lines.

    Which lines pass 1 loaded is read from a bitmap of line numbers: one aggregate over
    the partition into an array of 64-bit words (line n is bit n % 64 of word n / 64, the
    array's element n / 64 + 1), then one scan of the staging table testing each line's
    bit. An anti-join by line number built a hash of every loaded line instead (2.8
    million at three million rows: 1.7 s, growing faster than the file); the bitmap is
    one word per 64 lines (47,000 at three million). MATERIALIZED: the bit is tested in
    the select list and the filter, and the array must be built once, not per use."""
    cursor.execute(
        f"""CREATE TEMP TABLE snapshot_rejects AS
        WITH words AS (
            SELECT line_no >> 6 AS word, bit_or(1::bigint << (line_no & 63)) AS bits
            FROM {part} GROUP BY 1
        ), loaded AS MATERIALIZED (
            SELECT array_agg(COALESCE(w.bits, 0) ORDER BY n.word) AS bits
            FROM generate_series(0, {int(last_line)} >> 6) AS n (word)
            LEFT JOIN words AS w ON w.word = n.word
        )
        SELECT s.line_no, s.sku, s.uom, s.qty, f.fast
        FROM {staging} AS s, LATERAL (
            SELECT COALESCE((SELECT bits FROM loaded)[(s.line_no >> 6) + 1], 0)
                   & (1::bigint << CAST(s.line_no & 63 AS integer)) <> 0 AS fast
        ) AS f
        WHERE NOT f.fast OR s.qty LIKE '-%'"""
    )


def _flagged_negative_sql(duplicates: bool) -> str:
    """The lines below zero and still loaded, when pass 2 ran: the fast ones it saw (the
    SKU and unit as in the file, which the fast path matched exactly; the item by one
    index lookup of that SKU per negative line) and the resolved ones, each with the
    stored figure's text, less the lines a duplicate removed."""
    removed = (
        "AND n.line_no NOT IN (SELECT line_no FROM snapshot_duplicates WHERE NOT keep)"
        if duplicates
        else ""
    )
    resolved = "(SELECT line_no, item_id, quantity FROM snapshot_resolved WHERE kind IS NULL)"
    return f"""
        SELECT n.line_no, '{NEGATIVE}',
               (SELECT i.id FROM {Item._meta.db_table} AS i WHERE i.sku = n.sku), n.sku, n.uom,
               CAST(CAST(n.qty AS numeric(18, 6)) AS text)
        FROM snapshot_rejects AS n
        WHERE CASE WHEN n.fast THEN CAST(n.qty AS numeric) < 0 END {removed}
        UNION ALL {_negative_sql(resolved, removed=removed)}"""


def _resolve_postgresql(cursor: CursorWrapper, *, allow_negative: bool) -> None:
    """The full resolve of the rows the fast path did not load (`snapshot_rejects`
    not `fast`): padded codes, other units, decimals and the bad rows — a few percent of a
    usual file — into `snapshot_resolved`."""
    resolve, params = _resolve_sql(
        table="(SELECT * FROM snapshot_rejects WHERE NOT fast)",
        allow_negative=allow_negative,
    )
    # A few thousand rows against a million items: index lookups, not a hash of the
    # whole item table (the planner, without statistics on the new table, hashes).
    cursor.execute("SET LOCAL enable_hashjoin = off")
    cursor.execute("SET LOCAL enable_mergejoin = off")
    cursor.execute(f"CREATE TEMP TABLE snapshot_resolved AS {resolve}", params)
    cursor.execute("SET LOCAL enable_hashjoin = on")
    cursor.execute("SET LOCAL enable_mergejoin = on")


def _negative_sql(lines: str, *, removed: str = "") -> str:
    """The loaded lines below zero, flagged (not rejected): reconciliation raises them as
    negative stock with the figure the source reported (in the base unit, as stored).
    Read from the loaded lines by item key, never by a scan of the staged file. The SKU
    and unit come from one index lookup per negative line: a join lets the planner,
    blind to the new lines' statistics, hash the whole item table (1.3–1.8 s at three
    million items, with not one line below zero)."""
    item, uom = Item._meta.db_table, UnitOfMeasure._meta.db_table
    pg = connection.vendor == "postgresql"
    text = "CAST(CAST(n.quantity AS numeric(18, 6)) AS text)" if pg else "n.quantity"
    return f"""
        SELECT n.line_no, '{NEGATIVE}', n.item_id,
               (SELECT i.sku FROM {item} AS i WHERE i.id = n.item_id),
               (SELECT bu.code FROM {item} AS i JOIN {uom} AS bu ON bu.id = i.base_uom_id
                WHERE i.id = n.item_id),
               {text}
        FROM {lines} AS n
        WHERE n.quantity < 0 {removed}"""


def load_sqlite(
    cursor: CursorWrapper,
    *,
    stream: IO[bytes],
    columns: list[str],
    snapshot_id: int,
    allow_negative: bool,
    digest: Any,
) -> tuple[int, int]:
    """The embedded demo's path: one lines table, the same two passes, and duplicates
    judged as on PostgreSQL. Feeds every byte of the file to `digest`. Leaves
    `snapshot_errors`; returns (rows in the file, rows loaded)."""
    staging = f"inventory_snapshot_staging_{int(snapshot_id)}"
    lines_table = InventorySnapshotLine._meta.db_table
    _drop_work_tables(cursor)
    while chunk := stream.read(1 << 20):  # the csv reader below reads text, not bytes
        digest.update(chunk)
    stream.seek(0)
    with unreadable_file_is_a_domain_error():
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
               ROW_NUMBER() OVER (PARTITION BY item_id ORDER BY line_no) AS rank,
               COUNT(*) OVER (PARTITION BY item_id) AS lines,
               MIN(quantity) OVER (PARTITION BY item_id) AS low,
               MAX(quantity) OVER (PARTITION BY item_id) AS high
        FROM (SELECT item_id, quantity, line_no FROM snapshot_loaded
              UNION ALL
              SELECT item_id, quantity, line_no FROM snapshot_resolved WHERE kind IS NULL)"""
    )
    # As on PostgreSQL: an exact duplicate counts once, a conflict not at all.
    cursor.execute(
        f"""INSERT INTO {lines_table} (snapshot_id, item_id, quantity, line_no)
        SELECT {int(snapshot_id)}, item_id, quantity, line_no FROM snapshot_ranked
        WHERE rank = 1 AND low = high"""
    )
    loaded = cursor.rowcount
    cursor.execute(f"SELECT COUNT(*) FROM {staging}")
    (total,) = cursor.fetchone()
    negative = _negative_sql(
        f"(SELECT item_id, quantity, line_no FROM {lines_table} "
        f"WHERE snapshot_id = {int(snapshot_id)})"
    )
    cursor.execute(
        f"""CREATE TEMP TABLE snapshot_errors AS
        SELECT r.line_no, r.kind, r.item_id, s.sku, s.uom, s.qty
        FROM snapshot_resolved AS r JOIN snapshot_rejects AS s ON s.line_no = r.line_no
        WHERE r.kind IS NOT NULL
        UNION ALL {negative}
        UNION ALL
        SELECT s.line_no, CASE WHEN d.low = d.high THEN '{DUPLICATE}' ELSE '{CONFLICT}' END,
               d.item_id, s.sku, s.uom, s.qty
        FROM snapshot_ranked AS d JOIN {staging} AS s ON s.line_no = d.line_no
        WHERE d.lines > 1 AND (d.rank > 1 OR d.low <> d.high)"""
    )
    for table in ("snapshot_loaded", "snapshot_ranked", staging):
        cursor.execute(f"DROP TABLE {table}")
    return total, loaded
