"""Three-way reconciliation (DESIGN §6): the latest full ERP snapshot of each warehouse
(with the partial ones taken since) against the WMS's, with the evidence of goods in
flight (receipts and adjustments, open ASNs) to tell a difference that is still in
flight from one that is not.

One set-based pass per scope (the statements are `inventory.services.reconciliation_sql`):
a FULL OUTER JOIN of the two sides keeps only the positions that differ (or are
negative), one classifying statement adds tolerances per item class, evidence and pack
factors, and the inbox is synchronised in bulk. Python handles a few rows per warehouse,
never one per position.

Classes, first match wins: negative stock (from either source); an item a snapshot
could not load (no comparison: its master-data case covers it); missing in ERP; missing
in WMS; within tolerance (no case); moved between the two counts (the stock movements
the portal records, or the ledger of movement events of the ERP or of the WMS, one
family at a time and never their sum, which would count twice a receipt both report:
expected = the earlier count + the movements since) → in flight, pending (no case);
explained by one receipt, adjustment or open ASN the lagging source has not shown →
pending until that source counts again more than the warehouse's window after
it, then an `in_flight` case that names its cause; delta is a known pack factor → UoM
mismatch; otherwise quantity mismatch. Master-data rows of the snapshots (unknown SKU or
unit, inexact conversion, conflicting duplicates) are cases of their own. The class
depends on the snapshots and the evidence only: re-running changes nothing.
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
from django.utils.translation import gettext, gettext_noop

from integrations import metrics
from integrations.errors import DomainError
from integrations.models import Channel, ExceptionCase
from integrations.models.exceptions import INVENTORY_CLASSES
from integrations.services import BulkSyncResult, exceptions_sync_bulk, new_correlation_id
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from integrations.worker import task_named
from inventory.models import InventorySnapshot, ReconciliationRun, Warehouse
from inventory.services import reconciliation_sql as sql
from inventory.services.in_flight import inbound_evidence
from inventory.services.reconciliation_sql import PENDING, Basis
from portal.access import Actor, actor_user

logger = logging.getLogger(__name__)

Progress = Callable[[int, str], None]
MASTER_DATA_CLASSES = frozenset(sql.MASTER_DATA.values())
# The classes a run owns in the inbox: what it does not find again, it auto-resolves.
SCOPE_CLASSES = INVENTORY_CLASSES | MASTER_DATA_CLASSES

Run = ReconciliationRun.Status
_WORKER = "system (reconciliation)"
_NO_EVENT = "a run is bookkeeping; what it finds publishes exception.opened/resolved"

RECONCILIATION_RUN = Lifecycle(
    document=gettext_noop("Reconciliation run"),
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


def _snapshots(
    warehouse: Warehouse, source: str
) -> tuple[InventorySnapshot | None, list[InventorySnapshot]]:
    """The latest full snapshot of one source and the partial ones taken after it."""
    usable = InventorySnapshot.objects.filter(warehouse=warehouse, source=source).exclude(
        status=InventorySnapshot.Status.FAILED
    )
    full = usable.filter(partial=False).order_by("-taken_at", "-id").first()
    if full is None:
        return None, []
    partials = list(usable.filter(partial=True, taken_at__gt=full.taken_at).order_by("taken_at"))
    return full, partials


def _bases(warehouse_code: str) -> tuple[list[Basis], dict[str, dict[str, str]]]:
    """The snapshots to compare per warehouse in scope that has a full one of each source."""
    warehouses = Warehouse.objects.filter(is_active=True)
    if warehouse_code:
        warehouses = Warehouse.objects.filter(code=warehouse_code)
    bases: list[Basis] = []
    skipped: dict[str, dict[str, str]] = {}
    for warehouse in warehouses.order_by("code"):
        erp, erp_partials = _snapshots(warehouse, "erp")
        wms, wms_partials = _snapshots(warehouse, "wms")
        if erp is None or wms is None:
            missing = "ERP" if erp is None else "WMS"
            skipped[warehouse.code] = {"skipped": f"no {missing} snapshot"}
            continue
        bases.append(Basis(warehouse, erp, wms, erp_partials, wms_partials))
    return bases, skipped


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
            gettext("%(run)s is %(state)s; queue a new run.")
            % {"run": run, "state": run.get_status_display().lower()},
            field="run",
        )

    def progress(percent: int, step: str) -> None:
        run.progress, run.step = percent, step
        ReconciliationRun.objects.filter(pk=run.pk).update(progress=percent, step=step)

    try:
        with connection.cursor() as cursor:
            sql.drop(cursor)
            progress(5, "Finding the latest snapshots")
            bases, skipped = _bases(warehouse_code)
            sql.create_pairs(cursor, bases)
            progress(15, "Comparing ERP and WMS")
            if connection.vendor == "postgresql":
                # Hash a million lines in memory; no JIT (compiling costs more than it
                # saves here).
                cursor.execute("SET work_mem = '256MB'")
                cursor.execute("SET jit = off")
            sql.create_diff(cursor, bases)
            progress(50, "Gathering receipts, adjustments and open ASNs")
            sql.create_held(cursor)
            sql.create_evidence(cursor, inbound_evidence([b.warehouse.pk for b in bases]))
            sql.create_ledger(cursor)
            sql.create_explain(cursor)
            progress(60, "Classifying differences")
            cursor.execute(sql.classify_sql())
            sql.create_master(cursor)
            progress(75, "Updating exceptions")
            with transaction.atomic():
                sql.mark_in_flight(cursor, now=now)
                result = exceptions_sync_bulk(
                    actor=actor,
                    candidates_sql=sql.candidates_sql(),
                    scope_classes=SCOPE_CLASSES,
                    scope_warehouses=[b.warehouse.code for b in bases],
                    reference=f"reconciliation-{run.pk}",
                    now=now,
                    correlation_id=new_correlation_id(),
                )
                counted = _record_counts(cursor, run, bases, skipped, result)
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
            sql.drop(cursor)
            if connection.vendor == "postgresql":
                for name in ("work_mem", "jit"):
                    cursor.execute(f"RESET {name}")
    except Exception as error:  # recorded on the run for the page, then re-raised
        logger.exception("Reconciliation #%s failed", run.pk)
        _fail(run, actor=actor, error=error)
        raise
    metrics.reconciliation_finished(run=run)
    return run


def _record_counts(
    cursor: CursorWrapper,
    run: ReconciliationRun,
    bases: list[Basis],
    skipped: dict[str, dict[str, str]],
    result: BulkSyncResult,
) -> list[str]:
    """Set what the run compared and found on it; returns the fields it set."""
    cursor.execute(
        "SELECT warehouse_code, kind, COUNT(*) FROM recon_result GROUP BY warehouse_code, kind "
        "UNION ALL SELECT warehouse_code, exception_class, COUNT(*) FROM recon_master "
        "GROUP BY warehouse_code, exception_class"
    )
    by_warehouse: dict[str, dict[str, int]] = {}
    counts: dict[str, int] = {}
    for code, kind, count in cursor.fetchall():
        by_warehouse.setdefault(code, {})[kind] = count
        counts[kind] = counts.get(kind, 0) + count
    stats: dict[str, dict[str, Any]] = {}
    total_positions = total_discrepancies = 0
    for basis in bases:
        classes = by_warehouse.get(basis.warehouse.code, {})
        # Positions = ERP lines plus those only the WMS has (missing in ERP).
        positions = basis.erp.rows_loaded + classes.get("missing_in_erp", 0)
        # Master-data cases are about file rows, not positions that differ.
        discrepancies = sum(
            n for kind, n in classes.items() if kind != PENDING and kind not in MASTER_DATA_CLASSES
        )
        stats[basis.warehouse.code] = {
            "positions": positions,
            "discrepancies": discrepancies,
            "classes": classes,
            "erp_snapshot": basis.erp.pk,
            "wms_snapshot": basis.wms.pk,
            "partial_snapshots": [s.pk for s in basis.erp_partials + basis.wms_partials],
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
    """Write every open exception reconciliation owns (positions and master data) as CSV
    (SKU, warehouse, class, ERP qty, WMS qty, expected qty, delta); returns the number of
    rows."""
    cases = ExceptionCase.objects.filter(
        status__in=ExceptionCase.ACTIVE, exception_class__in=SCOPE_CLASSES
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
