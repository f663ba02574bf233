"""Movement events as the channels receive them (issue 22): a JSON object per event (the
API) or a CSV/XLSX row with the same columns (the file drop), checked against the one
contract `integrations/schemas/inventory.movement.v1.json`, then handed to
`inventory.services.movements_ingest`. Format here, business rules in the service."""

import datetime
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from jsonschema import Draft202012Validator, FormatChecker

from integrations.contracts import load_schema
from integrations.errors import DomainError
from integrations.spreadsheets import Sheet, read_upload
from inventory.services.movements import (
    BATCH_LIMIT,
    MovementBatchResult,
    MovementInput,
    RowError,
    movements_ingest,
)
from portal.access import Actor

SCHEMA = ("inventory.movement", 1)
TIMES = ("occurred_at", "recorded_at")


@functools.cache
def _validator() -> Draft202012Validator:
    schema = load_schema(*SCHEMA)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


# RFC 3339 with its offset, years 1900-2099: a time `_surely_keeps` needs no more check of.
_STRICT_TIME = re.compile(
    r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])$"
)
_SPEC_WORDS = frozenset(
    {"type", "description", "minLength", "maxLength", "pattern", "enum", "format", "minimum",
     "maximum"}
)  # fmt: skip


def _field_check(spec: Mapping[str, Any]) -> Callable[[Any], bool]:
    """A check that passes only values `spec` surely accepts (False when unsure)."""
    if not set(spec) <= _SPEC_WORDS:
        return lambda value: False
    if spec.get("type") == "integer":
        low, high = spec.get("minimum"), spec.get("maximum")
        return lambda value: (
            type(value) is int and (low is None or value >= low) and (high is None or value <= high)
        )
    if spec.get("type") != "string" or spec.get("format", "date-time") != "date-time":
        return lambda value: False
    shortest, longest = spec.get("minLength", 0), spec.get("maxLength")
    pattern = re.compile(spec["pattern"]) if "pattern" in spec else None
    choices = frozenset(spec["enum"]) if "enum" in spec else None
    is_time = "format" in spec

    def check(value: Any) -> bool:
        return (
            type(value) is str
            and shortest <= len(value)
            and (longest is None or len(value) <= longest)
            and ((value.isascii() and "\x00" not in value) or _storable(value))
            and (pattern is None or pattern.search(value) is not None)
            and (choices is None or value in choices)
            and (not is_time or _strict_time(value))
        )

    return check


def _strict_time(text: str) -> bool:
    if _STRICT_TIME.match(text) is None:
        return False
    try:
        datetime.datetime.fromisoformat(text)  # the calendar: no 30 February
    except ValueError:
        return False
    return True


@functools.cache
def _fast_contract() -> tuple[frozenset[str], frozenset[str], dict[str, Callable[[Any], bool]]]:
    schema = load_schema(*SCHEMA)
    if schema.get("additionalProperties") is not False or set(schema) - {
        "$schema", "$id", "title", "description", "type", "required",
        "additionalProperties", "properties",
    }:  # fmt: skip
        return frozenset(), frozenset({"(unsure)"}), {}
    checks = {name: _field_check(spec) for name, spec in schema["properties"].items()}
    return frozenset(checks), frozenset(schema["required"]), checks


def _surely_keeps(record: Any) -> bool:
    """True only for a record that keeps the contract, checked in plain Python: a batch
    of 10,000 good events costs milliseconds, not the seconds the full validator takes;
    anything else (and anything unsure) goes through the full validator for its words."""
    if type(record) is not dict:
        return False
    known, required, checks = _fast_contract()
    keys = record.keys()
    if not (required <= keys and keys <= known):
        return False
    return all(checks[name](value) for name, value in record.items())


def record_problems(record: Any) -> list[tuple[str, str]]:
    """(field, message) for each way `record` breaks the contract (field "" for the event
    as a whole); empty when it keeps it."""
    if _surely_keeps(record):
        return []
    problems = [
        ("/".join(str(part) for part in error.absolute_path), error.message)
        for error in sorted(_validator().iter_errors(record), key=lambda e: list(e.path))
    ]
    if problems or not isinstance(record, Mapping):
        return problems or [("", "An event is a JSON object.")]
    for name, value in record.items():
        if isinstance(value, str) and not _storable(value):
            problems.append((name, "Contains a NUL character or is not valid UTF-8 text."))
    if problems:
        return problems
    for name in TIMES:
        if name in record:
            value = _parsed_time(record[name])
            if value is None or value.tzinfo is None or not _in_range(value):
                problems.append((name, "Not a date-time with its offset (RFC 3339)."))
    return problems


def _parsed_time(text: str) -> datetime.datetime | None:
    """The time, or None when it is none: Django's parser raises on a well-formed
    impossible one (2026-02-30T09:00:00Z) instead of answering None."""
    try:
        return parse_datetime(text)
    except ValueError:
        return None


def _in_range(value: datetime.datetime) -> bool:
    """A time the database can store once in UTC (year 1 with a negative offset is not)."""
    try:
        value.astimezone(datetime.UTC)
    except OverflowError:
        return False
    return True


def _storable(text: str) -> bool:
    """PostgreSQL text holds neither NUL nor a lone surrogate (which JSON can escape)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _utc(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is None or timezone.is_naive(value):
        return value
    return value.astimezone(datetime.UTC)


def movement_from_record(record: Mapping[str, Any]) -> MovementInput:
    """A record that keeps the contract (`record_problems` is empty) as service input."""
    # In UTC: an offset the contract allows (up to 23:59) but PostgreSQL does not (its
    # limit is 15:59) must not reach the database as text.
    times = {name: _utc(parse_datetime(record[name])) for name in TIMES if name in record}
    return MovementInput(
        source=record["source"],
        source_event_id=record["source_event_id"],
        sequence=int(record["sequence"]),
        kind=record["kind"],
        occurred_at=times["occurred_at"],  # type: ignore[arg-type]  # checked above
        recorded_at=times.get("recorded_at"),
        sku=record["sku"],
        warehouse=record["warehouse"],
        quantity=Decimal(record["quantity"]),
        uom=record["uom"],
        reason=record.get("reason", ""),
        transfer_ref=record.get("transfer_ref", ""),
        counterpart_warehouse=record.get("counterpart_warehouse", ""),
        asn_line_ref=record.get("asn_line_ref", ""),
        document_ref=record.get("document_ref", ""),
    )


# ---------------------------------------------------------------- the file drop


@dataclass
class FileResult:
    rows: int
    batches: list[MovementBatchResult]
    errors: list[tuple[int, str, str]]  # (file line, field, message)


def _cell(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet's 12 arrives as 12.0
    return "" if value is None else str(value).strip()


def _records(header: list[Any], rows: Iterable[list[Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(file line, record) per row: empty cells are absent fields, the sequence a number."""
    headers = [str(cell or "").strip().lower() for cell in header]
    if "source_event_id" not in headers:
        raise DomainError(
            "The first row must name the columns (source, source_event_id, sequence, kind, "
            "occurred_at, sku, warehouse, quantity, uom, …).",
            field="file",
            line=1,
        )
    for number, row in enumerate(rows, start=2):
        if len(row) > len(headers):
            raise DomainError("The row has more cells than the header.", field="file", line=number)
        yield number, _record(headers, row)


def _record(headers: list[str], row: Iterable[Any]) -> dict[str, Any]:
    """One row as the contract reads it: cells trimmed, empty cells absent fields, the
    sequence a number."""
    record: dict[str, Any] = {
        name: _cell(value) for name, value in zip(headers, row, strict=False) if name
    }
    record = {name: value for name, value in record.items() if value != ""}
    if str(record.get("sequence", "")).isdigit():
        record["sequence"] = int(record["sequence"])
    return record


def movements_ingest_rows(
    *, actor: Actor, header: list[Any], rows: Iterable[list[Any]], channel: str
) -> FileResult:
    """Every row that keeps the contract, ingested in batches of `BATCH_LIMIT` (each its
    own transaction, like the API's); rows that do not are reported by line."""
    errors: list[tuple[int, str, str]] = []
    pending: list[tuple[int, MovementInput]] = []
    batches: list[MovementBatchResult] = []

    def flush() -> None:
        result = movements_ingest(actor=actor, rows=[row for _, row in pending], channel=channel)
        errors.extend(_line_errors(result.errors, [line for line, _ in pending]))
        batches.append(result)
        pending.clear()

    total = 0
    for line, record in _records(header, rows):
        total += 1
        problems = record_problems(record)
        if problems:
            errors.extend((line, name or "(row)", message) for name, message in problems)
            continue
        pending.append((line, movement_from_record(record)))
        if len(pending) == BATCH_LIMIT:
            flush()
    if pending:
        flush()
    return FileResult(rows=total, batches=batches, errors=errors)


def _line_errors(errors: list[RowError], lines: list[int]) -> Iterator[tuple[int, str, str]]:
    for error in errors:
        yield lines[error.row], error.field, error.message


def movements_ingest_upload(*, actor: Actor, upload: Any, channel: str) -> FileResult:
    """An uploaded .csv/.xlsx file, through the shared hostile-file rules (size, row and
    column caps, zip-bomb checks)."""
    sheet: Sheet = read_upload(upload)
    return movements_ingest_rows(
        actor=actor, header=sheet.headers, rows=sheet.rows, channel=channel
    )
