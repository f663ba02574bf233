"""810 invoice → `invoice_record` (the 846 is mapped many sets at a time: `inbound_846`).

810 segments: BIG (BIG01 invoice date, BIG02 invoice number, BIG04 PO number — or REF
with the partner's PO qualifier), CUR (CUR02 currency), IT1 (IT101 our PO line number,
IT102 quantity, IT103 unit, IT104 unit price, item qualifiers from IT106), TDS (TDS01
total in cents, implied two decimals).
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from integrations.edi.registry import MappingOutcome, PartnerProfile, SegmentError
from integrations.models import Channel
from integrations.x12 import Interchange, TransactionSet
from suppliers.edi.documents import po_document
from suppliers.edi.partners import (
    edi_actor,
    edi_date,
    id_pairs,
    po_reference,
    purchase_order_for,
    quantity,
    trading_partner,
)
from suppliers.services import InvoiceLineInput, invoice_record


def map_810(
    profile: PartnerProfile, ts: TransactionSet, interchange: Interchange
) -> MappingOutcome:
    partner = trading_partner(profile)
    big = ts.first("BIG")
    if big is None:
        raise SegmentError(
            "The 810 has no BIG segment.", segment=None, segment_id="BIG", segment_code="3"
        )
    number, ref = po_reference(partner, ts.segments, big.value(4))
    purchase_order = purchase_order_for(partner, number, ref or big, 2 if ref else 4)
    po_lines = {line.line_no: line for line in purchase_order.lines.all()}
    lines = []
    for n, it1 in enumerate(ts.find("IT1"), start=1):
        line_ref = it1.value(1)
        po_line = po_lines.get(int(line_ref)) if line_ref.isdigit() else None
        if line_ref.isdigit() and po_line is None:
            raise SegmentError(
                f"PO {purchase_order.number} has no line {line_ref}.", segment=it1, element=1
            )
        sku = next((v for q, v, _ in id_pairs(it1, 6) if q == partner.supplier_item_qualifier), "")
        lines.append(
            InvoiceLineInput(
                line_no=n,
                quantity=quantity(it1, 2),
                uom_code=partner.uom_map.get(it1.value(3), it1.value(3)),
                unit_price=quantity(it1, 4),
                po_line=po_line,
                supplier_sku=sku,
            )
        )
    tds = ts.first("TDS")
    if tds is None:
        raise SegmentError(
            "The 810 has no TDS (total).", segment=None, segment_id="TDS", segment_code="3"
        )
    total = (quantity(tds, 1) / 100).quantize(Decimal("0.01"))
    cur = ts.first("CUR")
    invoice = invoice_record(
        actor=edi_actor(partner),
        supplier=partner.supplier,
        purchase_order=purchase_order,
        number=big.value(2),
        invoice_date=edi_date(big, 1),
        currency=cur.value(2) if cur is not None else "",
        total_amount=total,
        lines=lines,
        channel=Channel.EDI,
    )
    return MappingOutcome(
        summary=f"Invoice {invoice.number} recorded: {invoice.total_amount:f} {invoice.currency}",
        documents=[
            {
                "type": "invoice",
                "id": invoice.number,
                "label": f"Invoice {invoice.number}",
                "url": reverse(
                    "buyer:invoice_detail", args=[purchase_order.supplier.code, invoice.number]
                ),
            },
            po_document(purchase_order),
        ],
    )
