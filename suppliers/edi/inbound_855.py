"""855 purchase order acknowledgment → `purchase_order_accept` / `_reject` /
`_propose_changes`, exactly as the portal calls them.

Segments read: BAK (BAK02 acknowledgment type, BAK03 PO number — or REF with the
partner's PO qualifier — and BAK05 our revision as sent in 850 BEG04), PO1 (PO101 our
line number; else the line is found by its item qualifiers PO106/107…; PO103 unit, PO104
price), ACK (ACK01 line status, ACK02 quantity, ACK03 unit, ACK04 date qualifier 067/068/
017/002/069/010 with ACK05 the date), SCH (SCH01 quantity, SCH02 unit, SCH06 date: the
line's schedule). Several ACKs on one line are its schedule too, one delivery each (ACK02
quantity on ACK05 date), as many partners send a split; SCH segments, when present, win.
Line status: IA accepted; IR and R1–R8 rejected; IC, IQ, DR, IP, IB, IS, IH and any other
code are a change (quantity, date, price or schedule), as is a split.
Whole PO: BAK02 RJ/RD with every line rejected (or no detail) → reject; everything
accepted (or BAK02 AK/AT with no detail) → accept; otherwise propose changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from integrations.edi.registry import MappingOutcome, PartnerProfile, SegmentError
from integrations.models import Channel
from integrations.x12 import Interchange, Segment, TransactionSet
from suppliers import services
from suppliers.edi.documents import po_document
from suppliers.edi.partners import (
    edi_actor,
    edi_date,
    item_for,
    po_reference,
    purchase_order_for,
    quantity,
    trading_partner,
    unit_for,
)
from suppliers.models import AcknowledgmentLine, ReasonCode

ACCEPT_STATUSES = {"IA"}
REJECT_STATUSES = {"IR", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"}
# Not an X12 code: the status of a line whose ACKs (all "IA") split it into deliveries.
SPLIT = "split"
DATE_QUALIFIERS = {"067", "068", "017", "002", "069", "010"}
REASONS = {
    "IP": ReasonCode.PRICE_CHANGE,
    "DR": ReasonCode.LEAD_TIME,
    "IQ": ReasonCode.CAPACITY,
    "IB": ReasonCode.MATERIAL_SHORTAGE,
    "R2": ReasonCode.DISCONTINUED,
    "R3": ReasonCode.DISCONTINUED,
}


@dataclass
class _Line:
    po1: Segment
    # Every ACK of the line: a partner that splits a line into deliveries sends one ACK per
    # delivery (ACK02 quantity, ACK05 date) instead of SCH segments; none may be dropped.
    acks: list[Segment] = field(default_factory=list)
    schedule: list[Segment] = field(default_factory=list)

    @property
    def ack(self) -> Segment | None:
        return self.acks[0] if self.acks else None

    @property
    def status(self) -> str:
        """ACK01 of the line; a line answered with several ACKs that do not all reject is
        a split into deliveries, which is a change whatever each ACK01 says."""
        statuses = [ack.value(1) for ack in self.acks] or ["IA"]
        if len(self.acks) > 1 and not set(statuses) <= REJECT_STATUSES:
            return next((s for s in statuses if s not in ACCEPT_STATUSES), SPLIT)
        return statuses[0]


def _lines(ts: TransactionSet) -> list[_Line]:
    lines: list[_Line] = []
    for segment in ts.segments:
        if segment.id == "PO1":
            lines.append(_Line(po1=segment))
        elif lines and segment.id == "ACK":
            lines[-1].acks.append(segment)
        elif lines and segment.id == "SCH":
            lines[-1].schedule.append(segment)
    return lines


def _po_line(partner, purchase_order, po_lines, line: _Line):
    number = line.po1.value(1)
    if number.isdigit() and int(number) in po_lines:
        return po_lines[int(number)]
    item = item_for(partner, line.po1, 6)
    matches = [p for p in po_lines.values() if item is not None and p.item_id == item.pk]
    if len(matches) == 1:
        return matches[0]
    raise SegmentError(
        f"PO1 line {number or '?'} matches no line of PO {purchase_order.number}.",
        segment=line.po1,
        element=1,
    )


def _proposal(partner, po_line, line: _Line, status: str) -> services.LineProposalInput:
    no = po_line.line_no
    if status in REJECT_STATUSES:
        return services.LineProposalInput(
            line_no=no,
            action=AcknowledgmentLine.Action.REJECT,
            reason_code=REASONS.get(status, ReasonCode.OTHER),
            comment=f"Rejected by EDI 855 (ACK01 {status}).",
        )
    ack = line.ack
    qty = uom = date = None
    if ack is not None:
        qty = quantity(ack, 2, required=False)
        if qty is not None and ack.value(3):
            uom = unit_for(partner, ack.value(3), ack, 3)
        if ack.value(4) in DATE_QUALIFIERS and ack.value(5):
            date = edi_date(ack, 5)
    price = quantity(line.po1, 4, required=False)
    schedule = []
    if len(line.acks) > 1 and not line.schedule:
        for each in line.acks:
            schedule.append(
                services.ScheduleLineInput(
                    quantity=quantity(each, 2),
                    uom=unit_for(partner, each.value(3), each, 3) if each.value(3) else None,
                    date=edi_date(each, 5),
                )
            )
        qty = uom = date = None
    for sch in line.schedule:
        schedule.append(
            services.ScheduleLineInput(
                quantity=quantity(sch, 1),
                uom=unit_for(partner, sch.value(2), sch, 2) if sch.value(2) else None,
                date=edi_date(sch, 6),
            )
        )
    if schedule and qty is None:
        qty = sum((s.quantity for s in schedule), start=schedule[0].quantity * 0)
        uom = schedule[0].uom
    return services.LineProposalInput(
        line_no=no,
        action=AcknowledgmentLine.Action.CHANGE,
        quantity=qty,
        uom=uom,
        date=date,
        unit_price=price if price is not None and price != po_line.unit_price else None,
        schedule=tuple(schedule),
        reason_code=REASONS.get(status, ReasonCode.OTHER),
        comment=(
            f"Split into {len(schedule)} deliveries by EDI 855."
            if status == SPLIT
            else f"Changed by EDI 855 (ACK01 {status})."
        ),
    )


def map_855(
    profile: PartnerProfile, ts: TransactionSet, interchange: Interchange
) -> MappingOutcome:
    partner = trading_partner(profile)
    actor = edi_actor(partner)
    bak = ts.first("BAK")
    if bak is None:
        raise SegmentError(
            "The 855 has no BAK segment.", segment=None, segment_id="BAK", segment_code="3"
        )
    number, ref = po_reference(partner, ts.segments, bak.value(3))
    purchase_order = purchase_order_for(partner, number, ref or bak, 2 if ref else 3)
    revision_text = bak.value(5)
    revision = int(revision_text) if revision_text.isdigit() else purchase_order.revision
    po_lines = {line.line_no: line for line in purchase_order.lines.select_related("uom", "item")}
    answered = {}
    for line in _lines(ts):
        po_line = _po_line(partner, purchase_order, po_lines, line)
        status = line.status
        answered[po_line.line_no] = (po_line, line, status)
    kind = bak.value(2)
    statuses = {status for _, _, status in answered.values()}
    every_line = len(answered) == len(po_lines)
    if (
        kind in ("RJ", "RD") and (not answered or (statuses <= REJECT_STATUSES and every_line))
    ) or (answered and every_line and statuses <= REJECT_STATUSES):
        services.purchase_order_reject(
            actor=actor,
            purchase_order=purchase_order,
            revision=revision,
            channel=Channel.EDI,
            reason_code=ReasonCode.OTHER,
            comment=f"Rejected by EDI 855 (BAK02 {kind}).",
        )
        summary = f"PO {purchase_order.number} rejected"
    elif (not answered and kind in ("AK", "AT", "AD", "AC")) or statuses <= ACCEPT_STATUSES:
        services.purchase_order_accept(
            actor=actor,
            purchase_order=purchase_order,
            revision=revision,
            channel=Channel.EDI,
            comment=f"Accepted by EDI 855 (BAK02 {kind}).",
        )
        summary = f"PO {purchase_order.number} accepted as ordered"
    else:
        proposals = [
            _proposal(partner, po_line, line, status)
            for po_line, line, status in answered.values()
            if status not in ACCEPT_STATUSES
        ]
        acknowledgment = services.purchase_order_propose_changes(
            actor=actor,
            purchase_order=purchase_order,
            revision=revision,
            channel=Channel.EDI,
            lines=proposals,
            comment=f"EDI 855 (BAK02 {kind}).",
        )
        summary = (
            f"PO {purchase_order.number}: changes proposed on lines "
            f"{', '.join(str(p.line_no) for p in proposals)} "
            f"({acknowledgment.get_status_display().lower()})"
        )
    return MappingOutcome(summary=summary, documents=[po_document(purchase_order)])
