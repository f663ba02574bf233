"""The buyer's inbound schedule: what is expected at our warehouses, by warehouse and day.

The page reads the `InboundRow` read model (`inbound_schedule`): a page is a range read of
its index and the count an index-only scan. `inbound_source_rows` is the definition of
those rows, computed from the documents (one UNION); the service that keeps the read
model (`suppliers.services.inbound_rows`) writes what it returns, and tests compare the
read model with it after every kind of change.
"""

import datetime
import functools
from collections.abc import Collection, Iterable, Iterator
from decimal import Decimal
from typing import Any, overload

from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import get_language

from integrations.prepared_sql import CompiledPage, compiled_page, page_rows, prepared_cursor
from integrations.versioned_counts import VersionedCounts
from suppliers.models import (
    AsnLine,
    InboundRow,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderScheduleLine,
    Shipment,
)
from suppliers.selectors.shipping import warehouses_for_filter

# The columns of a schedule row, as the page, the CSV and `decorate_inbound_rows` read
# them (the read model's `quantity` and `at_risk` are `qty` and `risk` here).
INBOUND_COLUMNS = (
    "warehouse",
    "day",
    "kind",
    "supplier_code",
    "document",
    "po_number",
    "po_line_no",
    "sku",
    "qty",
    "uom_code",
    "state",
    "risk",
    "promised",
)
# What each row comes from, for the read model (`InboundRow`'s keys).
SOURCE_COLUMNS = ("src_purchase_order", "src_po_line", "src_asn_line", "src_schedule_line")
PAGE_ORDER = ("warehouse", "day", "supplier_code", "document", "po_line_no")


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


def _no_id() -> Value:
    return Value(None, output_field=BigIntegerField())


def inbound_source_rows(
    *,
    supplier_code: str = "",
    warehouse_code: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    purchase_order_ids: Collection[int] | None = None,
    with_sources: bool = False,
) -> QuerySet[Any]:
    """The schedule computed from the documents: one row per line of an ASN on its way
    (day = expected delivery) and one per confirmed delivery (schedule line) not yet
    shipped in full (day = its own date), so a split confirmation shows each delivery on
    its date. A confirmed line without schedule lines (set up before them) shows as one
    row on its confirmed date. One SQL UNION, unordered. `purchase_order_ids` keeps the
    rows of those POs' lines; `with_sources` adds `SOURCE_COLUMNS` after the others."""
    asn_rows = AsnLine.objects.filter(shipment__status__in=Shipment.INBOUND)
    schedule_rows = PurchaseOrderScheduleLine.objects.filter(
        line__purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
        quantity__gt=F("shipped_qty"),
    )
    bare_rows = PurchaseOrderLine.objects.filter(
        purchase_order__status__in=PurchaseOrder.OPEN_TO_SHIP,
        confirmed_qty__gt=F("shipped_qty"),
        schedule_lines__isnull=True,
    )
    if purchase_order_ids is not None:
        ids = sorted(purchase_order_ids)
        asn_rows = asn_rows.filter(po_line__purchase_order_id__in=ids)
        schedule_rows = schedule_rows.filter(line__purchase_order_id__in=ids)
        bare_rows = bare_rows.filter(purchase_order_id__in=ids)
    if supplier_code:
        asn_rows = asn_rows.filter(shipment__supplier__code=supplier_code)
        schedule_rows = schedule_rows.filter(line__purchase_order__supplier__code=supplier_code)
        bare_rows = bare_rows.filter(purchase_order__supplier__code=supplier_code)
    if warehouse_code:
        asn_rows = asn_rows.filter(shipment__ship_to__code=warehouse_code)
        schedule_rows = schedule_rows.filter(line__purchase_order__ship_to__code=warehouse_code)
        bare_rows = bare_rows.filter(purchase_order__ship_to__code=warehouse_code)
    promised = Coalesce("confirmed_date", "requested_date")
    if date_from:
        asn_rows = asn_rows.filter(shipment__expected_delivery__gte=date_from)
        schedule_rows = schedule_rows.filter(date__gte=date_from)
        bare_rows = bare_rows.alias(promised_on=promised).filter(promised_on__gte=date_from)
    if date_to:
        asn_rows = asn_rows.filter(shipment__expected_delivery__lte=date_to)
        schedule_rows = schedule_rows.filter(date__lte=date_to)
        bare_rows = bare_rows.alias(promised_on=promised).filter(promised_on__lte=date_to)
    columns = INBOUND_COLUMNS + (SOURCE_COLUMNS if with_sources else ())
    quantity: DecimalField[Decimal, Decimal] = DecimalField(max_digits=18, decimal_places=6)
    asn_values = (
        asn_rows.annotate(
            warehouse=F("shipment__ship_to__code"),
            day=F("shipment__expected_delivery"),
            kind=_text("asn"),
            supplier_code=F("shipment__supplier__code"),
            document=F("shipment__asn_number"),
            po_number=F("po_line__purchase_order__number"),
            po_line_no=F("po_line__line_no"),
            sku=F("po_line__item__sku"),
            qty=F("quantity_po_uom"),
            uom_code=F("po_line__uom__code"),
            state=F("shipment__status"),
            risk=F("shipment__at_risk"),
            # The delivery the ASN ships against, when the supplier picked one.
            promised=Coalesce(
                "schedule_line__date", "po_line__confirmed_date", "po_line__requested_date"
            ),
            src_purchase_order=F("po_line__purchase_order_id"),
            src_po_line=F("po_line_id"),
            src_asn_line=F("pk"),
            src_schedule_line=_no_id(),
        )
        .values(*columns)
        .order_by()
    )
    schedule_values = (
        schedule_rows.annotate(
            warehouse=F("line__purchase_order__ship_to__code"),
            day=F("date"),
            kind=_text("po_line"),
            supplier_code=F("line__purchase_order__supplier__code"),
            document=F("line__purchase_order__number"),
            po_number=F("line__purchase_order__number"),
            po_line_no=F("line__line_no"),
            sku=F("line__item__sku"),
            qty=ExpressionWrapper(F("quantity") - F("shipped_qty"), output_field=quantity),
            uom_code=F("line__uom__code"),
            state=F("line__purchase_order__status"),
            risk=F("line__purchase_order__at_risk"),
            promised=F("date"),
            src_purchase_order=F("line__purchase_order_id"),
            src_po_line=F("line_id"),
            src_asn_line=_no_id(),
            src_schedule_line=F("pk"),
        )
        .values(*columns)
        .order_by()
    )
    bare_values = (
        bare_rows.annotate(
            warehouse=F("purchase_order__ship_to__code"),
            day=Coalesce("confirmed_date", "requested_date"),
            kind=_text("po_line"),
            supplier_code=F("purchase_order__supplier__code"),
            document=F("purchase_order__number"),
            po_number=F("purchase_order__number"),
            po_line_no=F("line_no"),
            sku=F("item__sku"),
            qty=ExpressionWrapper(F("confirmed_qty") - F("shipped_qty"), output_field=quantity),
            uom_code=F("uom__code"),
            state=F("purchase_order__status"),
            risk=F("purchase_order__at_risk"),
            promised=Coalesce("confirmed_date", "requested_date"),
            src_purchase_order=F("purchase_order_id"),
            src_po_line=F("pk"),
            src_asn_line=_no_id(),
            src_schedule_line=_no_id(),
        )
        .values(*columns)
        .order_by()
    )
    return asn_values.union(schedule_values, bare_values, all=True)


def inbound_schedule(
    *,
    supplier_code: str = "",
    warehouse_code: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Any]:
    """The schedule's rows in the page's order (warehouse code, day, supplier code,
    document, line), as dicts of `INBOUND_COLUMNS`, read from the `InboundRow` read model
    through an index in that order."""
    rows = InboundRow.objects.all()
    if supplier_code:
        rows = rows.filter(supplier_code=supplier_code)
    if warehouse_code:
        rows = rows.filter(warehouse_code=warehouse_code)
    if date_from:
        rows = rows.filter(day__gte=date_from)
    if date_to:
        rows = rows.filter(day__lte=date_to)
    order = ("warehouse_code", "day", "supplier_code", "document", "po_line_no", "id")
    if supplier_code:
        # The supplier's index: same order within one supplier code.
        order = ("supplier_code", *order[:2], *order[3:])
    return rows.order_by(*order).values(
        "kind",
        "supplier_code",
        "document",
        "po_number",
        "po_line_no",
        "sku",
        "uom_code",
        "state",
        "promised",
        "day",
        warehouse=F("warehouse_code"),
        qty=F("quantity"),
        risk=F("at_risk"),
    )


# Stand-ins the page statement is compiled with, replaced by each page's values.
_SUPPLIER = "\x01supplier\x01"
_WAREHOUSE = "\x01warehouse\x01"
_FROM = datetime.date(1901, 2, 3)
_TO = datetime.date(1901, 2, 4)


@functools.lru_cache(maxsize=16)
def _page_sql(
    by_supplier: bool, by_warehouse: bool, by_from: bool, by_to: bool
) -> CompiledPage | None:
    """The page statement of one filter shape, built by `inbound_schedule` with
    stand-ins, or None when a stand-in is not found exactly once (then the ORM runs)."""
    query = inbound_schedule(
        supplier_code=_SUPPLIER if by_supplier else "",
        warehouse_code=_WAREHOUSE if by_warehouse else "",
        date_from=_FROM if by_from else None,
        date_to=_TO if by_to else None,
    ).query
    return compiled_page(
        query, {_SUPPLIER: by_supplier, _WAREHOUSE: by_warehouse, _FROM: by_from, _TO: by_to}
    )


class InboundPageSource:
    """What the schedule page's paginator slices: `[a:b]` is that range of
    `inbound_schedule`'s rows, by its statement compiled once per process and filter
    shape on PostgreSQL (building and compiling it was half the page query's time), by
    the ORM on SQLite (whose driver hands dates and decimals back as text)."""

    ordered = True

    def __init__(self, filters: dict[str, Any]) -> None:
        self._filters = filters
        self._compiled = None
        if connection.vendor == "postgresql":
            self._compiled = _page_sql(
                bool(filters["supplier_code"]),
                bool(filters["warehouse_code"]),
                filters["date_from"] is not None,
                filters["date_to"] is not None,
            )

    def count(self) -> int:
        return inbound_schedule(**self._filters).count()

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
            return list(inbound_schedule(**self._filters)[index])
        start, stop = index.start or 0, index.stop
        if stop is not None and stop <= start:
            return []
        values = {
            _SUPPLIER: self._filters["supplier_code"],
            _WAREHOUSE: self._filters["warehouse_code"],
            _FROM: self._filters["date_from"],
            _TO: self._filters["date_to"],
        }
        return page_rows(self._compiled, values, start, stop)


def inbound_schedule_source(
    *,
    supplier_code: str = "",
    warehouse_code: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> InboundPageSource:
    """`inbound_schedule`'s rows for these filters, for a paginator (the page's)."""
    return InboundPageSource(
        {
            "supplier_code": supplier_code,
            "warehouse_code": warehouse_code,
            "date_from": date_from,
            "date_to": date_to,
        }
    )


@functools.cache
def _warehouses_sql() -> tuple[str, tuple[Any, ...]]:
    return warehouses_for_filter().values_list("code", "name").query.sql_with_params()


def warehouse_choices() -> list[tuple[str, str]]:
    """The warehouse filter's (code, name) pairs (`warehouses_for_filter`), by its
    statement compiled once per process on PostgreSQL."""
    if connection.vendor != "postgresql":
        return list(warehouses_for_filter().values_list("code", "name"))
    sql, params = _warehouses_sql()
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return [(code, name) for code, name in cursor.fetchall()]


# The schedule's counts are kept under one version (`integrations/versioned_counts.py`)
# that the writer of the read model replaces with every change
# (`suppliers.services.inbound_rows`): a reader takes the version *before* counting, so a
# count of older rows can only be kept under a version already replaced. Only where every
# process shares the cache (`REDIS_URL`); `INBOUND_COUNT_CACHE_SECONDS` overrides.
INBOUND_COUNTS = VersionedCounts("suppliers.inbound_rows", setting="INBOUND_COUNT_CACHE_SECONDS")
_COUNT_SCOPE = "schedule"


def new_count_version() -> None:
    """Make every kept count of the schedule obsolete, at once and again on commit (the
    writer, on every change)."""
    INBOUND_COUNTS.changed([_COUNT_SCOPE])


def inbound_schedule_count(
    *,
    supplier_code: str = "",
    warehouse_code: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> int:
    """How many rows `inbound_schedule` has for these filters: an index-only COUNT, kept
    until the read model next changes."""
    filters = repr((supplier_code, warehouse_code, date_from, date_to))
    return int(
        INBOUND_COUNTS.get(
            _COUNT_SCOPE,
            filters,
            lambda: inbound_schedule(
                supplier_code=supplier_code,
                warehouse_code=warehouse_code,
                date_from=date_from,
                date_to=date_to,
            ).count(),
        )
    )


# The state labels of each language, translated once per process (the labels are lazy:
# casting fourteen of them was a tenth of a page's decoration).
_STATE_LABELS: dict[str | None, dict[str, str]] = {}


def _state_labels() -> dict[str, str]:
    language = get_language()
    labels = _STATE_LABELS.get(language)
    if labels is None:
        labels = _STATE_LABELS[language] = {
            value: str(label)
            for value, label in (*Shipment.Status.choices, *PurchaseOrder.Status.choices)
        }
    return labels


def decorate_inbound_rows(
    rows: Iterable[dict[str, Any]], *, today: datetime.date
) -> list[dict[str, Any]]:
    """Late = the goods are not in and the day has passed, or they are expected after
    the date the supplier promised (a delayed ASN); state labels for people. The rows
    are decorated in place (they are the caller's fresh `.values()` rows: a copy of each
    was a fifth of the decoration)."""
    labels = _state_labels()
    decorated = []
    fromisoformat = datetime.date.fromisoformat
    for row in rows:
        day = row["day"]
        if isinstance(day, str):  # SQLite hands a UNION's dates back as text.
            day = row["day"] = fromisoformat(day)
        promised = row["promised"]
        if isinstance(promised, str):
            promised = row["promised"] = fromisoformat(promised)
        qty = row["qty"]
        if not isinstance(qty, Decimal):
            row["qty"] = Decimal(str(qty))
        row["late"] = day < today or day > promised
        row["risk"] = bool(row["risk"])
        state = row["state"]
        row["state_label"] = labels.get(state, state)
        decorated.append(row)
    return decorated
