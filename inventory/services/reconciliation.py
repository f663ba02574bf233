"""Three-way reconciliation (DESIGN §6): the latest ERP snapshot against the latest WMS
snapshot of each warehouse, with the portal's expectation (the ERP figure moved by the
receipts and adjustments recorded between the two snapshot times) to tell a difference
that is still in flight from one that is not.

One set-based pass per scope: a FULL OUTER JOIN of the two snapshots keeps only the
positions that differ (or are negative), one classifying statement adds tolerances per
item class, movements and pack factors, and the inbox is synchronised in bulk. Python
handles a few rows per warehouse, never one per position.

Classes, first match wins: negative stock; missing in ERP; missing in WMS; within
tolerance (no case); explained by movements between the snapshot times → in flight
(no case on the first run; `in_flight` case if still there next run); delta is a known
pack factor → UoM mismatch; otherwise quantity mismatch.
"""

import csv
import datetime
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TextIO

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Q
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Channel, ExceptionCase
from integrations.models.exceptions import INVENTORY_CLASSES
from integrations.services import BulkSyncResult, exceptions_sync_bulk, new_correlation_id
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from integrations.worker import task_named
from inventory.models import (
    InventorySnapshot,
    InventorySnapshotLine,
    Item,
    ItemClassTolerance,
    ReconciliationRun,
    StockMovement,
    StockPosition,
    UnitOfMeasure,
    UomConversion,
    Warehouse,
)
from portal.access import Actor, actor_user

logger = logging.getLogger(__name__)

PENDING = "in_flight_pending"  # explained as in flight on this run: no case yet

Progress = Callable[[int, str], None]
# A warehouse in scope with its latest ERP and WMS snapshots.
Pair = tuple[Warehouse, InventorySnapshot, InventorySnapshot]

Run = ReconciliationRun.Status
_WORKER = "system (reconciliation)"
_NO_EVENT = "a run is bookkeeping; what it finds publishes exception.opened/resolved"

RECONCILIATION_RUN = Lifecycle(
    document="Reconciliation run",
    model=ReconciliationRun,
    aggregate_type="reconciliation_run",
    moves=[
        Move(
            CREATED,
            Run.QUEUED,
            "queued",
            "internal user (Run now), system (nightly schedule, command line)",
            note=_NO_EVENT,
        ),
        Move(Run.QUEUED, Run.RUNNING, "started", _WORKER, note=_NO_EVENT),
        Move(Run.RUNNING, Run.DONE, "finished", _WORKER, note=_NO_EVENT),
        Move(
            Run.RUNNING,
            Run.FAILED,
            "failed",
            _WORKER,
            note="the error is kept on the run for its page; nothing is half-written",
        ),
    ],
)


def _latest(warehouse: Warehouse, source: str) -> InventorySnapshot | None:
    return (
        InventorySnapshot.objects.filter(warehouse=warehouse, source=source)
        .exclude(status=InventorySnapshot.Status.FAILED)
        .order_by("-taken_at", "-id")
        .first()
    )


def _pairs(warehouse_code: str) -> tuple[list[Pair], dict[str, dict[str, str]]]:
    """(warehouse, erp snapshot, wms snapshot) per warehouse in scope that has both."""
    warehouses = Warehouse.objects.filter(is_active=True)
    if warehouse_code:
        warehouses = Warehouse.objects.filter(code=warehouse_code)
    pairs: list[Pair] = []
    skipped: dict[str, dict[str, str]] = {}
    for warehouse in warehouses.order_by("code"):
        erp, wms = _latest(warehouse, "erp"), _latest(warehouse, "wms")
        if erp is None or wms is None:
            missing = "ERP" if erp is None else "WMS"
            skipped[warehouse.code] = {"skipped": f"no {missing} snapshot"}
            continue
        pairs.append((warehouse, erp, wms))
    return pairs, skipped


def _create_pairs_table(cursor: CursorWrapper, pairs: list[Pair]) -> None:
    cursor.execute(
        "CREATE TEMP TABLE recon_pairs (warehouse_id bigint, erp_snapshot_id bigint, "
        "wms_snapshot_id bigint, erp_taken timestamp, wms_taken timestamp, lo timestamp, "
        "hi timestamp, sign integer)"
        if connection.vendor == "sqlite"
        else "CREATE TEMP TABLE recon_pairs (warehouse_id bigint, erp_snapshot_id bigint, "
        "wms_snapshot_id bigint, erp_taken timestamptz, wms_taken timestamptz, "
        "lo timestamptz, hi timestamptz, sign integer)"
    )
    rows = []
    for warehouse, erp, wms in pairs:
        # The WMS counted after the ERP: it already shows what moved in between, so the
        # portal expects ERP + movements. The other way round: ERP − movements.
        sign = 1 if wms.taken_at >= erp.taken_at else -1
        lo, hi = sorted((erp.taken_at, wms.taken_at))
        times = [
            connection.ops.adapt_datetimefield_value(t)
            for t in (erp.taken_at, wms.taken_at, lo, hi)
        ]
        rows.append((warehouse.pk, erp.pk, wms.pk, *times, sign))
    cursor.executemany("INSERT INTO recon_pairs VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)


def _create_diff_table(cursor: CursorWrapper, pairs: list[Pair]) -> None:
    """The positions whose ERP and WMS quantities differ (or are negative), one FULL
    OUTER JOIN per warehouse. Each side is a range of the lines' primary key
    (snapshot, item), so PostgreSQL can merge-join the two in item order without
    sorting or hashing a million rows."""
    lines = InventorySnapshotLine._meta.db_table
    cursor.execute(
        "CREATE TEMP TABLE recon_diff (item_id bigint, warehouse_id bigint, "
        "erp_qty numeric, wms_qty numeric)"
    )
    for warehouse, erp, wms in pairs:
        cursor.execute(
            f"""
            INSERT INTO recon_diff (item_id, warehouse_id, erp_qty, wms_qty)
            SELECT COALESCE(e.item_id, w.item_id), %s, e.quantity, w.quantity
            FROM (SELECT item_id, quantity FROM {lines} WHERE snapshot_id = %s) AS e
            FULL OUTER JOIN (SELECT item_id, quantity FROM {lines} WHERE snapshot_id = %s) AS w
              ON e.item_id = w.item_id
            WHERE e.quantity IS DISTINCT FROM w.quantity OR e.quantity < 0 OR w.quantity < 0
            """,
            [warehouse.pk, erp.pk, wms.pk],
        )
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE recon_diff")
        cursor.execute("ANALYZE recon_pairs")


def _classify_sql() -> str:
    item, uom = Item._meta.db_table, UnitOfMeasure._meta.db_table
    conv, tol = UomConversion._meta.db_table, ItemClassTolerance._meta.db_table
    pos, mov, wh = (
        StockPosition._meta.db_table,
        StockMovement._meta.db_table,
        Warehouse._meta.db_table,
    )

    def within(a: str, b: str) -> str:
        # Inclusive at both limits: a difference of exactly the tolerance is accepted.
        return (
            f"(abs(({a}) - ({b})) <= COALESCE(tc.absolute, td.absolute, 0) OR "
            f"abs(({a}) - ({b})) * 100 <= COALESCE(tc.percent, td.percent, 0) * abs(d.erp_qty))"
        )

    if connection.vendor == "postgresql":
        # The ~3 % of differing positions fetch their item by primary key; a plain join
        # would hash the whole item table (a million rows) for them. OFFSET 0 keeps the
        # planner from flattening the lateral lookup back into that hash join.
        item_join = f"""CROSS JOIN LATERAL (SELECT id, sku, base_uom_id, item_class FROM {item}
                         WHERE id = d.item_id OFFSET 0) AS i"""
    else:
        item_join = f"JOIN {item} AS i ON i.id = d.item_id"
    return f"""
        CREATE TEMP TABLE recon_result AS
        SELECT * FROM (
            SELECT d.item_id, d.warehouse_id, i.sku, wh.code AS warehouse_code,
                   bu.code AS uom_code, d.erp_qty, d.wms_qty,
                   d.erp_qty + p.sign * COALESCE(m.moved, 0) AS expected_qty,
                   CASE
                     WHEN d.erp_qty < 0 OR d.wms_qty < 0 THEN 'negative_stock'
                     WHEN d.erp_qty IS NULL THEN 'missing_in_erp'
                     WHEN d.wms_qty IS NULL THEN 'missing_in_wms'
                     WHEN {within("d.wms_qty", "d.erp_qty")} THEN 'ok'
                     WHEN m.moved IS NOT NULL
                          AND {within("d.wms_qty", "d.erp_qty + p.sign * m.moved")}
                       THEN CASE WHEN sp.in_flight_since IS NULL THEN '{PENDING}'
                                 ELSE 'in_flight' END
                     WHEN d.erp_qty <> 0 AND d.wms_qty <> 0 AND EXISTS (
                         SELECT 1 FROM {conv} AS c
                         WHERE (c.item_id = d.item_id OR c.item_id IS NULL)
                           AND (c.from_uom_id = i.base_uom_id OR c.to_uom_id = i.base_uom_id)
                           AND (d.erp_qty = d.wms_qty * c.factor
                                OR d.wms_qty = d.erp_qty * c.factor))
                       THEN 'uom_mismatch'
                     ELSE 'quantity_mismatch'
                   END AS kind
            FROM recon_diff AS d
            JOIN recon_pairs AS p ON p.warehouse_id = d.warehouse_id
            {item_join}
            JOIN {uom} AS bu ON bu.id = i.base_uom_id
            JOIN {wh} AS wh ON wh.id = d.warehouse_id
            LEFT JOIN {tol} AS tc ON tc.item_class = i.item_class
            LEFT JOIN {tol} AS td ON td.item_class = ''
            LEFT JOIN {pos} AS sp ON sp.item_id = d.item_id AND sp.warehouse_id = d.warehouse_id
            LEFT JOIN (
                SELECT mv.item_id, mv.warehouse_id, SUM(mv.quantity) AS moved
                FROM {mov} AS mv JOIN recon_pairs AS mp ON mp.warehouse_id = mv.warehouse_id
                WHERE mv.occurred_at > mp.lo AND mv.occurred_at <= mp.hi
                  AND mv.kind IN ('receipt', 'adjustment')
                GROUP BY mv.item_id, mv.warehouse_id
            ) AS m ON m.item_id = d.item_id AND m.warehouse_id = d.warehouse_id
        ) AS classified
        WHERE kind <> 'ok'
    """


def _candidates_sql() -> str:
    if connection.vendor == "postgresql":
        detail = (
            "jsonb_build_object('erp', erp_qty::text, 'wms', wms_qty::text, "
            "'expected', expected_qty::text)::text"
        )
        delta = "wms_qty - erp_qty"
    else:
        detail = (
            "json_object('erp', CAST(erp_qty AS TEXT), 'wms', CAST(wms_qty AS TEXT), "
            "'expected', CAST(expected_qty AS TEXT))"
        )
        delta = "wms_qty - erp_qty"
    return f"""
        SELECT kind AS exception_class, sku || '@' || warehouse_code AS subject_key, sku,
               warehouse_code, sku || ' at ' || warehouse_code AS title,
               erp_qty AS expected_qty, wms_qty AS actual_qty, {delta} AS delta,
               uom_code, {detail} AS detail
        FROM recon_result WHERE kind <> '{PENDING}'
    """


def _drop(cursor: CursorWrapper) -> None:
    for table in ("recon_result", "recon_diff", "recon_pairs"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def _mark_in_flight(cursor: CursorWrapper, *, now: datetime.datetime) -> None:
    """Positions explained as in flight this run get `in_flight_since` (created when
    missing); every other flagged position in scope is cleared."""
    pos = StockPosition._meta.db_table
    db_now = connection.ops.adapt_datetimefield_value(now)
    keep = f"""EXISTS (SELECT 1 FROM recon_result AS r WHERE r.item_id = {pos}.item_id
                 AND r.warehouse_id = {pos}.warehouse_id
                 AND r.kind IN ('{PENDING}', 'in_flight'))"""
    cursor.execute(
        f"""UPDATE {pos} SET in_flight_since = NULL, in_flight_delta = NULL
        WHERE in_flight_since IS NOT NULL
          AND warehouse_id IN (SELECT warehouse_id FROM recon_pairs) AND NOT {keep}"""
    )
    cursor.execute(
        f"""INSERT INTO {pos} (item_id, warehouse_id, allocated, inbound_open_po,
                inbound_in_transit, updated_at)
        SELECT r.item_id, r.warehouse_id, 0, 0, 0, %s FROM recon_result AS r
        WHERE r.kind = '{PENDING}' AND NOT EXISTS (
            SELECT 1 FROM {pos} AS p WHERE p.item_id = r.item_id
              AND p.warehouse_id = r.warehouse_id)""",
        [db_now],
    )
    cursor.execute(
        f"""UPDATE {pos} SET in_flight_since = %s, updated_at = %s,
            in_flight_delta = (SELECT r.wms_qty - r.erp_qty FROM recon_result AS r
                               WHERE r.item_id = {pos}.item_id
                                 AND r.warehouse_id = {pos}.warehouse_id)
        WHERE in_flight_since IS NULL AND EXISTS (
            SELECT 1 FROM recon_result AS r WHERE r.item_id = {pos}.item_id
              AND r.warehouse_id = {pos}.warehouse_id AND r.kind = '{PENDING}')""",
        [db_now, db_now],
    )


def _run_create(*, actor: Actor, warehouse_code: str, trigger: str) -> ReconciliationRun:
    RECONCILIATION_RUN.check_created(Run.QUEUED)
    return ReconciliationRun.objects.create(
        warehouse_code=warehouse_code,
        trigger=trigger,
        requested_by=actor_user(actor),
        status=Run.QUEUED,
    )


@transaction.atomic
def reconciliation_queue(*, actor: Actor, warehouse_code: str = "") -> ReconciliationRun:
    """Record a manual run (one warehouse, or all with "") and hand it to the worker once
    the row is committed; the worker's `reconcile_run` then does the work."""
    run = _run_create(actor=actor, warehouse_code=warehouse_code, trigger="manual")
    transaction.on_commit(lambda: task_named("inventory.reconcile_run").delay(run.pk))
    return run


@transaction.atomic
def reconciliation_start(*, actor: Actor, run_id: int) -> ReconciliationRun | None:
    """Move a queued run to running and return it; None when it is gone or was started
    already, so that a redelivered task message does nothing."""
    run = ReconciliationRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None or not RECONCILIATION_RUN.can(run, Run.RUNNING):
        return None
    run.started_at = timezone.now()
    RECONCILIATION_RUN.move(
        run, to=Run.RUNNING, actor=actor, channel=Channel.SYSTEM, update_fields=["started_at"]
    )
    return run


def _fail(run: ReconciliationRun, *, actor: Actor, error: Exception) -> None:
    """Record the failure on the run, read again: the copy in memory may hold a move the
    rollback undid. A run that finished before the error (cleaning up failed) stays done."""
    with transaction.atomic():
        current = ReconciliationRun.objects.select_for_update().get(pk=run.pk)
        if not RECONCILIATION_RUN.can(current, Run.FAILED):
            return
        current.error = str(error)[:2000]
        current.finished_at = timezone.now()
        RECONCILIATION_RUN.move(
            current,
            to=Run.FAILED,
            actor=actor,
            channel=Channel.SYSTEM,
            after={"error": current.error},
            update_fields=["error", "finished_at"],
        )


def _noop(_percent: int, _step: str) -> None:
    return None


def reconcile(
    *,
    actor: Actor,
    warehouse_code: str = "",
    run: ReconciliationRun | None = None,
    trigger: str = "manual",
    now: datetime.datetime | None = None,
) -> ReconciliationRun:
    """Reconcile every active warehouse (or one) and bring the inbox up to date.

    The comparison runs in autocommit steps so that the run's progress is visible to the
    page polling it; every write the run makes (positions' in-flight flags, exception
    cases, audit entries, events) commits together or not at all.
    """
    now = now or timezone.now()
    if run is None:
        run = _run_create(actor=actor, warehouse_code=warehouse_code, trigger=trigger)
    if run.status == Run.QUEUED:
        run = reconciliation_start(actor=actor, run_id=run.pk) or ReconciliationRun.objects.get(
            pk=run.pk
        )
    if run.status != Run.RUNNING:  # started by someone else, or finished: not run twice
        raise DomainError(
            f"{run} is {run.get_status_display().lower()}; queue a new run.", field="run"
        )

    def progress(percent: int, step: str) -> None:
        run.progress, run.step = percent, step
        ReconciliationRun.objects.filter(pk=run.pk).update(progress=percent, step=step)

    try:
        with connection.cursor() as cursor:
            _drop(cursor)
            progress(5, "Finding the latest snapshots")
            pairs, skipped = _pairs(warehouse_code)
            _create_pairs_table(cursor, pairs)
            progress(15, "Comparing ERP and WMS")
            if connection.vendor == "postgresql":
                # Hash a million lines in memory; no JIT (compiling costs more than it
                # saves here).
                cursor.execute("SET work_mem = '256MB'")
                cursor.execute("SET jit = off")
            _create_diff_table(cursor, pairs)
            progress(55, "Classifying differences")
            cursor.execute(_classify_sql())
            progress(75, "Updating exceptions")
            with transaction.atomic():
                _mark_in_flight(cursor, now=now)
                result = exceptions_sync_bulk(
                    actor=actor,
                    candidates_sql=_candidates_sql(),
                    scope_classes=INVENTORY_CLASSES,
                    scope_warehouses=[warehouse.code for warehouse, _e, _w in pairs],
                    reference=f"reconciliation-{run.pk}",
                    now=now,
                    correlation_id=new_correlation_id(),
                )
                counted = _record_counts(cursor, run, pairs, skipped, result)
                run.progress, run.step = 100, "Done"
                run.finished_at = timezone.now()
                RECONCILIATION_RUN.move(
                    run,
                    to=Run.DONE,
                    actor=actor,
                    channel=Channel.SYSTEM,
                    after={"opened": run.opened, "auto_resolved": run.auto_resolved},
                    update_fields=[*counted, "progress", "step", "finished_at"],
                )
            _drop(cursor)
            if connection.vendor == "postgresql":
                for name in ("work_mem", "jit"):
                    cursor.execute(f"RESET {name}")
    except Exception as error:  # recorded on the run for the page, then re-raised
        logger.exception("Reconciliation #%s failed", run.pk)
        _fail(run, actor=actor, error=error)
        raise
    return run


def _record_counts(
    cursor: CursorWrapper,
    run: ReconciliationRun,
    pairs: list[Pair],
    skipped: dict[str, dict[str, str]],
    result: BulkSyncResult,
) -> list[str]:
    """Set what the run compared and found on it; returns the fields it set."""
    cursor.execute(
        "SELECT warehouse_code, kind, COUNT(*) FROM recon_result GROUP BY warehouse_code, kind"
    )
    by_warehouse: dict[str, dict[str, int]] = {}
    counts: dict[str, int] = {}
    for code, kind, count in cursor.fetchall():
        by_warehouse.setdefault(code, {})[kind] = count
        counts[kind] = counts.get(kind, 0) + count
    stats: dict[str, dict[str, Any]] = {}
    total_positions = total_discrepancies = 0
    for warehouse, erp, wms in pairs:
        classes = by_warehouse.get(warehouse.code, {})
        # Positions = ERP lines plus those only the WMS has (missing in ERP).
        positions = erp.rows_loaded + classes.get("missing_in_erp", 0)
        discrepancies = sum(n for kind, n in classes.items() if kind != PENDING)
        stats[warehouse.code] = {
            "positions": positions,
            "discrepancies": discrepancies,
            "classes": classes,
            "erp_snapshot": erp.pk,
            "wms_snapshot": wms.pk,
        }
        total_positions += positions
        total_discrepancies += discrepancies
    stats.update(skipped)
    run.counts = counts
    run.by_warehouse = stats
    run.positions_compared = total_positions
    run.discrepancies = total_discrepancies
    run.opened = result.opened
    run.updated = result.updated
    run.auto_resolved = result.auto_resolved
    return [
        "counts",
        "by_warehouse",
        "positions_compared",
        "discrepancies",
        "opened",
        "updated",
        "auto_resolved",
    ]


def open_exceptions_report(stream: TextIO, *, warehouse_code: str = "") -> int:
    """Write every open inventory exception as CSV (SKU, warehouse, class, ERP qty, WMS qty,
    expected qty, delta); returns the number of rows."""
    cases = ExceptionCase.objects.filter(
        status__in=ExceptionCase.ACTIVE, exception_class__in=INVENTORY_CLASSES
    )
    if warehouse_code:
        cases = cases.filter(Q(warehouse_code=warehouse_code))
    writer = csv.writer(stream)
    writer.writerow(["sku", "warehouse", "class", "erp_qty", "wms_qty", "expected_qty", "delta"])
    rows = 0
    for sku, code, kind, erp, wms, delta, detail in (
        cases.order_by("warehouse_code", "sku", "exception_class")
        .values_list(
            "sku",
            "warehouse_code",
            "exception_class",
            "expected_qty",
            "actual_qty",
            "delta",
            "detail",
        )
        .iterator(chunk_size=5000)
    ):
        writer.writerow(
            [
                sku,
                code,
                kind,
                _fmt(erp),
                _fmt(wms),
                _fmt((detail or {}).get("expected")),
                _fmt(delta),
            ]
        )
        rows += 1
    return rows


def _fmt(value: object) -> str:
    if value is None or value == "":
        return ""
    return f"{Decimal(str(value)).normalize():f}"
