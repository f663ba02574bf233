"""Reads for the operator's retention page: how big each retained table is, and what the
last purge did (integrations/services/retention.py records every run as an audit entry of
type PURGE_OBJECT_TYPE, defined here because this module reads it back)."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models

from integrations.models import AuditEntry

PURGE_OBJECT_TYPE = "integrations.retention"
PURGE_ACTION = "purged"


@dataclass(frozen=True)
class TableSize:
    table: str
    label: str
    rows: int
    # True when `rows` is PostgreSQL's planner estimate (pg_class.reltuples, kept current
    # by autovacuum/ANALYZE): counting a table of millions of rows on every page view
    # would cost more than the page is worth.
    estimated: bool


@dataclass(frozen=True)
class PurgeRun:
    at: datetime.datetime
    actor_label: str
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def table_sizes(tables: Iterable[type[models.Model]]) -> dict[type[models.Model], TableSize]:
    """Each model's table size: on PostgreSQL the planner's estimate for all of them in one
    query (an exact count only for a table never analysed yet, whose estimate is -1); on
    other databases an exact count."""
    chosen = list(dict.fromkeys(tables))
    sizes: dict[type[models.Model], TableSize] = {}
    estimates: dict[str, int] = {}
    if connection.vendor == "postgresql":
        names = [model._meta.db_table for model in chosen]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, c.reltuples::bigint FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
                "AND c.relname = ANY(%s)",
                [names],
            )
            estimates = {name: int(rows) for name, rows in cursor.fetchall()}
    for model in chosen:
        table = model._meta.db_table
        estimate = estimates.get(table, -1)
        estimated = estimate >= 0
        rows = estimate if estimated else model._default_manager.count()
        sizes[model] = TableSize(
            table=table,
            label=str(model._meta.verbose_name_plural),
            rows=rows,
            estimated=estimated,
        )
    return sizes


def last_purge() -> PurgeRun | None:
    """The most recent retention purge, or None if none has run."""
    entry = (
        AuditEntry.objects.filter(object_type=PURGE_OBJECT_TYPE, action=PURGE_ACTION)
        .order_by("-occurred_at", "-id")
        .only("occurred_at", "actor_label", "after")
        .first()
    )
    if entry is None:
        return None
    after = entry.after if isinstance(entry.after, dict) else {}
    recorded = after.get("rows")
    rows: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
    return PurgeRun(
        at=entry.occurred_at,
        actor_label=entry.actor_label,
        seconds=float(after.get("seconds") or 0),
        rows={str(name): int(count) for name, count in rows.items()},
    )
