"""Receipts from a CSV/XLSX file (the WMS's export, until its connector and the API take
over): one row per ASN line received; rows with the same receipt reference make one
receipt. Columns: supplier, asn_number, reference, line_no, qty_received, qty_damaged
(optional), received_at (optional, ISO 8601), closes_asn (optional: yes/no), source
(optional: wms or erp). Every receipt goes through `receipt_record`; the whole file is one
transaction, so a file with an error records nothing (and a dry run never does)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.models import Channel
from suppliers.models import Receipt, Shipment
from suppliers.resources import uploads
from suppliers.services.receipts import ReceiptLineInput, receipt_record

REQUIRED = ("supplier", "asn_number", "reference", "line_no", "qty_received")
OPTIONAL = ("qty_damaged", "received_at", "closes_asn", "source")


@dataclass
class UploadResult(uploads.UploadResult[tuple[int | str | None, str]]):  # (row, message)
    receipts: list[str] = field(default_factory=list)


def read_rows(upload: UploadedFile) -> list[tuple[int, dict[str, str]]]:
    """(file row, {column: text}) for every data row; a missing column is refused."""
    return uploads.read_rows(
        upload, required=REQUIRED, missing=gettext("The file has no column %(missing)s.")
    )


def _decimal(value: str, name: str, row: int) -> Decimal:
    try:
        number = Decimal(value or "0")
    except InvalidOperation as error:
        raise DomainError(
            gettext("%(name)s %(value)s is not a number.") % {"name": name, "value": repr(value)},
            field=name,
            line=row,
        ) from error
    return number


def _when(value: str, row: int) -> datetime.datetime | None:
    if not value:
        return None
    when = parse_datetime(value)
    if when is None:
        raise DomainError(
            gettext("received_at %(value)s is not a date-time.") % {"value": repr(value)},
            field="received_at",
            line=row,
        )
    return make_aware(when) if is_naive(when) else when


def receipts_upload(*, actor, upload, dry_run: bool = False) -> UploadResult:
    result = UploadResult(dry_run=dry_run)
    try:
        rows = read_rows(upload)
    except DomainError as error:
        result.errors.append((error.line, error.message))
        return result
    groups: dict[tuple, list[tuple[int, dict]]] = defaultdict(list)
    for number, row in rows:
        source = (row.get("source") or "wms").lower()
        groups[(row["supplier"], row["asn_number"], row["reference"], source)].append((number, row))
    with uploads.all_or_nothing(result):
        for (supplier_code, asn_number, reference, source), members in groups.items():
            first = members[0][0]
            try:
                if source not in Receipt.Source.values:
                    raise DomainError(
                        gettext("source must be wms or erp, not %(source)s.")
                        % {"source": repr(source)},
                        field="source",
                        line=first,
                    )
                shipment = Shipment.objects.filter(
                    supplier__code=supplier_code, asn_number=asn_number
                ).first()
                if shipment is None:
                    raise DomainError(
                        gettext("No ASN %(asn_number)s from supplier %(supplier_code)s.")
                        % {"asn_number": asn_number, "supplier_code": supplier_code},
                        field="asn_number",
                        line=first,
                    )
                lines = []
                for number, row in members:
                    if not row["line_no"].isdigit():
                        raise DomainError(
                            gettext("line_no must be a whole number."),
                            field="line_no",
                            line=number,
                        )
                    lines.append(
                        ReceiptLineInput(
                            int(row["line_no"]),
                            _decimal(row["qty_received"], "qty_received", number),
                            _decimal(row.get("qty_damaged", ""), "qty_damaged", number),
                        )
                    )
                try:
                    with transaction.atomic():
                        receipt_record(
                            actor=actor,
                            shipment=shipment,
                            reference=reference,
                            lines=lines,
                            received_at=_when(members[0][1].get("received_at", ""), first),
                            source=source,
                            closes_asn=members[0][1].get("closes_asn", "").lower()
                            in {"yes", "y", "true", "1"},
                            channel=Channel.CSV,
                        )
                except DomainError as error:
                    # The service names the ASN line; the user needs the file's row.
                    rows_of = {r["line_no"]: n for n, r in members}
                    raise DomainError(
                        error.message,
                        field=error.field,
                        line=rows_of.get(str(error.line), first),
                    ) from error
                result.receipts.append(reference)
            except DomainError as error:
                result.errors.append((error.line or first, f"{reference}: {error.message}"))
    return result
