"""Invoices from a CSV/XLSX file (the supplier's upload): one row per invoice line; rows
with the same invoice number make one invoice. Every invoice goes through
`invoice_submit`, the door the page, the API and the EDI 810 share; the whole file is one
transaction, so a file with an error in any row submits nothing (a dry run never does),
and every bad row is reported with its row, its column and what to fix.

Columns (`COLUMNS`): invoice_number, invoice_date (YYYY-MM-DD), po_number, line_no (the
PO line; empty on a tax or charge row), quantity, unit_price, and optionally uom (the PO
line's unit when empty), kind (goods, tax or charge; goods when empty), description (what
a tax or charge is) and currency (the PO's when empty). A tax or charge row is one amount:
its unit_price, quantity 1 when empty."""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from portal.access import Actor
from suppliers.models import InvoiceLine, PurchaseOrder, PurchaseOrderLine, Supplier
from suppliers.resources import uploads
from suppliers.services.invoice_submission import invoice_submit
from suppliers.services.invoices import InvoiceHeader, InvoiceLineInput

REQUIRED = ("invoice_number", "invoice_date", "po_number", "line_no", "quantity", "unit_price")
OPTIONAL = ("uom", "kind", "description", "currency")
COLUMNS = REQUIRED + OPTIONAL
# Per invoice, these must be the same on every row.
HEADER_COLUMNS = ("invoice_date", "po_number", "currency")
# The service's field names, as the file's columns.
_COLUMN_OF = {
    "number": "invoice_number",
    "po_line": "line_no",
    "line_no": "line_no",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "uom": "uom",
    "kind": "kind",
    "description": "description",
    "currency": "currency",
    "pdf": "invoice_number",
    "lines": "invoice_number",
}
SAMPLE_ROWS = [
    ["INV-1001", "2026-03-10", "PO-12345", "1", "100", "2.50", "EA", "", "", "USD"],
    ["INV-1001", "2026-03-10", "PO-12345", "2", "24", "10.00", "", "", "", "USD"],
    ["INV-1001", "2026-03-10", "PO-12345", "", "", "39.30", "", "tax", "Sales tax 8.25%", "USD"],
    ["INV-1001", "2026-03-10", "PO-12345", "", "", "15.00", "", "charge", "Freight", "USD"],
]


@dataclass(frozen=True)
class RowError:
    row: int | None  # the file's row (1 is the header); None: the whole file
    column: str
    message: str


@dataclass
class UploadResult(uploads.UploadResult[RowError]):
    invoices: list[str] = field(default_factory=list)


def sample_csv() -> str:
    """The upload's template: the columns and a filled-in example to overwrite."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(SAMPLE_ROWS)
    return out.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(upload: UploadedFile) -> list[tuple[int, dict[str, str]]]:
    """(file row, {column: text}) for every data row; a missing column is refused."""
    return uploads.read_rows(
        upload,
        required=REQUIRED,
        missing=gettext(
            "The file has no column %(missing)s: the first row must name "
            "the columns (%(columns)s); download the template."
        ),
        columns=COLUMNS,
        text=_text,
    )


def _decimal(row: dict[str, str], column: str, number: int, *, default: str = "") -> Decimal:
    value = row.get(column, "") or default
    if not value:
        raise DomainError(
            gettext("%(column)s is empty: give a number.") % {"column": column},
            field=column,
            line=number,
        )
    try:
        result = Decimal(value)
    except InvalidOperation as error:
        raise DomainError(
            gettext("%(column)s %(value)s is not a number (write it like 1234.50).")
            % {"column": column, "value": repr(value)},
            field=column,
            line=number,
        ) from error
    if not result.is_finite():
        raise DomainError(
            gettext("%(column)s %(value)s is not a number.")
            % {"column": column, "value": repr(value)},
            field=column,
            line=number,
        )
    return result


def _date(value: str, number: int) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise DomainError(
            gettext("invoice_date %(value)s is not a date: write it as YYYY-MM-DD (2026-03-10).")
            % {"value": repr(value)},
            field="invoice_date",
            line=number,
        ) from error


def _line(
    row: dict[str, str], number: int, line_no: int, po_lines: dict[int, PurchaseOrderLine]
) -> InvoiceLineInput:
    kind = (row.get("kind") or InvoiceLine.Kind.GOODS).lower()
    if kind not in InvoiceLine.Kind.values:
        raise DomainError(
            gettext("kind %(kind)s is not one of goods, tax, charge.") % {"kind": repr(kind)},
            field="kind",
            line=number,
        )
    if kind != InvoiceLine.Kind.GOODS:
        if row.get("line_no"):
            raise DomainError(
                gettext("A %(kind)s row names no PO line: leave line_no empty.") % {"kind": kind},
                field="line_no",
                line=number,
            )
        return InvoiceLineInput(
            line_no=line_no,
            kind=kind,
            description=row.get("description", ""),
            quantity=_decimal(row, "quantity", number, default="1"),
            uom_code=row.get("uom") or "EA",
            unit_price=_decimal(row, "unit_price", number),
        )
    if not row.get("line_no", "").isdigit():
        raise DomainError(
            gettext("line_no must be the PO line's number (a whole number)."),
            field="line_no",
            line=number,
        )
    po_line = po_lines.get(int(row["line_no"]))
    if po_line is None:
        raise DomainError(
            gettext("PO %(po_number)s has no line %(line_no)s.")
            % {"po_number": row["po_number"], "line_no": row["line_no"]},
            field="line_no",
            line=number,
        )
    return InvoiceLineInput(
        line_no=line_no,
        quantity=_decimal(row, "quantity", number),
        uom_code=row.get("uom") or po_line.uom.code,
        unit_price=_decimal(row, "unit_price", number),
        po_line=po_line,
    )


def _submit_one(
    *, actor: Actor, supplier: Supplier, number: str, members: list[tuple[int, dict[str, str]]]
) -> list[RowError]:
    """Submit one invoice of the file (in a savepoint); its errors, by row and column."""
    first, head = members[0]
    errors: list[RowError] = []
    for column in HEADER_COLUMNS:
        for row_no, row in members[1:]:
            if row.get(column, "") != head.get(column, ""):
                errors.append(
                    RowError(
                        row_no,
                        column,
                        f"Invoice {number} has {column} {head.get(column, '')!r} on row "
                        f"{first}: every row of an invoice has the same {column}.",
                    )
                )
    if errors:
        return errors
    purchase_order = (
        PurchaseOrder.objects.filter(supplier=supplier, number=head["po_number"]).first()
        if head["po_number"]
        else None
    )
    if purchase_order is None:
        # Another supplier's PO reads exactly as one that does not exist.
        return [
            RowError(
                first,
                "po_number",
                f"No purchase order {head['po_number']!r} of yours: check the PO number.",
            )
        ]
    po_lines = {
        line.line_no: line
        for line in PurchaseOrderLine.objects.select_related("uom", "item").filter(
            purchase_order=purchase_order
        )
    }
    rows_of: dict[int, int] = {}
    lines: list[InvoiceLineInput] = []
    for line_no, (row_no, row) in enumerate(members, start=1):
        rows_of[line_no] = row_no
        try:
            lines.append(_line(row, row_no, line_no, po_lines))
        except DomainError as error:
            errors.append(RowError(row_no, error.field or "", error.message))
    try:
        invoice_date = _date(head["invoice_date"], first)
    except DomainError as error:
        errors.append(RowError(first, "invoice_date", error.message))
    if errors:
        return errors
    try:
        with transaction.atomic():
            invoice_submit(
                actor=actor,
                supplier=supplier,
                purchase_order=purchase_order,
                header=InvoiceHeader(
                    number=number, invoice_date=invoice_date, currency=head.get("currency", "")
                ),
                lines=lines,
                channel=Channel.CSV,
            )
    except DomainError as error:
        # The service names the invoice line; the supplier needs the file's row.
        row_no = rows_of.get(error.line, first) if isinstance(error.line, int) else first
        column = _COLUMN_OF.get(error.field or "", error.field or "")
        return [RowError(row_no, column, error.message)]
    return []


def invoices_upload(
    *, actor: Actor, supplier: Supplier, upload: UploadedFile, dry_run: bool = False
) -> UploadResult:
    """Submit every invoice of the file for `supplier`, all or none."""
    result = UploadResult(dry_run=dry_run)
    try:
        rows = read_rows(upload)
    except DomainError as error:
        line = error.line if isinstance(error.line, int) else None
        result.errors.append(RowError(line, error.field or "file", error.message))
        return result
    if not rows:
        result.errors.append(RowError(None, "file", "The file has no rows under its header."))
        return result
    groups: dict[str, list[tuple[int, dict[str, str]]]] = defaultdict(list)
    for row_no, row in rows:
        if not row.get("invoice_number"):
            result.errors.append(
                RowError(row_no, "invoice_number", "invoice_number is empty: every row needs it.")
            )
            continue
        groups[row["invoice_number"]].append((row_no, row))
    with uploads.all_or_nothing(result):
        for number, members in groups.items():
            errors = _submit_one(actor=actor, supplier=supplier, number=number, members=members)
            if errors:
                result.errors.extend(errors)
            else:
                result.invoices.append(number)
    if result.errors:
        result.invoices = []  # rolled back: none was submitted
    result.errors.sort(key=lambda error: (error.row or 0, error.column))
    return result
