"""What becomes of each transaction set of an inbound interchange: the envelope checks
against the trading partner, the mappers `suppliers` registered (a run of 846 sets in one
set-based call, any other set in its own savepoint), and the set's record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from integrations.edi import registry
from integrations.edi.registry import MappingOutcome, PartnerProfile, SegmentError
from integrations.errors import DomainError
from integrations.models import EdiInterchange, EdiTransactionSet
from integrations.x12 import FunctionalGroup, Interchange, X12Error
from integrations.x12.stream import LoadedSet, ScannedInterchange, SetSpan

SetStatus = EdiTransactionSet.Status
ENVELOPE_REJECTION = "Not processed: its interchange or group envelope is in error."


def finding(error: X12Error) -> dict[str, Any]:
    data = dataclasses.asdict(error)
    data["level"] = str(error.level)
    data["code"] = str(error.code)
    data["text"] = str(error)
    return data


def partner_problems(interchange: Interchange, profile: PartnerProfile) -> list[dict[str, Any]]:
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


def group_findings(group: FunctionalGroup, profile: PartnerProfile) -> list[dict[str, Any]]:
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
    for item in found:
        item["group_control_number"] = group.control_number[:9]
    return found


def set_record(
    record: EdiInterchange,
    span: SetSpan,
    *,
    status: str,
    loaded: LoadedSet | None = None,
    rejection: str = "",
    result: dict[str, Any] | None = None,
    documents: list[dict[str, Any]] | None = None,
) -> EdiTransactionSet:
    ts, group = span.ts, span.group
    errors = loaded.errors if loaded is not None else ts.errors
    return EdiTransactionSet(
        interchange=record,
        sequence=span.sequence,
        functional_id=group.functional_id[:2],
        group_control_number=group.control_number[:9],
        version=group.version[:12],
        set_id=ts.set_id[:3],
        control_number=ts.control_number[:9],
        syntax_errors=[finding(e) for e in errors],
        first_segment=ts.header.index,
        last_segment=ts.trailer.index if ts.trailer is not None else None,
        status=status,
        rejection=rejection,
        result=result or {},
        documents=documents or [],
    )


def record_all(
    record: EdiInterchange, scanned: ScannedInterchange, *, status: str, reason: str
) -> None:
    EdiTransactionSet.objects.bulk_create(
        (set_record(record, span, status=status, rejection=reason) for span in scanned.sets),
        batch_size=2000,
    )


def _refusal(error: DomainError) -> dict[str, Any]:
    if isinstance(error, SegmentError):
        located = error.location()
        located["level"] = "element" if error.element else "segment"
        located["code"] = error.element_code if error.element else error.segment_code
        located["text"] = error.message
        return {
            "status": SetStatus.REJECTED,
            "rejection": error.message,
            "result": {"findings": [located]},
        }
    return {"status": SetStatus.REJECTED, "rejection": str(error), "result": {}}


def _accepted(outcome: MappingOutcome) -> dict[str, Any]:
    return {
        "status": SetStatus.ACCEPTED,
        "result": {"summary": outcome.summary},
        "documents": outcome.documents,
    }


def map_sets(
    sets: Sequence[LoadedSet], scanned: ScannedInterchange, profile: PartnerProfile
) -> list[dict[str, Any]]:
    """Run the registered mappers over syntactically clean sets, in file order: a run of
    sets with a batch mapper (846) in one call, any other set in its own savepoint.
    Returns per set the fields of its record (status, rejection, result, documents)."""
    outcomes: list[dict[str, Any]] = []
    run: list[LoadedSet] = []

    def flush() -> None:
        if run:
            handler = registry.inbound_batch_handler(run[0].set_id)
            assert handler is not None
            for outcome in handler(profile, run):
                outcomes.append(
                    _refusal(outcome) if isinstance(outcome, DomainError) else _accepted(outcome)
                )
            run.clear()

    for item in sets:
        if registry.inbound_batch_handler(item.set_id) is not None:
            if run and run[0].set_id != item.set_id:
                flush()
            run.append(item)
            continue
        flush()
        outcomes.append(_map_one(item, scanned, profile))
    flush()
    return outcomes


def _map_one(
    item: LoadedSet, scanned: ScannedInterchange, profile: PartnerProfile
) -> dict[str, Any]:
    handler = registry.inbound_handler(item.set_id)
    if handler is None:
        message = (
            f"Transaction set {item.set_id} is not accepted inbound "
            f"(accepted: {', '.join(registry.supported_sets())})."
        )
        located = {"level": "set", "code": "1", "message": message, "text": message}
        return {
            "status": SetStatus.REJECTED,
            "rejection": message,
            "result": {"findings": [dict(located, segment_id="ST")]},
        }
    try:
        with transaction.atomic():
            outcome = handler(profile, item.transaction_set(), scanned.interchange)
    except DomainError as error:
        return _refusal(error)
    return _accepted(outcome)
