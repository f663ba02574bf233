"""The movement file drop (issue 22, `manage.py ingest_movements`: `movements_ingest_path`).
On PostgreSQL the CSV is streamed into a table with COPY; one statement checks the
contract in SQL, casts the rows that keep it and resolves them
(`movement_staging.resolve_from`), and they are applied set-based by
`inventory.services.movements.movements_ingest_staged`, the whole file in one
transaction; elsewhere, and for a file COPY cannot read, row by
row through `inventory.resources.movements.movements_ingest_rows`.

The SQL check is a fast pass, not a second contract: it accepts only rows it can prove
keep `integrations/schemas/inventory.movement.v1.json` (every field's shape, a time
with its offset on a real calendar day, no space or control character to trim at a
cell's edges). Every other row goes through the contract's own validator in Python
(`record_problems`), so a bad row is reported in the same words on every channel and a
good one the fast pass was unsure of still loads."""

import csv
import datetime
from pathlib import Path

import psycopg
from django.db import DataError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from integrations.contracts import load_schema
from integrations.errors import DomainError
from inventory.resources.movements import (
    SCHEMA,
    TIMES,
    FileResult,
    _record,
    movement_from_record,
    movements_ingest_rows,
    record_problems,
)
from inventory.services.movement_staging import (
    SOURCE_REGEX,
    is_postgresql,
    resolve_from,
    source_ok_sql,
    stage_create,
    stage_rows,
)
from inventory.services.movements import (
    MovementInput,
    RowError,
    movements_ingest_staged,
    stage_row,
)
from portal.access import Actor

_CONTRACT = load_schema(*SCHEMA)
# `source_ok_sql` is this pattern, written for speed: a contract change must reach it.
assert _CONTRACT["properties"]["source"]["pattern"] == SOURCE_REGEX
FIELDS: tuple[str, ...] = tuple(_CONTRACT["properties"])
REQUIRED: frozenset[str] = frozenset(_CONTRACT["required"])
KINDS: tuple[str, ...] = tuple(_CONTRACT["properties"]["kind"]["enum"])
# RFC 3339 with its offset, years 1900-2099 and offsets the database reads as Python does;
# the day of the month is checked against the month's length separately.
TIME_REGEX = (
    r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])$"
)
SEQUENCE_REGEX = "^[1-9][0-9]{0,17}$"  # ≤ 18 digits: within the contract's maximum


def _sequence_ok(cell: str) -> str:
    # SEQUENCE_REGEX as an unbounded pattern and a length: PostgreSQL's regex engine
    # runs bounded repetitions several times slower (measured on a million rows).
    return f"({cell} ~ '^[1-9][0-9]*$' AND length({cell}) <= 18)"


def _header(path: Path) -> list[str] | None:
    """The file's column names, or None when the fast path cannot take the file."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            header = next(csv.reader(stream), [])
    except (csv.Error, UnicodeDecodeError):
        return None
    names = [cell.strip().lower() for cell in header]
    if (
        "source_event_id" not in names
        or len(set(names)) != len(names)
        or not set(names) <= set(FIELDS)
    ):
        return None
    return names


def _copy(cursor: CursorWrapper, path: Path, names: list[str]) -> int | None:
    """COPY the file into `mv_raw` (line_no counts from 2: line 1 is the header); None
    when COPY cannot read it (the caller takes the row-by-row path)."""
    columns = ", ".join(f'"{name}" text' for name in names)
    cursor.execute("DROP TABLE IF EXISTS mv_raw")
    try:
        with transaction.atomic():  # a savepoint: a failed COPY leaves nothing behind
            cursor.execute(
                "CREATE TEMP TABLE mv_raw (line_no bigint GENERATED ALWAYS AS IDENTITY "
                f"(START WITH 2 CACHE 100000), {columns}) ON COMMIT DROP"
            )
            raw = cursor.cursor
            listed = ", ".join(f'"{name}"' for name in names)
            sql = (
                f"COPY mv_raw ({listed}) FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"
            )
            with raw.copy(sql) as copy, path.open("rb") as stream:
                while chunk := stream.read(1 << 20):
                    copy.write(chunk)
            rows: int = raw.rowcount
    except (psycopg.DataError, DataError):
        return None
    return rows


def _edges(cell: str) -> str:
    # Nothing Python's strip() would take off, nor anything outside printable ASCII at
    # either end (the contract's check then sees the very text the database stores).
    return f"ascii({cell}) BETWEEN 33 AND 126 AND ascii(right({cell}, 1)) BETWEEN 33 AND 126"


def _byte(raw: str, at: int) -> str:
    return f"get_byte({raw}, {at})"


def _digits(raw: str, at: int, high: str = "9") -> str:
    """The byte at `at` is a digit 0 … `high`."""
    return f"{_byte(raw, at)} BETWEEN 48 AND {ord(high)}"


def _pair(raw: str, at: int) -> str:
    """The number the two digits at `at` write."""
    return f"(({_byte(raw, at)} - 48) * 10 + {_byte(raw, at + 1)} - 48)"


def _time_prefix(raw: str) -> str:
    """TIME_REGEX's 'YYYY-MM-DDTHH:MM:SS' (bytes 0-18) on the cell's bytes."""
    return " AND ".join(
        [
            f"{_byte(raw, 0)} * 256 + {_byte(raw, 1)} IN ({ord('1') * 256 + ord('9')}, "
            f"{ord('2') * 256 + ord('0')})",  # 19 or 20
            _digits(raw, 2),
            _digits(raw, 3),
            f"{_byte(raw, 4)} = {ord('-')}",
            _digits(raw, 5, "1"),
            _digits(raw, 6),
            f"{_pair(raw, 5)} BETWEEN 1 AND 12",
            f"{_byte(raw, 7)} = {ord('-')}",
            _digits(raw, 8, "3"),
            _digits(raw, 9),
            f"{_pair(raw, 8)} BETWEEN 1 AND 31",
            f"{_byte(raw, 10)} = {ord('T')}",
            _digits(raw, 11, "2"),
            _digits(raw, 12),
            f"{_pair(raw, 11)} <= 23",
            f"{_byte(raw, 13)} = {ord(':')}",
            _digits(raw, 14, "5"),
            _digits(raw, 15),
            f"{_byte(raw, 16)} = {ord(':')}",
            _digits(raw, 17, "5"),
            _digits(raw, 18),
        ]
    )


def _time(cell: str, raw: str) -> str:
    """The cell keeps TIME_REGEX on a real calendar day. `raw` is its bytes
    (`textsend`): the two commonest shapes, '…:SSZ' (20 bytes) and '…:SS+HH:MM' (25),
    are checked byte by byte, several times faster than PostgreSQL's regex engine
    matches TIME_REGEX (5 of a million-row file's seconds at load 4, against about 1);
    any other length (a fraction of a second, or no time at all) goes through TIME_REGEX.
    A cell of 20 or 25 bytes with a character outside ASCII fails a byte's test."""
    zone = " AND ".join(
        [
            f"{_byte(raw, 19)} IN ({ord('+')}, {ord('-')})",
            _digits(raw, 20, "1"),
            _digits(raw, 21),
            f"{_pair(raw, 20)} <= 15",
            f"{_byte(raw, 22)} = {ord(':')}",
            _digits(raw, 23, "5"),
            _digits(raw, 24),
        ]
    )
    shape = (
        f"CASE octet_length({raw}) "
        f"WHEN 20 THEN {_time_prefix(raw)} AND {_byte(raw, 19)} = {ord('Z')} "
        f"WHEN 25 THEN {_time_prefix(raw)} AND {zone} "
        f"ELSE {cell} ~ %(time)s END"
    )
    day = _pair(raw, 8)
    return (
        f"CASE WHEN {shape} THEN {day} <= 28 "
        f"OR {day} <= extract(day from "
        f"(substr({cell}, 1, 7) || '-01')::date + interval '1 month' - interval '1 day') "
        "ELSE false END"
    )


def _clean(names: list[str]) -> str:
    """The SQL condition a row passes only if it keeps the contract."""

    def cell(name: str) -> str:
        return f"r.{name}" if name in names else "NULL::text"

    def raw(name: str) -> str:
        return f"r.{name}_raw" if name in names else "NULL::bytea"

    limits = {
        name: spec.get("maxLength")
        for name, spec in _CONTRACT["properties"].items()
        if spec.get("type") == "string"
    }
    checks = [f"{cell(name)} IS NOT NULL" for name in sorted(REQUIRED)]
    checks += [
        source_ok_sql(cell("source")),
        _sequence_ok(cell("sequence")),
        f"{cell('kind')} IN ({', '.join(repr(kind) for kind in KINDS)})",
        _time(cell("occurred_at"), raw("occurred_at")),
        f"({cell('recorded_at')} IS NULL OR {_time(cell('recorded_at'), raw('recorded_at'))})",
        f"{cell('quantity')} ~ %(quantity)s",
    ]
    for name in ("source_event_id", "sku", "warehouse", "uom"):
        checks.append(f"length({cell(name)}) <= {limits[name]} AND {_edges(cell(name))}")
    for name in ("reason", "transfer_ref", "counterpart_warehouse", "asn_line_ref", "document_ref"):
        checks.append(
            f"({cell(name)} IS NULL OR (length({cell(name)}) <= {limits[name]} "
            f"AND {_edges(cell(name))}))"
        )
    return "\n AND ".join(f"({check})" for check in checks)


def _clean_rows(names: list[str]) -> tuple[str, dict[str, str]]:
    """The query of the rows that surely keep the contract, cast to the `STAGE_COLUMNS`
    (for `movement_staging.resolve_from`), and its parameters."""

    def cell(name: str, default: str = "''") -> str:
        return f"COALESCE(r.{name}, {default})" if name in names else default

    selected = ", ".join(f"NULLIF(\"{name}\", '') AS {name}" for name in names)
    # The times' bytes too, for `_time`'s byte-by-byte check.
    selected += "".join(
        f", textsend(NULLIF(\"{name}\", '')) AS {name}_raw" for name in names if name in TIMES
    )
    sql = f"""(SELECT r.line_no AS row_no, r.source, r.source_event_id,
               r.sequence::bigint AS sequence, r.kind,
               r.occurred_at::timestamptz AS occurred_at,
               {cell("recorded_at", "NULL")}::timestamptz AS recorded_at,
               r.sku, r.warehouse, r.quantity::numeric AS quantity, r.uom,
               {cell("reason")} AS reason, {cell("transfer_ref")} AS transfer_ref,
               {cell("counterpart_warehouse")} AS counterpart_warehouse,
               {cell("asn_line_ref")} AS asn_line_ref, {cell("document_ref")} AS document_ref
        FROM (SELECT r.*, {_clean(names)} AS ok
              FROM (SELECT line_no, {selected} FROM mv_raw OFFSET 0) r  -- each cell read once
              OFFSET 0) r
        WHERE r.ok
        OFFSET 0)"""
    # The fences (OFFSET 0): the casts run only on the rows the check passed, and the
    # planner sees one opaque condition (half the rows) instead of the product of twenty
    # selectivities (one row), which made it join a million rows by nested loops.
    params: dict[str, str] = {
        "quantity": _CONTRACT["properties"]["quantity"]["pattern"],
        "time": TIME_REGEX,
    }
    return sql, params


def _check_the_rest(
    cursor: CursorWrapper, names: list[str]
) -> tuple[list[tuple[int, MovementInput]], list[tuple[int, str, str]]]:
    """The rows the fast pass left out, through the contract's validator: (line, event)
    for those that keep it, (line, field, message) for the others."""
    listed = ", ".join(f'r."{name}"' for name in names)
    cursor.execute(
        f"""SELECT r.line_no, {listed} FROM mv_raw r
        WHERE NOT EXISTS (SELECT 1 FROM mv_resolved s WHERE s.row_no = r.line_no)
        ORDER BY r.line_no"""
    )
    good: list[tuple[int, MovementInput]] = []
    errors: list[tuple[int, str, str]] = []
    for line, *cells in cursor.fetchall():
        record = _record(names, cells)
        problems = record_problems(record)
        if problems:
            errors.extend((line, name or "(row)", message) for name, message in problems)
        else:
            good.append((line, movement_from_record(record)))
    return good, errors


def movements_ingest_csv(
    *, actor: Actor, path: Path, now: datetime.datetime | None = None
) -> FileResult | None:
    """The file through COPY and the set-based apply, or None when the file needs the
    row-by-row path (see `movements_ingest_path`)."""
    names = _header(path)
    if names is None:
        return None
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        rows = _copy(cursor, path, names)
        if rows is None:
            return None
        stage_create(cursor)  # empty but for the rows the SQL check is unsure of
        # No ANALYZE of `mv_raw` (0.3-0.8 s of a million rows): the planner reads an
        # unanalysed table's size from its pages, and that is all the resolve's joins ask.
        staged = resolve_from(cursor, *_clean_rows(names))
        errors: list[tuple[int, str, str]] = []
        if staged < rows:
            good, errors = _check_the_rest(cursor, names)
            stage_rows(cursor, (stage_row(line, event) for line, event in good))
            staged += len(good)
        cursor.execute("DROP TABLE mv_raw")
        result = movements_ingest_staged(
            actor=actor, cursor=cursor, received=staged, now=now, resolved=True
        )
    errors.extend((error.row, error.field, error.message) for error in result.errors)
    errors.sort(key=lambda error: error[0])
    # The batch's row numbers are file lines; as a batch result, 0-based data rows.
    result.errors = [RowError(row - 2, field, message) for row, field, message in errors]
    return FileResult(rows=rows, batches=[result], errors=errors)


def movements_ingest_path(
    *,
    actor: Actor,
    path: str | Path,
    channel: str,
    now: datetime.datetime | None = None,
) -> FileResult:
    """A CSV file dropped in the WMS's or ERP's folder (`manage.py ingest_movements`):
    a trusted internal system's file, so it is not held under an upload's caps (like
    `manage.py ingest_snapshot`); UTF-8, a BOM allowed.

    On PostgreSQL the whole file is COPYed and applied set-based in one transaction
    (`movements_ingest_csv`); a file COPY cannot read as it stands (a short or long row, a
    blank line, bytes that are not UTF-8) and columns outside the contract take the
    row-by-row path, which reports them the way it always has."""
    if is_postgresql():
        fast = movements_ingest_csv(actor=actor, path=Path(path), now=now)
        if fast is not None:
            return fast
    with Path(path).open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        try:
            return movements_ingest_rows(
                actor=actor, header=next(reader, []), rows=reader, channel=channel
            )
        except (csv.Error, UnicodeDecodeError) as error:
            raise DomainError(f"The CSV file could not be read: {error}.", field="file") from error
