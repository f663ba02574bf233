"""The papers that travel with an ASN, as PDF (reportlab): the packing slip and one
GS1-128 SSCC label per package.

The label's barcode is Code 128 with FNC1 in first position (which makes it GS1-128)
followed by application identifier 00 and the 18-digit SSCC; the same value is printed
below it for people, as "(00) " and the digits. A package without an SSCC still gets its
page (ASN, PO, package n of N) so every carton is marked, but no barcode: the SSCC is
entered on the ASN. The documents are built with reportlab's invariant mode, so the
same ASN gives the same bytes (no creation time, no random document id).
"""

import io
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, PropertySet, getSampleStyleSheet
from reportlab.lib.units import inch, mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from suppliers import selectors
from suppliers.models import AsnLine, Shipment, ShipmentPackage

__all__ = [
    "FNC1",
    "LABEL_SIZE",
    "gs1_128_sscc",
    "packing_slip_pdf",
    "sscc_barcode",
    "sscc_human_readable",
    "sscc_labels_pdf",
]

# Code 128's function character 1, as reportlab takes it in the value; first in the
# symbol it marks the data as GS1 application identifiers.
FNC1 = "\xf1"
SSCC_AI = "00"
# A 4 × 6 inch thermal label, the usual size for carton labels.
LABEL_SIZE = (4 * inch, 6 * inch)


def gs1_128_sscc(sscc: str) -> str:
    """The barcode's data: FNC1, AI 00, the SSCC (20 digits after FNC1: all Code C)."""
    return f"{FNC1}{SSCC_AI}{sscc}"


def sscc_human_readable(sscc: str) -> str:
    return f"({SSCC_AI}) {sscc}"


def sscc_barcode(sscc: str) -> Code128:
    """The GS1-128 symbol of an SSCC, sized for a 4-inch label (X = 0.4 mm)."""
    return Code128(gs1_128_sscc(sscc), barWidth=0.4 * mm, barHeight=28 * mm, humanReadable=False)


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _wrapped(text: str, style: PropertySet) -> Paragraph:
    """A table cell that wraps; a Paragraph reads markup, so the text is escaped."""
    return Paragraph(escape(text), style)


def _po_numbers(lines: list[AsnLine]) -> list[str]:
    return sorted({line.po_line.purchase_order.number for line in lines})


@dataclass(frozen=True)
class _Papers:
    shipment: Shipment
    lines: list[AsnLine]
    packages: list[ShipmentPackage]


def _papers(shipment: Shipment) -> _Papers:
    return _Papers(
        shipment=shipment,
        lines=selectors.shipment_lines(shipment=shipment),
        packages=list(shipment.packages.order_by("sequence")),
    )


# ---------------------------------------------------------------- packing slip

_GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def packing_slip_pdf(shipment: Shipment) -> bytes:
    """The packing slip: the ASN's header, its PO(s), every line with the delivery it
    ships against, lot and serials, and the packages with their SSCCs and weights."""
    papers = _papers(shipment)
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=11)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Packing slip {shipment.asn_number}",
        author=shipment.supplier.name,
        invariant=1,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    facts: list[list[object]] = [
        [
            "ASN",
            shipment.asn_number,
            "Supplier",
            _wrapped(f"{shipment.supplier.code} {shipment.supplier.name}", small),
        ],
        [
            "PO",
            _wrapped(", ".join(_po_numbers(papers.lines)), small),
            "Ship to",
            _wrapped(str(shipment.ship_to), small),
        ],
        [
            "Ship date",
            shipment.ship_date.isoformat(),
            "Expected delivery",
            shipment.expected_delivery.isoformat(),
        ],
        [
            "Carrier",
            shipment.carrier or "-",
            "Tracking",
            shipment.tracking_number or "-",
        ],
        [
            "Packages",
            str(shipment.package_count),
            "Gross weight",
            f"{_qty(shipment.gross_weight_kg)} kg" if shipment.gross_weight_kg is not None else "-",
        ],
    ]
    facts_table = Table(facts, colWidths=[28 * mm, 55 * mm, 32 * mm, 65 * mm])
    facts_table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 9),
                ("FONT", (2, 0), (2, -1), "Helvetica-Bold", 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    line_rows: list[list[object]] = [
        ["#", "PO / line", "Item", "Description", "Quantity", "Delivery due", "Lot", "Serials"]
    ]
    for line in papers.lines:
        po_line = line.po_line
        quantity = f"{_qty(line.quantity)} {line.uom.code}"
        if line.uom_id != po_line.uom_id:
            quantity += f" ({_qty(line.quantity_po_uom)} {po_line.uom.code})"
        line_rows.append(
            [
                str(line.line_no),
                f"{po_line.purchase_order.number} / {po_line.line_no}",
                po_line.item.sku,
                _wrapped(po_line.item.description or "", body),
                quantity,
                line.schedule_line.date.isoformat() if line.schedule_line else "-",
                line.lot or "-",
                _wrapped(", ".join(line.serial_numbers) or "-", body),
            ]
        )
    lines_table = Table(
        line_rows,
        colWidths=[8 * mm, 28 * mm, 24 * mm, 38 * mm, 26 * mm, 22 * mm, 16 * mm, 18 * mm],
        repeatRows=1,
    )
    lines_table.setStyle(_GRID)
    package_rows: list[list[object]] = [["Package", "SSCC", "Weight (kg)"]]
    for number in range(1, shipment.package_count + 1):
        package = next((p for p in papers.packages if p.sequence == number), None)
        package_rows.append(
            [
                f"{number} of {shipment.package_count}",
                sscc_human_readable(package.sscc) if package and package.sscc else "-",
                _qty(package.weight_kg) if package and package.weight_kg is not None else "-",
            ]
        )
    packages_table = Table(package_rows, colWidths=[30 * mm, 70 * mm, 30 * mm], repeatRows=1)
    packages_table.setStyle(_GRID)
    story = [
        _wrapped(f"Packing slip {shipment.asn_number}", styles["Title"]),
        facts_table,
        Spacer(1, 6 * mm),
        Paragraph("Lines", styles["Heading2"]),
        lines_table,
        Spacer(1, 6 * mm),
        Paragraph("Packages", styles["Heading2"]),
        packages_table,
    ]
    document.build(story)
    return buffer.getvalue()


# ---------------------------------------------------------------- SSCC labels


def _fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut (with "…") to fit `width` points, so a long name never runs into the
    next column or off the label."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _label_page(canvas: Canvas, papers: _Papers, number: int) -> None:
    shipment = papers.shipment
    width, height = LABEL_SIZE
    margin = 5 * mm
    package = next((p for p in papers.packages if p.sequence == number), None)
    top = height - margin
    canvas.setFont("Helvetica", 7)
    canvas.drawString(margin, top - 7, "FROM")
    canvas.drawString(width / 2, top - 7, "TO")
    column = width / 2 - margin - 4
    line = width - 2 * margin
    canvas.setFont("Helvetica-Bold", 9)
    canvas.drawString(margin, top - 18, _fit(shipment.supplier.name, "Helvetica-Bold", 9, column))
    canvas.drawString(width / 2, top - 18, _fit(str(shipment.ship_to), "Helvetica-Bold", 9, column))
    canvas.line(margin, top - 26, width - margin, top - 26)
    canvas.setFont("Helvetica", 9)
    canvas.drawString(margin, top - 40, _fit(f"ASN {shipment.asn_number}", "Helvetica", 9, line))
    po_text = f"PO {', '.join(_po_numbers(papers.lines))}"
    canvas.drawString(margin, top - 52, _fit(po_text, "Helvetica", 9, line))
    canvas.drawString(margin, top - 64, f"Ship date {shipment.ship_date.isoformat()}")
    if shipment.carrier:
        tracking = f" {shipment.tracking_number}" if shipment.tracking_number else ""
        carrier_text = f"Carrier {shipment.carrier}{tracking}"
        canvas.drawString(margin, top - 76, _fit(carrier_text, "Helvetica", 9, line))
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(margin, top - 100, f"Package {number} of {shipment.package_count}")
    if package is not None and package.weight_kg is not None:
        canvas.setFont("Helvetica", 10)
        canvas.drawString(margin, top - 116, f"Weight {_qty(package.weight_kg)} kg")
    canvas.line(margin, top - 126, width - margin, top - 126)
    canvas.setFont("Helvetica", 8)
    canvas.drawString(margin, top - 140, "SSCC")
    if package is None or not package.sscc:
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawString(margin, top - 160, "No SSCC on the ASN for this package.")
        return
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(margin, top - 158, sscc_human_readable(package.sscc))
    barcode = sscc_barcode(package.sscc)
    # Centred, above the human-readable line at the bottom.
    x = max((width - barcode.width) / 2, 0)
    barcode.drawOn(canvas, x, margin + 18)
    canvas.setFont("Helvetica", 10)
    canvas.drawCentredString(width / 2, margin + 6, sscc_human_readable(package.sscc))


def sscc_labels_pdf(shipment: Shipment) -> bytes:
    """One 4 × 6 inch page per package of the ASN, each with its GS1-128 SSCC barcode."""
    papers = _papers(shipment)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LABEL_SIZE, invariant=1)
    canvas.setTitle(f"SSCC labels {shipment.asn_number}")
    canvas.setAuthor(shipment.supplier.name)
    for number in range(1, shipment.package_count + 1):
        _label_page(canvas, papers, number)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
