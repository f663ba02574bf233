"""The set-based apply of a batch of movement events on PostgreSQL (issue 22), for
`inventory.services.movements`: the batch sits in the temp table `mv_stage` (COPY from
the API's parsed rows, or from the file channel's CSV), and a fixed number of SQL
statements resolve it, drop duplicates, sequence each stream and update the positions,
however many events it holds (a 10,000-event request or a million-row file alike).

The rules are the ones `movements.py` states; the steps, all inside the caller's
transaction:

1. resolve (`movement_staging`): SKU, warehouse, counterpart and unit by join, the
   exact conversion to the base unit, the first rule each row breaks; then duplicates
   within the batch;
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
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.utils import CursorWrapper
from django.utils import timezone

from inventory.models import (
    InventoryMovement,
    InventorySnapshot,
    LivePosition,
    MovementStream,
    Warehouse,
)
from inventory.services.movement_positions import (
    Applied,
    positions_apply,
    positions_family_sql,
    source_family_sql,
)
from inventory.services.movement_staging import (
    PROBLEMS,
    StagedResult,
    conversion_messages,
    resolve_sql,
)

Kind = InventoryMovement.Kind
MOVEMENT = InventoryMovement._meta.db_table
STREAM = MovementStream._meta.db_table
POSITION = LivePosition._meta.db_table
WAREHOUSE = Warehouse._meta.db_table


def _duplicates(cursor: CursorWrapper) -> tuple[int, int]:
    """`mv_repeats`: the events the batch carries more than once (among its valid rows)
    and the row of their first occurrence, the only one applied; `mv_keys`: the batch's
    streams (source, warehouse) with their valid rows. Hash aggregates, not sorts of the
    batch (most batches repeat nothing, and a million-row file has one or a few
    streams; see `_hashing`). How many valid rows, and how many with an error (the
    same pass: a clean batch is not read again for its errors)."""
    with _hashing(cursor):
        cursor.execute(
            """CREATE TEMP TABLE mv_repeats ON COMMIT DROP AS
            SELECT source, source_event_id, min(row_no) AS first_row, count(*) - 1 AS repeats
            FROM mv_resolved WHERE problem IS NULL
            GROUP BY source, source_event_id HAVING count(*) > 1"""
        )
        cursor.execute(
            """CREATE TEMP TABLE mv_keys ON COMMIT DROP AS
            SELECT source, warehouse_id, count(*) FILTER (WHERE problem IS NULL) AS valid,
                   count(*) FILTER (WHERE problem IS NOT NULL) AS invalid
            FROM mv_resolved GROUP BY source, warehouse_id"""
        )
    # sum() of counts is numeric: whole numbers for the report (JSON integers).
    cursor.execute("SELECT COALESCE(sum(valid), 0), COALESCE(sum(invalid), 0) FROM mv_keys")
    valid, invalid = (int(n) for n in cursor.fetchone())
    cursor.execute("DELETE FROM mv_keys WHERE valid = 0")  # streams of valid rows only
    return valid, invalid


_HASHING = ["enable_sort", "enable_incremental_sort", "jit"]


@contextmanager
def _hashing(cursor: CursorWrapper) -> Iterator[None]:
    """Aggregate the batch by hashing, not sorting: the planner cannot see how few groups
    an unanalysed batch table (or a view over one) holds, and sorting a million rows
    for the groups took 3 s where the hash takes 1. Without JIT: a disabled sort adds
    its penalty to the plan's cost, which would have a 2,000-row batch compile and
    optimise its expressions (0.8 s). The settings are restored after (and by the
    transaction's end, should the block fail)."""
    cursor.execute("SELECT current_setting(name) FROM unnest(%s::text[]) AS name", [_HASHING])
    was = [row[0] for row in cursor.fetchall()]
    cursor.execute(
        "SELECT set_config(name, 'off', true) FROM unnest(%s::text[]) AS name", [_HASHING]
    )
    yield
    cursor.execute(
        "SELECT set_config(name, value, true) FROM unnest(%s::text[], %s::text[]) "
        "AS s(name, value)",
        [_HASHING, was],
    )


def _errors(cursor: CursorWrapper) -> list[tuple[int, str, str]]:
    cursor.execute(
        "SELECT row_no, problem, sku, uom, quantity FROM mv_resolved "
        "WHERE problem IS NOT NULL ORDER BY row_no"
    )
    found = cursor.fetchall()
    converting = [(r[0], r[2], r[3], r[4]) for r in found if r[1] == "convert"]
    messages = conversion_messages(converting) if converting else {}
    errors = []
    for row_no, problem, *_rest in found:
        if problem == "convert":
            errors.append((row_no, "quantity", messages[row_no]))
        else:
            errors.append((row_no, *PROBLEMS[problem]))
    return errors


def _lock_streams(cursor: CursorWrapper, now: datetime.datetime) -> None:
    """Create the batch's missing streams and lock them all (in id order, so that two
    batches never wait on each other crosswise); `mv_streams` holds where each is."""
    cursor.execute("DROP TABLE IF EXISTS mv_streams")
    cursor.execute(
        f"""INSERT INTO {STREAM} (source, warehouse_id, applied_through, updated_at)
        SELECT source, warehouse_id, NULL::bigint, %s::timestamptz FROM mv_keys
        ORDER BY 1, 2
        ON CONFLICT (source, warehouse_id) DO NOTHING""",
        [now],
    )
    cursor.execute(
        f"""CREATE TEMP TABLE mv_streams ON COMMIT DROP AS
        SELECT st.id, st.source, st.warehouse_id, st.applied_through FROM {STREAM} st
        WHERE (st.source, st.warehouse_id) IN (SELECT source, warehouse_id FROM mv_keys)"""
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
    without a hole: the distinct numbers in (start, sequence] are sequence − start of
    them. Moves the streams along.

    One sort of the stream's events by number and running windows over it: `rank` is
    the dense rank of the number in the stream, and the running maximum of the ranks at
    or below `start` (those come first) counts the stream's distinct numbers there, so
    rank minus it counts the distinct numbers in (start, sequence]. A window over the
    whole stream (`min() OVER (PARTITION BY …)` without an order) held the stream's
    million rows (spilling them to disk) before the first row went out, and a second
    partitioning by `sequence <= start` sorted them again."""
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
        ), ranked AS (
            SELECT p.*, COALESCE(st.applied_through, min(p.sequence) OVER w - 1) AS start,
                   dense_rank() OVER w AS rank
            FROM pending p JOIN mv_streams st
              ON p.source = st.source AND p.warehouse_id = st.warehouse_id
            WINDOW w AS (PARTITION BY p.source COLLATE "C", p.warehouse_id
                         ORDER BY p.sequence)
        )
        SELECT {_SEQ_COLUMNS}, row_no, id, start,
               s.sequence <= s.start OR s.sequence - s.start = s.rank - max(
                   CASE WHEN s.sequence <= s.start THEN s.rank ELSE 0 END) OVER (
                   PARTITION BY s.source COLLATE "C", s.warehouse_id ORDER BY s.sequence)
               AS ready
        FROM ranked s"""
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


_APPLY = f"SELECT {_APPLIED_COLUMNS} FROM mv_seq WHERE ready AND NOT before_snapshot"


def _effects_sql(*, transfers: bool) -> str:
    """Each effect of the events in `mv_apply` where it counts; with `transfers`, the
    in-transit figures their transfers out put at the destination too."""
    q = "a.base_quantity"
    own = f"""
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
        WHERE {_COUNTS}"""
    if not transfers:
        return own
    return f"""{own}
        UNION ALL  -- in transit is the destination's figure
        SELECT a.item_id, a.counterpart_id, a.occurred_at, false, 0, 0, NULL, {q}
        FROM mv_apply a JOIN {WAREHOUSE} w ON w.id = a.counterpart_id
        WHERE a.kind = 'transfer_out' AND {_COUNTS}"""


def _positions(cursor: CursorWrapper, *, counts: bool, counterparts: list[int]) -> None:
    """Apply the ready events (not older than the snapshot) to the live positions: each
    effect where it counts. `counts`: whether those events hold a cycle count;
    `counterparts`: the warehouses their transfers out send goods to.

    The events and their effects are views over `mv_seq`, read once by the positions'
    aggregate, unless a count of the batch takes positions out of the set-based sums
    (`mv_apply` a table then) or a position of the batch's warehouses was counted
    before (`mv_effects` a table then, indexed for the per-position sums after the
    count). Should a concurrent count set one meanwhile, the view still answers, slowly."""
    cursor.execute(f"CREATE TEMP VIEW mv_apply AS {_APPLY}")
    # A count recomputes `available` from the ledger after it: the positions a count of
    # this batch touches (one that counts there) take the per-position path, with every
    # event of theirs.
    counted: list[Applied] = []
    if counts:
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
        cursor.execute("DROP VIEW mv_apply")
        cursor.execute(f"CREATE TEMP TABLE mv_apply ON COMMIT DROP AS {_APPLY}")
        cursor.execute(
            "DELETE FROM mv_apply WHERE (item_id, warehouse_id) IN "
            "(SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
            [[k[0] for k in keys], [k[1] for k in keys]],
        )
    # A position counted earlier keeps only the `available` effects after its count:
    # per position, read from the effects table (indexed when any such position exists).
    cursor.execute(
        f"""SELECT EXISTS (SELECT 1 FROM {POSITION} p WHERE p.counted_at IS NOT NULL
            AND (p.warehouse_id IN (SELECT warehouse_id FROM mv_streams)
                 OR p.warehouse_id = ANY(%s::bigint[])))""",
        [counterparts],
    )
    effects = _effects_sql(transfers=bool(counterparts))
    if cursor.fetchone()[0]:
        cursor.execute(f"CREATE TEMP TABLE mv_effects ON COMMIT DROP AS {effects}")
        cursor.execute("CREATE INDEX ON mv_effects (item_id, warehouse_id)")
        cursor.execute("ANALYZE mv_effects")
    else:
        cursor.execute(f"CREATE TEMP VIEW mv_effects AS {effects}")
    with _hashing(cursor):  # a million effects into a hundred thousand positions
        cursor.execute(
            f"""INSERT INTO {POSITION} AS p (item_id, warehouse_id, received, quality_hold,
                available, in_transit, counted_source, as_of, updated_at)
            SELECT * FROM (
                SELECT item_id, warehouse_id, sum(received), sum(quality_hold),
                       COALESCE(sum(available), 0), sum(in_transit), '',
                       max(occurred_at) FILTER (WHERE own), %s::timestamptz
                FROM mv_effects GROUP BY item_id, warehouse_id
                OFFSET 0  -- hashed apart: the lock order's sort is of the positions only
            ) x
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
        cursor.execute(f"INSERT INTO mv_resolved {resolve_sql()}")
    else:
        cursor.execute(f"CREATE TEMP TABLE mv_resolved ON COMMIT DROP AS {resolve_sql()}")
    valid, invalid = _duplicates(cursor)
    result.errors = _errors(cursor) if invalid else []
    _lock_streams(cursor, now)
    _new_events(cursor)
    _sequence(cursor, now)
    cursor.execute(
        """SELECT count(*) FILTER (WHERE row_no IS NOT NULL),
                  count(*) FILTER (WHERE ready AND NOT before_snapshot),
                  count(*) FILTER (WHERE ready AND before_snapshot),
                  count(*) FILTER (WHERE row_no IS NOT NULL AND NOT ready),
                  count(*) FILTER (WHERE row_no IS NULL AND ready),
                  COALESCE(bool_or(kind = 'cycle_count')
                           FILTER (WHERE ready AND NOT before_snapshot), false),
                  COALESCE(array_agg(DISTINCT counterpart_id) FILTER (
                      WHERE ready AND NOT before_snapshot AND kind = 'transfer_out'
                        AND counterpart_id IS NOT NULL), '{}')
           FROM mv_seq"""
    )
    counts = cursor.fetchone()
    result.recorded, result.applied, result.before_snapshot, result.held = counts[:4]
    # Every valid row not recorded now repeats one of the batch or one stored already.
    result.duplicates = valid - result.recorded
    _positions(cursor, counts=counts[5], counterparts=counts[6])
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
