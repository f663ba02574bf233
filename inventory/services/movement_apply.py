"""The set-based apply of a batch of movement events on PostgreSQL (issue 22), for
`inventory.services.movements`: the batch sits in the temp table `mv_stage` (COPY from
the API's parsed rows, or from the file channel's CSV), and a fixed number of SQL
statements resolve it, drop duplicates, sequence each stream and update the positions,
however many events it holds (a 10,000-event request or a million-row file alike).

The rules are the ones `movements.py` states; the steps, all inside the caller's
transaction:

1. resolve: SKU, warehouse, counterpart and unit by join, the exact conversion to the
   base unit with the stored conversions (never rounded: a row that does not convert
   exactly is a row error, its message made by `inventory.services.uom` so that both
   paths say the same), the first rule each row breaks, duplicates within the batch;
2. lock the batch's streams, then drop the events stored already (under the locks: two
   batches carrying one event apply it once) and flag those older than the snapshot;
3. sequence per stream with window functions: events at or below where the stream has
   got to, and the contiguous run after it, are ready; the rest are held;
4. positions: one INSERT … ON CONFLICT DO UPDATE of the per-position sums of the ready
   events' effects that count (of the warehouse's source family, by a join); positions
   a cycle count of the batch touches go through
   `movement_positions.positions_apply` (a count recomputes `available` from the
   ledger, which is rare and per position);
5. the new events are inserted with their final flags (`ON CONFLICT DO NOTHING`), the
   released held ones updated.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from integrations.errors import DomainError
from inventory.models import (
    InventoryMovement,
    InventorySnapshot,
    Item,
    LivePosition,
    MovementStream,
    UnitOfMeasure,
    UomConversion,
    Warehouse,
)
from inventory.services.movement_positions import (
    Applied,
    positions_apply,
    positions_family_sql,
    source_family_sql,
)
from inventory.services.uom import conversion_ratios_to_base, convert_quantity

Kind = InventoryMovement.Kind
MOVEMENT = InventoryMovement._meta.db_table
STREAM = MovementStream._meta.db_table
POSITION = LivePosition._meta.db_table
WAREHOUSE = Warehouse._meta.db_table
SOURCE_REGEX = "^(erp|wms:[A-Za-z0-9_.-]{1,36})$"


def source_ok_sql(cell: str) -> str:
    """SQL true exactly when `cell` matches `SOURCE_REGEX`, written as an unbounded
    pattern plus a length: PostgreSQL's regex engine runs the bounded `{1,36}` ~4× slower
    (2.0 of a million-row file's seconds, measured), and 'wms:' + 1..36 characters is
    'wms:' + 1 or more with at most 40 in all ('erp' is 3)."""
    return f"({cell} ~ '^(erp|wms:[A-Za-z0-9_.-]+)$' AND length({cell}) <= 40)"


MAX_BASE_QUANTITY = 10**12
STAGE_COLUMNS = (
    "row_no",
    "source",
    "source_event_id",
    "sequence",
    "kind",
    "occurred_at",
    "recorded_at",
    "sku",
    "warehouse",
    "quantity",
    "uom",
    "reason",
    "transfer_ref",
    "counterpart_warehouse",
    "asn_line_ref",
    "document_ref",
)
_WORK_TABLES = (
    "mv_stage",
    "mv_resolved",
    "mv_repeats",
    "mv_seq",
    "mv_apply",
    "mv_effects",
)


@dataclass
class StagedResult:
    """What the apply did, by row number of the stage (the caller's numbering)."""

    recorded: int = 0
    duplicates: int = 0
    applied: int = 0
    held: int = 0
    before_snapshot: int = 0
    errors: list[tuple[int, str, str]] | None = None  # (row_no, field, message)


def stage_create(cursor: CursorWrapper) -> None:
    """The empty batch table; the caller fills it (COPY) and calls `staged_apply`."""
    staged_drop(cursor)
    cursor.execute(
        """CREATE TEMP TABLE mv_stage (
            row_no bigint NOT NULL, source text NOT NULL, source_event_id text NOT NULL,
            sequence bigint NOT NULL, kind text NOT NULL,
            occurred_at timestamptz, -- NULL: the sender's time had no offset
            recorded_at timestamptz, sku text NOT NULL, warehouse text NOT NULL,
            quantity numeric NOT NULL, uom text NOT NULL, reason text NOT NULL,
            transfer_ref text NOT NULL, counterpart_warehouse text NOT NULL,
            asn_line_ref text NOT NULL, document_ref text NOT NULL
        ) ON COMMIT DROP"""
    )


def stage_rows(cursor: CursorWrapper, rows: Iterable[tuple[Any, ...]]) -> None:
    """COPY rows (in `STAGE_COLUMNS` order) into the batch table."""
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy(f"COPY mv_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# The first rule a row breaks, in the order `movements._check` tests them.
_PROBLEMS: dict[str, tuple[str, str]] = {
    "source": ("source", "The source is 'erp' or 'wms:<warehouse system>', e.g. wms:DC1."),
    "source_event_id": ("source_event_id", "The source event id is 1 to 100 characters."),
    "sequence": ("sequence", "The sequence number starts at 1."),
    "kind": ("kind", f"The kind is one of {', '.join(sorted(Kind.values))}."),
    "occurred_at": (
        "occurred_at",
        "The time must carry its offset (e.g. 2026-03-20T14:02:00Z).",
    ),
    "nan": ("quantity", "The quantity is not a number."),
    "adjustment_zero": ("quantity", "An adjustment is a signed quantity other than zero."),
    "reason": ("reason", "An adjustment needs a reason."),
    "count_negative": ("quantity", "A cycle count is zero or more."),
    "not_positive": ("quantity", "The quantity is more than zero (the kind says the direction)."),
    "transfer_ref": ("transfer_ref", "A transfer needs its transfer reference."),
    "counterpart_warehouse": (
        "counterpart_warehouse",
        "A transfer names the warehouse at its other end.",
    ),
    "sku": ("sku", "No item has this SKU."),
    "warehouse": ("warehouse", "No warehouse has this code."),
    "uom": ("uom", "No unit of measure has this code."),
    "too_large": ("quantity", "The quantity is too large in the base unit."),
}


def _resolve_sql(rows: str = "mv_stage", *, source_checked: bool = False) -> str:
    """The SELECT that resolves the batch rows of `rows` (a table or a parenthesised
    query with the `STAGE_COLUMNS`, in that order) into `mv_resolved`'s columns;
    `source_checked` when every row's source is known to keep the contract (its check is
    the dearest of the row's rules)."""
    item, warehouse = Item._meta.db_table, Warehouse._meta.db_table
    unit, conv = UnitOfMeasure._meta.db_table, UomConversion._meta.db_table
    kinds = ", ".join(f"'{kind}'" for kind in Kind.values)
    transfers = f"('{Kind.TRANSFER_OUT}', '{Kind.TRANSFER_IN}')"
    source_ok = "true" if source_checked else source_ok_sql("q.source")
    # Item-specific before global, either direction of a stored pair (1 from = factor ×
    # to), as `uom._factor_in` picks them; q × num / den is exact with `places` decimals
    # iff q·num·10^places is a multiple of den (numeric arithmetic is exact).
    return f"""
    SELECT q.*, CASE
            WHEN NOT {source_ok} THEN 'source'
            WHEN q.source_event_id = '' OR length(q.source_event_id) > 100
                THEN 'source_event_id'
            WHEN q.sequence < 1 THEN 'sequence'
            WHEN q.kind NOT IN ({kinds}) THEN 'kind'
            WHEN q.occurred_at IS NULL THEN 'occurred_at'
            WHEN q.quantity IN ('NaN', 'Infinity', '-Infinity') THEN 'nan'
            WHEN q.kind = 'adjustment' AND q.quantity = 0 THEN 'adjustment_zero'
            WHEN q.kind = 'adjustment' AND q.reason = '' THEN 'reason'
            WHEN q.kind = 'cycle_count' AND q.quantity < 0 THEN 'count_negative'
            WHEN q.kind NOT IN ('adjustment', 'cycle_count') AND q.quantity <= 0
                THEN 'not_positive'
            WHEN q.kind IN {transfers} AND q.transfer_ref = '' THEN 'transfer_ref'
            WHEN q.kind IN {transfers} AND q.counterpart_id IS NULL
                THEN 'counterpart_warehouse'
            WHEN q.item_id IS NULL THEN 'sku'
            WHEN q.warehouse_id IS NULL THEN 'warehouse'
            WHEN q.uom_id IS NULL THEN 'uom'
            WHEN q.is_base AND round(q.quantity, q.places) <> q.quantity THEN 'convert'
            WHEN NOT q.is_base AND q.num IS NULL THEN 'convert'
            WHEN NOT q.is_base
                 AND mod(q.quantity * q.num * power(10::numeric, q.places), q.den) <> 0
                THEN 'convert'
            WHEN abs(q.base_quantity) >= {MAX_BASE_QUANTITY} THEN 'too_large'
        END AS problem
        FROM (
            SELECT c.*, CASE WHEN c.is_base THEN c.quantity
                             ELSE round(c.quantity * c.num / c.den, c.places) END
                        AS base_quantity
            FROM (
                SELECT s.*, i.id AS item_id, w.id AS warehouse_id, cw.id AS counterpart_id,
                       u.id AS uom_id, bu.decimal_places AS places,
                       u.id = i.base_uom_id AS is_base,
                       CASE WHEN cif.factor IS NOT NULL THEN cif.factor
                            WHEN cir.factor IS NOT NULL THEN 1
                            WHEN cgf.factor IS NOT NULL THEN cgf.factor
                            WHEN cgr.factor IS NOT NULL THEN 1 END AS num,
                       CASE WHEN cif.factor IS NOT NULL THEN 1
                            WHEN cir.factor IS NOT NULL THEN cir.factor
                            WHEN cgf.factor IS NOT NULL THEN 1
                            WHEN cgr.factor IS NOT NULL THEN cgr.factor END AS den
                FROM {rows} s
                LEFT JOIN {item} i ON i.sku = s.sku
                LEFT JOIN {unit} bu ON bu.id = i.base_uom_id
                LEFT JOIN {unit} u ON u.code = s.uom
                LEFT JOIN {warehouse} w ON w.code = s.warehouse
                LEFT JOIN {warehouse} cw ON cw.code = s.counterpart_warehouse
                LEFT JOIN {conv} cif ON u.id <> i.base_uom_id AND cif.item_id = i.id
                     AND cif.from_uom_id = u.id AND cif.to_uom_id = i.base_uom_id
                LEFT JOIN {conv} cir ON u.id <> i.base_uom_id AND cir.item_id = i.id
                     AND cir.to_uom_id = u.id AND cir.from_uom_id = i.base_uom_id
                LEFT JOIN {conv} cgf ON u.id <> i.base_uom_id AND cgf.item_id IS NULL
                     AND cgf.from_uom_id = u.id AND cgf.to_uom_id = i.base_uom_id
                LEFT JOIN {conv} cgr ON u.id <> i.base_uom_id AND cgr.item_id IS NULL
                     AND cgr.to_uom_id = u.id AND cgr.from_uom_id = i.base_uom_id
                OFFSET 0
            ) c
            OFFSET 0
        ) q"""


def resolve_from(cursor: CursorWrapper, rows: str, params: dict[str, str]) -> int:
    """Resolve the rows a query selects (the `STAGE_COLUMNS`, in order; every source
    checked against `SOURCE_REGEX` by the query) straight into `mv_resolved`, before
    `staged_apply(resolved=True)` adds what `mv_stage` holds: the file channel's rows its
    SQL contract check proves clean are cast and resolved in one statement, not written
    to a typed batch table only to be read again. How many."""
    sql = _resolve_sql(rows, source_checked=True)
    cursor.execute(f"CREATE TEMP TABLE mv_resolved ON COMMIT DROP AS {sql}", params)
    resolved: int = cursor.rowcount
    return resolved


def _conversion_messages(rows: list[tuple[int, str, str, Decimal]]) -> dict[int, str]:
    """row_no → what `convert_quantity` says about the rows SQL found inexact or without
    a conversion: the same words as every other quantity entry of the portal."""
    items = {
        i.sku: i
        for i in Item.objects.select_related("base_uom").filter(sku__in={r[1] for r in rows})
    }
    units = {u.code: u for u in UnitOfMeasure.objects.filter(code__in={r[2] for r in rows})}
    ratios = conversion_ratios_to_base({(items[r[1]], units[r[2]]) for r in rows})
    messages: dict[int, str] = {}
    for row_no, sku, code, quantity in rows:
        item, unit = items[sku], units[code]
        ratio = ratios[(item.pk, unit.pk)]
        try:
            if isinstance(ratio, DomainError):
                raise ratio
            convert_quantity(quantity=quantity, from_uom=unit, to_uom=item.base_uom, ratio=ratio)
            messages[row_no] = f"{quantity.normalize():f} {code} does not convert exactly."
        except DomainError as error:
            messages[row_no] = error.message
    return messages


def _duplicates(cursor: CursorWrapper) -> None:
    """`mv_repeats`: the events the batch carries more than once (among its valid rows)
    and the row of their first occurrence, the only one applied. A hash aggregate, not
    a sort of the batch: most batches repeat nothing."""
    cursor.execute(
        """CREATE TEMP TABLE mv_repeats ON COMMIT DROP AS
        SELECT source, source_event_id, min(row_no) AS first_row, count(*) - 1 AS repeats
        FROM mv_resolved WHERE problem IS NULL
        GROUP BY source, source_event_id HAVING count(*) > 1"""
    )


def _errors(cursor: CursorWrapper) -> list[tuple[int, str, str]]:
    cursor.execute(
        "SELECT row_no, problem, sku, uom, quantity FROM mv_resolved "
        "WHERE problem IS NOT NULL ORDER BY row_no"
    )
    found = cursor.fetchall()
    converting = [(r[0], r[2], r[3], r[4]) for r in found if r[1] == "convert"]
    messages = _conversion_messages(converting) if converting else {}
    errors = []
    for row_no, problem, *_rest in found:
        if problem == "convert":
            errors.append((row_no, "quantity", messages[row_no]))
        else:
            errors.append((row_no, *_PROBLEMS[problem]))
    return errors


def _lock_streams(cursor: CursorWrapper, now: datetime.datetime) -> None:
    """Create the batch's missing streams and lock them all (in id order, so that two
    batches never wait on each other crosswise); `mv_streams` holds where each is."""
    cursor.execute("DROP TABLE IF EXISTS mv_streams")
    cursor.execute(
        f"""INSERT INTO {STREAM} (source, warehouse_id, applied_through, updated_at)
        SELECT DISTINCT source, warehouse_id, NULL::bigint, %s::timestamptz FROM mv_resolved
        WHERE problem IS NULL ORDER BY 1, 2
        ON CONFLICT (source, warehouse_id) DO NOTHING""",
        [now],
    )
    cursor.execute(
        f"""CREATE TEMP TABLE mv_streams ON COMMIT DROP AS
        SELECT st.id, st.source, st.warehouse_id, st.applied_through FROM {STREAM} st
        WHERE (st.source, st.warehouse_id) IN (
            SELECT source, warehouse_id FROM mv_resolved WHERE problem IS NULL)"""
    )
    cursor.execute(
        f"SELECT id FROM {STREAM} WHERE id IN (SELECT id FROM mv_streams) ORDER BY id FOR UPDATE"
    )
    cursor.execute(
        f"""UPDATE mv_streams m SET applied_through = st.applied_through FROM {STREAM} st
        WHERE st.id = m.id"""
    )  # as of the lock: another batch may have moved it while this one waited


def _new_events(cursor: CursorWrapper) -> None:
    """`mv_new`, a view the sequencing reads once (a million rows are not written one
    more time): the valid, first-in-batch rows not stored already (checked under the
    stream locks), with `before_snapshot`."""
    snapshot = InventorySnapshot._meta.db_table
    failed, erp, wms = (
        InventorySnapshot.Status.FAILED.value,
        InventorySnapshot.Source.ERP.value,
        InventorySnapshot.Source.WMS.value,
    )
    cursor.execute(
        f"""CREATE TEMP VIEW mv_new AS
        SELECT r.*, snap.taken_at IS NOT NULL AND r.occurred_at <= snap.taken_at
                    AS before_snapshot
        FROM mv_resolved r
        LEFT JOIN (
            SELECT warehouse_id, source, max(taken_at) AS taken_at FROM {snapshot}
            WHERE NOT partial AND status <> '{failed}'
              AND warehouse_id IN (SELECT warehouse_id FROM mv_streams)
            GROUP BY warehouse_id, source
        ) snap ON snap.warehouse_id = r.warehouse_id
              AND snap.source = CASE WHEN r.source = 'erp' THEN '{erp}' ELSE '{wms}' END
        WHERE r.problem IS NULL
          AND NOT EXISTS (SELECT 1 FROM mv_repeats d WHERE d.source = r.source
                          AND d.source_event_id = r.source_event_id AND d.first_row <> r.row_no)
          AND NOT EXISTS (SELECT 1 FROM {MOVEMENT} m
                          WHERE m.source = r.source AND m.source_event_id = r.source_event_id)"""
    )


# What the steps after the sequencing read of an event, new (from `mv_new`) or held
# (from the ledger), so that they never join back.
_SEQ_COLUMNS = (
    "kind, source, source_event_id, sequence, occurred_at, recorded_at, item_id, "
    "warehouse_id, counterpart_id, quantity, uom_id, base_quantity, reason, transfer_ref, "
    "asn_line_ref, document_ref, before_snapshot"
)
_NEW_COLUMNS = ", ".join(f"n.{name.strip()}" for name in _SEQ_COLUMNS.split(","))
_HELD_COLUMNS = (
    "m.kind, m.source, m.source_event_id, m.sequence, m.occurred_at, NULL, m.item_id, "
    "m.warehouse_id, m.counterpart_warehouse_id, NULL, NULL, m.base_quantity, NULL, NULL, "
    "NULL, NULL, m.before_snapshot"
)


def _sequence(cursor: CursorWrapper, now: datetime.datetime) -> None:
    """`mv_seq`: the new events and the streams' held ones (`id` set), each `ready` when
    every earlier number of its stream is in: at or below where the stream has got to
    (`start`; a stream's first event starts it), or in the run that continues it
    without a hole (sequence − dense rank = start). Moves the streams along."""
    cursor.execute(
        f"""CREATE TEMP TABLE mv_seq ON COMMIT DROP AS
        WITH pending AS (
            SELECT n.row_no, NULL::bigint AS id, {_NEW_COLUMNS}
            FROM mv_new n
            UNION ALL
            SELECT NULL, m.id, {_HELD_COLUMNS}
            FROM {MOVEMENT} m JOIN mv_streams st
              ON m.source = st.source AND m.warehouse_id = st.warehouse_id
            WHERE m.held
        ), started AS (
            SELECT p.*, COALESCE(st.applied_through, min(p.sequence) OVER (
                       PARTITION BY p.source COLLATE "C", p.warehouse_id) - 1) AS start
            FROM pending p JOIN mv_streams st
              ON p.source = st.source AND p.warehouse_id = st.warehouse_id
        )
        SELECT s.*, s.sequence <= s.start OR s.sequence - dense_rank() OVER (
                   PARTITION BY s.source COLLATE "C", s.warehouse_id, s.sequence <= s.start
                   ORDER BY s.sequence) = s.start AS ready
        FROM started s"""
    )
    cursor.execute(
        f"""UPDATE {STREAM} st SET applied_through = x.through, updated_at = %s
        FROM (SELECT source, warehouse_id,
                     GREATEST(max(start), max(sequence) FILTER (WHERE ready)) AS through
              FROM mv_seq GROUP BY source, warehouse_id) x
        WHERE st.source = x.source AND st.warehouse_id = x.warehouse_id
          AND st.applied_through IS DISTINCT FROM x.through""",
        [now],
    )


_APPLIED_COLUMNS = (
    "kind, source, sequence, item_id, warehouse_id, counterpart_id, base_quantity, occurred_at"
)


# An effect counts on a warehouse whose positions follow the event's source family
# (`movement_positions.counted_effects`): a join to the warehouse, never per row.
_COUNTS = f"{source_family_sql('a.source')} = {positions_family_sql('w')}"


def _positions(cursor: CursorWrapper) -> None:
    """Apply the ready events (not older than the snapshot) to the live positions: each
    effect where it counts."""
    cursor.execute(
        f"""CREATE TEMP TABLE mv_apply ON COMMIT DROP AS
        SELECT {_APPLIED_COLUMNS} FROM mv_seq WHERE ready AND NOT before_snapshot"""
    )
    # A count recomputes `available` from the ledger after it: the positions a count of
    # this batch touches (one that counts there) take the per-position path, with every
    # event of theirs.
    cursor.execute(
        f"""SELECT {_APPLIED_COLUMNS} FROM mv_apply WHERE (item_id, warehouse_id) IN (
            SELECT a.item_id, a.warehouse_id FROM mv_apply a JOIN {WAREHOUSE} w
              ON w.id = a.warehouse_id
            WHERE a.kind = 'cycle_count' AND {_COUNTS})"""
    )
    counted = [Applied(*row) for row in cursor.fetchall()]
    if counted:
        positions_apply(counted)
        keys = sorted({(m.item_id, m.warehouse_id) for m in counted})
        cursor.execute(
            "DELETE FROM mv_apply WHERE (item_id, warehouse_id) IN "
            "(SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
            [[k[0] for k in keys], [k[1] for k in keys]],
        )
    q = "a.base_quantity"
    cursor.execute(
        f"""CREATE TEMP TABLE mv_effects ON COMMIT DROP AS
        SELECT a.item_id, a.warehouse_id, a.occurred_at, true AS own,
            CASE WHEN a.kind IN ('receipt', 'customer_return') THEN {q}
                 WHEN a.kind = 'put_away' THEN -{q} ELSE 0 END AS received,
            CASE WHEN a.kind = 'quality_hold' THEN {q}
                 WHEN a.kind = 'quality_release' THEN -{q} ELSE 0 END AS quality_hold,
            CASE a.kind WHEN 'put_away' THEN {q} WHEN 'quality_hold' THEN -{q}
                 WHEN 'quality_release' THEN {q} WHEN 'adjustment' THEN {q}
                 WHEN 'return_to_vendor' THEN -{q} WHEN 'transfer_out' THEN -{q}
                 WHEN 'transfer_in' THEN {q} END AS available,
            CASE WHEN a.kind = 'transfer_in' AND a.counterpart_id IS NOT NULL THEN -{q}
                 ELSE 0 END AS in_transit
        FROM mv_apply a JOIN {WAREHOUSE} w ON w.id = a.warehouse_id
        WHERE {_COUNTS}
        UNION ALL  -- in transit is the destination's figure
        SELECT a.item_id, a.counterpart_id, a.occurred_at, false, 0, 0, NULL, {q}
        FROM mv_apply a JOIN {WAREHOUSE} w ON w.id = a.counterpart_id
        WHERE a.kind = 'transfer_out' AND {_COUNTS}"""
    )
    # A position counted earlier keeps only the `available` effects after its count:
    # per position, read from the effects table (indexed when any such position exists).
    cursor.execute(
        f"""SELECT EXISTS (SELECT 1 FROM {POSITION} p WHERE p.counted_at IS NOT NULL
            AND p.warehouse_id IN (SELECT warehouse_id FROM mv_streams
                                   UNION SELECT counterpart_id FROM mv_apply))"""
    )
    if cursor.fetchone()[0]:
        cursor.execute("CREATE INDEX ON mv_effects (item_id, warehouse_id)")
        cursor.execute("ANALYZE mv_effects")
    cursor.execute(
        f"""INSERT INTO {POSITION} AS p (item_id, warehouse_id, received, quality_hold,
            available, in_transit, counted_source, as_of, updated_at)
        SELECT item_id, warehouse_id, sum(received), sum(quality_hold),
               COALESCE(sum(available), 0), sum(in_transit), '',
               max(occurred_at) FILTER (WHERE own), %s::timestamptz
        FROM mv_effects GROUP BY item_id, warehouse_id
        ORDER BY warehouse_id, item_id  -- one lock order for concurrent batches
        ON CONFLICT (warehouse_id, item_id) DO UPDATE SET
            received = p.received + EXCLUDED.received,
            quality_hold = p.quality_hold + EXCLUDED.quality_hold,
            in_transit = p.in_transit + EXCLUDED.in_transit,
            available = p.available + CASE WHEN p.counted_at IS NULL THEN EXCLUDED.available
                ELSE (SELECT COALESCE(sum(e.available), 0) FROM mv_effects e
                      WHERE e.item_id = p.item_id AND e.warehouse_id = p.warehouse_id
                        AND e.occurred_at > p.counted_at) END,
            as_of = GREATEST(p.as_of, EXCLUDED.as_of),
            updated_at = EXCLUDED.updated_at""",
        [timezone.now()],
    )


def _store(cursor: CursorWrapper, now: datetime.datetime, *, released: int) -> None:
    """Insert the new events with their final flags; release the held ones now ready."""
    cursor.execute(
        f"""INSERT INTO {MOVEMENT} (kind, source, source_event_id, sequence, occurred_at,
            recorded_at, received_at, item_id, warehouse_id, counterpart_warehouse_id,
            quantity, uom_id, base_quantity, reason, transfer_ref, asn_line_ref,
            document_ref, applied, applied_at, held, applied_after_gap, before_snapshot)
        SELECT n.kind, n.source, n.source_event_id, n.sequence, n.occurred_at,
               COALESCE(n.recorded_at, n.occurred_at), %(now)s, n.item_id, n.warehouse_id,
               n.counterpart_id, n.quantity, n.uom_id, n.base_quantity, left(n.reason, 100),
               left(n.transfer_ref, 60), left(n.asn_line_ref, 80), left(n.document_ref, 60),
               n.ready AND NOT n.before_snapshot,
               CASE WHEN n.ready AND NOT n.before_snapshot THEN %(now)s::timestamptz END,
               NOT n.ready, false, n.before_snapshot
        FROM mv_seq n WHERE n.row_no IS NOT NULL
        ON CONFLICT DO NOTHING""",
        {"now": now},
    )
    if not released:
        return
    cursor.execute(
        f"""UPDATE {MOVEMENT} m SET held = false, applied = NOT m.before_snapshot,
            applied_at = CASE WHEN m.before_snapshot THEN NULL ELSE %s::timestamptz END,
            applied_after_gap = false
        FROM mv_seq s WHERE s.id = m.id AND s.ready""",
        [now],
    )


def staged_apply(
    cursor: CursorWrapper, *, now: datetime.datetime, resolved: bool = False
) -> StagedResult:
    """Apply the batch in `mv_stage` (see the module's docstring), with the rows
    `resolve_from` put in `mv_resolved` already when `resolved`. The caller holds the
    transaction; the work tables go with it."""
    result = StagedResult()
    # The sequencing's sort and the repeats' hash of a million-row file stay in memory
    # (allocated only as far as a batch needs: a 10,000-event one takes a few MB).
    cursor.execute("SET LOCAL work_mem = '256MB'")
    # Its size for the planner: a 10,000-event batch looks its items up by index, a
    # million-row file hashes the item table.
    cursor.execute("ANALYZE mv_stage")
    if resolved:
        cursor.execute(f"INSERT INTO mv_resolved {_resolve_sql()}")
    else:
        cursor.execute(f"CREATE TEMP TABLE mv_resolved ON COMMIT DROP AS {_resolve_sql()}")
    result.errors = _errors(cursor)
    _duplicates(cursor)
    _lock_streams(cursor, now)
    _new_events(cursor)
    _sequence(cursor, now)
    cursor.execute(
        """SELECT count(*) FILTER (WHERE row_no IS NOT NULL),
                  count(*) FILTER (WHERE ready AND NOT before_snapshot),
                  count(*) FILTER (WHERE ready AND before_snapshot),
                  count(*) FILTER (WHERE row_no IS NOT NULL AND NOT ready),
                  count(*) FILTER (WHERE row_no IS NULL AND ready)
           FROM mv_seq"""
    )
    counts = cursor.fetchone()
    result.recorded, result.applied, result.before_snapshot, result.held = counts[:4]
    cursor.execute("SELECT count(*) FROM mv_resolved WHERE problem IS NULL")
    # Every valid row not recorded now repeats one of the batch or one stored already.
    result.duplicates = cursor.fetchone()[0] - result.recorded
    _positions(cursor)
    _store(cursor, now, released=counts[4])
    return result


def staged_still_held(cursor: CursorWrapper) -> int:
    """Of the batch's new events held, how many still are (a timed-out gap may just
    have released them)."""
    cursor.execute(
        f"""SELECT count(*) FROM mv_seq s JOIN {MOVEMENT} m
              ON m.source = s.source AND m.source_event_id = s.source_event_id
        WHERE s.row_no IS NOT NULL AND NOT s.ready AND m.held"""
    )
    held: int = cursor.fetchone()[0]
    return held


def staged_drop(cursor: CursorWrapper) -> None:
    """Drop the work tables now (a caller may ingest again in the same transaction)."""
    cursor.execute("DROP VIEW IF EXISTS mv_new")  # before the tables it reads
    for table in (*_WORK_TABLES, "mv_streams"):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"
