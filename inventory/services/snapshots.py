"""Set-based snapshot ingest (DESIGN §6): a stock file from the ERP or the WMS goes into a
staging table in one COPY (PostgreSQL) or batched inserts (SQLite), and every
check and mapping after that is SQL over the whole set — SKU and unit by joins, exact
conversion to the item's base unit, negative quantities — never a Python loop per row.

The file is CSV with a header naming the columns `sku`, `uom` and `quantity` (any order).
Bad rows do not stop the load: they are reported with their line numbers and kinds, and
the good rows are stored. The staging table is an unlogged table named after the snapshot,
created and dropped in the ingest's transaction, so concurrent ingests never meet.
"""

import csv
import datetime
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from integrations import metrics
from integrations.errors import DomainError
from integrations.models import Channel
from integrations.services import audit_record
from inventory.models import InventorySnapshot, InventorySnapshotIssue, Warehouse
from inventory.services.snapshot_loading import (
    FLAGGED,
    load_postgresql,
    load_sqlite,
    unreadable_file_is_a_domain_error,
)
from portal.access import Actor, actor_user

COLUMNS = {"sku": "sku", "uom": "uom", "quantity": "qty"}
ERROR_LIMIT = 1000  # rows kept on the snapshot; counts by kind are always complete
# Stored in English on the snapshot (`errors`) and in the CSV report; marked so that the
# snapshot page translates them when it shows them (`{% translate e.message %}`).
ERROR_MESSAGES = {
    "invalid_quantity": gettext_noop("The quantity is not a number."),
    "unknown_sku": gettext_noop("No item has this SKU."),
    "unknown_uom": gettext_noop("No unit of measure has this code."),
    "no_conversion": gettext_noop("There is no conversion from this unit to the item's base unit."),
    "inexact_conversion": gettext_noop(
        "The quantity does not convert exactly into the item's base unit."
    ),
    "negative_quantity": gettext_noop("Negative quantities are not allowed from this source."),
    "quantity_too_large": gettext_noop(
        "The quantity is too large (at most 999,999,999,999 in the base unit)."
    ),
    "conflicting_duplicate": gettext_noop(
        "The SKU appears on other lines of the file with another "
        "quantity; none of them counts until the source sends one figure."
    ),
    # Loaded, and reported:
    "negative_stock": gettext_noop(
        "Loaded below zero: reconciliation raises it as negative stock."
    ),
    "duplicate_row": gettext_noop("The same SKU and quantity as an earlier line: counted once."),
}


@dataclass(frozen=True)
class IngestResult:
    snapshot: InventorySnapshot
    rows_total: int
    rows_loaded: int
    error_counts: dict[str, int]


def _header(stream: IO[bytes]) -> list[str]:
    first = stream.readline().decode("utf-8-sig").strip()
    stream.seek(0)
    names = [name.strip().lower() for name in next(csv.reader([first]), [])]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    if missing or unknown or len(set(names)) != len(names):
        raise DomainError(
            gettext(
                "The first line must name the columns sku, uom and quantity (found: %(found)s)."
            )
            % {"found": ", ".join(names) or gettext("nothing")},
            field="file",
            line=1,
        )
    return [COLUMNS[name] for name in names]


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
    partial: bool = False,
) -> IngestResult:
    """Ingest one stock file as a snapshot of `source` for `warehouse`, set-based.

    The same source × warehouse × time twice, or without a time the same file (SHA-256)
    as the latest snapshot, is refused with a DomainError: counting a snapshot twice would
    be worse than refusing it. Negative quantities from either source are loaded and
    flagged (reconciliation raises them as negative stock with the reported figure; a
    rejected row would read as "missing"), unless `allow_negative=False`. Every rejected
    or flagged row is kept as an `InventorySnapshotIssue`: the snapshot's full error
    report. `partial=True` marks a snapshot of some items only (a pull of a scope):
    reconciliation compares those items and keeps the latest full snapshot for the rest.
    """
    if source not in InventorySnapshot.Source.values:
        raise DomainError(
            gettext("Source must be erp or wms, not %(source)s.") % {"source": repr(source)},
            field="source",
        )
    if allow_negative is None:
        allow_negative = True
    started = time.monotonic()
    with unreadable_file_is_a_domain_error():
        columns = _header(stream)
    snapshots = InventorySnapshot.objects.filter(source=source, warehouse=warehouse)
    resent = taken_at is None
    if taken_at is None:
        # No time given (a file dropped in a folder): the same bytes as the latest
        # snapshot are a re-send, not a new count — judged after the load below, which
        # hashes the file as it streams it (one read of the file, not two). With a time,
        # identical contents on another day are legitimate (nothing moved), and the time
        # decides.
        taken_at = timezone.now()
    else:
        existing = snapshots.filter(taken_at=taken_at).first()
        if existing is not None:
            _refuse_twice(existing)
    digest = hashlib.sha256()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            snapshot = InventorySnapshot.objects.create(
                source=source,
                warehouse=warehouse,
                taken_at=taken_at,
                file_name=file_name[:255],
                partial=partial,
                created_by=actor_user(actor),
            )
            load = load_postgresql if connection.vendor == "postgresql" else load_sqlite
            total, loaded = load(
                cursor,
                stream=stream,
                columns=columns,
                snapshot_id=snapshot.pk,
                allow_negative=allow_negative,
                digest=digest,
            )
            checksum = digest.hexdigest()
            if resent:
                latest = snapshots.exclude(pk=snapshot.pk).order_by("-taken_at", "-id").first()
                if latest is not None and latest.checksum == checksum:
                    _refuse_twice(latest)  # rolls the load back
            cursor.execute("SELECT kind, COUNT(*) FROM snapshot_errors GROUP BY kind")
            error_counts = dict(cursor.fetchall())
            _keep_issues(cursor, snapshot.pk)
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
            rejected = sum(n for kind, n in error_counts.items() if kind not in FLAGGED)
            snapshot.checksum = checksum
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
            gettext(
                "This snapshot is being ingested or was already ingested; it is not counted twice."
            ),
            field="file",
            code="duplicate_snapshot",
        ) from error
    metrics.ingest_counted(source=source, loaded=loaded, rejected=total - loaded)
    return IngestResult(
        snapshot=snapshot, rows_total=total, rows_loaded=loaded, error_counts=error_counts
    )


def _refuse_twice(existing: InventorySnapshot) -> None:
    raise DomainError(
        gettext(
            "This snapshot was already ingested as #%(number)s (%(snapshot)s); "
            "it is not counted twice."
        )
        % {"number": existing.pk, "snapshot": existing},
        field="file",
        code="duplicate_snapshot",
    )


def _keep_issues(cursor: Any, snapshot_id: int) -> None:
    """Every rejected or flagged row, kept with the snapshot in one statement: the whole
    error report, whatever channel ingested it (command, page, nightly pull)."""
    table = InventorySnapshotIssue._meta.db_table
    cursor.execute(
        f"""INSERT INTO {table} (snapshot_id, line_no, kind, item_id, sku, uom, quantity)
        SELECT %s, line_no, kind, item_id, substr(COALESCE(sku, ''), 1, 200),
               substr(COALESCE(uom, ''), 1, 60), substr(COALESCE(qty, ''), 1, 60)
        FROM snapshot_errors""",
        [snapshot_id],
    )


def snapshot_ingest_file(*, actor: Actor, path: str | Path, **kwargs: Any) -> IngestResult:
    path = Path(path)
    with path.open("rb") as stream:
        return snapshot_ingest(actor=actor, stream=stream, file_name=path.name, **kwargs)


class _Echo:
    def write(self, value: str) -> str:
        return value


def error_report_rows(snapshot: InventorySnapshot) -> Iterator[str]:
    """The snapshot's full error report as CSV lines (line, kind, sku, uom, quantity,
    message), streamed from its issues: a page or a command can hand out a report of a
    million rows without holding it."""
    writer = csv.writer(_Echo())
    yield writer.writerow(["line", "kind", "sku", "uom", "quantity", "message"])
    issues = (
        InventorySnapshotIssue.objects.filter(snapshot=snapshot)
        .order_by("line_no", "kind")
        .values_list("line_no", "kind", "sku", "uom", "quantity")
    )
    for line_no, kind, sku, uom, qty in issues.iterator(chunk_size=5000):
        yield writer.writerow([line_no, kind, sku, uom, qty, ERROR_MESSAGES.get(kind, kind)])


def error_report_csv(snapshot: InventorySnapshot) -> str:
    """The full error report as one CSV text (see `error_report_rows`)."""
    return "".join(error_report_rows(snapshot))
