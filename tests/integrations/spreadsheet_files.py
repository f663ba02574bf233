"""Hand-built XLSX files, for what no spreadsheet program writes: rows shorter than the
header with no <dimension> to pad them, forged dimensions, and zip bombs."""

import io
import zipfile
from xml.sax.saxutils import escape

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_SHEET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


def _row(number: int, cells) -> str:
    out = []
    for index, value in enumerate(cells):
        ref = f"{_column(index)}{number}"
        if value is None:
            continue
        if isinstance(value, int | float):
            out.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    return f'<row r="{number}">{"".join(out)}</row>'


def _package(sheet_xml_parts, *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for part in sheet_xml_parts:
                sheet.write(part.encode())
    return buffer.getvalue()


def xlsx(rows, *, dimension: str | None = None, row_numbers=None) -> bytes:
    """A workbook of `rows` (the first is the header), without a <dimension> unless given;
    `row_numbers` places the rows (default 1, 2, 3, …)."""
    numbers = row_numbers or range(1, len(rows) + 1)

    def parts():
        yield _SHEET_OPEN
        if dimension:
            yield f'<dimension ref="{dimension}"/>'
        yield "<sheetData>"
        for number, cells in zip(numbers, rows, strict=True):
            yield _row(number, cells)
        yield "</sheetData></worksheet>"

    return _package(parts())


def zip_bomb(header, *, unpacked_mb: int = 100) -> bytes:
    """A valid-looking workbook whose sheet inflates to `unpacked_mb` MB of one repeated
    row: under a megabyte on the wire."""
    row = _row(2, ["x" * 20 for _ in header]).replace(' r="2"', "")
    chunk = row * max(1, (1 << 20) // len(row))

    def parts():
        yield _SHEET_OPEN + "<sheetData>" + _row(1, header)
        written = 0
        while written < unpacked_mb << 20:
            yield chunk
            written += len(chunk)
        yield "</sheetData></worksheet>"

    return _package(parts())
