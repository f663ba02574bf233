"""Intake of partner files: read, check the envelope against the trading partner, detect
duplicates, hand each transaction set to the mapper `suppliers` registered for it, record
everything, and answer every group with a 997 through the outbox.

Transactions: one per interchange. Each set is mapped inside its own savepoint together
with its (partner, set id, ST02) dedupe record, so a set the services refuse rolls back
alone (and may be sent again after a fix) while its neighbours stay processed.
Duplicates: an interchange whose (sender, receiver, ISA13) was seen before is recorded,
not processed, and acknowledged again with the original's outcome; a set whose
(partner, set id, ST02) was processed before is acknowledged but not processed twice.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from integrations.edi import registry
from integrations.edi.ack import GroupAck, SetAck, build_997, build_ta1
from integrations.edi.envelope import render_outbound
from integrations.edi.registry import PartnerProfile, SegmentError
from integrations.errors import DomainError
from integrations.models import Channel, EdiInterchange, EdiTransactionSet
from integrations.services import audit_record, inbound_seen_or_record, publish
from integrations.x12 import Interchange, X12Error, read

logger = logging.getLogger(__name__)

Status = EdiInterchange.Status
SetStatus = EdiTransactionSet.Status
ACK_EVENT = "edi.functional_ack"


def finding(error: X12Error) -> dict:
    data = dataclasses.asdict(error)
    data["level"] = str(error.level)
    data["code"] = str(error.code)
    data["text"] = str(error)
    return data


def _set_finding(code: str, message: str, **where) -> dict:
    return {"level": "set", "code": code, "message": message, "text": message, **where}


@dataclass
class SetReport:
    set_id: str
    control_number: str
    status: str
    message: str


@dataclass
class ImportReport:
    """What one file did, for `edi_import` and the inbound-folder task."""

    file_name: str
    interchanges: list[EdiInterchange] = field(default_factory=list)
    sets: list[SetReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return bool(self.errors) or any(
            i.status in (Status.REJECTED, Status.PARTIALLY_ACCEPTED, Status.UNREADABLE)
            for i in self.interchanges
        )


def edi_file_import(
    *, data: bytes | str, file_name: str = "", partner_code: str = ""
) -> ImportReport:
    """Process every interchange of one partner file. `partner_code` pins the partner
    (a file from its inbound folder): an interchange from other ISA ids is then rejected."""
    report = ImportReport(file_name=file_name)
    result = read(data)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    for error in result.errors:
        report.errors.append(str(error))
    if not result.interchanges:
        with transaction.atomic():
            record = EdiInterchange.objects.create(
                direction=EdiInterchange.Direction.INBOUND,
                status=Status.UNREADABLE,
                partner_code=partner_code,
                file_name=file_name[:255],
                raw=text,
                errors=[finding(e) for e in result.errors],
                summary="Not an X12 interchange: nothing was processed or acknowledged.",
                created_at=timezone.now(),
                processed_at=timezone.now(),
            )
        report.interchanges.append(record)
        return report
    for interchange in result.interchanges:
        record = _import_interchange(interchange, file_name=file_name, partner_code=partner_code)
        report.interchanges.append(record)
        for row in record.transaction_sets.all():
            report.sets.append(
                SetReport(
                    row.set_id,
                    row.control_number,
                    row.status,
                    row.rejection or row.result.get("summary", ""),
                )
            )
    return report


def _partner_problems(interchange: Interchange, profile: PartnerProfile) -> list[dict]:
    problems = []
    if (interchange.sender_qualifier, interchange.sender_id) != (
        profile.partner_qualifier,
        profile.partner_id,
    ):
        problems.append(
            {
                "level": "interchange",
                "code": "006",
                "segment_id": "ISA",
                "element_position": 6,
                "bad_value": interchange.sender_id,
                "text": f"ISA05/ISA06 {interchange.sender_qualifier}/{interchange.sender_id} "
                f"is not trading partner {profile.code} "
                f"({profile.partner_qualifier}/{profile.partner_id}).",
            }
        )
    if (interchange.receiver_qualifier, interchange.receiver_id) != (
        profile.our_qualifier,
        profile.our_id,
    ):
        problems.append(
            {
                "level": "interchange",
                "code": "008",
                "segment_id": "ISA",
                "element_position": 8,
                "bad_value": interchange.receiver_id,
                "text": f"ISA07/ISA08 {interchange.receiver_qualifier}/{interchange.receiver_id} "
                f"is not us ({profile.our_qualifier}/{profile.our_id}).",
            }
        )
    return problems


def _dedupe_source(interchange: Interchange) -> str:
    return (
        f"edi:{interchange.sender_qualifier}:{interchange.sender_id}>"
        f"{interchange.receiver_qualifier}:{interchange.receiver_id}"
    )


def _new_record(interchange: Interchange, *, file_name: str, partner_code: str) -> EdiInterchange:
    return EdiInterchange(
        direction=EdiInterchange.Direction.INBOUND,
        status=Status.REJECTED,
        partner_code=partner_code,
        sender_qualifier=interchange.sender_qualifier[:2],
        sender_id=interchange.sender_id[:15],
        receiver_qualifier=interchange.receiver_qualifier[:2],
        receiver_id=interchange.receiver_id[:15],
        control_number=interchange.control_number[:9],
        usage=interchange.usage[:1],
        file_name=file_name[:255],
        raw=interchange.raw or "",
        errors=[finding(e) for e in interchange.errors],
        created_at=timezone.now(),
    )


@transaction.atomic
def _import_interchange(
    interchange: Interchange, *, file_name: str, partner_code: str
) -> EdiInterchange:
    if partner_code:
        profile = registry.partner_by_code(partner_code)
    else:
        profile = registry.partner_for_sender(interchange.sender_qualifier, interchange.sender_id)
    record = _new_record(
        interchange, file_name=file_name, partner_code=profile.code if profile else partner_code
    )
    if profile is None:
        record.errors.append(
            {
                "level": "interchange",
                "code": "006",
                "segment_id": "ISA",
                "element_position": 6,
                "text": (
                    f"No trading partner {partner_code!r}."
                    if partner_code
                    else f"No trading partner has ISA id {interchange.sender_qualifier}/"
                    f"{interchange.sender_id}: set one up before files can be processed."
                ),
            }
        )
        record.summary = "Unknown sender: not processed, no 997 could be addressed."
        record.processed_at = timezone.now()
        record.save()
        _record_sets(record, interchange, status=SetStatus.REJECTED, reason="Unknown sender.")
        return record
    record.errors.extend(_partner_problems(interchange, profile))
    if not record.errors and inbound_seen_or_record(
        source=_dedupe_source(interchange), external_id=f"ISA{interchange.control_number}"
    ):
        return _duplicate(record, interchange, profile)
    record.save()
    groups = _process(record, interchange, profile)
    _finish(record, groups, profile)
    return record


def _record_sets(
    record: EdiInterchange, interchange: Interchange, *, status: str, reason: str
) -> None:
    rows = []
    for sequence, (group, ts) in enumerate(
        ((g, s) for g in interchange.groups for s in g.transaction_sets), start=1
    ):
        rows.append(_row(record, sequence, group, ts, status=status, rejection=reason))
    EdiTransactionSet.objects.bulk_create(rows)


def _row(record, sequence, group, ts, **fields) -> EdiTransactionSet:
    return EdiTransactionSet(
        interchange=record,
        sequence=sequence,
        functional_id=group.functional_id[:2],
        group_control_number=group.control_number[:9],
        version=group.version[:12],
        set_id=ts.set_id[:3],
        control_number=ts.control_number[:9],
        syntax_errors=[finding(e) for e in ts.errors],
        first_segment=ts.header.index,
        last_segment=ts.trailer.index if ts.trailer is not None else None,
        **fields,
    )


def _group_findings(group, profile: PartnerProfile) -> list[dict]:
    found = [finding(e) for e in group.errors]
    if group.sender != profile.partner_gs_id:
        found.append(
            {
                "level": "group",
                "code": "1",
                "segment_id": "GS",
                "element_position": 2,
                "bad_value": group.sender,
                "text": f"GS02 {group.sender} is not trading partner {profile.code}'s "
                f"application id {profile.partner_gs_id}.",
            }
        )
    if group.version not in profile.versions:
        found.append(
            {
                "level": "group",
                "code": "2",
                "segment_id": "GS",
                "element_position": 8,
                "bad_value": group.version,
                "text": f"GS08 version {group.version} is not accepted from {profile.code} "
                f"(accepted: {', '.join(profile.versions)}).",
            }
        )
    return found


def _process(
    record: EdiInterchange, interchange: Interchange, profile: PartnerProfile
) -> list[GroupAck]:
    interchange_rejected = bool(record.errors)
    groups: list[GroupAck] = []
    sequence = 0
    for group in interchange.groups:
        group_findings = _group_findings(group, profile)
        record.errors.extend(group_findings)
        ack = GroupAck(
            functional_id=group.functional_id,
            control_number=group.control_number,
            group_codes=[str(f["code"]) for f in group_findings],
        )
        for ts in group.transaction_sets:
            sequence += 1
            row = _row(record, sequence, group, ts, status=SetStatus.REJECTED)
            if interchange_rejected or group_findings:
                row.rejection = "Not processed: its interchange or group envelope is in error."
            elif ts.errors:
                row.rejection = "; ".join(str(e) for e in ts.errors)
            else:
                _map_set(row, ts, interchange, profile)
            row.save()
            ack.sets.append(_set_ack(row))
        groups.append(ack)
    return groups


def _set_ack(row: EdiTransactionSet) -> SetAck:
    findings = list(row.syntax_errors) + [f for f in row.result.get("findings", [])]
    return SetAck(
        set_id=row.set_id,
        control_number=row.control_number,
        accepted=row.status in (SetStatus.ACCEPTED, SetStatus.DUPLICATE),
        findings=findings,
    )


def _map_set(row: EdiTransactionSet, ts, interchange: Interchange, profile: PartnerProfile) -> None:
    """Run the registered mapper for one syntactically clean set, in a savepoint."""
    handler = registry.inbound_handler(ts.set_id)
    if handler is None:
        row.rejection = (
            f"Transaction set {ts.set_id} is not accepted inbound "
            f"(accepted: {', '.join(registry.supported_sets())})."
        )
        row.result = {"findings": [_set_finding("1", row.rejection, segment_id="ST")]}
        return
    try:
        with transaction.atomic():
            if inbound_seen_or_record(
                source=f"edi:{profile.code}", external_id=f"{ts.set_id}:ST{ts.control_number}"
            ):
                row.status = SetStatus.DUPLICATE
                row.result = {"summary": f"ST02 {ts.control_number} was processed before."}
                return
            outcome = handler(profile, ts, interchange)
    except SegmentError as error:
        row.rejection = error.message
        located = error.location()
        located["level"] = "element" if error.element else "segment"
        located["code"] = error.element_code if error.element else error.segment_code
        located["text"] = error.message
        row.result = {"findings": [located]}
        return
    except DomainError as error:
        row.rejection = str(error)
        row.result = {}
        return
    row.status = SetStatus.ACCEPTED
    row.result = {"summary": outcome.summary}
    row.documents = outcome.documents


def _status(groups: list[GroupAck], record: EdiInterchange) -> str:
    if record.errors and not any(e.get("level") == "group" for e in record.errors):
        return Status.REJECTED
    answers = {g.answer for g in groups}
    if answers == {"A"}:
        return Status.ACCEPTED
    if answers <= {"R"}:
        return Status.REJECTED
    return Status.PARTIALLY_ACCEPTED


def _finish(record: EdiInterchange, groups: list[GroupAck], profile: PartnerProfile) -> None:
    record.status = _status(groups, record)
    # A 997 is never acknowledged (X12): only the other groups are answered.
    groups = [g for g in groups if g.functional_id != "FA"]
    counts = {}
    for row in record.transaction_sets.all():
        counts[row.status] = counts.get(row.status, 0) + 1
    record.summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no sets"
    record.processed_at = timezone.now()
    record.save()
    if groups or _interchange_note(record):
        record.acknowledgment = _send_997(record, groups, profile)
        record.save(update_fields=["acknowledgment"])


def _interchange_note(record: EdiInterchange) -> str | None:
    for error in record.errors:
        if error.get("level") == "interchange":
            return str(error["code"])
    return None


def _send_997(
    record: EdiInterchange, groups: list[GroupAck], profile: PartnerProfile
) -> EdiInterchange:
    """Render the 997 (with a TA1 when the interchange is in error), store it as an
    outbound interchange and publish it: the edi_x12 connector writes the file."""
    note = _interchange_note(record)
    leading = []
    if note is not None:
        header = record.raw[:106]
        element = header[3:4] or "*"
        parts = header.split(element)
        date, time = (parts[9], parts[10]) if len(parts) > 10 else ("", "")
        leading.append(
            build_ta1(control_number=record.control_number, date=date, time=time, note_code=note)
        )
    sets = [("997", build_997(group, force_reject=note is not None)) for group in groups]
    text, isa13, gs06 = render_outbound(
        profile=profile, functional_id="FA", sets=sets, leading=leading
    )
    answers = "".join(g.answer if note is None else "R" for g in groups) or "R"
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
        summary=f"Acknowledges ISA {record.control_number}: AK9 {answers}"
        + (f", TA1 R {note}" if note else ""),
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


def _groups_from_rows(record: EdiInterchange, rows: list[EdiTransactionSet]) -> list[GroupAck]:
    groups: dict[tuple[str, str], GroupAck] = {}
    group_codes: dict[str, list[str]] = {}
    for error in record.errors:
        if error.get("level") == "group":
            group_codes.setdefault("*", []).append(str(error["code"]))
    for row in rows:
        key = (row.functional_id, row.group_control_number)
        if key not in groups:
            groups[key] = GroupAck(
                functional_id=row.functional_id,
                control_number=row.group_control_number,
                group_codes=list(group_codes.get("*", [])),
            )
        groups[key].sets.append(_set_ack(row))
    return list(groups.values())


def _duplicate(
    record: EdiInterchange, interchange: Interchange, profile: PartnerProfile
) -> EdiInterchange:
    original = (
        EdiInterchange.objects.filter(
            direction=EdiInterchange.Direction.INBOUND,
            sender_qualifier=record.sender_qualifier,
            sender_id=record.sender_id,
            receiver_qualifier=record.receiver_qualifier,
            receiver_id=record.receiver_id,
            control_number=record.control_number,
            duplicate_of__isnull=True,
        )
        .exclude(status=Status.DUPLICATE)
        .order_by("created_at", "id")
        .first()
    )
    record.status = Status.DUPLICATE
    record.duplicate_of = original
    record.summary = (
        f"Resend of ISA {record.control_number}: not processed again, acknowledged again."
    )
    record.processed_at = timezone.now()
    record.save()
    _record_sets(record, interchange, status=SetStatus.DUPLICATE, reason="")
    source = original or record
    rows = list(source.transaction_sets.all())
    groups = [g for g in _groups_from_rows(source, rows) if g.functional_id != "FA"]
    if groups:
        record.acknowledgment = _send_997(source, groups, profile)
        record.save(update_fields=["acknowledgment"])
    return record


@transaction.atomic
def edi_interchange_reprocess(*, actor, interchange: EdiInterchange) -> EdiInterchange:
    """Run the mappers again for the rejected, syntactically clean sets of an inbound
    interchange (after an operator fixed the partner's mapping), then acknowledge it again."""
    interchange = EdiInterchange.objects.select_for_update().get(pk=interchange.pk)
    if not interchange.can_reprocess:
        raise DomainError(
            f"Only a rejected or partly accepted inbound interchange can be reprocessed; "
            f"this one is {interchange.get_status_display().lower()}.",
            field="status",
        )
    profile = registry.partner_by_code(interchange.partner_code)
    if profile is None:
        raise DomainError(f"No trading partner {interchange.partner_code!r} any more.")
    [parsed] = read(interchange.raw).interchanges[:1] or [None]
    if parsed is None:
        raise DomainError("The stored interchange cannot be read any more.")
    before = interchange.status
    interchange.errors = [finding(e) for e in parsed.errors] + _partner_problems(parsed, profile)
    if interchange.errors:
        raise DomainError("The interchange envelope is in error; ask the partner to resend it.")
    rows = {row.sequence: row for row in interchange.transaction_sets.all()}
    sequence = 0
    for group in parsed.groups:
        interchange.errors.extend(_group_findings(group, profile))
        for ts in group.transaction_sets:
            sequence += 1
            row = rows.get(sequence)
            if row is None or row.status != SetStatus.REJECTED or ts.errors:
                continue
            if any(e.get("level") == "group" for e in interchange.errors):
                continue
            row.rejection = ""
            row.result = {}
            _map_set(row, ts, parsed, profile)
            row.save()
    ordered = [rows[n] for n in sorted(rows)]
    groups = _groups_from_rows(interchange, ordered)
    interchange.reprocess_count += 1
    audit_record(
        actor=actor,
        channel=Channel.PORTAL,
        obj=interchange,
        action="reprocessed",
        before={"status": before},
        after={"status": _status(groups, interchange)},
    )
    interchange.save()
    _finish(interchange, groups, profile)
    return interchange
