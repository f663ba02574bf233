"""The one reader of uploaded CSV and XLSX files (ASNs, availability, receipts, the admin's
imports), so every upload gets the same protection (issue 18):

- a file larger than PORTAL_UPLOAD_MAX_MB, or not named .csv or .xlsx, is refused unread;
- an XLSX is a zip archive: its declared unpacked size and each member's compression
  ratio are checked before anything is inflated, so a bomb (800 KB that inflates to
  300 MB) is refused in milliseconds with a message that says why;
- the sheet is streamed (openpyxl `read_only`), reading stops at the first row past the
  row cap, and no more cells are read from a row than the column cap allows, whatever the
  sheet claims;
- a row shorter than the header is padded with empty cells, so what it lacks is reported
  on its row by the importer's own checks; a value past the header's last column, or a
  file that is not what its name says, is a DomainError naming the row or the file.
"""

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

import openpyxl
import tablib
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from import_export.formats import base_formats
from openpyxl.utils.exceptions import InvalidFileException

from integrations.errors import DomainError

MIB = 1024 * 1024
# Below this size a member's ratio says nothing (a 4 KB styles.xml may compress 200:1).
_RATIO_FLOOR_BYTES = MIB
# What a damaged or forged workbook raises while openpyxl parses it (XML parse errors are
# SyntaxError subclasses; missing parts are KeyError). Bugs of ours are none of these.
_UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    SyntaxError,
    EOFError,
    OSError,
)


@dataclass
class Sheet:
    """The first sheet of a file: its header cells and data rows, every row exactly as
    wide as the header."""

    headers: list[Any]
    rows: list[list[Any]] = field(default_factory=list)

    def dataset(self) -> tablib.Dataset:
        data = tablib.Dataset(headers=self.headers)
        for row in self.rows:
            data.append(row)
        return data


def _limits() -> tuple[int, int]:
    return settings.PORTAL_UPLOAD_MAX_ROWS, settings.PORTAL_UPLOAD_MAX_COLUMNS


def check_xlsx_archive(source: IO[bytes]) -> None:
    """Refuse a workbook whose archive would unpack to more than
    PORTAL_UPLOAD_MAX_UNPACKED_MB, or any of whose large members is compressed more than
    PORTAL_UPLOAD_MAX_COMPRESSION_RATIO to 1. Reads only the archive's directory. (Python's
    zipfile never inflates a member past its declared size, so the declaration binds.)"""
    max_bytes = settings.PORTAL_UPLOAD_MAX_UNPACKED_MB * MIB
    max_ratio = settings.PORTAL_UPLOAD_MAX_COMPRESSION_RATIO
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        raise DomainError(
            gettext(
                "The file is not an XLSX workbook; save it from your spreadsheet as .xlsx or .csv."
            ),
            field="file",
        ) from error
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > _RATIO_FLOOR_BYTES and member.file_size > max_ratio * max(
            member.compress_size, 1
        ):
            raise DomainError(
                gettext(
                    "The workbook's part %(part)s unpacks %(unpacked)s MB from %(packed)s KB, "
                    "more than %(ratio)s times its size: no real spreadsheet compresses that "
                    "well, so it was not opened. Save the sheet again as .xlsx or .csv."
                )
                % {
                    "part": member.filename,
                    "unpacked": member.file_size // MIB,
                    "packed": max(member.compress_size // 1024, 1),
                    "ratio": max_ratio,
                },
                field="file",
            )
    if total > max_bytes:
        raise DomainError(
            gettext(
                "The workbook unpacks to %(unpacked)s MB, more than the %(limit)s MB allowed; "
                "split it into smaller files."
            )
            % {"unpacked": total // MIB, "limit": settings.PORTAL_UPLOAD_MAX_UNPACKED_MB},
            field="file",
        )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _fit(row: list[Any], width: int, number: int, filler: Any) -> list[Any]:
    """The row padded (or trimmed of empty cells) to the header's width."""
    if len(row) > width:
        extra = next((i for i in range(width, len(row)) if not _blank(row[i])), None)
        if extra is not None:
            raise DomainError(
                gettext(
                    "Row %(row)s has a value in column %(column)s, past the %(width)s columns "
                    "the header names; give that column a header or clear the cell."
                )
                % {"row": number, "column": extra + 1, "width": width},
                field="file",
                line=number,
            )
        return row[:width]
    return row + [filler] * (width - len(row))


def _header(cells: list[Any], max_columns: int) -> list[Any]:
    while cells and _blank(cells[-1]):
        cells.pop()
    if not cells:
        raise DomainError(
            gettext("The file's first row is empty; it must name the columns."), line=1
        )
    if len(cells) > max_columns:
        raise DomainError(
            gettext(
                "The file has %(columns)s columns, more than the %(limit)s an upload may "
                "have; remove the ones the import does not use."
            )
            % {"columns": len(cells), "limit": max_columns},
            field="file",
            line=1,
        )
    return cells


def _collect(
    rows: Iterable[Iterable[Any]], width: int, max_rows: int, filler: Any
) -> list[list[Any]]:
    """Data rows (sheet row 2 on) fitted to `width`. Blank rows are skipped but count
    toward the cap where they sit between rows with values."""
    kept: list[list[Any]] = []
    for number, row in enumerate(rows, start=2):
        values = list(row)
        if all(_blank(value) for value in values):
            # A long empty tail is harmless, an endless one (forged) is not.
            if number - 1 > 2 * max_rows:
                raise DomainError(
                    gettext(
                        "The file has more than %(limit)s rows, most of them empty; delete "
                        "the empty rows at its end."
                    )
                    % {"limit": 2 * max_rows},
                    field="file",
                    line=number,
                )
            continue
        if number - 1 > max_rows:
            raise DomainError(
                gettext("The file has more than %(limit)s rows; split it into smaller files.")
                % {"limit": max_rows},
                field="file",
                line=number,
            )
        kept.append(_fit(values, width, number, filler))
    return kept


def read_xlsx(source: IO[bytes]) -> Sheet:
    """The first sheet of the workbook in `source` (a seekable binary file)."""
    max_rows, max_columns = _limits()
    check_xlsx_archive(source)
    source.seek(0)
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # The sheet's declared dimension is the file's word (a forged one claims a
            # million rows and columns, all to be padded out): ignore it, and read at most
            # one column more than allowed.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(max_col=max_columns + 1, values_only=True)
            headers = _header(list(next(rows, ())), max_columns)
            # One cell past the header's width: enough to see a value there.
            data = _collect((row[: len(headers) + 1] for row in rows), len(headers), max_rows, None)
        finally:
            workbook.close()
    except DomainError:
        raise
    except _UNREADABLE as error:
        raise DomainError(
            gettext(
                "The workbook could not be read (it is damaged or not a spreadsheet); save it "
                "again as .xlsx or .csv."
            ),
            field="file",
        ) from error
    return Sheet(headers=headers, rows=data)


def read_csv(content: bytes) -> Sheet:
    """A UTF-8 CSV file (a byte-order mark is allowed)."""
    max_rows, max_columns = _limits()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(gettext("The file is not UTF-8 text."), field="file") from error
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        headers = _header(next(rows, []), max_columns)
        data = _collect(rows, len(headers), max_rows, "")
    except csv.Error as error:
        raise DomainError(
            gettext("The CSV file could not be read: %(error)s.") % {"error": error}, field="file"
        ) from error
    return Sheet(headers=headers, rows=data)


def check_size(size: int) -> None:
    """Refuse a file larger than PORTAL_UPLOAD_MAX_MB before anything reads it."""
    if size > settings.PORTAL_UPLOAD_MAX_MB * MIB:
        raise DomainError(
            gettext("The file is larger than %(limit)s MB; split it.")
            % {"limit": settings.PORTAL_UPLOAD_MAX_MB},
            field="file",
        )


def read_upload(upload: UploadedFile) -> Sheet:
    """The rows of an uploaded .xlsx or .csv file (chosen by its name), within the size
    cap whichever page it came through."""
    name = (upload.name or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise DomainError(gettext("Upload a .csv or .xlsx file."), field="file")
    check_size(upload.size or 0)
    upload.seek(0)
    if name.endswith(".xlsx"):
        return read_xlsx(upload)
    return read_csv(upload.read())


class SafeCSV(base_formats.CSV):
    """django-import-export's CSV format, read by `read_csv` (for the admin's imports)."""

    def create_dataset(self, in_stream: str | bytes) -> tablib.Dataset:
        content = in_stream.encode("utf-8") if isinstance(in_stream, str) else in_stream
        check_size(len(content))
        return read_csv(content).dataset()


class SafeXLSX(base_formats.XLSX):
    """django-import-export's XLSX format, read by `read_xlsx` (for the admin's imports)."""

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        check_size(len(in_stream))
        return read_xlsx(io.BytesIO(in_stream)).dataset()
