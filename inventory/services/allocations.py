"""The allocation feed (issue 22): per item × warehouse, the quantity allocated to customer
orders, as an order-management system (source `oms:<CODE>`) or the ERP (`erp`) states it
at a time, kept on the live position (`LivePosition.allocated`, `allocated_source`,
`allocated_as_of`, `allocated_recorded_at`) for the positions API and ATP.

The rules:

- *Absolute figures, not deltas.* Each report re-states the allocation and replaces the
  stored one: a lost or repeated message leaves no drift, the next one says the truth.
- *Never back in time.* A figure as of an instant earlier than the stored one's is stale
  (a late or replayed message): counted in the answer and ignored.
- *One value per instant.* A figure as of the stored one's very instant with another
  quantity is refused as a conflict (a row error), whichever source sent it: the
  allocation of an item at a warehouse at one instant has one value. The same quantity
  again is unchanged (a re-post). Within a batch, rows of one position at one instant
  must agree, or all of them are refused; of the rest the latest instant applies and the
  earlier ones are stale.
- *A time too far ahead is refused*: a figure as of next week would hold every real one
  off as stale until then.
- *Quantities* in the item's base unit, or another unit converted exactly
  (`inventory.services.uom`, never rounded). An unknown SKU, warehouse or unit, or an
  inexact conversion, is a row error that says what to fix; the rest of the batch applies.

Set-based: one `INSERT … ON CONFLICT DO UPDATE … WHERE` the stored figure is older, per
batch (PostgreSQL; the SQLite demo sends the same statement in chunks). The positions it
does not update are locked by it all the same, so one read afterwards tells stale from a
re-post from a conflict, and no concurrent batch can slip in between. No audit entry per
row: the stored figure carries its source, as-of and recorded-at times.
"""

import datetime
import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from inventory.models import Item, LivePosition, UnitOfMeasure, Warehouse
from inventory.services.movements import RowError
from inventory.services.uom import conversion_ratios_to_base, convert_quantity
from portal.access import Actor

logger = logging.getLogger(__name__)

BATCH_LIMIT = 10_000
SOURCE_PATTERN = re.compile(r"^(erp|oms:[A-Za-z0-9_.-]{1,36})$")
MAX_BASE_QUANTITY = Decimal(10) ** 12  # the column holds 12 digits before the point
# How far ahead of the portal's clock an as-of time may be (the senders' clocks drift).
MAX_CLOCK_AHEAD = datetime.timedelta(minutes=5)
SQLITE_CHUNK = 1000  # rows per statement: SQLite binds at most 32,766 parameters
POSITION = LivePosition._meta.db_table
Key = tuple[int, int]  # (item_id, warehouse_id)


@dataclass(frozen=True)
class AllocationInput:
    """One reported figure as a channel hands it over: codes, not objects."""

    source: str
    sku: str
    warehouse: str
    quantity: Decimal
    uom: str
    as_of: datetime.datetime


@dataclass
class AllocationBatchResult:
    received: int = 0
    applied: int = 0  # figures stored (new, or newer than the stored one)
    unchanged: int = 0  # the stored figure again (same instant, same quantity)
    stale: int = 0  # older than the figure stored (or sent later in the batch)
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _Checked:
    index: int
    key: Key
    base: Decimal
    source: str
    as_of: datetime.datetime


def _check(
    row: AllocationInput,
    *,
    items: dict[str, Item],
    warehouses: dict[str, int],
    units: dict[str, UnitOfMeasure],
    now: datetime.datetime,
) -> tuple[str, str] | None:
    """(field, message) of the first rule the row breaks but the conversion, or None."""
    if not SOURCE_PATTERN.match(row.source):
        return "source", gettext("The source is 'erp' or 'oms:<order system>', e.g. oms:WEB.")
    if timezone.is_naive(row.as_of):
        return "as_of", gettext("The time must carry its offset (e.g. 2026-12-04T10:00:00Z).")
    if row.as_of > now + MAX_CLOCK_AHEAD:
        return "as_of", gettext(
            "The time is in the future (the portal's clock says %(now)s UTC); send the "
            "figure as of the time the order system counted it."
        ) % {"now": f"{now.astimezone(datetime.UTC):%Y-%m-%d %H:%M}"}
    if not row.quantity.is_finite() or row.quantity < 0:
        return "quantity", gettext("The allocated quantity is a number, zero or more.")
    if row.sku not in items:
        return "sku", gettext(
            "No item has the SKU %(sku)s: add the item to the portal (Items import) or "
            "correct the SKU."
        ) % {"sku": row.sku}
    if row.warehouse not in warehouses:
        return "warehouse", gettext(
            "No warehouse has the code %(code)s: add the warehouse or correct the code."
        ) % {"code": row.warehouse}
    if row.uom not in units:
        return "uom", gettext(
            "There is no unit of measure '%(code)s'; use one of the units in the "
            "unit-of-measure table."
        ) % {"code": row.uom}
    return None


def _checked(
    rows: Sequence[AllocationInput], *, now: datetime.datetime, result: AllocationBatchResult
) -> list[_Checked]:
    """The rows that keep every rule, their quantity converted exactly to the item's base
    unit; the others are listed in `result.errors`. Four queries."""
    items = {
        item.sku: item
        for item in Item.objects.select_related("base_uom").filter(sku__in={r.sku for r in rows})
    }
    warehouses = dict(
        Warehouse.objects.filter(code__in={r.warehouse for r in rows}).values_list("code", "pk")
    )
    units = {u.code: u for u in UnitOfMeasure.objects.filter(code__in={r.uom for r in rows})}
    problems = [
        _check(row, items=items, warehouses=warehouses, units=units, now=now) for row in rows
    ]
    pairs = {
        (items[row.sku], units[row.uom])
        for row, problem in zip(rows, problems, strict=True)
        if problem is None
    }
    ratios = conversion_ratios_to_base(pairs) if pairs else {}
    checked = []
    for index, (row, problem) in enumerate(zip(rows, problems, strict=True)):
        if problem is None:
            item, unit = items[row.sku], units[row.uom]
            ratio = ratios[(item.pk, unit.pk)]
            try:
                if isinstance(ratio, DomainError):
                    raise ratio
                base = convert_quantity(
                    quantity=row.quantity, from_uom=unit, to_uom=item.base_uom, ratio=ratio
                )
            except DomainError as error:
                problem = (error.field or "quantity", error.message)
            else:
                if base >= MAX_BASE_QUANTITY:
                    problem = ("quantity", gettext("The quantity is too large in the base unit."))
        if problem is not None:
            result.errors.append(RowError(index, *problem))
            continue
        key = (item.pk, warehouses[row.warehouse])
        # In UTC: RFC 3339 allows offsets PostgreSQL cannot read (+19:54); same instant.
        as_of = row.as_of.astimezone(datetime.UTC)
        checked.append(_Checked(index, key, base, row.source, as_of))
    return checked


def _when(moment: datetime.datetime) -> str:
    return f"{moment.astimezone(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC"


def _latest_per_position(
    checked: list[_Checked], rows: Sequence[AllocationInput], result: AllocationBatchResult
) -> list[_Checked]:
    """Per position, the row of the batch's latest instant; rows of one position at one
    instant that disagree are all refused, repeats of a row are unchanged and rows of
    earlier instants stale."""
    by_instant: dict[tuple[Key, datetime.datetime], list[_Checked]] = defaultdict(list)
    for row in checked:
        by_instant[(row.key, row.as_of)].append(row)
    latest: dict[Key, _Checked] = {}
    for (key, as_of), group in by_instant.items():
        quantities = sorted({row.base for row in group})
        if len(quantities) > 1:
            sent = rows[group[0].index]
            message = gettext(
                "This batch reports %(quantities)s allocated for %(sku)s at %(warehouse)s "
                "as of %(time)s; a figure at one instant has one value: send one."
            ) % {
                "quantities": ", ".join(f"{q.normalize():f}" for q in quantities),
                "sku": sent.sku,
                "warehouse": sent.warehouse,
                "time": _when(as_of),
            }
            result.errors.extend(RowError(row.index, "quantity", message) for row in group)
            continue
        result.unchanged += len(group) - 1
        kept = latest.get(key)
        if kept is None or as_of > kept.as_of:
            result.stale += kept is not None
            latest[key] = group[0]
        else:
            result.stale += 1
    return sorted(latest.values(), key=lambda row: (row.key[1], row.key[0]))


_COLUMNS = (
    "item_id, warehouse_id, received, quality_hold, available, in_transit, counted_source, "
    "allocated, allocated_source, allocated_as_of, allocated_recorded_at, updated_at"
)
_ON_CONFLICT = """ON CONFLICT (warehouse_id, item_id) DO UPDATE SET
        allocated = excluded.allocated,
        allocated_source = excluded.allocated_source,
        allocated_as_of = excluded.allocated_as_of,
        allocated_recorded_at = excluded.allocated_recorded_at,
        updated_at = excluded.updated_at
    WHERE p.allocated_as_of IS NULL OR p.allocated_as_of < excluded.allocated_as_of
    RETURNING item_id, warehouse_id"""


def _upsert(figures: list[_Checked], *, now: datetime.datetime) -> set[Key]:
    """Store each figure unless the position's is as recent or more; the positions
    written. One statement on PostgreSQL, in (warehouse, item) order: the order the
    movement apply locks positions in, so the two never deadlock."""
    if not figures:
        return set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""INSERT INTO {POSITION} AS p ({_COLUMNS})
                SELECT i, w, 0, 0, 0, 0, '', q, s, a, %s, %s
                FROM unnest(%s::bigint[], %s::bigint[], %s::numeric[], %s::text[],
                            %s::timestamptz[]) WITH ORDINALITY AS t(i, w, q, s, a, n)
                ORDER BY n
                {_ON_CONFLICT}""",
                [
                    now,
                    now,
                    [f.key[0] for f in figures],
                    [f.key[1] for f in figures],
                    [f.base for f in figures],
                    [f.source for f in figures],
                    [f.as_of for f in figures],
                ],
            )
            return {(row[0], row[1]) for row in cursor.fetchall()}
        ops = connection.ops
        stamp = ops.adapt_datetimefield_value(now)
        written: set[Key] = set()
        for start in range(0, len(figures), SQLITE_CHUNK):
            chunk = figures[start : start + SQLITE_CHUNK]
            values = ", ".join(["(%s, %s, 0, 0, 0, 0, '', %s, %s, %s, %s, %s)"] * len(chunk))
            params: list[Any] = []
            for f in chunk:
                params += [
                    f.key[0],
                    f.key[1],
                    ops.adapt_decimalfield_value(f.base, 18, 6),
                    f.source,
                    ops.adapt_datetimefield_value(f.as_of),
                    stamp,
                    stamp,
                ]
            cursor.execute(
                f"INSERT INTO {POSITION} AS p ({_COLUMNS}) VALUES {values} {_ON_CONFLICT}",
                params,
            )
            written |= {(row[0], row[1]) for row in cursor.fetchall()}
        return written


def _classify(
    figures: list[_Checked],
    rows: Sequence[AllocationInput],
    result: AllocationBatchResult,
) -> None:
    """The figures the upsert left alone, against what the positions hold (locked by the
    upsert): stale, unchanged or a conflict. One query."""
    if not figures:
        return
    stored = {
        (item_id, warehouse_id): (allocated, source, as_of)
        for item_id, warehouse_id, allocated, source, as_of in LivePosition.objects.filter(
            item_id__in={f.key[0] for f in figures},
            warehouse_id__in={f.key[1] for f in figures},
        ).values_list("item_id", "warehouse_id", "allocated", "allocated_source", "allocated_as_of")
    }
    for figure in figures:
        allocated, source, as_of = stored.get(figure.key, (None, "", None))
        if allocated is None or as_of is None:
            continue  # cannot be: the upsert writes a position without a figure
        if as_of > figure.as_of:
            result.stale += 1
        elif allocated == figure.base:
            result.unchanged += 1
        else:
            sent = rows[figure.index]
            message = gettext(
                "%(source)s already reported %(stored)s allocated for %(sku)s at "
                "%(warehouse)s as of %(time)s; a figure at one instant has one value: send "
                "the new figure as of a later time."
            ) % {
                "source": source,
                "stored": f"{allocated.normalize():f}",
                "sku": sent.sku,
                "warehouse": sent.warehouse,
                "time": _when(figure.as_of),
            }
            result.errors.append(RowError(figure.index, "as_of", message))


@transaction.atomic
def allocations_apply(
    *,
    actor: Actor,
    rows: Sequence[AllocationInput],
    channel: str = Channel.SYSTEM,
    now: datetime.datetime | None = None,
) -> AllocationBatchResult:
    """Store a batch of reported allocations by the rules of the module's docstring. Rows
    that break a rule are reported by position (`errors`, in row order) and left out; the
    rest apply. Sending the same batch again changes nothing (every row unchanged). A
    fixed number of queries however many rows the batch holds (PostgreSQL)."""
    if len(rows) > BATCH_LIMIT:
        raise DomainError(
            gettext("A batch holds at most %(limit)s allocations.") % {"limit": f"{BATCH_LIMIT:,}"},
            field="allocations",
        )
    now = now or timezone.now()
    result = AllocationBatchResult(received=len(rows))
    if not rows:
        return result
    candidates = _latest_per_position(_checked(rows, now=now, result=result), rows, result)
    written = _upsert(candidates, now=now)
    result.applied = len(written)
    _classify([f for f in candidates if f.key not in written], rows, result)
    result.errors.sort(key=lambda error: error.row)
    logger.info(
        "allocations via %s by %s: %s received, %s applied, %s unchanged, %s stale, %s refused",
        channel,
        getattr(actor, "pk", None) or "system",
        result.received,
        result.applied,
        result.unchanged,
        result.stale,
        len(result.errors),
    )
    return result
