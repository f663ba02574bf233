"""What an applied movement does to the live positions (issue 22), for a whole batch at
once: a few queries per batch, never one per movement.

Every figure but `available` is a plain sum of the movements applied, so it does not
depend on the order they arrive in. `available` is the latest cycle count plus the
movements that occurred after it: a count at time T already includes whatever happened
up to T, so a movement dated at or before the count changes nothing there, whenever it
arrives; a newer count recomputes `available` from the ledger after it.

An effect counts only when the movement's source family ("erp", or "wms" for every
`wms:…` source) is the one the warehouse whose figure it changes follows
(`Warehouse.positions_family`; the rule and its reasons: `inventory.services.
positions_source`): the other family's movements are recorded, not counted.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone

from inventory.models import InventoryMovement, LivePosition, Warehouse

Kind = InventoryMovement.Kind
ZERO = Decimal(0)
Key = tuple[int, int]  # (item_id, warehouse_id)
# A count's rank: the later instant wins; at the same instant the higher source, sequence.
Rank = tuple[datetime.datetime, str, int]


@dataclass(frozen=True)
class Applied:
    """A movement as the position apply reads it (base unit, ids only)."""

    kind: str
    source: str
    sequence: int
    item_id: int
    warehouse_id: int
    counterpart_id: int | None
    quantity: Decimal
    occurred_at: datetime.datetime


@dataclass(frozen=True)
class Effect:
    key: Key
    figure: str  # a LivePosition field
    delta: Decimal
    occurred_at: datetime.datetime


def effects(movement: Applied) -> list[Effect]:
    """The figures one movement changes. A cycle count has none here: it sets
    `available` (see `positions_apply`)."""
    own = (movement.item_id, movement.warehouse_id)
    q, at = movement.quantity, movement.occurred_at
    table: dict[str, list[tuple[Key, str, Decimal]]] = {
        Kind.RECEIPT: [(own, "received", q)],
        Kind.CUSTOMER_RETURN: [(own, "received", q)],
        Kind.PUT_AWAY: [(own, "received", -q), (own, "available", q)],
        Kind.QUALITY_HOLD: [(own, "available", -q), (own, "quality_hold", q)],
        Kind.QUALITY_RELEASE: [(own, "quality_hold", -q), (own, "available", q)],
        Kind.ADJUSTMENT: [(own, "available", q)],  # signed
        Kind.RETURN_TO_VENDOR: [(own, "available", -q)],
        Kind.TRANSFER_OUT: [(own, "available", -q)],
        # In transit is the destination's figure: the transfer out puts the goods there,
        # the transfer in (at the destination) takes them off.
        Kind.TRANSFER_IN: [(own, "available", q)],
        Kind.CYCLE_COUNT: [],
    }
    rows = table[movement.kind]
    if movement.counterpart_id is not None:
        if movement.kind == Kind.TRANSFER_OUT:
            rows = [*rows, ((movement.item_id, movement.counterpart_id), "in_transit", q)]
        elif movement.kind == Kind.TRANSFER_IN:
            rows = [*rows, (own, "in_transit", -q)]
    return [Effect(key, figure, delta, at) for key, figure, delta in rows]


def source_family(source: str) -> str:
    """ "erp" for the ERP's events, "wms" for every `wms:…` source."""
    return "erp" if source == "erp" else "wms"


def source_family_sql(column: str) -> str:
    """`source_family` of a source column, in SQL."""
    return f"(CASE WHEN {column} = 'erp' THEN 'erp' ELSE 'wms' END)"


def positions_family_sql(alias: str) -> str:
    """`Warehouse.positions_family` of the warehouse row `alias`, in SQL."""
    return (
        f"(CASE WHEN {alias}.positions_source <> '' THEN {alias}.positions_source "
        f"WHEN {alias}.wms_connector <> '' THEN 'wms' ELSE 'erp' END)"
    )


def positions_families(warehouse_ids: Iterable[int | None]) -> dict[int, str]:
    """Warehouse id → the family its positions follow: one query."""
    ids = {wh_id for wh_id in warehouse_ids if wh_id is not None}
    if not ids:
        return {}
    rows = Warehouse.objects.filter(pk__in=ids).only("id", "positions_source", "wms_connector")
    return {warehouse.pk: warehouse.positions_family for warehouse in rows}


def counted_effects(movement: Applied, families: dict[int, str]) -> list[Effect]:
    """The effects of `movement` that count: those on a warehouse whose positions
    follow the movement's source family."""
    family = source_family(movement.source)
    return [effect for effect in effects(movement) if families.get(effect.key[1]) == family]


def _counts_here(movement: Applied, families: dict[int, str]) -> bool:
    """Whether the movement counts at its own warehouse (a count's, the as-of's rule)."""
    return families.get(movement.warehouse_id) == source_family(movement.source)


def _rank(movement: Applied) -> Rank:
    return (movement.occurred_at, movement.source, movement.sequence)


def _position_rank(position: LivePosition) -> Rank | None:
    if position.counted_at is None:
        return None
    return (position.counted_at, position.counted_source, position.counted_sequence or 0)


def _locked_positions(keys: set[Key]) -> dict[Key, LivePosition]:
    """The positions of `keys`, created when missing, locked for the batch."""
    LivePosition.objects.bulk_create(
        [LivePosition(item_id=item_id, warehouse_id=wh_id) for item_id, wh_id in sorted(keys)],
        ignore_conflicts=True,
        batch_size=2000,
    )
    rows = LivePosition.objects.select_for_update().filter(
        item_id__in={key[0] for key in keys}, warehouse_id__in={key[1] for key in keys}
    )
    return {
        (row.item_id, row.warehouse_id): row
        for row in rows.order_by("pk")
        if (row.item_id, row.warehouse_id) in keys
    }


def _available_after(
    counts: dict[Key, datetime.datetime], families: dict[int, str]
) -> dict[Key, Decimal]:
    """Per key, the `available` effects that count of movements already applied that
    occurred after the key's count time: one query for every recounted key of the batch."""
    totals: dict[Key, Decimal] = defaultdict(Decimal)
    if not counts:
        return totals
    ledger = InventoryMovement.objects.filter(
        applied=True,
        item_id__in={key[0] for key in counts},
        warehouse_id__in={key[1] for key in counts},
        occurred_at__gt=min(counts.values()),
    ).exclude(kind=Kind.CYCLE_COUNT)
    fields = ("kind", "source", "sequence", "item_id", "warehouse_id")
    for row in ledger.values_list(
        *fields, "counterpart_warehouse_id", "base_quantity", "occurred_at"
    ).iterator(chunk_size=5000):
        for effect in counted_effects(Applied(*row), families):
            count_at = counts.get(effect.key)
            if effect.figure == "available" and count_at and effect.occurred_at > count_at:
                totals[effect.key] += effect.delta
    return totals


FIGURES = ("received", "quality_hold", "available", "in_transit")


def positions_apply(movements: Iterable[Applied]) -> int:
    """Apply `movements` (not yet marked applied) to the live positions; returns how many
    positions changed. The caller holds the transaction and the stream locks."""
    batch = list(movements)
    families = positions_families(
        {m.warehouse_id for m in batch} | {m.counterpart_id for m in batch}
    )
    all_effects = [effect for movement in batch for effect in counted_effects(movement, families)]
    counts: dict[Key, Applied] = {}
    for movement in batch:
        if movement.kind == Kind.CYCLE_COUNT and _counts_here(movement, families):
            key = (movement.item_id, movement.warehouse_id)
            if key not in counts or _rank(movement) > _rank(counts[key]):
                counts[key] = movement
    keys = {effect.key for effect in all_effects} | set(counts)
    if not keys:
        return 0
    positions = _locked_positions(keys)
    recounted: dict[Key, datetime.datetime] = {}
    for key, count in counts.items():
        position = positions[key]
        current = _position_rank(position)
        if current is None or _rank(count) > current:
            position.counted_at = count.occurred_at
            position.counted_qty = count.quantity
            position.counted_source = count.source
            position.counted_sequence = count.sequence
            recounted[key] = count.occurred_at
    earlier = _available_after(recounted, families)
    for key in recounted:
        positions[key].available = (positions[key].counted_qty or ZERO) + earlier[key]
    for effect in all_effects:
        position = positions[effect.key]
        counted_at = position.counted_at
        if effect.figure == "available" and counted_at and effect.occurred_at <= counted_at:
            continue  # the count already includes it
        setattr(position, effect.figure, getattr(position, effect.figure) + effect.delta)
    for movement in batch:
        if not _counts_here(movement, families):
            continue
        position = positions[(movement.item_id, movement.warehouse_id)]
        if position.as_of is None or movement.occurred_at > position.as_of:
            position.as_of = movement.occurred_at
    _write(list(positions.values()))
    return len(positions)


_WRITTEN = (*FIGURES, "counted_at", "counted_qty", "counted_source", "counted_sequence", "as_of")


def _write(positions: list[LivePosition]) -> None:
    """Save the locked positions' figures: one prepared UPDATE run for all of them
    (`bulk_update` builds a CASE per row and field, which costs more than the apply)."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    table = LivePosition._meta.db_table
    columns = ", ".join(f"{name} = %s" for name in (*_WRITTEN, "updated_at"))
    rows = []
    for position in positions:
        values: list[Any] = []
        for name in _WRITTEN:
            value = getattr(position, name)
            if isinstance(value, datetime.datetime):
                value = ops.adapt_datetimefield_value(value)
            elif isinstance(value, Decimal):
                value = ops.adapt_decimalfield_value(value, 18, 6)
            values.append(value)
        rows.append([*values, now, position.pk])
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {columns} WHERE id = %s", rows)


@dataclass
class _Rebuilt:
    """One position as the applied ledger has it, from scratch."""

    figures: dict[str, Decimal]
    count: Applied | None = None
    as_of: datetime.datetime | None = None


def _rebuild(rows: Iterable[Applied], *, warehouse_id: int, family: str) -> dict[int, _Rebuilt]:
    """Per item, the position at `warehouse_id` (which follows `family`) that `rows`
    (every applied movement at it or with it as the counterpart) make."""
    families = {warehouse_id: family}
    rows = [row for row in rows if counted_effects(row, families) or _counts_here(row, families)]
    found: dict[int, _Rebuilt] = {}
    for row in rows:
        state = found.setdefault(row.item_id, _Rebuilt(dict.fromkeys(FIGURES, ZERO)))
        is_count = row.kind == Kind.CYCLE_COUNT and row.warehouse_id == warehouse_id
        if is_count and (state.count is None or _rank(row) > _rank(state.count)):
            state.count = row
        if row.warehouse_id == warehouse_id and (
            state.as_of is None or row.occurred_at > state.as_of
        ):
            state.as_of = row.occurred_at
    for state in found.values():
        if state.count is not None:
            state.figures["available"] = state.count.quantity
    for row in rows:
        state = found[row.item_id]
        last = state.count
        for effect in counted_effects(row, families):
            if effect.key[1] != warehouse_id:
                continue
            if effect.figure == "available" and last and effect.occurred_at <= last.occurred_at:
                continue
            state.figures[effect.figure] += effect.delta
    return found


def _applied_touching(warehouse_id: int, **item: int) -> Iterable[Applied]:
    """The applied movements at the warehouse, or with it as their counterpart."""
    touching = InventoryMovement.objects.filter(
        applied=True, warehouse_id=warehouse_id, **item
    ) | InventoryMovement.objects.filter(
        applied=True, counterpart_warehouse_id=warehouse_id, **item
    )
    fields = ("kind", "source", "sequence", "item_id", "warehouse_id")
    for row in touching.values_list(
        *fields, "counterpart_warehouse_id", "base_quantity", "occurred_at"
    ).iterator(chunk_size=5000):
        yield Applied(*row)


def positions_recompute(*, item_id: int, warehouse_id: int) -> dict[str, Decimal]:
    """The figures of one position recomputed from scratch from the applied ledger: what
    the tests compare the incrementally kept position against."""
    family = positions_families([warehouse_id])[warehouse_id]
    rows = _applied_touching(warehouse_id, item_id=item_id)
    state = _rebuild(rows, warehouse_id=warehouse_id, family=family).get(item_id)
    return state.figures if state is not None else dict.fromkeys(FIGURES, ZERO)


def positions_rebuild(*, warehouse_id: int) -> int:
    """Rewrite every live position of the warehouse from the applied ledger, by the
    family its positions follow now (after its source of record changed): positions no
    counted movement touches any more are zeroed, missing ones created. The caller holds
    the transaction. Returns how many positions were written."""
    family = positions_families([warehouse_id])[warehouse_id]
    found = _rebuild(_applied_touching(warehouse_id), warehouse_id=warehouse_id, family=family)
    existing = LivePosition.objects.filter(warehouse_id=warehouse_id).values_list(
        "item_id", flat=True
    )
    keys = {(item_id, warehouse_id) for item_id in [*existing, *found]}
    if not keys:
        return 0
    positions = _locked_positions(keys)
    empty = _Rebuilt(dict.fromkeys(FIGURES, ZERO))
    for (item_id, _wh), position in positions.items():
        state = found.get(item_id, empty)
        for name, value in state.figures.items():
            setattr(position, name, value)
        count = state.count
        position.counted_at = count.occurred_at if count else None
        position.counted_qty = count.quantity if count else None
        position.counted_source = count.source if count else ""
        position.counted_sequence = count.sequence if count else None
        position.as_of = state.as_of
    _write(list(positions.values()))
    return len(positions)
