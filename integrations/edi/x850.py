"""The outbound 850 purchase order from the canonical payload `PurchaseOrder850`.

Segments: BEG (00 original / 05 replace for a revision; BEG03 PO number, BEG04 our
revision, BEG05 order date), CUR (BY, currency), N1 ST (ship-to name, 92 + our warehouse
code), per line PO1 (line no, quantity, unit, unit price, PE, then buyer item / supplier
item / UPC with the partner's qualifiers), PID F (description), DTM 002 (requested
delivery date), one SCH per confirmed delivery when the supplier split the line (SCH01
quantity, SCH02 unit, SCH05 002, SCH06 date: the same layout the inbound 855 reads), and
CTT (line count, hash total of quantities).
"""

from __future__ import annotations

from decimal import Decimal

from integrations.edi.registry import PurchaseOrder850
from integrations.x12 import Segment


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def _text(value: str) -> str:
    # Free text must not carry our delimiters (the writer refuses them).
    return "".join(c for c in value if c not in "*>~^\r\n")[:80]


def render_850(po: PurchaseOrder850) -> list[Segment]:
    """The body of the 850 set (between ST and SE)."""
    purpose = "00" if po.revision <= 1 else "05"
    segments = [
        Segment.of(
            "BEG", purpose, "SA", po.number, str(po.revision), po.order_date.strftime("%Y%m%d")
        ),
        Segment.of("CUR", "BY", po.currency),
        Segment.of("N1", "ST", _text(po.ship_to_name), "92", po.ship_to_code),
    ]
    total = Decimal(0)
    for line in po.lines:
        ids: list[str] = [po.buyer_item_qualifier, line.buyer_item]
        if line.supplier_item:
            ids += [po.supplier_item_qualifier, line.supplier_item]
        if line.upc:
            ids += [po.upc_qualifier, line.upc]
        segments.append(
            Segment.of(
                "PO1",
                str(line.line_no),
                _number(line.quantity),
                line.uom,
                _number(line.unit_price),
                "PE",
                *ids,
            )
        )
        if line.description:
            segments.append(Segment.of("PID", "F", "", "", "", _text(line.description)))
        segments.append(Segment.of("DTM", "002", line.requested_date.strftime("%Y%m%d")))
        # One delivery is the DTM already; a split names every delivery.
        if len(line.schedule) > 1:
            segments.extend(
                Segment.of("SCH", _number(qty), line.uom, "", "", "002", day.strftime("%Y%m%d"))
                for qty, day in line.schedule
            )
        total += line.quantity
    segments.append(Segment.of("CTT", str(len(po.lines)), _number(total)))
    return segments
