"""856 ship notice → `asn_create` + `asn_submit`, exactly as the portal calls them.

The HL tree comes from `integrations.x12.walk_shipments`, so S-O-I, S-O-P-I, S-O-T-P-I
and S-P-O-I layouts all map the same way. Segments read: BSN (BSN01 00 original, BSN02
ASN number, BSN03 date), at the shipment HL: TD1 (TD102 package count, TD107 weight with
TD108 KG/LB), TD5 (TD503 carrier code, TD505 routing), REF BM/CN (bill of lading / PRO:
tracking), DTM 011 (shipped) and 017/067 (expected delivery); at the order HL: PRF01 (PO
number) or REF with the partner's PO qualifier; at tare/pack HLs: MAN GM (SSCC-18), one
package each; at item HLs: LIN (LIN01 or SN101 our PO line number, else the item by the
partner's qualifiers; LIN pair LT = lot), SN1 (SN102 quantity, SN103 unit through the
partner's unit map), REF LT (lot), DTM 036 (expiry).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from integrations.edi.registry import MappingOutcome, PartnerProfile, SegmentError
from integrations.models import Channel
from integrations.x12 import Interchange, TransactionSet, build_hl_tree, walk_shipments
from suppliers import services
from suppliers.edi.documents import asn_document, po_document
from suppliers.edi.partners import (
    edi_actor,
    edi_date,
    id_pairs,
    item_for,
    po_reference,
    purchase_order_for,
    quantity,
    trading_partner,
    unit_for,
)

POUND_KG = Decimal("0.45359237")


def _date(node, qualifiers: tuple[str, ...]) -> datetime.date | None:
    for dtm in node.find("DTM"):
        if dtm.value(1) in qualifiers:
            return edi_date(dtm, 2)
    return None


def _po_line(partner, purchase_order, item_node):
    lin = item_node.first("LIN")
    sn1 = item_node.first("SN1")
    lines = {line.line_no: line for line in purchase_order.lines.select_related("item", "uom")}
    for segment, element in ((lin, 1), (sn1, 1)):
        if segment is not None and segment.value(element).isdigit():
            number = int(segment.value(element))
            if number in lines:
                return lines[number]
            raise SegmentError(
                f"PO {purchase_order.number} has no line {number}.",
                segment=segment,
                element=element,
            )
    item = item_for(partner, lin, 2) if lin is not None else None
    matches = [line for line in lines.values() if item is not None and line.item_id == item.pk]
    if len(matches) != 1:
        raise SegmentError(
            f"The item matches no single line of PO {purchase_order.number}.",
            segment=lin or item_node.hl,
            element=3 if lin is not None else None,
        )
    return matches[0]


def _lot(item_node) -> str:
    for ref in item_node.find("REF"):
        if ref.value(1) == "LT":
            return ref.value(2)
    lin = item_node.first("LIN")
    if lin is not None:
        for qualifier, value, _ in id_pairs(lin, 2):
            if qualifier == "LT":
                return value
    return ""


def _weight(td1) -> Decimal | None:
    if td1 is None or not td1.value(7):
        return None
    weight = quantity(td1, 7)
    unit = td1.value(8)
    if unit in ("LB", "01"):
        return (weight * POUND_KG).quantize(Decimal("0.001"))
    return weight


def map_856(
    profile: PartnerProfile, ts: TransactionSet, interchange: Interchange
) -> MappingOutcome:
    partner = trading_partner(profile)
    actor = edi_actor(partner)
    bsn = ts.first("BSN")
    if bsn is None:
        raise SegmentError(
            "The 856 has no BSN segment.", segment=None, segment_id="BSN", segment_code="3"
        )
    if bsn.value(1) != "00":
        raise SegmentError(
            f"BSN01 {bsn.value(1)!r}: only original ship notices (00) are accepted; change a "
            "sent ASN in the portal.",
            segment=bsn,
            element=1,
        )
    tree = build_hl_tree(ts)
    if tree.errors:
        error = tree.errors[0]
        raise SegmentError(
            error.message,
            segment=next(n.hl for n in tree.nodes if n.hl.index == error.segment_index),
            element=error.element_position,
        )
    shipments = walk_shipments(tree)
    if len(shipments) != 1:
        raise SegmentError(
            "An 856 must hold exactly one shipment (HL03 S).",
            segment=None,
            segment_id="HL",
            segment_code="3",
        )
    [shipment] = shipments
    node = shipment.node
    ship_date = _date(node, ("011",)) or edi_date(bsn, 3)
    expected = _date(node, ("017", "067"))
    if expected is None:
        raise SegmentError(
            "The shipment has no expected delivery date (DTM 017).",
            segment=None,
            segment_id="DTM",
            segment_code="3",
        )
    td1, td5 = node.first("TD1"), node.first("TD5")
    tracking = next((r.value(2) for r in node.find("REF") if r.value(1) in ("CN", "BM")), "")
    packs = []
    for pack in [n for n in node.descendants() if n.level in ("P", "T")]:
        man = next((m for m in pack.find("MAN") if m.value(1) == "GM"), None)
        if man is not None:
            packs.append(services.PackageInput(sscc=man.value(2)))
    if not shipment.items:
        raise SegmentError(
            "The 856 ships no items (HL03 I).", segment=None, segment_id="HL", segment_code="3"
        )
    lines = []
    purchase_orders = {}
    for shipped in shipment.items:
        if shipped.order is None:
            raise SegmentError(
                "This item is under no order level (HL03 O) naming its PO.",
                segment=shipped.node.hl,
                element=2,
            )
        prf = shipped.order.first("PRF")
        number, ref = po_reference(partner, shipped.order.segments, prf.value(1) if prf else "")
        purchase_order = purchase_order_for(
            partner, number, ref or prf or shipped.order.hl, 2 if ref else 1
        )
        purchase_orders[purchase_order.pk] = purchase_order
        po_line = _po_line(partner, purchase_order, shipped.node)
        sn1 = shipped.node.first("SN1")
        if sn1 is None:
            raise SegmentError(
                "An item level has no SN1 (quantity shipped).",
                segment=None,
                segment_id="SN1",
                segment_code="3",
            )
        lines.append(
            services.AsnLineInput(
                po_line=po_line,
                quantity=quantity(sn1, 2),
                uom=unit_for(partner, sn1.value(3), sn1, 3) if sn1.value(3) else None,
                lot=_lot(shipped.node),
                expiry_date=_date(shipped.node, ("036",)),
            )
        )
    package_count = int(td1.value(2)) if td1 is not None and td1.value(2).isdigit() else 0
    header = services.AsnHeader(
        asn_number=bsn.value(2),
        ship_date=ship_date,
        expected_delivery=expected,
        carrier=(td5.value(3) or td5.value(5)) if td5 is not None else "",
        tracking_number=tracking,
        package_count=max(package_count, len(packs), 1),
        gross_weight_kg=_weight(td1),
        packages=packs,
    )
    asn = services.asn_create(
        actor=actor, supplier=partner.supplier, header=header, lines=lines, channel=Channel.EDI
    )
    asn = services.asn_submit(actor=actor, shipment=asn, channel=Channel.EDI)
    return MappingOutcome(
        summary=(
            f"ASN {asn.asn_number} submitted: {len(lines)} lines, {len(packs)} labelled packages"
        ),
        documents=[asn_document(asn), *(po_document(po) for po in purchase_orders.values())],
    )
