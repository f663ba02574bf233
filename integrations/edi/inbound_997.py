"""Inbound 997: a partner acknowledging our 850 (or any group we sent). Recorded on the
outbound interchange so the viewer shows whether the partner accepted it.

Segments read: AK1 (AK101 functional id, AK102 our GS06), AK2/AK5 (per set answer),
AK9 (AK901 A/E/P/R)."""

from __future__ import annotations

from integrations.edi.registry import MappingOutcome, PartnerProfile, SegmentError
from integrations.models import EdiInterchange, EdiTransactionSet
from integrations.x12 import Interchange, TransactionSet


def map_997(
    profile: PartnerProfile, ts: TransactionSet, interchange: Interchange
) -> MappingOutcome:
    ak1, ak9 = ts.first("AK1"), ts.first("AK9")
    if ak1 is None or ak9 is None:
        raise SegmentError(
            "The 997 needs AK1 and AK9.", segment=None, segment_id="AK1", segment_code="3"
        )
    sent = (
        EdiTransactionSet.objects.select_related("interchange")
        .filter(
            interchange__direction=EdiInterchange.Direction.OUTBOUND,
            interchange__partner_code=profile.code,
            functional_id=ak1.value(1),
            group_control_number=ak1.value(2),
        )
        .order_by("-id")
    )
    rows = list(sent)
    if not rows:
        raise SegmentError(
            f"AK102 {ak1.value(2)}: we sent no {ak1.value(1)} group with that control number "
            f"to {profile.code}.",
            segment=ak1,
            element=2,
        )
    answer = ak9.value(1)
    for row in rows:
        row.result = {**row.result, "partner_ack": answer}
        row.save(update_fields=["result"])
    outbound = rows[0].interchange
    return MappingOutcome(
        summary=(
            f"{profile.code} answered our group {ak1.value(1)} {ak1.value(2)} with AK9 {answer}"
        ),
        documents=[
            {
                "type": "edi_interchange",
                "id": str(outbound.pk),
                "label": f"{outbound.document_kind} ISA {outbound.control_number}",
                "url": "",
            }
        ],
    )
