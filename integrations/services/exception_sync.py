"""The exceptions inbox's set-based door, for reconciliation: 1,000,000 positions with 3 %
differences mean 30,000 cases a night, so the candidates arrive as a SQL query, and
opening, updating, auto-resolving and auditing are a handful of statements, not 30,000
service calls. The moves are the ones of the case's table (`EXCEPTION_CASE`), made by
`integrations.services.lifecycle_sql`; events are one per class and batch, listing the
case ids.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from integrations.models import Channel
from integrations.models.exceptions import ExceptionCase
from integrations.services.events import publish
from integrations.services.exceptions import ACTIVE, EXCEPTION_CASE, policy_for
from integrations.services.lifecycle_sql import created_move, db_time, sql_audit, sql_move
from portal.access import Actor

BULK_COLUMNS = (
    "exception_class",
    "subject_key",
    "sku",
    "warehouse_code",
    "title",
    "expected_qty",
    "actual_qty",
    "delta",
    "uom_code",
    "detail",
)

_EVENT_ID_LIMIT = 1000  # ids listed in one bulk event; the count is always exact
# What a bulk audit entry says about its case, beside the status (SQL on the case row).
_AUDIT_AFTER = {"delta": "CAST(delta AS TEXT)", "subject": "subject_key"}
_AUDIT_REPR = "'#' || CAST(id AS TEXT) || ' ' || exception_class || ' ' || subject_key"


@dataclass(frozen=True)
class BulkSyncResult:
    opened: int
    updated: int
    auto_resolved: int
    opened_by_class: dict[str, int]


def _by_class(rows: Iterable[tuple[Any, ...]]) -> dict[str, list[int]]:
    ids: dict[str, list[int]] = defaultdict(list)
    for case_id, cls in rows:
        ids[cls].append(case_id)
    return ids


def exceptions_sync_bulk(
    *,
    actor: Actor,
    candidates_sql: str,
    params: Sequence[Any] = (),
    scope_classes: Iterable[str],
    scope_warehouses: Iterable[str] | None = None,
    reference: str = "",
    now: datetime.datetime | None = None,
    correlation_id: str = "",
) -> BulkSyncResult:
    """Make the inbox match a full set of position differences, set-based.

    `candidates_sql` selects the BULK_COLUMNS (one row per subject × class, subject type
    "position"; `detail` a JSON object as text; a literal % written %%). Candidates with
    an active case update it (figures, last seen); the others open a case with their
    class's policy; every active case of `scope_classes` (and of `scope_warehouses`, when
    given) that is no longer a candidate is auto-resolved. Run it
    inside the caller's transaction (it is atomic on its own too).
    """
    now = now or timezone.now()
    scope_classes = sorted(set(scope_classes))
    table = ExceptionCase._meta.db_table
    policies = {cls: policy_for(cls) for cls in scope_classes}
    opening = created_move(EXCEPTION_CASE, ExceptionCase.Status.OPEN)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS exc_candidates")
        cursor.execute(
            f"CREATE TEMP TABLE exc_candidates AS SELECT * FROM ({candidates_sql}) AS src",
            list(params),
        )
        cursor.execute("CREATE INDEX exc_candidates_key ON exc_candidates (subject_key)")
        previous_nestloop = None
        if connection.vendor == "postgresql":
            # Statistics for the join keys only: sampling the JSON detail of tens of
            # thousands of rows cost more than the join it informs.
            cursor.execute("ANALYZE exc_candidates (exception_class, subject_key)")
            # Every statement below joins all candidates with the inbox. When statistics
            # show few active cases (the usual state before a big first run) the planner
            # picks a nested loop that rescans the inbox once per candidate: 6 s instead of
            # 0.1 s for 30,000 candidates. Hash or merge joins are right at any size here.
            cursor.execute("SHOW enable_nestloop")
            (previous_nestloop,) = cursor.fetchone()
            cursor.execute("SET LOCAL enable_nestloop = off")
        active = "c.status IN ({})".format(", ".join(f"'{status}'" for status in ACTIVE))
        detail = "CAST(x.detail AS jsonb)" if connection.vendor == "postgresql" else "x.detail"
        # Not a move: an active case seen again gets the run's figures.
        cursor.execute(
            f"""
            UPDATE {table} AS c SET last_seen_at = %s, updated_at = %s,
                seen_count = c.seen_count + 1,
                expected_qty = x.expected_qty, actual_qty = x.actual_qty, delta = x.delta,
                title = x.title, uom_code = x.uom_code, detail = {detail}
            FROM exc_candidates AS x
            WHERE c.exception_class = x.exception_class AND c.subject_key = x.subject_key
              AND {active}
            """,
            [db_time(now), db_time(now)],
        )
        updated = cursor.rowcount

        def case_of(value_of: dict[str, Any]) -> tuple[str, list[Any]]:
            whens, values = [], []
            for cls, value in value_of.items():
                whens.append("WHEN %s THEN %s")
                values += [cls, value]
            return f"CASE x.exception_class {' '.join(whens)} END", values

        team_sql, team_params = case_of({cls: p[0] for cls, p in policies.items()})
        severity_sql, severity_params = case_of({cls: p[1] for cls, p in policies.items()})
        due_sql, due_params = case_of(
            {cls: db_time(now + datetime.timedelta(hours=p[2])) for cls, p in policies.items()}
        )
        insert_params = [
            *severity_params,
            *team_params,
            opening.target,
            *due_params,
            db_time(now),
            db_time(now),
            db_time(now),
        ]
        insert_sql = f"""
            INSERT INTO {table}
                (exception_class, subject_type, subject_key, document_type, document_ref,
                 sku, warehouse_code, supplier_code, title, expected_qty, actual_qty, delta,
                 uom_code, detail, severity, owner_team, status, sla_due_at, first_seen_at,
                 last_seen_at, updated_at, seen_count, resolution_reason)
            SELECT x.exception_class, 'position', x.subject_key, '', '', x.sku,
                   x.warehouse_code, '', x.title, x.expected_qty, x.actual_qty, x.delta,
                   x.uom_code, {detail}, {severity_sql}, {team_sql}, %s, {due_sql}, %s, %s, %s,
                   1, ''
            FROM exc_candidates AS x
            WHERE NOT EXISTS (
                SELECT 1 FROM {table} AS c
                WHERE c.exception_class = x.exception_class AND c.subject_key = x.subject_key
                  AND {active})
            RETURNING id, exception_class"""
        audit: dict[str, Any] = {
            "action": opening.action,
            "before": {},
            "after": {"status": opening.target},
            "after_sql": _AUDIT_AFTER,
            "object_repr": _AUDIT_REPR,
            "actor": actor,
            "now": now,
            "correlation_id": correlation_id,
        }
        if connection.vendor == "postgresql":
            # The opened ids stay in the database (a first night opens tens of thousands:
            # fetched into Python they were the run's only memory that grew with the
            # positions); Python gets a count and the first ids per class for the events.
            cursor.execute("DROP TABLE IF EXISTS exc_opened")
            cursor.execute("CREATE TEMP TABLE exc_opened (id bigint, exception_class text)")
            cursor.execute(
                f"WITH opened AS ({insert_sql}) "
                "INSERT INTO exc_opened SELECT id, exception_class FROM opened",
                insert_params,
            )
            sql_audit(EXCEPTION_CASE, cursor, (), ids_sql="SELECT id FROM exc_opened", **audit)
            cursor.execute(
                "SELECT exception_class, COUNT(*), (array_agg(id ORDER BY id))[1:%s] "
                "FROM exc_opened GROUP BY exception_class",
                [_EVENT_ID_LIMIT],
            )
            opened_by_class = {cls: (count, ids) for cls, count, ids in cursor.fetchall()}
            cursor.execute("DROP TABLE exc_opened")
        else:
            cursor.execute(insert_sql, insert_params)
            opened_ids = _by_class(cursor.fetchall())
            sql_audit(
                EXCEPTION_CASE,
                cursor,
                [case_id for ids in opened_ids.values() for case_id in ids],
                **audit,
            )
            opened_by_class = {cls: (len(ids), ids) for cls, ids in opened_ids.items()}

        class_marks = ", ".join(["%s"] * len(scope_classes))
        scope_sql, scope_params = f"c.exception_class IN ({class_marks})", list(scope_classes)
        if scope_warehouses is not None:
            codes = sorted(set(scope_warehouses)) or [""]
            scope_sql += f" AND c.warehouse_code IN ({', '.join(['%s'] * len(codes))})"
            scope_params += codes
        reason = f"The difference is gone ({reference or 'reconciliation'})."
        resolved = sql_move(
            EXCEPTION_CASE,
            cursor,
            to=ExceptionCase.Status.AUTO_RESOLVED,
            action="auto_resolved",
            where=f"""{scope_sql} AND NOT EXISTS (
                SELECT 1 FROM exc_candidates AS x
                WHERE x.exception_class = c.exception_class AND x.subject_key = c.subject_key)""",
            params=scope_params,
            assignments="resolved_at = %s, resolution_reason = %s",
            assignment_params=[db_time(now), reason],
            returning=["exception_class"],
            actor=actor,
            channel=Channel.SYSTEM,
            now=now,
            audit_after=_AUDIT_AFTER,
            object_repr=_AUDIT_REPR,
            correlation_id=correlation_id,
        )
        resolved_by_class = {cls: (len(ids), ids) for cls, ids in _by_class(resolved.rows).items()}
        cursor.execute("DROP TABLE exc_candidates")
        if previous_nestloop is not None:
            restore = "on" if previous_nestloop == "on" else "off"
            cursor.execute(f"SET LOCAL enable_nestloop = {restore}")
        for event_type, by_class in (
            (opening.event, opened_by_class),
            (resolved.event, resolved_by_class),
        ):
            for cls, (count, ids) in sorted(by_class.items()):
                publish(
                    event_type=event_type,
                    aggregate_type="exception_batch",
                    aggregate_id=f"{reference or now.isoformat()}:{cls}",
                    data={
                        "class": cls,
                        "count": count,
                        "case_ids": ids[:_EVENT_ID_LIMIT],
                        "bulk": True,
                        "reference": reference,
                    },
                    actor=actor,
                    correlation_id=correlation_id,
                )
    return BulkSyncResult(
        opened=sum(count for count, _ids in opened_by_class.values()),
        updated=updated,
        auto_resolved=len(resolved.rows),
        opened_by_class={cls: count for cls, (count, _ids) in opened_by_class.items()},
    )
