"""Reads of the two PO list pages (the supplier's `/orders/`, the buyer's `/buyer/orders/`)
as plain rows, not model instances (issue 24): a page's POs as `.values()` rows of the
scoped selectors' querysets, with each PO's line count and total from one query of the
page's lines, and the buyer's list count kept under the version of every PO.

On PostgreSQL the page query of each filter shape (status or not, queue, supplier code or
not) is built through the scoped selector and compiled by the ORM once per process, with
stand-in values each page replaces by its own (as `suppliers/api/purchase_order_rows.py`
does): building and compiling it was ~0.8 ms of a page's ~2 ms. A search (`q`) and
SQLite (whose driver hands back dates and decimals as text to a raw cursor) use the ORM.
"""

import datetime
import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from integrations.money import total_amount
from integrations.prepared_sql import CompiledPage, compiled_page, page_rows, prepared_cursor
from suppliers.models import PurchaseOrderLine, Supplier
from suppliers.selectors.acknowledgments import inbox_queue
from suppliers.selectors.purchase_order_counts import (
    ALL_SCOPE,
    PO_COUNTS,
    SUPPLIER_FILTER,
    supplier_filter_rows,
)
from suppliers.selectors.purchase_orders import (
    amounts_of_lines,
    purchase_orders_for_buyer,
    purchase_orders_for_supplier,
)

# What the lists' rows show (and the PO's id and currency, to total its lines).
LIST_COLUMNS = (
    "id",
    "number",
    "status",
    "issued_at",
    "ack_due_at",
    "revision",
    "ship_to__code",
    "currency",
)
BUYER_LIST_COLUMNS = (*LIST_COLUMNS, "supplier__code", "supplier__name")

# Stand-ins the page queries are compiled with, replaced by each page's values.
_SUPPLIER_ID = -524_287
_SUPPLIER_CODE = "\x01supplier-code\x01"
_STATUS = "\x01status\x01"
_NOW = datetime.datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=datetime.UTC)


def buyer_list_kept(
    *, supplier_code: str, status: str, q: str
) -> tuple[int | None, tuple[tuple[str, str], ...]]:
    """(how many POs the buyer's list shows for these filters, None with a search; the
    supplier filter's rows), kept under the version every PO and supplier write replaces
    (`purchase_order_counts`), read once for both."""
    computes: dict[str, Callable[[], Any]] = {SUPPLIER_FILTER: supplier_filter_rows}
    part = f"buyer:{status}:{supplier_code}"
    if not q:
        # Built only when counted: building the queryset costs what the kept count saves.
        computes[part] = lambda: purchase_orders_for_buyer(
            supplier_code=supplier_code, status=status
        ).count()
    kept = PO_COUNTS.get_many(ALL_SCOPE, computes)
    return kept.get(part), kept[SUPPLIER_FILTER]


class PageSource:
    """What the list's paginator slices: `[a:b]` is that range of the list's rows, by the
    compiled page query when there is one, else by the ORM's queryset (`queryset()`
    builds it: only when needed, its building is what the compiled query saves)."""

    ordered = True

    def __init__(
        self,
        queryset: Callable[[], QuerySet],
        compiled: CompiledPage | None,
        values: dict[Any, Any],
    ) -> None:
        self.queryset = queryset
        self._compiled = compiled
        self._values = values

    def count(self) -> int:
        return self.queryset().count()

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        if self._compiled is None:
            return list(self.queryset()[index])
        start, stop = index.start or 0, index.stop
        if stop is not None and stop <= start:
            return []
        return page_rows(self._compiled, self._values, start, stop)


@functools.lru_cache(maxsize=64)
def _page_sql(
    buyer: bool, has_status: bool, queue: str, by_supplier_code: bool
) -> CompiledPage | None:
    """The page query of one filter shape, with stand-ins: (sql with LIMIT and OFFSET
    parameters last, parameters, column names), or None when a stand-in is not found
    exactly once among the parameters (then the ORM runs)."""
    status = _STATUS if has_status else ""
    if buyer:
        queryset = purchase_orders_for_buyer(
            supplier_code=_SUPPLIER_CODE if by_supplier_code else "", status=status
        ).values(*BUYER_LIST_COLUMNS)
        expected: dict[Any, bool] = {_SUPPLIER_CODE: by_supplier_code, _STATUS: has_status}
    else:
        queryset = purchase_orders_for_supplier(supplier=Supplier(pk=_SUPPLIER_ID), status=status)
        if queue:
            queryset = inbox_queue(queryset, queue=queue, now=_NOW)
        queryset = queryset.values(*LIST_COLUMNS)
        expected = {_SUPPLIER_ID: True, _STATUS: has_status, _NOW: queue == "overdue"}
    return compiled_page(queryset.query, expected)


def supplier_page_source(
    *, supplier: Supplier, status: str, q: str, queue: str, now: datetime.datetime
) -> PageSource:
    """The supplier's list (`purchase_orders_for_supplier`, then the inbox queue's filter
    and order) as `LIST_COLUMNS` rows."""

    def queryset() -> QuerySet:
        rows = purchase_orders_for_supplier(supplier=supplier, status=status, q=q)
        if queue:
            rows = inbox_queue(rows, queue=queue, now=now)
        return rows.values(*LIST_COLUMNS)

    compiled = None
    if not q and connection.vendor == "postgresql":
        compiled = _page_sql(False, bool(status), queue, False)
    return PageSource(queryset, compiled, {_SUPPLIER_ID: supplier.pk, _STATUS: status, _NOW: now})


def buyer_page_source(*, supplier_code: str, status: str, q: str) -> PageSource:
    """The buyer's list (`purchase_orders_for_buyer`) as `BUYER_LIST_COLUMNS` rows."""

    def queryset() -> QuerySet:
        return purchase_orders_for_buyer(supplier_code=supplier_code, status=status, q=q).values(
            *BUYER_LIST_COLUMNS
        )

    compiled = None
    if not q and connection.vendor == "postgresql":
        compiled = _page_sql(True, bool(status), "", bool(supplier_code))
    return PageSource(queryset, compiled, {_SUPPLIER_CODE: supplier_code, _STATUS: status})


@functools.cache
def _lines_sql() -> str:
    meta = PurchaseOrderLine._meta
    column = {field.name: field.column for field in meta.concrete_fields}
    quote = connection.ops.quote_name
    names = ("purchase_order", "ordered_qty", "unit_price", "confirmed_qty", "confirmed_price")
    columns = ", ".join(quote(column[name]) for name in names)
    order = quote(column["purchase_order"])
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {order} = ANY(%s)"


def _line_values(purchase_order_ids: list[int]) -> Iterable[tuple[Any, ...]]:
    if connection.vendor != "postgresql":
        return (
            PurchaseOrderLine.objects.filter(purchase_order_id__in=purchase_order_ids)
            .values_list(
                "purchase_order_id", "ordered_qty", "unit_price", "confirmed_qty", "confirmed_price"
            )
            .order_by()
        )
    # The same five columns without the ORM's per-query building (PostgreSQL's driver
    # returns the ORM's types): a third of the lines' cost.
    with prepared_cursor() as cursor:
        cursor.execute(_lines_sql(), [purchase_order_ids])
        return cursor.fetchall()


def list_rows(page: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The POs of a page (`LIST_COLUMNS` rows of a scoped selector's list), each with
    `line_count` and `total` (the sum of its rounded line amounts in the PO currency,
    `purchase_order_totals`' rule) from one query of their lines."""
    rows = list(page)
    if not rows:
        return rows
    currency_of = {row["id"]: row["currency"] for row in rows}
    amounts = amounts_of_lines(currency_of, _line_values(list(currency_of)))
    for row in rows:
        mine = amounts.get(row["id"], [])
        row["line_count"] = len(mine)
        row["total"] = total_amount(mine, row["currency"])
    return rows
