"""The statements of one reconciliation pass (`inventory.services.reconciliation`), in the
order they run. Each builds a temp table from the ones before it:

recon_pairs     one row per warehouse: its basis snapshots, its in-flight window
recon_basis     every snapshot compared: the latest full one per source and the partial
                ones taken after it
recon_diff      the positions whose ERP and WMS figures differ (or are negative), with
                the time each figure was counted
recon_held      items a basis snapshot could not load (unknown unit, inexact conversion,
                conflicting duplicates): a master-data case, never "missing"
recon_evidence  what may explain a difference: receipts and adjustments, open ASNs
recon_ledger    per differing position and source family (ERP, WMS), the on-hand effect
                of the movement events recorded between the two counts
recon_explain   per differing position, the latest single piece of evidence that
                explains it, and which source lags
recon_result    every classified difference (but "ok" and held)
recon_master    the master-data cases of the basis snapshots

Differences are in flight when evidence explains them. Expected = the earlier count +
the movements since it (the stock movements the portal records, or the ledger of
movement events of one source family: the ERP's or the WMS's, one at a time, never their
sum, which would count twice the receipt both report): a difference the movements recorded
between the two counts explain is pending, never a case; one they cannot explain (a
movement one side never recorded, before both counts) stays a real one. Other evidence
keeps a difference without a case until the lagging source has counted again more than
the warehouse's window after the evidence. The class depends only on the snapshots and
the evidence, never on the clock or on an earlier run: re-running on the same snapshots
changes nothing.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper

from inventory.models import (
    InventoryMovement,
    InventorySnapshot,
    InventorySnapshotIssue,
    InventorySnapshotLine,
    Item,
    ItemClassTolerance,
    StockMovement,
    StockPosition,
    UnitOfMeasure,
    UomConversion,
    Warehouse,
)
from inventory.services.in_flight import InboundEvidence

PENDING = "in_flight_pending"  # explained as in flight, within its window: no case
HELD = "held"  # a master-data case covers it
# How far before the earlier count a receipt or adjustment may still explain a difference
# that persists (the ERP posting a receipt a week late is still that receipt).
LOOKBACK = datetime.timedelta(days=14)
# Issue kinds of a snapshot → master-data class; the item is left out of the comparison
# when the kind names a known item.
MASTER_DATA = {
    "unknown_sku": "unknown_sku",
    "unknown_uom": "unknown_unit",
    "no_conversion": "unknown_unit",
    "inexact_conversion": "inexact_conversion",
    "conflicting_duplicate": "conflicting_duplicate",
}
MASTER_DATA_LABELS = {
    "unknown_sku": "unknown SKU",
    "unknown_unit": "unknown unit or no conversion",
    "inexact_conversion": "inexact unit conversion",
    "conflicting_duplicate": "conflicting duplicate rows",
}
TABLES = (
    "recon_master",
    "recon_result",
    "recon_explain",
    "recon_ledger",
    "recon_evidence",
    "recon_held",
    "recon_diff",
    "recon_basis",
    "recon_pairs",
)


@dataclass
class Basis:
    """A warehouse in scope: its latest full ERP and WMS snapshots and the partial ones
    taken after them (oldest first)."""

    warehouse: Warehouse
    erp: InventorySnapshot
    wms: InventorySnapshot
    erp_partials: list[InventorySnapshot] = field(default_factory=list)
    wms_partials: list[InventorySnapshot] = field(default_factory=list)

    @property
    def snapshots(self) -> list[InventorySnapshot]:
        return [self.erp, *self.erp_partials, self.wms, *self.wms_partials]


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _ts() -> str:
    return "timestamptz" if _pg() else "timestamp"


def _db(value: datetime.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def drop(cursor: CursorWrapper) -> None:
    for table in TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def create_pairs(cursor: CursorWrapper, bases: Sequence[Basis]) -> None:
    ts = _ts()
    cursor.execute(
        "CREATE TEMP TABLE recon_pairs (warehouse_id bigint, erp_snapshot_id bigint, "
        f"wms_snapshot_id bigint, window_hours integer, evidence_from {ts}, evidence_to {ts})"
    )
    cursor.execute(
        "CREATE TEMP TABLE recon_basis (warehouse_id bigint, source varchar(3), "
        f"snapshot_id bigint, taken_at {ts})"
    )
    pairs: list[tuple[Any, ...]] = []
    basis: list[tuple[Any, ...]] = []
    for b in bases:
        times = [s.taken_at for s in b.snapshots]
        pairs.append(
            (
                b.warehouse.pk,
                b.erp.pk,
                b.wms.pk,
                b.warehouse.in_flight_window_hours,
                _db(min(times) - LOOKBACK),
                _db(max(times)),
            )
        )
        basis += [(b.warehouse.pk, s.source, s.pk, _db(s.taken_at)) for s in b.snapshots]
    cursor.executemany("INSERT INTO recon_pairs VALUES (%s, %s, %s, %s, %s, %s)", pairs)
    cursor.executemany("INSERT INTO recon_basis VALUES (%s, %s, %s, %s)", basis)


def _side(full: InventorySnapshot, partials: list[InventorySnapshot]) -> tuple[str, list[Any]]:
    """One source's figures at a warehouse: (item_id, quantity, taken). Without partial
    snapshots, a range of the lines' primary key; with them, each item's latest line."""
    lines = InventorySnapshotLine._meta.db_table
    if not partials:
        return (
            f"SELECT item_id, quantity, %s AS taken FROM {lines} WHERE snapshot_id = %s",
            [_db(full.taken_at), full.pk],
        )
    return (
        f"""SELECT l.item_id, l.quantity, b.taken_at AS taken
        FROM {lines} AS l JOIN recon_basis AS b ON b.snapshot_id = l.snapshot_id
        WHERE b.warehouse_id = %s AND b.source = %s AND NOT EXISTS (
            SELECT 1 FROM recon_basis AS b2 JOIN {lines} AS l2
              ON l2.snapshot_id = b2.snapshot_id AND l2.item_id = l.item_id
            WHERE b2.warehouse_id = b.warehouse_id AND b2.source = b.source
              AND b2.taken_at > b.taken_at)""",
        [full.warehouse_id, full.source],
    )


def create_diff(cursor: CursorWrapper, bases: Sequence[Basis]) -> None:
    """The positions whose ERP and WMS quantities differ (or are negative), one FULL
    OUTER JOIN per warehouse. Without partial snapshots each side is a range of the
    lines' primary key (snapshot, item), so PostgreSQL merge-joins the two in item order
    without sorting or hashing a million rows."""
    ts = _ts()
    cursor.execute(
        "CREATE TEMP TABLE recon_diff (item_id bigint, warehouse_id bigint, "
        f"erp_qty numeric, wms_qty numeric, erp_taken {ts}, wms_taken {ts})"
    )
    for b in bases:
        erp_sql, erp_params = _side(b.erp, b.erp_partials)
        wms_sql, wms_params = _side(b.wms, b.wms_partials)
        cursor.execute(
            f"""
            INSERT INTO recon_diff (item_id, warehouse_id, erp_qty, wms_qty, erp_taken, wms_taken)
            SELECT COALESCE(e.item_id, w.item_id), %s, e.quantity, w.quantity,
                   COALESCE(e.taken, %s), COALESCE(w.taken, %s)
            FROM ({erp_sql}) AS e
            FULL OUTER JOIN ({wms_sql}) AS w ON e.item_id = w.item_id
            WHERE e.quantity IS DISTINCT FROM w.quantity OR e.quantity < 0 OR w.quantity < 0
            """,
            [b.warehouse.pk, _db(b.erp.taken_at), _db(b.wms.taken_at), *erp_params, *wms_params],
        )
    if _pg():
        cursor.execute("ANALYZE recon_diff")
        cursor.execute("ANALYZE recon_pairs")


def create_held(cursor: CursorWrapper) -> None:
    issues = InventorySnapshotIssue._meta.db_table
    kinds = ", ".join(f"'{kind}'" for kind in MASTER_DATA)
    cursor.execute(
        f"""CREATE TEMP TABLE recon_held AS
        SELECT DISTINCT b.warehouse_id, i.item_id
        FROM {issues} AS i JOIN recon_basis AS b ON b.snapshot_id = i.snapshot_id
        WHERE i.item_id IS NOT NULL AND i.kind IN ({kinds})"""
    )


def create_evidence(cursor: CursorWrapper, inbound: Sequence[InboundEvidence]) -> None:
    """Receipts and adjustments of the differing positions around their counts, and the
    open ASNs the providers reported."""
    mov = StockMovement._meta.db_table
    cursor.execute(
        "CREATE TEMP TABLE recon_evidence (item_id bigint, warehouse_id bigint, "
        f"kind varchar(20), quantity numeric, at {_ts()}, document_type varchar(40), "
        "document_ref varchar(100), status varchar(30))"
    )
    cursor.execute(
        f"""INSERT INTO recon_evidence
        SELECT mv.item_id, mv.warehouse_id, mv.kind, mv.quantity, mv.occurred_at,
               mv.document_type, mv.document_ref, ''
        FROM recon_diff AS d JOIN recon_pairs AS p ON p.warehouse_id = d.warehouse_id
        JOIN {mov} AS mv ON mv.item_id = d.item_id AND mv.warehouse_id = d.warehouse_id
        WHERE mv.occurred_at > p.evidence_from AND mv.occurred_at <= p.evidence_to
          AND mv.kind IN ('receipt', 'adjustment')"""
    )
    rows: list[tuple[Any, ...]] = [
        (
            row.item_id,
            row.warehouse_id,
            row.quantity,
            _db(row.since),
            row.document_type[:40],
            row.document_ref[:100],
            row.status[:30],
        )
        for row in inbound
    ]
    cursor.executemany(
        "INSERT INTO recon_evidence VALUES (%s, %s, 'asn', %s, %s, %s, %s, %s)", rows
    )


# The on-hand effect of a movement event (base quantity, signed by kind): put-away and
# quality hold/release move goods between statuses of the same stock; a cycle count is
# a count, not a movement.
ON_HAND_EFFECT = """CASE mv.kind WHEN 'return_to_vendor' THEN -mv.base_quantity
    WHEN 'transfer_out' THEN -mv.base_quantity ELSE mv.base_quantity END"""
ON_HAND_KINDS = (
    "receipt",
    "customer_return",
    "transfer_in",
    "adjustment",
    "return_to_vendor",
    "transfer_out",
)


def create_ledger(cursor: CursorWrapper) -> None:
    """Per differing position and source family ("erp", "wms" for every `wms:…`), the
    on-hand effect of the movement events that occurred between the two counts: the
    earlier count cannot show them yet. Every recorded event counts (held or older than
    its own source's snapshot too, and the family a warehouse's live positions do not
    follow: the ledger is the record of what happened). Each family is summed apart and
    read apart, so that one physical movement both sources report is never counted
    twice."""
    mov = InventoryMovement._meta.db_table
    kinds = ", ".join(f"'{kind}'" for kind in ON_HAND_KINDS)
    family = "CASE WHEN mv.source = 'erp' THEN 'erp' ELSE 'wms' END"
    cursor.execute(
        f"""CREATE TEMP TABLE recon_ledger AS
        SELECT d.item_id, d.warehouse_id, {family} AS family,
               SUM({ON_HAND_EFFECT}) AS moved, COUNT(*) AS events
        FROM recon_diff AS d
        JOIN {mov} AS mv ON mv.item_id = d.item_id AND mv.warehouse_id = d.warehouse_id
        WHERE d.erp_qty IS NOT NULL AND d.wms_qty IS NOT NULL
          AND mv.kind IN ({kinds}) AND mv.occurred_at > {_LO} AND mv.occurred_at <= {_HI}
        GROUP BY d.item_id, d.warehouse_id, {family}"""
    )


def _within(a: str, b: str) -> str:
    # Inclusive at both limits: a difference of exactly the tolerance is accepted.
    return (
        f"(abs(({a}) - ({b})) <= COALESCE(tc.absolute, td.absolute, 0) OR "
        f"abs(({a}) - ({b})) * 100 <= COALESCE(tc.percent, td.percent, 0) * abs(d.erp_qty))"
    )


def _tolerances() -> str:
    tol = ItemClassTolerance._meta.db_table
    return f"""LEFT JOIN {tol} AS tc ON tc.item_class = i.item_class
            LEFT JOIN {tol} AS td ON td.item_class = ''"""


_HI = "CASE WHEN d.erp_taken > d.wms_taken THEN d.erp_taken ELSE d.wms_taken END"
_LO = "CASE WHEN d.erp_taken > d.wms_taken THEN d.wms_taken ELSE d.erp_taken END"


def create_explain(cursor: CursorWrapper) -> None:
    """Per differing position, the latest piece of evidence that explains the difference
    on its own, and the source that has not shown it yet: a receipt or adjustment of the
    difference shown by the WMS and not the ERP (or the other way round), or the goods of
    an open ASN counted by the WMS and not received in the ERP."""
    item = Item._meta.db_table
    cursor.execute(
        f"""CREATE TEMP TABLE recon_explain AS
        SELECT item_id, warehouse_id, kind, at, document_type, document_ref, status, lagging
        FROM (
            SELECT d.item_id, d.warehouse_id, ev.kind, ev.at, ev.document_type,
                   ev.document_ref, ev.status,
                   CASE WHEN {_within("d.wms_qty", "d.erp_qty + ev.quantity")}
                        THEN 'erp' ELSE 'wms' END AS lagging,
                   ROW_NUMBER() OVER (PARTITION BY d.item_id, d.warehouse_id
                                      ORDER BY ev.at DESC, ev.document_ref) AS pick
            FROM recon_diff AS d
            JOIN recon_evidence AS ev
              ON ev.item_id = d.item_id AND ev.warehouse_id = d.warehouse_id
            JOIN {item} AS i ON i.id = d.item_id
            {_tolerances()}
            WHERE d.erp_qty IS NOT NULL AND d.wms_qty IS NOT NULL AND ev.at <= {_HI}
              AND ({_within("d.wms_qty", "d.erp_qty + ev.quantity")}
                   OR (ev.kind <> 'asn' AND {_within("d.wms_qty", "d.erp_qty - ev.quantity")}))
        ) AS ranked
        WHERE pick = 1"""
    )


def _hours(later: str, earlier: str) -> str:
    if _pg():
        return f"CAST(floor(extract(epoch FROM ({later}) - ({earlier})) / 3600) AS integer)"
    # julianday is a float: round to whole seconds first, or 7 h reads as 6.99… h.
    return f"CAST(round((julianday({later}) - julianday({earlier})) * 86400) / 3600 AS INTEGER)"


def _past_window(lagging: str, evidence: str) -> str:
    """The lagging source counted again more than the window after the evidence."""
    if _pg():
        return f"{lagging} > {evidence} + p.window_hours * interval '1 hour'"
    return f"julianday({lagging}) > julianday({evidence}) + p.window_hours / 24.0"


def _cause() -> str:
    """What the evidence says, in words: "received in WMS 31 h ago, not posted in ERP
    (receipt R-1)". Hours are counted to the later of the two counts."""
    hours = f"CAST({_hours(_HI, 'x.at')} AS TEXT)"
    doc = "x.document_type || ' ' || x.document_ref"
    return f"""CASE
        WHEN x.item_id IS NULL THEN NULL
        WHEN x.kind = 'asn' THEN 'on ASN ' || x.document_ref || ' (' || x.status || ' '
             || {hours} || ' h ago): counted in WMS, not received in ERP'
        WHEN x.lagging = 'erp' THEN
             CASE x.kind WHEN 'receipt' THEN 'received' ELSE 'adjusted' END || ' in WMS '
             || {hours} || ' h ago, not posted in ERP (' || {doc} || ')'
        ELSE 'posted in ERP ' || {hours} || ' h ago, not in WMS (' || {doc} || ')'
    END"""


def classify_sql() -> str:
    item, uom = Item._meta.db_table, UnitOfMeasure._meta.db_table
    conv, wh = UomConversion._meta.db_table, Warehouse._meta.db_table
    if _pg():
        # The ~3 % of differing positions fetch their item by primary key; a plain join
        # would hash the whole item table (a million rows) for them. OFFSET 0 keeps the
        # planner from flattening the lateral lookup back into that hash join.
        item_join = f"""CROSS JOIN LATERAL (SELECT id, sku, base_uom_id, item_class FROM {item}
                         WHERE id = d.item_id OFFSET 0) AS i"""
    else:
        item_join = f"JOIN {item} AS i ON i.id = d.item_id"
    sign = "CASE WHEN d.wms_taken >= d.erp_taken THEN 1 ELSE -1 END"
    lag = "CASE x.lagging WHEN 'erp' THEN d.erp_taken ELSE d.wms_taken END"
    # Expected from the ledger: the later count's own family first (what it has seen),
    # else the other's; never both summed.
    later_moved = (
        "CASE WHEN d.wms_taken >= d.erp_taken THEN COALESCE(lg.wms_moved, lg.erp_moved) "
        "ELSE COALESCE(lg.erp_moved, lg.wms_moved) END"
    )
    return f"""
        CREATE TEMP TABLE recon_result AS
        SELECT * FROM (
            SELECT d.item_id, d.warehouse_id, i.sku, wh.code AS warehouse_code,
                   bu.code AS uom_code, d.erp_qty, d.wms_qty,
                   d.erp_qty + {sign} * COALESCE(m.moved, {later_moved}, 0) AS expected_qty,
                   {_cause()} AS cause,
                   x.document_type AS document_type, x.document_ref AS document_ref,
                   CASE
                     WHEN d.erp_qty < 0 OR d.wms_qty < 0 THEN 'negative_stock'
                     WHEN EXISTS (SELECT 1 FROM recon_held AS h WHERE h.item_id = d.item_id
                                  AND h.warehouse_id = d.warehouse_id) THEN '{HELD}'
                     WHEN d.erp_qty IS NULL THEN 'missing_in_erp'
                     WHEN d.wms_qty IS NULL THEN 'missing_in_wms'
                     WHEN {_within("d.wms_qty", "d.erp_qty")} THEN 'ok'
                     -- moved between the two counts: the earlier count cannot show it yet
                     WHEN m.moved IS NOT NULL
                          AND {_within("d.wms_qty", f"d.erp_qty + {sign} * m.moved")}
                       THEN '{PENDING}'
                     -- the ledger of one source family between the two counts: the
                     -- ERP's or the WMS's, never their sum (a receipt both report is one)
                     WHEN lg.item_id IS NOT NULL AND (
                          (lg.erp_moved IS NOT NULL
                           AND {_within("d.wms_qty", f"d.erp_qty + {sign} * lg.erp_moved")})
                          OR (lg.wms_moved IS NOT NULL
                           AND {_within("d.wms_qty", f"d.erp_qty + {sign} * lg.wms_moved")}))
                       THEN '{PENDING}'
                     WHEN x.item_id IS NOT NULL THEN
                       CASE WHEN {_past_window(lag, "x.at")} THEN 'in_flight'
                            ELSE '{PENDING}' END
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
            {_tolerances()}
            LEFT JOIN recon_explain AS x
              ON x.item_id = d.item_id AND x.warehouse_id = d.warehouse_id
            LEFT JOIN (
                SELECT ev.item_id, ev.warehouse_id, SUM(ev.quantity) AS moved
                FROM recon_evidence AS ev JOIN recon_diff AS d
                  ON d.item_id = ev.item_id AND d.warehouse_id = ev.warehouse_id
                WHERE ev.kind <> 'asn' AND ev.at > {_LO} AND ev.at <= {_HI}
                GROUP BY ev.item_id, ev.warehouse_id
            ) AS m ON m.item_id = d.item_id AND m.warehouse_id = d.warehouse_id
            LEFT JOIN (
                SELECT item_id, warehouse_id,
                       SUM(CASE WHEN family = 'erp' THEN moved END) AS erp_moved,
                       SUM(CASE WHEN family = 'wms' THEN moved END) AS wms_moved
                FROM recon_ledger GROUP BY item_id, warehouse_id
            ) AS lg ON lg.item_id = d.item_id AND lg.warehouse_id = d.warehouse_id
        ) AS classified
        WHERE kind NOT IN ('ok', '{HELD}')
    """


def create_master(cursor: CursorWrapper) -> None:
    """One candidate per SKU × warehouse × master-data class found in the basis
    snapshots, with the first file line (and source) that shows it."""
    issues, wh = InventorySnapshotIssue._meta.db_table, Warehouse._meta.db_table
    to_class = " ".join(f"WHEN '{kind}' THEN '{cls}'" for kind, cls in MASTER_DATA.items())
    label = " ".join(f"WHEN '{cls}' THEN '{text}'" for cls, text in MASTER_DATA_LABELS.items())
    kinds = ", ".join(f"'{kind}'" for kind in MASTER_DATA)
    if _pg():
        detail = (
            "jsonb_build_object('source', source, 'line', line, 'rows', row_count, "
            "'snapshot', snapshot_id)::text"
        )
    else:
        detail = (
            "json_object('source', source, 'line', line, 'rows', row_count, "
            "'snapshot', snapshot_id)"
        )
    cursor.execute(
        f"""CREATE TEMP TABLE recon_master AS
        SELECT cls AS exception_class, sku || '@' || code AS subject_key, sku,
               code AS warehouse_code,
               sku || ' at ' || code || ': ' || CASE cls {label} END || ' (' || upper(source)
                   || ' file line ' || CAST(line AS TEXT) || ')' AS title,
               CAST(NULL AS numeric) AS expected_qty, CAST(NULL AS numeric) AS actual_qty,
               CAST(NULL AS numeric) AS delta, '' AS uom_code, {detail} AS detail
        FROM (
            SELECT CASE i.kind {to_class} END AS cls, substr(trim(i.sku), 1, 40) AS sku,
                   w.code, MIN(b.source) AS source, MIN(i.line_no) AS line,
                   COUNT(*) AS row_count, MIN(i.snapshot_id) AS snapshot_id
            FROM {issues} AS i JOIN recon_basis AS b ON b.snapshot_id = i.snapshot_id
            JOIN {wh} AS w ON w.id = b.warehouse_id
            WHERE i.kind IN ({kinds}) AND trim(i.sku) <> ''
            GROUP BY CASE i.kind {to_class} END, substr(trim(i.sku), 1, 40), w.code
        ) AS grouped"""
    )


def candidates_sql() -> str:
    """What the inbox should hold: the classified differences (but the pending ones) and
    the master-data cases, as `exceptions_sync_bulk` reads them."""
    if _pg():
        detail = (
            "jsonb_strip_nulls(jsonb_build_object('erp', erp_qty::text, 'wms', wms_qty::text, "
            "'expected', expected_qty::text, 'cause', cause, "
            "'document', document_type || ':' || document_ref))::text"
        )
    else:
        detail = (
            "json_object('erp', CAST(erp_qty AS TEXT), 'wms', CAST(wms_qty AS TEXT), "
            "'expected', CAST(expected_qty AS TEXT), 'cause', cause, "
            "'document', document_type || ':' || document_ref)"
        )
    title = "sku || ' at ' || warehouse_code"
    return f"""
        SELECT kind AS exception_class, sku || '@' || warehouse_code AS subject_key, sku,
               warehouse_code,
               CASE WHEN kind = 'in_flight' AND cause IS NOT NULL
                    THEN substr({title} || ': ' || cause, 1, 200) ELSE {title} END AS title,
               erp_qty AS expected_qty, wms_qty AS actual_qty, wms_qty - erp_qty AS delta,
               uom_code, {detail} AS detail
        FROM recon_result WHERE kind <> '{PENDING}'
        UNION ALL
        SELECT exception_class, subject_key, sku, warehouse_code, title, expected_qty,
               actual_qty, delta, uom_code, detail
        FROM recon_master
    """


def mark_in_flight(cursor: CursorWrapper, *, now: datetime.datetime) -> None:
    """Positions explained as in flight get `in_flight_since` (when this difference was
    first seen so; kept while it stays); every other flagged position in scope is
    cleared. Shown on the positions page; the class never depends on it."""
    pos = StockPosition._meta.db_table
    db_now = _db(now)
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
        WHERE r.kind IN ('{PENDING}', 'in_flight') AND NOT EXISTS (
            SELECT 1 FROM {pos} AS p WHERE p.item_id = r.item_id
              AND p.warehouse_id = r.warehouse_id)""",
        [db_now],
    )
    cursor.execute(
        f"""UPDATE {pos} SET in_flight_since = %s, updated_at = %s,
            in_flight_delta = (SELECT r.wms_qty - r.erp_qty FROM recon_result AS r
                               WHERE r.item_id = {pos}.item_id
                                 AND r.warehouse_id = {pos}.warehouse_id)
        WHERE in_flight_since IS NULL AND {keep}""",
        [db_now, db_now],
    )
