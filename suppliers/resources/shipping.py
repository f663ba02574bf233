"""Bulk upload of ASNs and supplier availability (CSV/XLSX) through django-import-export,
by a supplier for its own documents.

Same conventions as `suppliers/resources.py`: cells are parsed by the shared widgets
(each bad cell is an error on its row and column); rows are grouped into documents and
each document goes whole through its service (which validates, audits and publishes) or
not at all. The service stops at its first DomainError; the row it names is set aside and
the service asked again with the rest, so a dry run lists every bad row while the rules
stay in the service.

- ASNs: one row per ASN line; all-or-nothing per ASN; a good ASN is created and submitted.
- Availability: one row per supplier item; all-or-nothing for the file (one count).
"""

import datetime
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from import_export import fields, resources
from import_export.results import Error, Result, RowResult

from integrations.errors import DomainError
from integrations.models import Channel
from integrations.spreadsheets import read_upload
from inventory.resources.items import (
    CodeLookupWidget,
    ExactDecimalWidget,
    IsoDateWidget,
    TextWidget,
    WholeNumberWidget,
    cell_text,
    unit_of_measure_widget,
)
from suppliers import services
from suppliers.models import PurchaseOrderLine, Supplier, SupplierItem
from suppliers.services.shipments import line_label


class _Discard(Exception):
    """Rolls back a document the service accepted after some of its rows were set aside."""


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


@dataclass
class _Group:
    key: str
    rows: list[_Row] = field(default_factory=list)
    done: Any = None

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)


class _ServiceImport(resources.Resource):
    """Parse every row, group rows into documents, submit each document to a service."""

    COLUMNS: tuple[str, ...] = ()
    OPTIONAL_COLUMNS: frozenset[str] = frozenset()
    # DomainError.field → the column to show the error in.
    FIELD_COLUMNS: dict[str, str] = {}
    # Cells of the document header: every row of one document must agree on them.
    HEADER_COLUMNS: tuple[str, ...] = ()

    def __init__(self, *, supplier: Supplier) -> None:
        super().__init__()
        self.supplier = supplier

    def group_key(self, row: _Row) -> str | None:
        raise NotImplementedError

    def lookup(self, rows: list[_Row]) -> None:
        """Resolve references that need the whole file (in one query)."""

    def submit(self, group: _Group, rows: list[_Row], *, actor):
        raise NotImplementedError

    def culprits(self, error: DomainError, rows: list[_Row]) -> list[_Row]:
        raise NotImplementedError

    def import_data_inner(
        self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
    ):
        result = self.get_result_class()()
        result.diff_headers = list(self.COLUMNS)
        result.total_rows = len(dataset)
        headers = [cell_text(header) for header in dataset.headers or []]
        missing = [c for c in self.COLUMNS if c not in headers and c not in self.OPTIONAL_COLUMNS]
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
            if (
                isinstance(import_field.widget, CodeLookupWidget)
                and import_field.column_name in headers
            ):
                import_field.widget.prime(dataset[import_field.column_name])
        rows = [
            self._clean_row(number, OrderedDict(zip(headers, values, strict=False)))
            for number, values in enumerate(dataset, 1)
        ]
        self.lookup(rows)
        groups: dict[str, _Group] = {}
        for row in rows:
            key = self.group_key(row)
            if key:
                groups.setdefault(key, _Group(key=key)).rows.append(row)
        actor = kwargs.get("user")
        for group in groups.values():
            self._check_agreement(group)
            self._submit(group, actor=actor)
        self._record(result, rows, groups)
        return result

    def _clean_row(self, number: int, values: OrderedDict) -> _Row:
        row = _Row(number=number, values=values)
        for import_field in self.get_import_fields():
            column = import_field.column_name
            blank = not cell_text(values.get(column))
            if column in self.OPTIONAL_COLUMNS and blank:
                row.cleaned[column] = None
                continue
            try:
                row.cleaned[column] = import_field.widget.clean(values.get(column), row=values)
            except ValueError as error:
                row.add_error(column, str(error))
        return row

    def _check_agreement(self, group: _Group) -> None:
        first = group.rows[0]
        for row in group.rows[1:]:
            for column in self.HEADER_COLUMNS:
                if column in row.errors or column in first.errors:
                    continue
                if row.cleaned.get(column) != first.cleaned.get(column):
                    row.add_error(
                        column,
                        f"{group.key} has {column} {cell_text(first.values.get(column)) or 'blank'}"
                        f" on row {first.number}; every row of one document must agree.",
                    )

    def _submit(self, group: _Group, *, actor) -> None:
        pending = [row for row in group.rows if not row.errors]
        while pending:
            try:
                with transaction.atomic():
                    done = self.submit(group, pending, actor=actor)
                    if group.has_errors:
                        raise _Discard
                group.done = done
                return
            except _Discard:
                return
            except DomainError as error:
                column = self.FIELD_COLUMNS.get(error.field or "", error.field)
                if column not in self.COLUMNS:
                    column = NON_FIELD_ERRORS
                culprits = self.culprits(error, pending)
                if not culprits:
                    for row in group.rows:
                        row.add_error(column, error.message)
                    return
                for row in culprits:
                    row.add_error(column, error.message)
                    pending.remove(row)

    def _record(self, result: Result, rows: list[_Row], groups: dict[str, _Group]) -> None:
        group_of = {id(row): group for group in groups.values() for row in group.rows}
        for row in rows:
            group = group_of.get(id(row))
            if not row.errors and group is not None and group.done is None:
                bad = ", ".join(str(other.number) for other in group.rows if other.errors)
                row.add_error(
                    NON_FIELD_ERRORS,
                    f"{group.key} is not imported because of the errors in row {bad}.",
                )
            row_result = self.get_row_result_class()()
            if row.errors:
                row_result.import_type = RowResult.IMPORT_TYPE_INVALID
                row_result.validation_error = ValidationError(row.errors)
                result.append_invalid_row(row.number, row.values, row_result.validation_error)
            else:
                row_result.import_type = RowResult.IMPORT_TYPE_NEW
                row_result.diff = [cell_text(row.values.get(col)) for col in self.COLUMNS]
            result.increment_row_result_total(row_result)
            result.append_row_result(row_result)


class AsnResource(_ServiceImport):
    """ASNs, one row per ASN line. Columns: asn_number, ship_date, expected_delivery
    (YYYY-MM-DD), carrier, tracking_number, po_number, line_no (the PO line), quantity,
    uom (blank: the PO unit), lot, expiry_date, serial_numbers (separated by ";"),
    sscc (one label per row, optional)."""

    COLUMNS = (
        "asn_number",
        "ship_date",
        "expected_delivery",
        "carrier",
        "tracking_number",
        "po_number",
        "line_no",
        "quantity",
        "uom",
        "lot",
        "expiry_date",
        "serial_numbers",
        "sscc",
    )
    OPTIONAL_COLUMNS = frozenset(
        {"carrier", "tracking_number", "uom", "lot", "expiry_date", "serial_numbers", "sscc"}
    )
    HEADER_COLUMNS = ("ship_date", "expected_delivery", "carrier", "tracking_number")
    FIELD_COLUMNS = {"po_line": "po_number", "package_count": "sscc", "lines": "po_number"}

    asn_number = fields.Field(column_name="asn_number", widget=TextWidget(max_length=40))
    ship_date = fields.Field(column_name="ship_date", widget=IsoDateWidget())
    expected_delivery = fields.Field(column_name="expected_delivery", widget=IsoDateWidget())
    carrier = fields.Field(column_name="carrier", widget=TextWidget(required=False, max_length=80))
    tracking_number = fields.Field(
        column_name="tracking_number", widget=TextWidget(required=False, max_length=80)
    )
    po_number = fields.Field(column_name="po_number", widget=TextWidget(max_length=40))
    line_no = fields.Field(column_name="line_no", widget=WholeNumberWidget(minimum=1))
    quantity = fields.Field(column_name="quantity", widget=ExactDecimalWidget())
    uom = fields.Field(column_name="uom", widget=unit_of_measure_widget())
    lot = fields.Field(column_name="lot", widget=TextWidget(required=False, max_length=60))
    expiry_date = fields.Field(column_name="expiry_date", widget=IsoDateWidget())
    serial_numbers = fields.Field(column_name="serial_numbers", widget=TextWidget(required=False))
    sscc = fields.Field(column_name="sscc", widget=TextWidget(required=False, max_length=24))

    @classmethod
    def get_display_name(cls) -> str:
        return "ASNs (one row per line)"

    def group_key(self, row: _Row) -> str | None:
        return row.cleaned.get("asn_number")

    def lookup(self, rows: list[_Row]) -> None:
        numbers = {row.cleaned.get("po_number") for row in rows} - {None}
        # Only this supplier's POs: another supplier's number reads as unknown.
        po_lines = {
            (line.purchase_order.number, line.line_no): line
            for line in PurchaseOrderLine.objects.filter(
                purchase_order__supplier=self.supplier, purchase_order__number__in=numbers
            ).select_related("purchase_order__ship_to", "item__base_uom", "uom")
        }
        known_numbers = {number for number, _ in po_lines}
        for row in rows:
            number, line_no = row.cleaned.get("po_number"), row.cleaned.get("line_no")
            if number is None or "po_number" in row.errors:
                continue
            if number not in known_numbers:
                row.add_error("po_number", f"Unknown purchase order '{number}'.")
            elif line_no is not None and (number, line_no) not in po_lines:
                row.add_error("line_no", f"Purchase order {number} has no line {line_no}.")
            else:
                row.cleaned["po_line"] = (
                    po_lines.get((number, line_no)) if line_no is not None else None
                )

    def submit(self, group: _Group, rows: list[_Row], *, actor):
        first = group.rows[0]
        labels = [row.cleaned["sscc"] for row in rows if row.cleaned.get("sscc")]
        header = services.AsnHeader(
            asn_number=group.key,
            ship_date=first.cleaned["ship_date"],
            expected_delivery=first.cleaned["expected_delivery"],
            carrier=first.cleaned.get("carrier") or "",
            tracking_number=first.cleaned.get("tracking_number") or "",
            package_count=max(len(labels), 1),
            packages=[services.PackageInput(sscc=label) for label in labels],
        )
        lines = [
            services.AsnLineInput(
                po_line=row.cleaned["po_line"],
                quantity=row.cleaned["quantity"],
                uom=row.cleaned.get("uom"),
                lot=row.cleaned.get("lot") or "",
                expiry_date=row.cleaned.get("expiry_date"),
                serial_numbers=tuple(
                    s.strip()
                    for s in (row.cleaned.get("serial_numbers") or "").split(";")
                    if s.strip()
                ),
            )
            for row in rows
        ]
        shipment = services.asn_create(
            actor=actor, supplier=self.supplier, header=header, lines=lines, channel=Channel.CSV
        )
        return services.asn_submit(actor=actor, shipment=shipment, channel=Channel.CSV)

    def culprits(self, error: DomainError, rows: list[_Row]) -> list[_Row]:
        if error.line is None:
            return []
        if str(error.line).startswith("package "):
            index = int(str(error.line).split()[1])
            labelled = [row for row in rows if row.cleaned.get("sscc")]
            return labelled[index - 1 : index]
        return [row for row in rows if line_label(row.cleaned["po_line"]) == error.line]


class AsOfWidget(TextWidget):
    """When a count was taken: "YYYY-MM-DD HH:MM" in the portal's time zone (or an
    ISO 8601 timestamp with its offset), or an XLSX date-time cell."""

    def __init__(self) -> None:
        super().__init__(required=False)

    # Any: a date-time where the text widget it extends cleans to text.
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        if isinstance(value, datetime.datetime):
            moment = value
        else:
            text = cell_text(value)
            if not text:
                return None
            try:
                moment = datetime.datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    gettext("'%(text)s' is not a time in the form YYYY-MM-DD HH:MM.")
                    % {"text": text}
                ) from None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment


class AvailabilityResource(_ServiceImport):
    """Availability, one row per supplier item. Columns: supplier_sku, qty_available,
    available_date (YYYY-MM-DD, optional), as_of (YYYY-MM-DD HH:MM, optional: now). An
    error the service raises about `as_of` lands in the as_of column."""

    COLUMNS = ("supplier_sku", "qty_available", "available_date", "as_of")
    OPTIONAL_COLUMNS = frozenset({"available_date", "as_of"})

    supplier_sku = fields.Field(column_name="supplier_sku", widget=TextWidget(max_length=60))
    qty_available = fields.Field(column_name="qty_available", widget=ExactDecimalWidget())
    available_date = fields.Field(column_name="available_date", widget=IsoDateWidget())
    as_of = fields.Field(column_name="as_of", widget=AsOfWidget())

    FILE_KEY = "The file"

    @classmethod
    def get_display_name(cls) -> str:
        return "Availability (supplier_sku, qty_available, available_date)"

    def group_key(self, row: _Row) -> str | None:
        return self.FILE_KEY

    def lookup(self, rows: list[_Row]) -> None:
        skus = {row.cleaned.get("supplier_sku") for row in rows} - {None}
        items = {
            si.supplier_sku: si
            for si in SupplierItem.objects.filter(
                supplier=self.supplier, supplier_sku__in=skus
            ).select_related("item", "uom")
        }
        seen: dict[str, int] = {}
        for row in rows:
            sku = row.cleaned.get("supplier_sku")
            if sku is None:
                continue
            if sku not in items:
                row.add_error("supplier_sku", f"Unknown supplier SKU '{sku}'.")
            elif sku in seen:
                row.add_error("supplier_sku", f"{sku} is already on row {seen[sku]}.")
            else:
                seen[sku] = row.number
                row.cleaned["supplier_item"] = items[sku]

    def submit(self, group: _Group, rows: list[_Row], *, actor):
        return services.supplier_availability_post(
            actor=actor,
            supplier=self.supplier,
            entries=[
                services.AvailabilityInput(
                    supplier_item=row.cleaned["supplier_item"],
                    qty_available=row.cleaned["qty_available"],
                    available_date=row.cleaned.get("available_date"),
                    as_of=row.cleaned.get("as_of"),
                )
                for row in rows
            ],
            channel=Channel.CSV,
        )

    def culprits(self, error: DomainError, rows: list[_Row]) -> list[_Row]:
        return [row for row in rows if row.cleaned.get("supplier_sku") == error.line]


def run_upload(resource: _ServiceImport, *, upload, dry_run: bool, user) -> Result:
    """Read an uploaded CSV/XLSX file (integrations.spreadsheets: size, bomb and shape
    checks) and import it (or dry-run it) with `resource`."""
    try:
        sheet = read_upload(upload)
    except DomainError as error:
        result = Result()
        result.append_base_error(Error(ValueError(error.message)))
        return result
    return resource.import_data(sheet.dataset(), dry_run=dry_run, use_transactions=True, user=user)
