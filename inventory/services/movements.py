"""Inventory movement events from the WMS and the ERP, and their sequencing rules
(issue 22; docs/architecture.md "Inventory movements").

A batch (the API's up to 10,000 events, a CSV file's rows) is ingested in one
transaction, with a fixed number of queries however many events it holds:

- duplicates (same source and source event id, in the batch or already stored) are
  recorded and applied once;
- each source's events for one warehouse form a stream numbered 1, 2, 3 …: an event
  applies once every earlier number of its stream has; a later one is held until the gap
  fills, or until `GAP_TIMEOUT` after it arrived, when the held events apply with
  `applied_after_gap` and a "sequence gap" case goes to the integration team;
- an event that occurred at or before the latest full snapshot of its source (a `wms:…`
  source → the WMS snapshot, `erp` → the ERP's) for its warehouse is recorded, takes its
  place in the sequence, and is not applied: the snapshot already counts it;
- a cycle count sets `available` as of its time, later movements apply on top
  (`inventory.services.movement_positions`);
- a warehouse's live positions follow one source family, its source of record
  (`Warehouse.positions_family`): the other family's events are checked, sequenced and
  recorded alike, and change no position (`inventory.services.positions_source`).
"""

import datetime
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import Max, Min
from django.utils import timezone

from integrations.errors import DomainError
from integrations.models import Channel, ExceptionClass
from integrations.services import Subject, exception_open_or_update
from inventory.models import (
    InventoryMovement,
    InventorySnapshot,
    Item,
    MovementStream,
    UnitOfMeasure,
    Warehouse,
)
from inventory.services.movement_apply import staged_apply, staged_still_held
from inventory.services.movement_positions import Applied, positions_apply
from inventory.services.movement_staging import (
    is_postgresql,
    stage_create,
    stage_rows,
    staged_drop,
)
from inventory.services.uom import conversion_ratios_to_base, convert_quantity
from portal.access import Actor

Kind = InventoryMovement.Kind
ZERO = Decimal(0)
KINDS = frozenset(Kind.values)
BATCH_LIMIT = 10_000
MAX_BASE_QUANTITY = Decimal(10) ** 12  # the columns hold 12 digits before the point
GAP_TIMEOUT = datetime.timedelta(minutes=60)
SOURCE_PATTERN = re.compile(r"^(erp|wms:[A-Za-z0-9_.-]{1,36})$")
StreamKey = tuple[str, int]  # (source, warehouse_id)


@dataclass(frozen=True)
class MovementInput:
    """One event as a channel hands it over: codes, not objects."""

    source: str
    source_event_id: str
    sequence: int
    kind: str
    occurred_at: datetime.datetime
    sku: str
    warehouse: str
    quantity: Decimal
    uom: str
    recorded_at: datetime.datetime | None = None
    reason: str = ""
    transfer_ref: str = ""
    counterpart_warehouse: str = ""
    asn_line_ref: str = ""
    document_ref: str = ""


@dataclass(frozen=True)
class RowError:
    row: int  # 0-based position in the batch
    field: str
    message: str


@dataclass
class MovementBatchResult:
    received: int = 0
    recorded: int = 0
    duplicates: int = 0
    applied: int = 0
    held: int = 0
    before_snapshot: int = 0
    applied_after_gap: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _Master:
    items: dict[str, Item]
    warehouses: dict[str, Warehouse]
    units: dict[str, UnitOfMeasure]


def _master_data(rows: Sequence[MovementInput]) -> _Master:
    skus = {row.sku for row in rows}
    codes = {row.warehouse for row in rows} | {row.counterpart_warehouse for row in rows}
    items = Item.objects.select_related("base_uom").filter(sku__in=skus)
    return _Master(
        items={item.sku: item for item in items},
        warehouses={wh.code: wh for wh in Warehouse.objects.filter(code__in=codes)},
        units={u.code: u for u in UnitOfMeasure.objects.filter(code__in={r.uom for r in rows})},
    )


def _check(row: MovementInput, master: _Master) -> tuple[str, str] | None:
    """(field, message) of the first rule the row breaks, or None."""
    if not SOURCE_PATTERN.match(row.source):
        return "source", "The source is 'erp' or 'wms:<warehouse system>', e.g. wms:DC1."
    if not row.source_event_id or len(row.source_event_id) > 100:
        return "source_event_id", "The source event id is 1 to 100 characters."
    if row.sequence < 1:
        return "sequence", "The sequence number starts at 1."
    if row.kind not in KINDS:
        return "kind", f"The kind is one of {', '.join(sorted(KINDS))}."
    if timezone.is_naive(row.occurred_at):
        return "occurred_at", "The time must carry its offset (e.g. 2026-03-20T14:02:00Z)."
    if not row.quantity.is_finite():
        return "quantity", "The quantity is not a number."
    if row.kind == Kind.ADJUSTMENT:
        if row.quantity == 0:
            return "quantity", "An adjustment is a signed quantity other than zero."
        if not row.reason:
            return "reason", "An adjustment needs a reason."
    elif row.kind == Kind.CYCLE_COUNT:
        if row.quantity < 0:
            return "quantity", "A cycle count is zero or more."
    elif row.quantity <= 0:
        return "quantity", "The quantity is more than zero (the kind says the direction)."
    if row.kind in (Kind.TRANSFER_OUT, Kind.TRANSFER_IN):
        if not row.transfer_ref:
            return "transfer_ref", "A transfer needs its transfer reference."
        if row.counterpart_warehouse not in master.warehouses:
            return "counterpart_warehouse", "A transfer names the warehouse at its other end."
    if row.sku not in master.items:
        return "sku", "No item has this SKU."
    if row.warehouse not in master.warehouses:
        return "warehouse", "No warehouse has this code."
    if row.uom not in master.units:
        return "uom", "No unit of measure has this code."
    return None


def _latest_snapshots(warehouse_ids: set[int]) -> dict[tuple[int, str], datetime.datetime]:
    """(warehouse_id, snapshot source) → the time of the latest usable full snapshot."""
    rows = (
        InventorySnapshot.objects.filter(warehouse_id__in=warehouse_ids, partial=False)
        .exclude(status=InventorySnapshot.Status.FAILED)
        .values("warehouse_id", "source")
        .annotate(latest=Max("taken_at"))
    )
    return {(row["warehouse_id"], row["source"]): row["latest"] for row in rows}


def _snapshot_source(source: str) -> str:
    return InventorySnapshot.Source.ERP if source == "erp" else InventorySnapshot.Source.WMS


def _checked(rows: Sequence[MovementInput], master: _Master) -> list[Decimal | tuple[str, str]]:
    """Each row's quantity in its item's base unit, converted exactly, or the (field,
    message) of the first rule it breaks."""
    problems = [_check(row, master) for row in rows]
    pairs = {
        (master.items[row.sku], master.units[row.uom])
        for row, problem in zip(rows, problems, strict=True)
        if problem is None
    }
    ratios = conversion_ratios_to_base(pairs)
    checked: list[Decimal | tuple[str, str]] = []
    for row, problem in zip(rows, problems, strict=True):
        if problem is None:
            item, unit = master.items[row.sku], master.units[row.uom]
            ratio = ratios[(item.pk, unit.pk)]
            try:
                if isinstance(ratio, DomainError):
                    raise ratio
                base = convert_quantity(
                    quantity=row.quantity, from_uom=unit, to_uom=item.base_uom, ratio=ratio
                )
                if abs(base) >= MAX_BASE_QUANTITY:
                    problem = ("quantity", "The quantity is too large in the base unit.")
            except DomainError as error:
                problem = ("quantity", error.message)
        checked.append(base if problem is None else problem)
    return checked


def movements_check(rows: Sequence[MovementInput]) -> list[RowError]:
    """The rows the ingest would refuse, each with the first rule it breaks; writes
    nothing. For a channel that numbers events itself (the Tryton pull): it numbers only
    the rows that go in, since a refused number is a gap that holds its stream."""
    checked = _checked(rows, _master_data(rows))
    return [RowError(i, *c) for i, c in enumerate(checked) if isinstance(c, tuple)]


def _build(
    rows: Sequence[MovementInput], *, now: datetime.datetime, result: MovementBatchResult
) -> list[InventoryMovement]:
    """The valid, new rows of the batch as unsaved movements (held until sequenced)."""
    master = _master_data(rows)
    checked = _checked(rows, master)
    seen: set[tuple[str, str]] = set()
    built: list[InventoryMovement] = []
    for index, row in enumerate(rows):
        base = checked[index]
        if isinstance(base, tuple):
            result.errors.append(RowError(index, *base))
            continue
        item, unit = master.items[row.sku], master.units[row.uom]
        key = (row.source, row.source_event_id)
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        counterpart = master.warehouses.get(row.counterpart_warehouse)
        built.append(
            InventoryMovement(
                kind=row.kind,
                source=row.source,
                source_event_id=row.source_event_id,
                sequence=row.sequence,
                occurred_at=row.occurred_at,
                recorded_at=row.recorded_at or row.occurred_at,
                received_at=now,
                item=item,
                warehouse=master.warehouses[row.warehouse],
                counterpart_warehouse=counterpart,
                quantity=row.quantity,
                uom=unit,
                base_quantity=base,
                reason=row.reason[:100],
                transfer_ref=row.transfer_ref[:60],
                asn_line_ref=row.asn_line_ref[:80],
                document_ref=row.document_ref[:60],
                held=True,
            )
        )
    snapshots = _latest_snapshots({m.warehouse_id for m in built})
    for movement in built:
        taken_at = snapshots.get((movement.warehouse_id, _snapshot_source(movement.source)))
        movement.before_snapshot = taken_at is not None and movement.occurred_at <= taken_at
    return built


def _locked_streams(keys: set[StreamKey]) -> dict[StreamKey, MovementStream]:
    MovementStream.objects.bulk_create(
        [MovementStream(source=source, warehouse_id=wh_id) for source, wh_id in keys],
        ignore_conflicts=True,
    )
    rows = MovementStream.objects.select_for_update().filter(
        source__in={key[0] for key in keys}, warehouse_id__in={key[1] for key in keys}
    )
    return {
        (row.source, row.warehouse_id): row
        for row in rows.order_by("pk")
        if (row.source, row.warehouse_id) in keys
    }


class _HeldRow(NamedTuple):
    id: int
    kind: str
    source: str
    sequence: int
    item_id: int
    warehouse_id: int
    counterpart_warehouse_id: int | None
    base_quantity: Decimal
    occurred_at: datetime.datetime
    before_snapshot: bool

    def applied(self) -> Applied:
        return Applied(
            self.kind,
            self.source,
            self.sequence,
            self.item_id,
            self.warehouse_id,
            self.counterpart_warehouse_id,
            self.base_quantity,
            self.occurred_at,
        )


def _held(keys: set[StreamKey]) -> dict[StreamKey, list[_HeldRow]]:
    """The held events of these streams, by stream, in sequence order."""
    rows = InventoryMovement.objects.filter(
        held=True,
        source__in={key[0] for key in keys},
        warehouse_id__in={key[1] for key in keys},
    ).order_by("sequence", "id")
    by_stream: dict[StreamKey, list[_HeldRow]] = defaultdict(list)
    for values in rows.values_list(*_HeldRow._fields):
        row = _HeldRow(*values)
        if (row.source, row.warehouse_id) in keys:
            by_stream[(row.source, row.warehouse_id)].append(row)
    return by_stream


def _update_in_chunks(ids: list[int], **values: object) -> None:
    for start in range(0, len(ids), 5000):
        InventoryMovement.objects.filter(id__in=ids[start : start + 5000]).update(**values)


def _release(
    rows: list[_HeldRow], *, now: datetime.datetime, after_gap: bool, result: MovementBatchResult
) -> None:
    """Apply released events to the positions and clear their held flag; an event older
    than its source's snapshot only leaves the queue. Stored rows only (id > 0)."""
    to_apply = [row for row in rows if not row.before_snapshot]
    positions_apply(row.applied() for row in to_apply)
    apply_ids = [row.id for row in to_apply if row.id > 0]
    skip_ids = [row.id for row in rows if row.before_snapshot and row.id > 0]
    _update_in_chunks(
        apply_ids, held=False, applied=True, applied_at=now, applied_after_gap=after_gap
    )
    _update_in_chunks(skip_ids, held=False)
    result.applied += len(to_apply)
    result.before_snapshot += len(rows) - len(to_apply)
    if after_gap:
        result.applied_after_gap += len(to_apply)


def _as_held(index: int, movement: InventoryMovement) -> _HeldRow:
    """A movement of this batch, not stored yet, as the sequencing reads it (id < 0)."""
    return _HeldRow(
        -(index + 1),
        movement.kind,
        movement.source,
        movement.sequence,
        movement.item_id,
        movement.warehouse_id,
        movement.counterpart_warehouse_id,
        movement.base_quantity,
        movement.occurred_at,
        movement.before_snapshot,
    )


def _sequence(
    new: list[InventoryMovement], *, now: datetime.datetime, result: MovementBatchResult
) -> None:
    """Store the batch's new events and release, per stream, every event whose
    predecessors are all in: late ones (numbers at or below where the stream has got to,
    e.g. after a gap timed out, or a second event under a number already in) and the run
    that continues the stream without a hole; the rest wait, `held`. A stream's first
    event starts it. New events are stored with their final flags (one write each)."""
    keys = {(movement.source, movement.warehouse_id) for movement in new}
    streams = _locked_streams(keys) if keys else {}
    # Stored already: checked under the stream locks, so that two batches carrying the
    # same event at once apply it once (the second waits for the first's commit).
    ids = {(movement.source, movement.source_event_id) for movement in new}
    stored = set(
        InventoryMovement.objects.filter(
            source__in={key[0] for key in ids}, source_event_id__in={key[1] for key in ids}
        ).values_list("source", "source_event_id")
    )
    if stored:
        fresh = [m for m in new if (m.source, m.source_event_id) not in stored]
        result.duplicates += len(new) - len(fresh)
        new[:] = fresh
    pending = _held(keys) if keys else {}
    for index, movement in enumerate(new):
        pending.setdefault((movement.source, movement.warehouse_id), []).append(
            _as_held(index, movement)
        )
    ready: list[_HeldRow] = []
    for key, rows in pending.items():
        rows.sort(key=lambda row: (row.sequence, row.id > 0, abs(row.id)))
        stream = streams[key]
        start = stream.applied_through
        through = rows[0].sequence - 1 if start is None else start
        for row in rows:
            if row.sequence > through + 1:
                break  # a hole: this and every later event wait
            ready.append(row)
            through = max(through, row.sequence)
        if through != start:
            stream.applied_through = through
            stream.save(update_fields=["applied_through", "updated_at"])
    for row in ready:
        if row.id < 0:
            movement = new[-row.id - 1]
            movement.held = False
            movement.applied = not movement.before_snapshot
            movement.applied_at = now if movement.applied else None
    _release(ready, now=now, after_gap=False, result=result)
    InventoryMovement.objects.bulk_create(new, batch_size=2000)
    result.recorded = len(new)
    result.held = sum(1 for movement in new if movement.held)


@transaction.atomic
def movements_release_gaps(
    *,
    actor: Actor = None,
    now: datetime.datetime | None = None,
    timeout: datetime.timedelta = GAP_TIMEOUT,
    result: MovementBatchResult | None = None,
) -> MovementBatchResult:
    """Streams whose oldest held event arrived more than `timeout` ago: apply every held
    event (flagged `applied_after_gap`), move the stream past the missing numbers and open
    (or update) one "sequence gap" case per stream for the integration team."""
    now = now or timezone.now()
    result = result if result is not None else MovementBatchResult()
    stale = (
        InventoryMovement.objects.filter(held=True)
        .values("source", "warehouse_id")
        .annotate(oldest=Min("received_at"))
        .filter(oldest__lte=now - timeout)
    )
    keys = {(row["source"], row["warehouse_id"]) for row in stale}
    if not keys:
        return result
    streams = _locked_streams(keys)
    codes = dict(Warehouse.objects.filter(pk__in={k[1] for k in keys}).values_list("pk", "code"))
    for key, rows in _held(keys).items():
        stream = streams[key]
        present = {row.sequence for row in rows}
        through = stream.applied_through
        first = (rows[0].sequence - 1 if through is None else through) + 1
        last = max(present)
        missing = [n for n in range(first, last) if n not in present]
        stream.applied_through = max(last, first - 1)
        stream.save(update_fields=["applied_through", "updated_at"])
        _release(rows, now=now, after_gap=True, result=result)
        source, code = key[0], codes[key[1]]
        exception_open_or_update(
            actor=actor,
            exception_class=ExceptionClass.SEQUENCE_GAP,
            subject=Subject.document(
                document_type="movement_stream",
                document_ref=f"{source}@{code}",
                warehouse_code=code,
            ),
            title=(
                f"{source} at {code}: {len(missing)} event(s) missing "
                f"(from #{missing[0] if missing else first}); {len(rows)} later event(s) "
                f"applied after waiting {int(timeout.total_seconds() // 60)} min"
            ),
            detail={"missing": missing[:100], "missing_count": len(missing), "held": len(rows)},
            channel=Channel.SYSTEM,
            now=now,
        )
    return result


def stage_row(index: int, row: MovementInput) -> tuple[object, ...]:
    """A row as `mv_stage` holds it: a time without its offset is staged empty, which
    the apply reports on `occurred_at` in its turn among the row's rules."""
    occurred = None if timezone.is_naive(row.occurred_at) else row.occurred_at
    recorded = row.recorded_at
    if recorded is not None and timezone.is_naive(recorded):
        recorded = timezone.make_aware(recorded)  # as the ORM stores one
    return (
        index,
        row.source,
        row.source_event_id,
        row.sequence,
        row.kind,
        occurred,
        recorded,
        row.sku,
        row.warehouse,
        row.quantity,
        row.uom,
        row.reason,
        row.transfer_ref,
        row.counterpart_warehouse,
        row.asn_line_ref,
        row.document_ref,
    )


@transaction.atomic
def movements_ingest_staged(
    *,
    actor: Actor,
    cursor: CursorWrapper,
    received: int,
    now: datetime.datetime,
    gap_timeout: datetime.timedelta = GAP_TIMEOUT,
    resolved: bool = False,
) -> MovementBatchResult:
    """Apply the batch a channel has put in the temp table `mv_stage`
    (`movement_staging.stage_create`, rows numbered by the channel: `RowError.row` is that
    number) by the sequencing rules, set-based on PostgreSQL; any size (the file channel
    stages a whole file). With `resolved`, the rows `movement_staging.resolve_from` resolved
    already belong to the batch too. Then times out the gaps, as every ingest does."""
    staged = staged_apply(cursor, now=now, resolved=resolved)
    result = MovementBatchResult(
        received=received,
        recorded=staged.recorded,
        duplicates=staged.duplicates,
        applied=staged.applied,
        held=staged.held,
        before_snapshot=staged.before_snapshot,
        errors=[RowError(row, name, message) for row, name, message in staged.errors or []],
    )
    movements_release_gaps(actor=actor, now=now, timeout=gap_timeout, result=result)
    if result.held and result.applied_after_gap:
        # Of this batch's events, those a timed-out gap just released no longer wait.
        result.held = staged_still_held(cursor)
    staged_drop(cursor)
    return result


@transaction.atomic
def movements_ingest(
    *,
    actor: Actor,
    rows: Sequence[MovementInput],
    channel: str = Channel.SYSTEM,
    now: datetime.datetime | None = None,
    gap_timeout: datetime.timedelta = GAP_TIMEOUT,
) -> MovementBatchResult:
    """Record a batch of movement events and apply what the sequencing rules allow (see
    the module's docstring). Rows that break a rule are reported by position and left
    out; the others are stored. Sending the same batch again changes nothing. No audit
    entry per event: the stored events are the record (`channel` names the caller in
    logs and is kept for the channels' symmetry).

    On PostgreSQL the batch is COPYed into a temp table and applied set-based
    (`inventory.services.movement_apply`); elsewhere (the SQLite demo) row by row."""
    if len(rows) > BATCH_LIMIT:
        raise DomainError(f"A batch holds at most {BATCH_LIMIT:,} events.", field="movements")
    now = now or timezone.now()
    if not is_postgresql():
        return _ingest_rows(rows, actor=actor, now=now, gap_timeout=gap_timeout)
    with connection.cursor() as cursor:
        stage_create(cursor)
        stage_rows(cursor, (stage_row(index, row) for index, row in enumerate(rows)))
        return movements_ingest_staged(
            actor=actor, cursor=cursor, received=len(rows), now=now, gap_timeout=gap_timeout
        )


def _ingest_rows(
    rows: Sequence[MovementInput],
    *,
    actor: Actor,
    now: datetime.datetime,
    gap_timeout: datetime.timedelta,
) -> MovementBatchResult:
    """The row-by-row path (databases without COPY): the same rules, in Python."""
    result = MovementBatchResult(received=len(rows))
    built = _build(rows, now=now, result=result)
    _sequence(built, now=now, result=result)
    movements_release_gaps(actor=actor, now=now, timeout=gap_timeout, result=result)
    if result.held and result.applied_after_gap:
        # Of this batch's events, those a timed-out gap just released no longer wait.
        waiting = [movement.pk for movement in built if movement.held]
        result.held = InventoryMovement.objects.filter(pk__in=waiting, held=True).count()
    return result
