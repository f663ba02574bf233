"""846 inventory advice → `supplier_availability_post`; 810 invoice → `invoice_record`.

846 segments: BIA (BIA04 date, BIA05 time: as of), per item LIN (the partner's supplier
item / our item / UPC qualifiers from LIN02), QTY 33 (available) or 17 (on hand) with
QTY03 unit (converted exactly into the supplier item's unit), DTM 018 or 169 (next
available date).
810 segments: BIG (BIG01 invoice date, BIG02 invoice number, BIG04 PO number — or REF
with the partner's PO qualifier), CUR (CUR02 currency), IT1 (IT101 our PO line number,
IT102 quantity, IT103 unit, IT104 unit price, item qualifiers from IT106), TDS (TDS01
total in cents, implied two decimals).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from integrations.edi.registry import MappingOutcome, PartnerProfile, SegmentError
from integrations.models import Channel
from integrations.x12 import Interchange, TransactionSet
from inventory.services import convert_quantity
from suppliers import services
from suppliers.edi.documents import po_document
from suppliers.edi.partners import (
    edi_actor,
    edi_date,
    id_pairs,
    po_reference,
    purchase_order_for,
    quantity,
    trading_partner,
    unit_for,
)
from suppliers.models import SupplierItem
from suppliers.services import InvoiceLineInput, invoice_record


def _as_of(bia) -> datetime.datetime | None:
    if bia is None or not bia.value(4):
        return None
    day = edi_date(bia, 4)
    raw_time = bia.value(5)[:4]
    moment = (
        datetime.time(int(raw_time[:2]), int(raw_time[2:]))
        if len(raw_time) == 4 and raw_time.isdigit()
        else datetime.time()
    )
    return timezone.make_aware(datetime.datetime.combine(day, moment))


def _supplier_item(partner, lin) -> SupplierItem:
    for qualifier, value, _element in id_pairs(lin, 2):
        query = SupplierItem.objects.select_related("item", "uom").filter(
            supplier_id=partner.supplier_id
        )
        found = None
        if qualifier == partner.supplier_item_qualifier:
            found = query.filter(supplier_sku=value).first()
        elif qualifier == partner.buyer_item_qualifier:
            found = query.filter(item__sku=value).first()
        elif qualifier == partner.upc_qualifier and value in partner.upc_map:
            found = query.filter(item__sku=partner.upc_map[value]).first()
        if found is not None:
            return found
    raise SegmentError(
        f"LIN names none of {partner.supplier.code}'s items.", segment=lin, element=3
    )


def map_846(
    profile: PartnerProfile, ts: TransactionSet, interchange: Interchange
) -> MappingOutcome:
    partner = trading_partner(profile)
    as_of = _as_of(ts.first("BIA"))
    entries = []
    current = None
    items: list[tuple] = []
    for segment in ts.segments:
        if segment.id == "LIN":
            current = {"lin": segment, "qty": None, "date": None}
            items.append(current)
        elif current is not None and segment.id == "QTY" and segment.value(1) in ("33", "17"):
            if current["qty"] is None or segment.value(1) == "33":
                current["qty"] = segment
        elif current is not None and segment.id == "DTM" and segment.value(1) in ("018", "169"):
            current["date"] = edi_date(segment, 2)
    for entry in items:
        supplier_item = _supplier_item(partner, entry["lin"])
        qty_segment = entry["qty"]
        if qty_segment is None:
            raise SegmentError(
                "An item has no QTY 33 (available).",
                segment=None,
                segment_id="QTY",
                segment_code="3",
            )
        amount = quantity(qty_segment, 2)
        if qty_segment.value(3):
            unit = unit_for(partner, qty_segment.value(3), qty_segment, 3)
            if unit.pk != supplier_item.uom_id:
                amount = convert_quantity(
                    quantity=amount,
                    from_uom=unit,
                    to_uom=supplier_item.uom,
                    item=supplier_item.item,
                )
        entries.append(
            services.AvailabilityInput(
                supplier_item=supplier_item,
                qty_available=amount,
                available_date=entry["date"],
                as_of=as_of,
            )
        )
    if not entries:
        raise SegmentError(
            "The 846 lists no items (LIN).", segment=None, segment_id="LIN", segment_code="3"
        )
    services.supplier_availability_post(
        actor=edi_actor(partner), supplier=partner.supplier, entries=entries, channel=Channel.EDI
    )
    return MappingOutcome(summary=f"Availability posted for {len(entries)} items")


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
