"""Bulk loading of purchase orders through django-import-export.

Purchase orders do not load row by row like master data: a file has one row per PO
*line*, and a PO is created whole by `services.purchase_order_create` (which validates,
audits and publishes) or not at all.
`PurchaseOrderResource` therefore parses every row first, groups the rows by po_number,
and turns each `DomainError` of the service into an error on the row and column it names.
"""

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import groupby
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext
from import_export import exceptions, fields, resources
from import_export.results import Result, RowResult

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.money import total_amount
from inventory.resources.items import (
    CodeLookupWidget,
    ExactDecimalWidget,
    IsoDateWidget,
    TextWidget,
    WholeNumberWidget,
    cell_text,
    item_widget,
    unit_of_measure_widget,
    warehouse_widget,
)
from portal.access import Actor
from suppliers import selectors, services
from suppliers.models import PurchaseOrder, PurchaseOrderLine
from suppliers.resources.supplier_items import supplier_widget


class _DiscardPurchaseOrder(Exception):
    """Rolls back a PO the service accepted after some of its lines were set aside."""


# DomainError.field (the service's vocabulary) → the column the user has to fix.
_SERVICE_FIELD_COLUMNS = {"number": "po_number", "quantity": "ordered_qty", "item": "sku"}
# Values that describe the PO rather than the line: every row of a PO must agree on them.
_HEADER_COLUMNS = ("supplier", "ship_to", "currency")


@dataclass
class _Row:
    number: int
    values: OrderedDict
    cleaned: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add_error(self, column: str, message: str) -> None:
        messages = self.errors.setdefault(column, [])
        if message not in messages:
            messages.append(message)

    def line_input(self) -> services.PurchaseOrderLineInput:
        return services.PurchaseOrderLineInput(
            line_no=self.cleaned["line_no"],
            item=self.cleaned["sku"],
            ordered_qty=self.cleaned["ordered_qty"],
            uom=self.cleaned["uom"],
            unit_price=self.cleaned["unit_price"],
            requested_date=self.cleaned["requested_date"],
        )


@dataclass
class _PurchaseOrderRows:
    number: str
    rows: list[_Row] = field(default_factory=list)
    purchase_order: PurchaseOrder | None = None

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)


class PurchaseOrderResource(resources.Resource):
    """Purchase orders with their lines, one row per line.

    Columns: po_number, supplier (code), ship_to (warehouse code), line_no, sku,
    ordered_qty, uom (code), unit_price, requested_date (YYYY-MM-DD), currency (optional:
    the supplier's currency when blank).

    Each PO is all-or-nothing: a PO with any bad row is not created, and every bad row is
    reported with its number and column. An existing PO number is an error, never an
    update. Pass `user=` to `import_data` (the admin does): it is the audit actor.
    """

    po_number = fields.Field(
        attribute="po_number", column_name="po_number", widget=TextWidget(max_length=40)
    )
    supplier = fields.Field(attribute="supplier", column_name="supplier", widget=supplier_widget())
    ship_to = fields.Field(attribute="ship_to", column_name="ship_to", widget=warehouse_widget())
    line_no = fields.Field(
        attribute="line_no", column_name="line_no", widget=WholeNumberWidget(minimum=1)
    )
    sku = fields.Field(attribute="sku", column_name="sku", widget=item_widget())
    ordered_qty = fields.Field(
        attribute="ordered_qty", column_name="ordered_qty", widget=ExactDecimalWidget()
    )
    uom = fields.Field(attribute="uom", column_name="uom", widget=unit_of_measure_widget())
    unit_price = fields.Field(
        attribute="unit_price", column_name="unit_price", widget=ExactDecimalWidget()
    )
    requested_date = fields.Field(
        attribute="requested_date", column_name="requested_date", widget=IsoDateWidget()
    )
    currency = fields.Field(
        attribute="currency", column_name="currency", widget=TextWidget(required=False)
    )

    OPTIONAL_COLUMNS = frozenset({"currency"})

    @classmethod
    def get_display_name(cls) -> str:
        return "Purchase orders with lines (one row per line)"

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
    ):
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        if dry_run and not using_transactions:
            # The dry run creates each PO through the service and rolls it back.
            raise ImproperlyConfigured("A purchase order dry run needs database transactions.")
        headers = [cell_text(header) for header in dataset.headers or []]
        missing = [
            column
            for column in result.diff_headers
            if column not in headers and column not in self.OPTIONAL_COLUMNS
        ]
        if missing:
            self.handle_import_error(
                result,
                ValueError(
                    gettext("The file has no column %(missing)s.") % {"missing": ", ".join(missing)}
                ),
                raise_errors,
            )
            return result

        for import_field in self.get_import_fields():
            if isinstance(import_field.widget, CodeLookupWidget):
                import_field.widget.prime(dataset[import_field.column_name])
        rows = [
            self._clean_row(number, OrderedDict(zip(headers, values, strict=False)))
            for number, values in enumerate(dataset, 1)
        ]
        orders = self._group(rows)
        actor = kwargs.get("user")
        for order in orders:
            self._check_header_agreement(order)
            self._submit(order, actor=actor)

        self._record_rows(result, rows, orders, raise_errors, collect_failed_rows)
        return result

    def _clean_row(self, number: int, values: OrderedDict) -> _Row:
        row = _Row(number=number, values=values)
        for import_field in self.get_import_fields():
            column = import_field.column_name
            if column not in values:
                row.cleaned[column] = None
                continue
            try:
                row.cleaned[column] = import_field.widget.clean(values[column], row=values)
            except ValueError as error:
                row.add_error(column, str(error))
        if not row.cleaned.get("currency"):
            row.cleaned["currency"] = None
        elif len(row.cleaned["currency"]) != 3 or not row.cleaned["currency"].isalpha():
            row.add_error(
                "currency", f"'{row.cleaned['currency']}' is not a three-letter currency code."
            )
        else:
            row.cleaned["currency"] = row.cleaned["currency"].upper()
        return row

    @staticmethod
    def _group(rows: list[_Row]) -> list[_PurchaseOrderRows]:
        orders: dict[str, _PurchaseOrderRows] = {}
        for row in rows:
            number = row.cleaned.get("po_number")
            if number:
                orders.setdefault(number, _PurchaseOrderRows(number=number)).rows.append(row)
        return list(orders.values())

    @staticmethod
    def _check_header_agreement(order: _PurchaseOrderRows) -> None:
        """The file repeats the PO's supplier, ship-to and currency on every line; a
        row that disagrees with the PO's first row is a typo we must not guess about."""
        first = order.rows[0]
        for row in order.rows[1:]:
            for column in _HEADER_COLUMNS:
                if column in row.errors or column in first.errors:
                    continue
                if row.cleaned.get(column) != first.cleaned.get(column):
                    shown = cell_text(first.values.get(column)) or "blank"
                    row.add_error(
                        column,
                        f"Purchase order {order.number} has {column} {shown} on row "
                        f"{first.number}; every row of a purchase order must agree.",
                    )

    def _submit(self, order: _PurchaseOrderRows, *, actor: Actor) -> None:
        """Create the PO through the service, or find out every line it refuses.

        The service stops at its first DomainError. To report every bad line, the line it
        names is set aside and the service is asked again with the rest (each attempt in
        its own savepoint); as soon as anything was refused, the PO is rolled back. The
        rules stay in the service: this loop only learns which rows they reject.
        """
        first = order.rows[0]
        if any(column in first.errors for column in ("supplier", "ship_to", "currency")):
            return
        pending = [row for row in order.rows if not row.errors]
        while pending:
            try:
                with transaction.atomic():
                    purchase_order = services.purchase_order_create(
                        actor=actor,
                        number=order.number,
                        supplier=first.cleaned["supplier"],
                        ship_to=first.cleaned["ship_to"],
                        currency=first.cleaned["currency"],
                        lines=[row.line_input() for row in pending],
                        channel=Channel.CSV,
                    )
                    if order.has_errors:
                        raise _DiscardPurchaseOrder
                order.purchase_order = purchase_order
                return
            except _DiscardPurchaseOrder:
                return
            except DomainError as error:
                column = _SERVICE_FIELD_COLUMNS.get(error.field or "", error.field)
                if column is None or column not in self.fields:
                    column = NON_FIELD_ERRORS
                culprits = [
                    row
                    for row in pending
                    if error.line is not None and str(row.cleaned["line_no"]) == str(error.line)
                ]
                if not culprits:
                    # About the whole PO (its number exists, …): no line can be set aside.
                    for row in order.rows:
                        row.add_error(column, error.message)
                    return
                for row in culprits:
                    row.add_error(column, error.message)
                    pending.remove(row)

    def _record_rows(
        self,
        result: Result,
        rows: list[_Row],
        orders: list[_PurchaseOrderRows],
        raise_errors: bool,
        collect_failed_rows: bool,
    ) -> None:
        order_of = {id(row): order for order in orders for row in order.rows}
        if collect_failed_rows:
            result.add_dataset_headers(result.diff_headers)
        for row in rows:
            order = order_of.get(id(row))
            if not row.errors and order is not None and order.purchase_order is None:
                bad = ", ".join(str(other.number) for other in order.rows if other.errors)
                row.add_error(
                    NON_FIELD_ERRORS,
                    f"Purchase order {order.number} is not imported because of the "
                    f"errors in row {bad}.",
                )
            row_result = self.get_row_result_class()()
            if row.errors:
                row_result.import_type = RowResult.IMPORT_TYPE_INVALID
                row_result.validation_error = ValidationError(row.errors)
                result.append_invalid_row(row.number, row.values, row_result.validation_error)
                if collect_failed_rows:
                    result.append_failed_row(row.values, row_result.validation_error)
                if raise_errors:
                    raise exceptions.ImportError(
                        row_result.validation_error, number=row.number, row=row.values
                    )
            else:
                # A row without errors belongs to a PO the service created: the rows of
                # the others were given an error above (a blank po_number is one too).
                assert order is not None and order.purchase_order is not None
                row_result.import_type = RowResult.IMPORT_TYPE_NEW
                row_result.add_instance_info(order.purchase_order)
                row_result.instance = order.purchase_order
                # The confirm page previews these cells (autoescaped by its template).
                row_result.diff = [cell_text(row.values.get(col)) for col in result.diff_headers]
            result.increment_row_result_total(row_result)
            result.append_row_result(row_result)


# ---------------------------------------------------------------- export

# The import's columns first (a file exported can be read back by a person or a tool
# that knows them), then what the supplier confirmed and the money.
EXPORT_COLUMNS = [
    "po_number",
    "supplier",
    "ship_to",
    "line_no",
    "sku",
    "ordered_qty",
    "uom",
    "unit_price",
    "requested_date",
    "currency",
    "status",
    "revision",
    "confirmed_qty",
    "confirmed_price",
    "schedule_lines",
    "shipped_qty",
    "line_amount",
    "po_total",
]


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def purchase_order_export_rows(purchase_orders: QuerySet[PurchaseOrder]) -> Iterator[list[str]]:
    """One row per line of these POs (header first), in list order, streamed in chunks:
    amounts as plain numbers in the currency's decimals, the deliveries as
    "quantity@YYYY-MM-DD" joined by "; " (in the line's unit)."""
    yield EXPORT_COLUMNS
    lines = (
        PurchaseOrderLine.objects.filter(purchase_order__in=purchase_orders.values("pk"))
        .select_related("purchase_order__supplier", "purchase_order__ship_to", "item", "uom")
        .prefetch_related("schedule_lines")
        .order_by("-purchase_order__issued_at", "-purchase_order_id", "line_no")
    )
    for _po_id, po_lines in groupby(
        lines.iterator(chunk_size=2000), key=lambda line: line.purchase_order_id
    ):
        group = list(po_lines)
        purchase_order = group[0].purchase_order
        currency = purchase_order.currency
        amounts = [selectors.po_line_amount(line, currency) for line in group]
        total = total_amount(amounts, currency)
        for line, amount in zip(group, amounts, strict=True):
            yield [
                purchase_order.number,
                purchase_order.supplier.code,
                purchase_order.ship_to.code,
                str(line.line_no),
                line.item.sku,
                _plain(line.ordered_qty),
                line.uom.code,
                _plain(line.unit_price),
                line.requested_date.isoformat(),
                currency,
                purchase_order.status,
                str(purchase_order.revision),
                _plain(line.confirmed_qty),
                _plain(line.confirmed_price),
                "; ".join(
                    f"{_plain(s.quantity)}@{s.date.isoformat()}"
                    for s in selectors.schedule_of(line)
                ),
                _plain(line.shipped_qty),
                f"{amount:f}",
                f"{total:f}",
            ]
