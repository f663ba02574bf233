"""Set-based status moves in SQL, for the paths where even `Lifecycle.move_many` (rows
loaded into Python, one audit object per row) is too slow: reconciliation moves tens of
thousands of exception cases a night within a budget of 3× a bare SQL diff.

The contract is `move_many`'s: only rows in a source state the lifecycle's table allows
for the action move; `updated_at` is bumped when the model has it; every moved row gets
one audit entry (before: its source state), written by INSERT … SELECT. What differs is
that the rows are chosen by a SQL condition (which may join temporary tables), and that
the caller publishes the events: the move's event type is returned with the moved rows,
so that a bulk path can publish one event per batch instead of one per row.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.backends.utils import CursorWrapper

from integrations.correlation import current_correlation_id
from integrations.models import AuditEntry, Channel
from integrations.services.events import _jsonable
from integrations.services.lifecycle import CREATED, Lifecycle, Move
from portal.access import Actor, actor_user

# Ids per audit INSERT: PostgreSQL takes them as one array parameter; SQLite as a list of
# placeholders, which it limits.
_CHUNK_POSTGRES = 50_000
_CHUNK_SQLITE = 500


@dataclass(frozen=True)
class SqlMoved:
    """The rows one `sql_move` moved, `(id, *returning)` each, and the event type the
    table gives the move ("" when it publishes none)."""

    rows: list[tuple[Any, ...]]
    event: str


def db_time(value: datetime.datetime) -> Any:
    """A datetime as the backend stores it (SQLite: naive UTC text), for raw SQL."""
    return connection.ops.adapt_datetimefield_value(value)


def json_object_sql(pairs: Mapping[str, str]) -> str:
    """A SQL expression building a JSON object from `{key: SQL expression}`; the keys are
    our own constants, never user input."""
    function = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    arguments = ", ".join(f"'{key}', {expression}" for key, expression in pairs.items())
    return f"{function}({arguments})"


def _json_param() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _column(lifecycle: Lifecycle, name: str) -> str:
    field = lifecycle.model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{lifecycle.document}: {name} is not a column of its model.")
    return field.column


def _has_updated_at(lifecycle: Lifecycle) -> bool:
    return any(f.name == "updated_at" for f in lifecycle.model._meta.concrete_fields)


def created_move(lifecycle: Lifecycle, status: str) -> Move:
    """The table's move that creates a document in `status` (refused when there is none),
    for an INSERT … SELECT that creates many at once."""
    lifecycle.check_created(status)
    move = lifecycle.find(CREATED, status)
    if move is None:  # check_created() refused it already; this keeps the type exact
        raise ValueError(f"{lifecycle.document}: no move creates {status}")
    return move


def sql_move(
    lifecycle: Lifecycle,
    cursor: CursorWrapper,
    *,
    to: str,
    action: str,
    where: str,
    params: Sequence[Any] = (),
    assignments: str = "",
    assignment_params: Sequence[Any] = (),
    returning: Sequence[str] = (),
    actor: Actor,
    channel: str = Channel.SYSTEM,
    now: datetime.datetime,
    audit_after: Mapping[str, str] | None = None,
    object_repr: str = "",
    correlation_id: str = "",
) -> SqlMoved:
    """Move every row of the lifecycle's table that matches `where` (SQL on the alias `c`,
    with `params`) and may make `action` to `to`.

    One UPDATE per allowed source state (a handful at most), each followed by the audit
    entries of the rows it moved. `assignments` sets other columns with the move (SQL,
    `assignment_params`); `returning` names columns to return beside the id;
    `audit_after` adds `{key: SQL expression}` to the audit entry's `after`, and
    `object_repr` is the SQL of the entry's object label. Atomic on its own; run it in
    the transaction of the change that causes the moves."""
    sources = sorted(lifecycle.sources(to, action))
    if not sources:
        raise ValueError(f"{lifecycle.document}: no move to {to} by {action}")
    moves = [lifecycle.find(source, to, action) for source in sources]
    events = {move.event for move in moves if move is not None}
    if len(events) > 1:
        raise ValueError(f"{lifecycle.document}: {action} publishes different events by source")
    table = lifecycle.model._meta.db_table
    status = _column(lifecycle, lifecycle.field)
    sets, values = [f"{status} = %s"], [to]
    if _has_updated_at(lifecycle):
        sets.append(f"{_column(lifecycle, 'updated_at')} = %s")
        values.append(db_time(now))
    if assignments:
        sets.append(assignments)
        values.extend(assignment_params)
    pk = lifecycle.model._meta.pk.column
    extra = "".join(f", {name}" for name in returning)
    moved: list[tuple[Any, ...]] = []
    with transaction.atomic():
        for source in sources:
            cursor.execute(
                f"UPDATE {table} AS c SET {', '.join(sets)} "
                f"WHERE c.{status} = %s AND ({where}) RETURNING {pk}{extra}",
                [*values, source, *params],
            )
            rows = cursor.fetchall()
            sql_audit(
                lifecycle,
                cursor,
                [row[0] for row in rows],
                action=action,
                before={lifecycle.field: source},
                after={lifecycle.field: to},
                after_sql=audit_after,
                object_repr=object_repr,
                actor=actor,
                channel=channel,
                now=now,
                correlation_id=correlation_id,
            )
            moved.extend(rows)
    return SqlMoved(rows=moved, event=next(iter(events)))


def sql_audit(
    lifecycle: Lifecycle,
    cursor: CursorWrapper,
    ids: Sequence[int],
    *,
    ids_sql: str = "",
    action: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    after_sql: Mapping[str, str] | None = None,
    object_repr: str = "",
    actor: Actor,
    channel: str = Channel.SYSTEM,
    now: datetime.datetime,
    correlation_id: str = "",
) -> None:
    """One audit entry per id, written by one INSERT … SELECT per chunk of ids: `before`
    and `after` are constants, `after_sql` adds `{key: SQL expression}` read from each row
    (an expression's JSON value wins over a constant of the same key). `ids_sql`, a query
    selecting the ids (a temporary table the caller filled), replaces `ids` with one
    statement: tens of thousands of ids need not travel to Python and back."""
    if not ids and not ids_sql:
        return
    table = lifecycle.model._meta.db_table
    pk = lifecycle.model._meta.pk.column
    id_text = f"CAST({pk} AS TEXT)"
    after_row = json_object_sql(after_sql) if after_sql else None
    constant = json.dumps(_jsonable(dict(after)))
    if after_row is None:
        after_expression = _json_param()
    elif connection.vendor == "postgresql":
        after_expression = f"{_json_param()} || {after_row}"
    else:
        after_expression = f"json_patch(%s, {after_row})"
    correlation_id = correlation_id or current_correlation_id()
    label = object_repr or f"'#' || {id_text}"
    user = actor_user(actor)
    postgres = connection.vendor == "postgresql"
    chunk = _CHUNK_POSTGRES if postgres else _CHUNK_SQLITE

    def wheres() -> Iterator[tuple[str, list[Any]]]:
        if ids_sql:
            yield f"{pk} IN ({ids_sql})", []
        for start in range(0, len(ids), chunk):
            part = list(ids[start : start + chunk])
            if postgres:
                yield f"{pk} = ANY(%s)", [part]
            else:
                yield f"{pk} IN ({', '.join(['%s'] * len(part))})", [*part]

    for where, where_params in wheres():
        cursor.execute(
            f"""
            INSERT INTO {AuditEntry._meta.db_table}
                (occurred_at, actor_id, actor_label, channel, object_type, object_id,
                 object_repr, action, before, after, correlation_id)
            SELECT %s, %s, %s, %s, %s, {id_text}, substr({label}, 1, 200), %s,
                   {_json_param()}, {after_expression}, %s
            FROM {table} WHERE {where}
            """,
            [
                db_time(now),
                user.pk if user is not None else None,
                str(actor) if actor is not None else "system",
                Channel(channel).value,
                lifecycle.model._meta.label_lower,
                action,
                json.dumps(_jsonable(dict(before))),
                constant,
                correlation_id,
                *where_params,
            ],
        )
