"""The ASN's papers as PDF, read back: the packing slip's text, and the SSCC labels'
text and GS1-128 barcodes, decoded from the bars drawn on each page."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader
from reportlab.graphics.barcode.code128 import _patterns as CODE128_PATTERNS

from suppliers import services
from suppliers.services.schedule_lines import schedule_lines_replace
from suppliers.services.shipping_documents import (
    FNC1,
    gs1_128_sscc,
    packing_slip_pdf,
    sscc_barcode,
    sscc_labels_pdf,
)
from tests.suppliers.shipping_helpers import confirmed_po, header, line_of, today

pytestmark = pytest.mark.django_db

SSCC_1 = "034567890123456786"
SSCC_2 = "034567890123456793"
# Code 128 symbol values: start in code set C, FNC1, stop.
START_C, FNC1_VALUE, STOP = 105, 102, 106
_VALUE_OF_PATTERN = {pattern: value for value, pattern in CODE128_PATTERNS.items()}


def _in(days: int) -> datetime.date:
    return today() + datetime.timedelta(days=days)


def _pages_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def _decode_barcodes(content: bytes) -> list[str | None]:
    """Each page's Code 128 symbol, read from the filled rectangles (the bars) of its
    content stream: widths in modules → symbol values → the encoded string, with FNC1
    as "\\xf1". Checks the symbol's checksum. None for a page without bars."""
    decoded: list[str | None] = []
    for page in PdfReader(io.BytesIO(content)).pages:
        stream = page.get_contents().get_data().decode("latin-1")
        bars = sorted(
            (float(x), float(w))
            for x, w in re.findall(r"([\d.]+) [\d.]+ ([\d.]+) [\d.]+ re f\*", stream)
        )
        if not bars:
            decoded.append(None)
            continue
        module = min(width for _x, width in bars)
        letters = []
        for index, (x, width) in enumerate(bars):
            letters.append("ABCD"[round(width / module) - 1])
            if index + 1 < len(bars):
                space = bars[index + 1][0] - (x + width)
                letters.append("abcd"[round(space / module) - 1])
        pattern = "".join(letters)
        values = [_VALUE_OF_PATTERN[pattern[i : i + 6]] for i in range(0, len(pattern) - 7, 6)]
        values.append(_VALUE_OF_PATTERN[pattern[-7:]])
        assert values[0] == START_C and values[-1] == STOP
        data, checksum = values[1:-2], values[-2]
        assert checksum == (values[0] + sum(i * v for i, v in enumerate(data, 1))) % 103
        decoded.append("".join(FNC1 if value == FNC1_VALUE else f"{value:02d}" for value in data))
    return decoded


@pytest.fixture
def shipment(supplier, supplier_user):
    purchase_order = confirmed_po(
        supplier, "PO-1", lines=[("BOLT-M8", "100", "EA"), ("NUT-M8", "50", "EA")]
    )
    bolts, nuts = line_of(purchase_order, 1), line_of(purchase_order, 2)
    schedule_lines_replace([(bolts, [(Decimal("60"), _in(4)), (Decimal("40"), _in(30))], None)])
    first_delivery = bolts.schedule_lines.order_by("date").first()
    draft = services.asn_create(
        actor=supplier_user,
        supplier=supplier,
        header=header(
            "ASN-000007",
            carrier="UPS",
            tracking_number="1Z999AA10123456784",
            package_count=3,
            gross_weight_kg=Decimal("41.5"),
            packages=[
                services.PackageInput(sscc=SSCC_1, weight_kg=Decimal("20.5")),
                services.PackageInput(sscc=SSCC_2, weight_kg=Decimal("21")),
            ],
        ),
        lines=[
            services.AsnLineInput(
                po_line=bolts, quantity=Decimal("60"), schedule_line=first_delivery
            ),
            services.AsnLineInput(po_line=nuts, quantity=Decimal("50")),
        ],
    )
    return services.asn_submit(actor=supplier_user, shipment=draft)


def test_the_packing_slip_lists_the_asn_its_po_lines_deliveries_and_packages(shipment):
    (text,) = _pages_text(packing_slip_pdf(shipment))

    assert "Packing slip ASN-000007" in text
    assert "Acme Fasteners" in text
    assert "1Z999AA10123456784" in text
    assert "PO-1 / 1" in text and "PO-1 / 2" in text
    assert "BOLT-M8" in text and "NUT-M8" in text
    # Line 1 ships the delivery due in 4 days; line 2 the oldest open ("-": none picked).
    assert "PO-1 / 1\nBOLT-M8" in text
    assert f"60 EA\n{_in(4).isoformat()}\n" in text
    assert "50 EA\n-\n" in text
    assert "41.5 kg" in text
    # The packages table, one cell a line: package, SSCC, weight.
    assert f"1 of 3\n(00) {SSCC_1}\n20.5\n2 of 3\n(00) {SSCC_2}\n21\n3 of 3\n-\n-" in text


def test_the_labels_have_one_page_per_package_with_the_sscc_as_a_gs1_128_barcode(shipment):
    content = sscc_labels_pdf(shipment)

    texts = _pages_text(content)
    assert len(texts) == 3
    assert "Package 1 of 3" in texts[0] and f"(00) {SSCC_1}" in texts[0]
    assert "Package 2 of 3" in texts[1] and f"(00) {SSCC_2}" in texts[1]
    assert "Package 3 of 3" in texts[2] and "No SSCC on the ASN for this package." in texts[2]
    assert all("ASN ASN-000007" in text and "PO PO-1" in text for text in texts)
    assert _decode_barcodes(content) == [f"{FNC1}00{SSCC_1}", f"{FNC1}00{SSCC_2}", None]


def test_the_barcode_is_gs1_128_fnc1_first_then_ai_00_in_code_set_c():
    barcode = sscc_barcode(SSCC_1)

    assert barcode.value == gs1_128_sscc(SSCC_1) == f"\xf100{SSCC_1}"
    barcode.validate()
    encoded = barcode.encode()
    assert encoded[:3] == [START_C, FNC1_VALUE, 0]
    assert encoded[3:12] == [int(SSCC_1[i : i + 2]) for i in range(0, 18, 2)]


def test_the_same_asn_gives_the_same_pdf_bytes(shipment):
    assert packing_slip_pdf(shipment) == packing_slip_pdf(shipment)
    assert sscc_labels_pdf(shipment) == sscc_labels_pdf(shipment)


def test_the_supplier_downloads_the_packing_slip_and_labels_from_the_asn_page(
    client, supplier_user, shipment
):
    client.force_login(supplier_user)

    page = client.get(reverse("suppliers:asn_detail", args=["ASN-000007"])).content.decode()
    slip = client.get(reverse("suppliers:asn_packing_slip", args=["ASN-000007"]))
    labels = client.get(reverse("suppliers:asn_labels", args=["ASN-000007"]))

    assert reverse("suppliers:asn_packing_slip", args=["ASN-000007"]) in page
    assert reverse("suppliers:asn_labels", args=["ASN-000007"]) in page
    assert (slip.status_code, slip["Content-Type"]) == (200, "application/pdf")
    assert slip["Content-Disposition"] == 'inline; filename="packing-slip-ASN-000007.pdf"'
    assert labels["Content-Disposition"] == 'inline; filename="sscc-labels-ASN-000007.pdf"'
    assert _decode_barcodes(labels.content) == [f"{FNC1}00{SSCC_1}", f"{FNC1}00{SSCC_2}", None]


def test_another_suppliers_user_cannot_download_the_papers(client, outsider, shipment):
    client.force_login(outsider)

    slip = client.get(reverse("suppliers:asn_packing_slip", args=["ASN-000007"]))
    labels = client.get(reverse("suppliers:asn_labels", args=["ASN-000007"]))

    assert (slip.status_code, labels.status_code) == (404, 404)
