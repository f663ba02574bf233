"""The bodies of the purchase-order reads (list and one PO), built from `.values()` rows.

Same JSON as `PurchaseOrderListItemOutput` / `PurchaseOrderDetailOutput` (which stay the
documented schema, and which tests/api/test_purchase_order_rows.py compares with these
bodies), without model instances or a serializer walk per row: those were most of an API
read's Python (issue 24, the peer benchmark against Tryton). Values are formatted by the
very DRF fields the serializers use, so a date, a decimal or a time reads the same.
"""

import datetime
import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from integrations.money import minor_unit, total_amount
from integrations.prepared_sql import prepared_cursor
from suppliers import selectors
from suppliers.models import PurchaseOrder, Supplier, SupplierItem
from suppliers.selectors.purchase_orders import (
    Delivery,
    line_amount_of,
    line_amounts,
    single_delivery,
)

_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()
_QUANTITY = serializers.DecimalField(max_digits=18, decimal_places=6)
_PRICE = serializers.DecimalField(max_digits=18, decimal_places=4)

_PO_FIELDS = (
    "number",
    "status",
    "revision",
    "ship_to_code",
    "currency",
    "issued_at",
    "ack_due_at",
    "updated_at",
    "at_risk",
)
# `updated_at` and `id` also serve the cursor paginator (its ordering).
LIST_COLUMNS = ("id", *(name for name in _PO_FIELDS if name != "ship_to_code"))
HEADER_COLUMNS = ("supplier_id", *LIST_COLUMNS)
# `.values()` keyword arguments of both: the ship-to warehouse's code.
ROW_EXPRESSIONS = {"ship_to_code": F("ship_to__code")}


def _optional(field: serializers.Field, value: Any) -> Any:
    # A serializer leaves None as None without calling the field.
    return None if value is None else field.to_representation(value)


DatetimeText = Callable[[datetime.datetime | None], str | None]


def _datetime_text() -> DatetimeText:
    """DRF's DateTimeField.to_representation with the current time zone looked up once per
    body rather than per value (it was the largest part of formatting a page)."""
    if not settings.USE_TZ or str(api_settings.DATETIME_FORMAT).lower() != ISO_8601:
        return lambda value: _optional(_DATETIME, value)
    zone = timezone.get_current_timezone()

    def text(value: datetime.datetime | None) -> str | None:
        if not value:
            return None
        iso = value.astimezone(zone).isoformat()
        return iso[:-6] + "Z" if iso.endswith("+00:00") else iso

    return text


def _po(row: dict[str, Any], datetime_text: DatetimeText) -> dict[str, Any]:
    return {
        "number": row["number"],
        "status": row["status"],
        "revision": row["revision"],
        "ship_to": row["ship_to_code"],
        "currency": row["currency"],
        "issued_at": datetime_text(row["issued_at"]),
        "ack_due_at": datetime_text(row["ack_due_at"]),
        "updated_at": datetime_text(row["updated_at"]),
        "at_risk": row["at_risk"],
    }


def list_items(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of list rows with each PO's line count and total, from one query of the
    page's lines (the count and the total of each PO in the same pass)."""
    amounts = line_amounts({row["id"]: row["currency"] for row in rows})
    datetime_text = _datetime_text()
    items = []
    for row in rows:
        mine = amounts.get(row["id"], [])
        item = _po(row, datetime_text)
        item["line_count"] = len(mine)
        item["total_amount"] = str(total_amount(mine, row["currency"]))
        items.append(item)
    return items


def _schedule(line: dict[str, Any], entries: list[Delivery]) -> list[dict[str, Any]]:
    """The line's confirmed deliveries, or its one `single_delivery` (selectors.schedule_of's
    rule)."""
    if not entries:
        delivery = single_delivery(
            confirmed_qty=line["line_confirmed_qty"],
            confirmed_date=line["line_confirmed_date"],
            shipped_qty=line["line_shipped_qty"],
        )
        entries = [] if delivery is None else [delivery]
    return [
        {
            "position": entry.position,
            "quantity": _QUANTITY.to_representation(entry.quantity),
            "date": _DATE.to_representation(entry.date),
            "shipped_qty": _QUANTITY.to_representation(entry.shipped_qty),
        }
        for entry in entries
    ]


# The line and schedule-line columns of the detail query, joined onto the PO's row
# (`line_…` and `s_…` names, so they never shadow a header column).
_LINE_EXPRESSIONS = {
    f"line_{name}": F(f"lines__{name}")
    for name in (
        "id",
        "line_no",
        "ordered_qty",
        "unit_price",
        "requested_date",
        "confirmed_qty",
        "confirmed_date",
        "confirmed_price",
        "shipped_qty",
        "received_qty",
    )
} | {
    "line_sku": F("lines__item__sku"),
    "line_description": F("lines__item__description"),
    "line_uom": F("lines__uom__code"),
    "s_position": F("lines__schedule_lines__position"),
    "s_quantity": F("lines__schedule_lines__quantity"),
    "s_date": F("lines__schedule_lines__date"),
    "s_shipped_qty": F("lines__schedule_lines__shipped_qty"),
}


def detail_rows(purchase_orders: QuerySet[PurchaseOrder]) -> QuerySet[PurchaseOrder, Any]:
    """One query for one PO (`purchase_orders` filtered down to it): a row per schedule
    line of each line (one for a line without any, one for a PO without lines), with the
    header, the line's item, unit and the supplier's own SKU, in line and position order.
    One round trip instead of four (header, lines, schedule lines, supplier items)."""
    supplier_sku = SupplierItem.objects.filter(
        supplier_id=OuterRef("supplier_id"), item_id=OuterRef("lines__item_id")
    ).values("supplier_sku")[:1]
    return purchase_orders.values(
        *HEADER_COLUMNS,
        **ROW_EXPRESSIONS,
        **_LINE_EXPRESSIONS,
        line_supplier_sku=Subquery(supplier_sku),
    ).order_by("lines__line_no", "lines__schedule_lines__position")


# Stand-ins for the two parameters of the detail query, compiled once per process.
_SUPPLIER_ID = -424242
_NUMBER = "\x01po-number\x01"


@functools.cache
def _detail_sql() -> tuple[str, tuple[Any, ...], tuple[str, ...]]:
    # Building and compiling `detail_rows` (20 joined columns) was a third of a one-PO
    # read's Python (issue 24): it is compiled once, through the scoped selector, with
    # stand-in values that each request replaces by its own.
    query = detail_rows(
        selectors.purchase_orders_for_supplier(supplier=Supplier(pk=_SUPPLIER_ID)).filter(
            number=_NUMBER
        )
    ).query
    sql, params = query.sql_with_params()
    if sorted(map(str, params)) != sorted([str(_SUPPLIER_ID), _NUMBER]):
        raise RuntimeError(f"the detail query's parameters changed: {params!r}")
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return sql, tuple(params), names


def detail_rows_of(*, supplier: Supplier, number: str) -> list[dict[str, Any]]:
    """`detail_rows` of the supplier's PO with this number (none: no such PO of theirs)."""
    if connection.vendor != "postgresql":
        # SQLite (the demo) hands back decimals and dates as text to a raw cursor: the ORM
        # converts them there. PostgreSQL's driver returns the same types as the ORM.
        purchase_orders = selectors.purchase_orders_for_supplier(supplier=supplier)
        return list(detail_rows(purchase_orders.filter(number=number)))
    sql, params, names = _detail_sql()
    values: dict[Any, int | str] = {_SUPPLIER_ID: supplier.pk, _NUMBER: number}
    with prepared_cursor() as cursor:
        cursor.execute(sql, [values[param] for param in params])
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def detail_body(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The body of one PO from its `detail_rows` (at least one)."""
    header = rows[0]
    currency = header["currency"]
    unit = minor_unit(currency)
    by_line: dict[int, tuple[dict[str, Any], list[Delivery]]] = {}
    for row in rows:
        if row["line_id"] is None:
            continue  # a PO without lines
        line, entries = by_line.setdefault(row["line_id"], (row, []))
        if row["s_position"] is not None:
            entries.append(
                Delivery(row["s_position"], row["s_quantity"], row["s_date"], row["s_shipped_qty"])
            )
    lines = []
    amounts = []
    for line, entries in by_line.values():
        amount = line_amount_of(
            line["line_ordered_qty"],
            line["line_unit_price"],
            line["line_confirmed_qty"],
            line["line_confirmed_price"],
            unit,
        )
        amounts.append(amount)
        lines.append(
            {
                "line_no": line["line_line_no"],
                "sku": line["line_sku"],
                "supplier_sku": line["line_supplier_sku"],
                "description": line["line_description"],
                "ordered_qty": _QUANTITY.to_representation(line["line_ordered_qty"]),
                "uom": line["line_uom"],
                "unit_price": _PRICE.to_representation(line["line_unit_price"]),
                "requested_date": _optional(_DATE, line["line_requested_date"]),
                "confirmed_qty": _optional(_QUANTITY, line["line_confirmed_qty"]),
                "confirmed_date": _optional(_DATE, line["line_confirmed_date"]),
                "confirmed_price": _optional(_PRICE, line["line_confirmed_price"]),
                "shipped_qty": _QUANTITY.to_representation(line["line_shipped_qty"]),
                "received_qty": _QUANTITY.to_representation(line["line_received_qty"]),
                "line_amount": str(amount),
                "schedule_lines": _schedule(line, entries),
            }
        )
    return {
        **_po(header, _datetime_text()),
        "total_amount": str(total_amount(amounts, currency)),
        "lines": lines,
    }
