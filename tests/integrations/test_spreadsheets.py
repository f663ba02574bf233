"""The shared reader of uploaded CSV/XLSX files (integrations.spreadsheets): bombs refused
before inflating, rows and columns capped, forged dimensions ignored, ragged rows padded
to the header, damaged files a clear DomainError."""

import io
import time
import tracemalloc
import zipfile

import pytest

from integrations.errors import DomainError
from integrations.spreadsheets import read_csv, read_xlsx
from tests.integrations.spreadsheet_files import xlsx, zip_bomb

HEADER = ["supplier_sku", "qty_available", "available_date"]


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return zip_bomb(HEADER)


def test_a_zip_bomb_is_refused_within_a_second_and_a_few_mib(bomb):
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(DomainError) as refused:
        read_xlsx(io.BytesIO(bomb))
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert len(bomb) < 1 << 20
    assert elapsed < 1
    assert peak < 4 << 20
    assert refused.value.message.startswith(
        "The workbook's part xl/worksheets/sheet1.xml unpacks 100 MB from "
    )
    assert refused.value.message.endswith(
        "no real spreadsheet compresses that well, so it was not opened. Save the sheet "
        "again as .xlsx or .csv."
    )


def test_a_workbook_unpacking_past_the_size_limit_is_refused(settings):
    settings.PORTAL_UPLOAD_MAX_UNPACKED_MB = 1
    settings.PORTAL_UPLOAD_MAX_COMPRESSION_RATIO = 100_000
    content = zip_bomb(HEADER, unpacked_mb=2)
    unpacked = sum(member.file_size for member in zipfile.ZipFile(io.BytesIO(content)).infolist())

    with pytest.raises(DomainError) as refused:
        read_xlsx(io.BytesIO(content))

    assert refused.value.message == (
        f"The workbook unpacks to {unpacked >> 20} MB, more than the 1 MB allowed; split it "
        "into smaller files."
    )


def test_a_row_shorter_than_the_header_is_padded_with_empty_cells():
    content = xlsx([HEADER, ["AC-B8", 100, "2031-01-15"], ["AC-N8"]])

    sheet = read_xlsx(io.BytesIO(content))

    assert sheet.headers == HEADER
    assert sheet.rows == [["AC-B8", 100, "2031-01-15"], ["AC-N8", None, None]]


def test_a_value_past_the_last_header_column_is_an_error_on_its_row():
    content = xlsx([HEADER, ["AC-B8", 100, None], ["AC-N8", 5, None, "stray"]])

    with pytest.raises(DomainError) as refused:
        read_xlsx(io.BytesIO(content))

    assert refused.value.line == 3
    assert refused.value.message == (
        "Row 3 has a value in column 4, past the 3 columns the header names; give that "
        "column a header or clear the cell."
    )


def test_a_forged_dimension_of_a_million_rows_and_columns_is_ignored():
    content = xlsx([HEADER, ["AC-B8", 1, None]], dimension="A1:XFD1048576")

    started = time.monotonic()
    sheet = read_xlsx(io.BytesIO(content))

    assert time.monotonic() - started < 1
    assert sheet.rows == [["AC-B8", 1, None]]


def test_a_row_a_million_rows_down_is_refused_without_reading_the_gap(settings):
    settings.PORTAL_UPLOAD_MAX_ROWS = 100
    content = xlsx([HEADER, ["AC-B8", 1, None]], row_numbers=[1, 1_000_000])

    started = time.monotonic()
    with pytest.raises(DomainError) as refused:
        read_xlsx(io.BytesIO(content))

    assert time.monotonic() - started < 1
    assert refused.value.message == (
        "The file has more than 200 rows, most of them empty; delete the empty rows at its end."
    )


def test_more_rows_than_the_cap_are_refused(settings):
    settings.PORTAL_UPLOAD_MAX_ROWS = 3
    rows = [HEADER] + [[f"SKU-{n}", n, None] for n in range(4)]

    with pytest.raises(DomainError) as refused:
        read_xlsx(io.BytesIO(xlsx(rows)))

    assert (refused.value.line, refused.value.message) == (
        5,
        "The file has more than 3 rows; split it into smaller files.",
    )


def test_more_columns_than_the_cap_are_refused(settings):
    settings.PORTAL_UPLOAD_MAX_COLUMNS = 2

    with pytest.raises(DomainError) as refused:
        read_csv(b"a,b,c\n1,2,3\n")

    assert refused.value.message == (
        "The file has 3 columns, more than the 2 an upload may have; remove the ones the "
        "import does not use."
    )


def test_blank_rows_are_skipped_and_empty_trailing_header_cells_dropped():
    sheet = read_csv(b"\xef\xbb\xbfsku,qty,,\nA,1\n,,\nB,2,,\n\n")

    assert sheet.headers == ["sku", "qty"]
    assert sheet.rows == [["A", "1"], ["B", "2"]]


@pytest.mark.parametrize(
    "content",
    [b"not a zip at all", b"PK\x03\x04" + b"\x00" * 64, xlsx([HEADER])[:-200]],
    ids=["text", "truncated-header", "truncated-archive"],
)
def test_a_file_that_is_not_a_workbook_is_a_domain_error(content):
    with pytest.raises(DomainError) as refused:
        read_xlsx(io.BytesIO(content))

    assert refused.value.field == "file"


def test_a_csv_that_is_not_utf8_is_a_domain_error():
    with pytest.raises(DomainError) as refused:
        read_csv("sku\nÆble\n".encode("latin-1"))

    assert refused.value.message == "The file is not UTF-8 text."
