"""Stock snapshot files uploaded on the snapshots page: read through the shared
hostile-file rules (`integrations.spreadsheets`: size, row and column caps, zip-bomb
checks, clear row-level errors), then handed to the set-based ingest as CSV. Files bigger
than an upload may be go through `manage.py ingest_snapshot` or a connector pull."""

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext

from integrations.errors import DomainError
from integrations.spreadsheets import read_upload

COLUMNS = ("sku", "uom", "quantity")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet's 12 arrives as 12.0
    if isinstance(value, float):
        return str(Decimal(repr(value)))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def snapshot_upload_stream(upload: UploadedFile) -> io.BytesIO:
    """The upload's rows as the CSV the ingest reads (sku, uom, quantity); other columns
    are ignored. Raises DomainError (field "file") for a file the rules refuse."""
    sheet = read_upload(upload)
    headers = [str(header or "").strip().lower() for header in sheet.headers]
    missing = [name for name in COLUMNS if name not in headers]
    if missing:
        raise DomainError(
            gettext(
                "The file has no column %(columns)s; the first row must name the "
                "columns sku, uom and quantity."
            )
            % {"columns": ", ".join(missing)},
            field="file",
            line=1,
        )
    positions = [headers.index(name) for name in COLUMNS]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sheet.rows:
        writer.writerow([_text(row[i]) for i in positions])
    return io.BytesIO(out.getvalue().encode())
