"""The exceptions inbox's page and count as plain rows (issue 24).

On PostgreSQL the page and count statements of each filter shape (which of the nine
filters are set, the status kind, the age bucket) are built through `exception_cases` and
compiled by the ORM once per process, with stand-in values each page replaces by its own
(as `suppliers/selectors/purchase_order_list.py` does for the PO lists): building and
compiling the two filtered statements was most of the page's time in the ORM. A search
(`q`) and SQLite (whose driver hands back dates and decimals as text to a raw cursor) use
the ORM.
"""

import datetime
import functools
from collections.abc import Callable, Iterator
from typing import Any, overload

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from integrations.models import ExceptionCase
from integrations.prepared_sql import prepared_cursor
from integrations.selectors.exceptions import AGE_BUCKETS, exception_cases

# Stand-ins the statements are compiled with, replaced by each page's values.
_CLASS = "\x01class\x01"
_TEAM = "\x01team\x01"
_WAREHOUSE = "\x01warehouse\x01"
_SUPPLIER = "\x01supplier\x01"
_STATUS = "\x01status\x01"
# The clock: the age and overdue filters compare with it, or with it less whole days; a
# compiled datetime parameter `p` becomes `now + (p - _NOW)`.
_NOW = datetime.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=datetime.UTC)

# (page sql with LIMIT and OFFSET parameters last, count sql, parameters with stand-ins,
# column names, (index, stand-in) of each string stand-in, indexes of the clock's)
_Compiled = tuple[
    str, str, tuple[Any, ...], tuple[str, ...], tuple[tuple[int, str], ...], tuple[int, ...]
]


def _status_shape(status: str) -> str:
    """ "active", "closed", "one" (a single status) or "" (all): what the WHERE holds."""
    if status in ("active", "closed"):
        return status
    return "one" if status in ExceptionCase.Status.values else ""


@functools.lru_cache(maxsize=512)
def _compiled(
    columns: tuple[str, ...],
    status_shape: str,
    by_class: bool,
    by_team: bool,
    by_warehouse: bool,
    by_supplier: bool,
    age: str,
    overdue: bool,
) -> _Compiled | None:
    """The page and count statements of one filter shape, or None when a stand-in is not
    found exactly as often as expected among the parameters (then the ORM runs)."""
    # One status: `exception_cases` filters only by a real one, so the first stands in
    # (no other parameter of the shape holds a status: the statuses of "active" and
    # "closed" are other shapes, the other filters are stand-ins).
    one_status = ExceptionCase.Status.values[0]
    cases = exception_cases(
        status={"one": one_status, "": "all"}.get(status_shape, status_shape),
        exception_class=_CLASS if by_class else "",
        team=_TEAM if by_team else "",
        warehouse=_WAREHOUSE if by_warehouse else "",
        supplier=_SUPPLIER if by_supplier else "",
        age=age,
        overdue=overdue,
        now=_NOW,
    )
    query = cases.values(*columns).query
    sql, params = query.sql_with_params()
    count_sql, count_params = cases.order_by().values("id").query.sql_with_params()
    if count_params != params:
        return None
    expected = {
        _CLASS: by_class,
        _TEAM: by_team,
        _WAREHOUSE: by_warehouse,
        _SUPPLIER: by_supplier,
    }
    if status_shape == "one":
        expected[_STATUS] = True
    positions: list[tuple[int, str]] = []
    for stand_in, wanted in expected.items():
        compiled_as = one_status if stand_in == _STATUS else stand_in
        found = [i for i, param in enumerate(params) if param == compiled_as]
        if len(found) != (1 if wanted else 0):
            return None
        positions.extend((i, stand_in) for i in found)
    clock = tuple(i for i, param in enumerate(params) if isinstance(param, datetime.datetime))
    bounds = [2 if high is not None else 1 for key, _l, _lo, high in AGE_BUCKETS if key == age]
    if len(clock) != sum(bounds) + overdue:
        return None
    if any(abs(params[i] - _NOW) > datetime.timedelta(days=366) for i in clock):
        return None
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return (
        f"{sql} LIMIT %s OFFSET %s",
        f"SELECT COUNT(*) FROM ({count_sql}) AS counted",
        tuple(params),
        names,
        tuple(positions),
        clock,
    )


class ExceptionPageSource:
    """What the inbox's paginator slices: `[a:b]` is that range of the filtered cases as
    rows of the page's columns, by the compiled statement when there is one, else by the
    ORM; `count()` the same way."""

    ordered = True

    def __init__(
        self,
        queryset: Callable[[], QuerySet[ExceptionCase]],
        columns: tuple[str, ...],
        compiled: _Compiled | None,
        values: dict[str, str],
        now: datetime.datetime,
    ) -> None:
        self._queryset = queryset
        self._columns = columns
        self._compiled = compiled
        self._values = values
        self._now = now

    def _params(self, compiled: _Compiled) -> list[Any]:
        params = list(compiled[2])
        for position, stand_in in compiled[4]:
            params[position] = self._values[stand_in]
        for position in compiled[5]:
            params[position] = self._now + (params[position] - _NOW)
        return params

    def count(self) -> int:
        if self._compiled is None:
            return self._queryset().count()
        with prepared_cursor() as cursor:
            cursor.execute(self._compiled[1], self._params(self._compiled))
            return int(cursor.fetchone()[0])

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self[0:None])

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        if self._compiled is None:
            return list(self._queryset().values(*self._columns)[index])
        start, stop = index.start or 0, index.stop
        if stop is not None and stop <= start:
            return []
        names = self._compiled[3]
        params = self._params(self._compiled)
        with prepared_cursor() as cursor:
            cursor.execute(
                self._compiled[0], [*params, None if stop is None else stop - start, start]
            )
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def exception_page_source(
    *,
    columns: tuple[str, ...],
    status: str = "active",
    exception_class: str = "",
    team: str = "",
    warehouse: str = "",
    supplier: str = "",
    age: str = "",
    overdue: bool = False,
    q: str = "",
    now: datetime.datetime | None = None,
) -> ExceptionPageSource:
    """`exception_cases` with these filters, as rows of `columns` (its order) and a count."""
    now = now or timezone.now()

    def queryset() -> QuerySet[ExceptionCase]:
        return exception_cases(
            status=status,
            exception_class=exception_class,
            team=team,
            warehouse=warehouse,
            supplier=supplier,
            age=age,
            overdue=overdue,
            q=q,
            now=now,
        )

    compiled = None
    if not q and connection.vendor == "postgresql":
        compiled = _compiled(
            columns,
            _status_shape(status),
            bool(exception_class),
            bool(team),
            bool(warehouse),
            bool(supplier),
            age,
            overdue,
        )
    values = {
        _STATUS: status,
        _CLASS: exception_class,
        _TEAM: team,
        _WAREHOUSE: warehouse,
        _SUPPLIER: supplier,
    }
    return ExceptionPageSource(queryset, columns, compiled, values, now)
