"""Answering a partner's interchange: the 997 (and a TA1 when the interchange itself is in
error or is a resend) built from what intake recorded per set, stored as an outbound
interchange and published, so the `edi_x12` connector writes the file.

Only a set that was applied is acknowledged with AK5 A: a rejected set gets R with its
reasons, and a resend is answered with the outcome of the interchange that was applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone

from integrations.edi.ack import GroupAck, SetAck, build_997, build_ta1
from integrations.edi.envelope import render_outbound
from integrations.edi.registry import PartnerProfile
from integrations.models import Channel, EdiInterchange, EdiTransactionSet
from integrations.services.edi_files import interchange_text
from integrations.services.events import publish
from integrations.x12 import Segment

ACK_EVENT = "edi.functional_ack"
Status = EdiInterchange.Status
SetStatus = EdiTransactionSet.Status


def set_ack(row: EdiTransactionSet) -> SetAck:
    findings = list(row.syntax_errors) + list(row.result.get("findings", []))
    return SetAck(
        set_id=row.set_id,
        control_number=row.control_number,
        accepted=row.status == SetStatus.ACCEPTED,
        findings=findings,
    )


def group_codes(errors: Iterable[dict[str, Any]], control_number: str) -> list[str]:
    """The AK9 codes of group `control_number` among an interchange's findings (findings
    recorded before groups were told apart count for every group)."""
    return [
        str(error["code"])
        for error in errors
        if error.get("group_control_number") == control_number
        or ("group_control_number" not in error and error.get("level") == "group")
    ]


def groups_from_rows(record: EdiInterchange, rows: Iterable[EdiTransactionSet]) -> list[GroupAck]:
    """One GroupAck per functional group of the recorded sets, in order."""
    groups: dict[tuple[str, str], GroupAck] = {}
    for row in rows:
        key = (row.functional_id, row.group_control_number)
        if key not in groups:
            groups[key] = GroupAck(
                functional_id=row.functional_id,
                control_number=row.group_control_number,
                group_codes=group_codes(record.errors, row.group_control_number),
            )
        groups[key].sets.append(set_ack(row))
    return list(groups.values())


def answered_groups(groups: Sequence[GroupAck]) -> list[GroupAck]:
    # A 997 is never acknowledged (X12): only the other groups are answered.
    return [group for group in groups if group.functional_id != "FA"]


def interchange_note(record: EdiInterchange) -> str | None:
    """The TA105 note of the interchange's first envelope error, if it has one."""
    for error in record.errors:
        if error.get("level") == "interchange":
            return str(error["code"])
    return None


def _isa_date_time(record: EdiInterchange, header: Segment | None) -> tuple[str, str]:
    if header is not None:
        return header.value(9), header.value(10)
    text = interchange_text(record, limit=200)
    parts = text[:106].split(text[3:4] or "*")
    return (parts[9], parts[10]) if len(parts) > 10 else ("", "")


def send_997(
    record: EdiInterchange,
    groups: Sequence[GroupAck],
    profile: PartnerProfile,
    *,
    header: Segment | None = None,
    resend_of: EdiInterchange | None = None,
) -> EdiInterchange:
    """Render the 997 answering `record` (with a TA1 when its envelope is in error, or
    when it is a resend of `resend_of`), store it as an outbound interchange and publish
    it. Call it in the transaction that records the outcome."""
    note = interchange_note(record)
    leading = []
    if note is not None or resend_of is not None:
        date, time = _isa_date_time(record, header)
        leading.append(
            build_ta1(
                control_number=record.control_number,
                date=date,
                time=time,
                note_code=note or "025",
                code="R" if note is not None else "E",
            )
        )
    sets = [("997", build_997(group, force_reject=note is not None)) for group in groups]
    text, isa13, gs06 = render_outbound(
        profile=profile, functional_id="FA", sets=sets, leading=leading
    )
    answers = "".join(g.answer if note is None else "R" for g in groups) or "R"
    summary = f"Acknowledges ISA {record.control_number}: AK9 {answers}"
    if note is not None:
        summary += f", TA1 R {note}"
    elif resend_of is not None:
        summary += ", TA1 E 025 (a resend, applied once)"
    outbound = EdiInterchange.objects.create(
        direction=EdiInterchange.Direction.OUTBOUND,
        status=Status.GENERATED,
        partner_code=profile.code,
        sender_qualifier=profile.our_qualifier,
        sender_id=profile.our_id,
        receiver_qualifier=profile.partner_qualifier,
        receiver_id=profile.partner_id,
        control_number=isa13,
        usage=profile.usage,
        file_name=f"997-{profile.code}-{isa13}.x12",
        raw=text,
        document_kind="997",
        document_ref=f"ISA {record.control_number}",
        summary=summary,
        created_at=timezone.now(),
    )
    EdiTransactionSet.objects.bulk_create(
        EdiTransactionSet(
            interchange=outbound,
            sequence=n,
            functional_id="FA",
            group_control_number=gs06,
            set_id="997",
            control_number="",
            status=SetStatus.GENERATED,
            result={"acknowledges": f"{g.functional_id} {g.control_number}", "answer": g.answer},
        )
        for n, g in enumerate(groups, start=1)
    )
    publish(
        event_type=ACK_EVENT,
        aggregate_type="edi_interchange",
        aggregate_id=str(outbound.pk),
        data={
            "partner": profile.code,
            "interchange_id": outbound.pk,
            "control_number": isa13,
            "acknowledges": record.control_number,
            "answers": answers,
            "file_name": outbound.file_name,
            "x12": text,
        },
        channel=Channel.EDI,
    )
    return outbound
