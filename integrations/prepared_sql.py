"""Statements a page runs on every request, prepared once per database connection
(PostgreSQL; issue 24).

Django binds parameters on the client (psycopg's `ClientCursor`), so PostgreSQL parses and
plans every statement it receives. For the list pages' larger statements planning costs
more than running: the review queue's page query plans in 0.7 ms and runs in 0.1 ms, its
lines query 0.5 / 0.3 ms (EXPLAIN ANALYZE, large demo). A cursor from `prepared_cursor`
binds on the server and executes with `prepare=True`: psycopg prepares the statement on
the connection the first time it sees it, and sends only `EXECUTE` after. PostgreSQL plans
the first five executions for their values, then keeps a generic plan when it costs no
more. The statements stay the ORM's own SQL (compiled once per process by their module);
debug capture, `execute_wrapper` and the query-count tests see them as any other.

Prepared statements live on one connection: with `CONN_MAX_AGE` they last as long as the
connection does, and a new connection prepares again. A pooler in transaction mode that
does not track prepared statements (PgBouncer before 1.21, or with
`max_prepared_statements = 0`) hands a session's statements to another: switch this off
there with `DATABASE_PREPARED_STATEMENTS=0`. SQLite, and the setting off, get Django's own
cursor.
"""

from __future__ import annotations

import functools
import types
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorWrapper


def prepared_statements_on() -> bool:
    """Whether `prepared_cursor` prepares (PostgreSQL with the setting on)."""
    return connection.vendor == "postgresql" and bool(
        getattr(settings, "DATABASE_PREPARED_STATEMENTS", True)
    )


def prepared_cursor() -> CursorWrapper:
    """A cursor on the default connection whose `execute` prepares its statement on the
    server (see the module). Use it as `connection.cursor()`, for statements whose SQL is
    the same on every call: each distinct text is one prepared statement (psycopg keeps the
    last 100 of a connection)."""
    if not prepared_statements_on():
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        psycopg_connection: Any = connection.connection
        if psycopg_connection.prepare_threshold is None:
            # Django turns psycopg's statement cache off (None); a threshold no statement
            # reaches turns it on for `prepare=True` alone. Django's client-binding
            # cursors never prepare, whatever the threshold.
            psycopg_connection.prepare_threshold = _NEVER_BY_COUNT
        postgresql = _postgresql()
        raw = postgresql.preparing_cursor(psycopg_connection)
        raw.describe_for_debug = connection.queries_logged
        # As Django's own cursors: timestamps in the connection's time zone.
        zone = getattr(connection, "timezone", None)
        loader = psycopg_connection.adapters.get_loader(postgresql.timestamptz, postgresql.text)
        if zone != loader.timezone:
            postgresql.register_tzloader(zone, raw)
        # Django's wrapper: debug capture, execute wrappers and error translation.
        wrap: Any = getattr(connection, "_prepare_cursor")  # noqa: B009 (Django's private hook)
        return cast(CursorWrapper, wrap(raw))


_NEVER_BY_COUNT = 2**62


@functools.cache
def _postgresql() -> Any:
    """What the cursor needs of Django's PostgreSQL backend and psycopg, imported on first
    use (SQLite-only installs have no psycopg)."""
    import importlib

    from psycopg.pq import Format

    base: Any = importlib.import_module("django.db.backends.postgresql.base")
    psycopg_any: Any = importlib.import_module("django.db.backends.postgresql.psycopg_any")

    class PreparingCursor(base.ServerBindingCursor):
        describe_for_debug = False

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", True)
            result = super().execute(query, params, **kwargs)
            if self.describe_for_debug and getattr(self, "_query", None) is None:
                # psycopg records the query only when it sends it unprepared; Django's
                # debug capture (DEBUG, query-count tests) reads it from there.
                self._query = self._convert_query(query, params)
            return result

    return types.SimpleNamespace(
        preparing_cursor=PreparingCursor,
        timestamptz=base.TIMESTAMPTZ_OID,
        text=Format.TEXT,
        register_tzloader=psycopg_any.register_tzloader,
    )


# A query compiled once with stand-in values: (sql with LIMIT and OFFSET parameters last,
# parameters with stand-ins, column names, (index, stand-in) of each stand-in).
CompiledPage = tuple[str, tuple[Any, ...], tuple[str, ...], tuple[tuple[int, Any], ...]]


def compiled_page(query: Any, stand_ins: dict[Any, bool]) -> CompiledPage | None:
    """The SQL of a `.values()` query (`queryset.query`) built with stand-in values, for
    pages of it: each stand-in wanted (True) must be found exactly once among the
    parameters, by type and value, and an unwanted one not at all; else None (the caller
    runs the ORM: a stand-in the SQL repeats or folds could not be replaced safely)."""
    sql, params = query.sql_with_params()
    positions: list[tuple[int, Any]] = []
    for stand_in, wanted in stand_ins.items():
        found = [
            i
            for i, param in enumerate(params)
            if type(param) is type(stand_in) and param == stand_in
        ]
        if len(found) != (1 if wanted else 0):
            return None
        positions.extend((i, stand_in) for i in found)
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return f"{sql} LIMIT %s OFFSET %s", tuple(params), names, tuple(positions)


def page_rows(
    compiled: CompiledPage, values: dict[Any, Any], start: int, stop: int | None
) -> list[dict[str, Any]]:
    """Rows `start` to `stop` (None: to the end) of a `compiled_page`, each stand-in
    replaced by its value in `values`, as dicts of the query's columns."""
    sql, stand_in_params, names, positions = compiled
    params = list(stand_in_params)
    for position, stand_in in positions:
        params[position] = values[stand_in]
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*params, None if stop is None else stop - start, start])
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
