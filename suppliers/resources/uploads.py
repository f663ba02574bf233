"""What the document uploads (receipts, invoices) share: the rows of a CSV/XLSX file under
a header that must name the required columns, a result that lists each bad row, and one
transaction for the whole file, rolled back when any row failed or on a dry run (a file
with an error records nothing). The file's size, row count, type and archive are checked
by `integrations.spreadsheets.read_upload` before any row is read."""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from integrations.errors import DomainError
from integrations.spreadsheets import read_upload

# What one bad row is reported as (each upload's page shows its own kind).
RowErrorT = TypeVar("RowErrorT")


@dataclass
class UploadResult(Generic[RowErrorT]):
    errors: list[RowErrorT] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


@contextmanager
def all_or_nothing(result: UploadResult[Any]) -> Iterator[None]:
    """One transaction around the whole file: what the block wrote is rolled back when it
    left an error in `result` or the upload is a dry run."""
    try:
        with transaction.atomic():
            yield
            if result.errors or result.dry_run:
                raise _Rollback
    except _Rollback:
        pass


def plain_text(value: Any) -> str:
    """A cell as the text it shows, trimmed ("" for an empty cell)."""
    return str(value if value is not None else "").strip()


def read_rows(
    upload: UploadedFile,
    *,
    required: Sequence[str],
    missing: str,
    columns: Sequence[str] = (),
    text: Callable[[Any], str] = plain_text,
) -> list[tuple[int, dict[str, str]]]:
    """(file row, {column: text}) for every data row; row 1 is the header, whose names
    are read case-blind. A header without one of the `required` columns is refused on
    row 1 with `missing` (`%(missing)s`: the absent ones, `%(columns)s`: `columns`)."""
    sheet = read_upload(upload)
    headers = [str(h or "").strip().lower() for h in sheet.headers]
    absent = [name for name in required if name not in headers]
    if absent:
        raise DomainError(
            missing % {"missing": ", ".join(absent), "columns": ", ".join(columns)},
            field=absent[0],
            line=1,
        )
    return [
        (number, {name: text(value) for name, value in zip(headers, row, strict=True)})
        for number, row in enumerate(sheet.rows, start=2)
    ]
