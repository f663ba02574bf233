"""The 997 functional acknowledgment (and a TA1 for interchange-level errors) built from
what intake recorded, so a resend is acknowledged again from the same records.

Findings are stored as dicts (the fields of `x12.X12Error`, plus AK3/AK4 codes for
mapping errors) on the transaction-set rows; this module turns them into segments:

* AK1 per group, AK2 per set, AK3 (segment id, position from ST, AK304 code) and AK4
  (element position, AK403 code, bad value) per located finding, AK5 A/R with AK502
  codes, AK9 A (all accepted) / P (some rejected: accepted with errors) / R (none).
* A TA1 (ISA13, date, time, R, TA105 note) when the interchange itself is in error; every
  group is then rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.x12 import Segment

# AK5/AK9 answers; TA104 "E": received, errors noted (a duplicate: do not send it again).
ACCEPTED, PARTIAL, REJECTED = "A", "P", "R"
NOTED = "E"
_SEGMENT_LEVEL = {"segment", "element", "set"}


@dataclass
class SetAck:
    set_id: str
    control_number: str
    accepted: bool
    findings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class GroupAck:
    functional_id: str
    control_number: str
    sets: list[SetAck] = field(default_factory=list)
    group_codes: list[str] = field(default_factory=list)

    @property
    def answer(self) -> str:
        if self.group_codes or not self.sets:
            return REJECTED
        accepted = sum(1 for s in self.sets if s.accepted)
        if accepted == len(self.sets):
            return ACCEPTED
        return PARTIAL if accepted else REJECTED


def _set_segments(ack: SetAck, *, force_reject: bool) -> list[Segment]:
    segments = [Segment.of("AK2", ack.set_id, ack.control_number)]
    set_codes: list[str] = []
    for finding in ack.findings:
        level = finding.get("level", "")
        if level == "set":
            set_codes.append(str(finding["code"]))
        position = finding.get("segment_position")
        segment_id = finding.get("segment_id") or ""
        if level not in _SEGMENT_LEVEL or not segment_id or position is None:
            continue
        element = finding.get("element_position")
        if level == "segment":
            segment_code = str(finding["code"])
        else:
            segment_code = str(finding.get("segment_code") or "8")
        segments.append(Segment.of("AK3", segment_id, str(position), "", segment_code))
        if element:
            element_ref: list[str] = [str(element)]
            if finding.get("component_position"):
                element_ref.append(str(finding["component_position"]))
            element_code = (
                str(finding["code"])
                if level == "element"
                else str(finding.get("element_code") or "7")
            )
            bad = (finding.get("bad_value") or "")[:99]
            segments.append(Segment.of("AK4", element_ref, "", element_code, _clean(bad)))
    accepted = ack.accepted and not force_reject
    if accepted:
        segments.append(Segment.of("AK5", ACCEPTED))
    else:
        codes = list(dict.fromkeys(set_codes or (["5"] if len(segments) > 1 else [])))[:5]
        segments.append(Segment.of("AK5", REJECTED, *codes))
    return segments


def _clean(value: str) -> str:
    # The bad value is echoed back; a delimiter inside it would break our own 997.
    return "".join(c for c in value if c.isalnum() or c in " .-_/")


def build_997(group: GroupAck, *, force_reject: bool = False) -> list[Segment]:
    """The body of one 997 (between ST and SE) answering `group`."""
    segments = [Segment.of("AK1", group.functional_id, group.control_number)]
    for set_ack in group.sets:
        segments.extend(_set_segments(set_ack, force_reject=force_reject))
    answer = REJECTED if force_reject else group.answer
    accepted = 0 if force_reject else sum(1 for s in group.sets if s.accepted)
    codes = list(dict.fromkeys(group.group_codes))[:5]
    if answer == REJECTED and not codes and force_reject:
        codes = []
    segments.append(
        Segment.of("AK9", answer, str(len(group.sets)), str(len(group.sets)), str(accepted), *codes)
    )
    return segments


def build_ta1(
    *, control_number: str, date: str, time: str, note_code: str, code: str = REJECTED
) -> Segment:
    """TA1: the interchange `control_number` is rejected (TA104 R) with TA105 `note_code`;
    or received with errors noted (E), which tells the sender not to send it again."""
    return Segment.of("TA1", control_number.zfill(9)[:9], date, time, code, note_code)
