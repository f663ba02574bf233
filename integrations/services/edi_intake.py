"""Intake of partner files (issues 10 and 17): store the file, read it a chunk at a time,
check each interchange's envelope against the trading partner, detect resends, hand the
transaction sets to the mappers `suppliers` registered, record everything, and answer
every group with a 997 through the outbox.

Nothing is lost: the file's bytes are stored first, in a transaction of their own, and a
file that holds no interchange is recorded as unreadable with the reason.

Duplicates by the standard's keys: an interchange is a resend when its sender (ISA05/
ISA06) sent the same ISA13 within settings.EDI_DUPLICATE_WINDOW_DAYS and that one was
processed; a resend is recorded, applied to nothing, and answered again with the
original's outcome (and a TA1 E 025). A set's control number (ST02) only has to be unique
within its group, which the reader checks (AK5 R 23): partners that restart at 0001 in
every interchange are applied every time. Business-level duplicates (the same ASN again)
are refused by the services like any other business rule.

Transactions: the sets of an interchange are applied in batches, one transaction per batch
(with the batch's set records and the progress counter), so a long file commits as it
goes. A crash leaves the interchange "processing"; importing the file again resumes it and
applies only the sets without a record (a set's record and its effects commit together, so
none is applied twice). A set the services refuse is recorded as rejected and never gets
AK5 A; the 997 goes out once every set is recorded.

Statuses here describe the EDI traffic log (what a file was when it was read), not a
business document: they are written by this module only.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext

from integrations import metrics
from integrations.edi import registry
from integrations.edi.registry import PartnerProfile
from integrations.errors import DomainError
from integrations.models import Channel, EdiInterchange, EdiTransactionSet
from integrations.models.edi import EdiFile
from integrations.services.batch_scope import batch_scope
from integrations.services.edi_acks import (
    answered_groups,
    groups_from_rows,
    interchange_note,
    send_997,
)
from integrations.services.edi_files import edi_file_store, interchange_text
from integrations.services.edi_resends import (
    busy_record,
    claim,
    duplicate_record,
    release,
    seen_interchange,
    serialize_on,
)
from integrations.services.edi_sets import (
    ENVELOPE_REJECTION,
    finding,
    group_findings,
    map_sets,
    partner_problems,
    record_all,
    set_record,
)
from integrations.services.events import audit_record
from integrations.x12 import X12Error
from integrations.x12.stream import (
    ByteSource,
    BytesSource,
    FileSource,
    LoadedSet,
    ScannedInterchange,
    SetSpan,
    load_set,
    scan,
)

logger = logging.getLogger(__name__)

Status = EdiInterchange.Status
SetStatus = EdiTransactionSet.Status
# A batch: this many sets, or fewer when their bodies hold this many segments.
BATCH_SETS = 250
BATCH_SEGMENTS = 30_000

Progress = Callable[[EdiInterchange, int, int], None]


@dataclass
class ImportReport:
    """What one file did, for `edi_import` and the inbound-folder task: its interchanges,
    the findings outside any, and how many sets were applied, rejected or resent."""

    file_name: str
    file: EdiFile | None = None
    interchanges: list[EdiInterchange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    applied: int = 0
    refused: int = 0
    duplicates: int = 0

    @property
    def rejected(self) -> bool:
        return (
            bool(self.errors)
            or self.refused > 0
            or any(
                i.status in (Status.REJECTED, Status.PARTIALLY_ACCEPTED, Status.UNREADABLE)
                for i in self.interchanges
            )
        )


def edi_file_import(
    *,
    data: bytes | str | None = None,
    path: str | Path | None = None,
    file_name: str = "",
    partner_code: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Store and process one partner file, given as `data` or read from `path` (a chunk
    at a time: memory does not grow with the file). `partner_code` pins the partner (a
    file from its inbound folder): an interchange from other ISA ids is then rejected.
    `progress(interchange, sets done, sets in it)` is called after each committed batch."""
    if path is not None:
        with open(path, "rb") as stream:
            return _import(
                stream,
                FileSource(stream),
                file_name=file_name or Path(path).name,
                partner_code=partner_code,
                progress=progress,
            )
    raw = data.encode("utf-8") if isinstance(data, str) else (data or b"")
    return _import(
        io.BytesIO(raw),
        BytesSource(raw),
        file_name=file_name,
        partner_code=partner_code,
        progress=progress,
    )


def _import(
    stream: BinaryIO,
    source: ByteSource,
    *,
    file_name: str,
    partner_code: str,
    progress: Progress | None,
) -> ImportReport:
    stored = edi_file_store(stream=stream, file_name=file_name, partner_code=partner_code)
    stream.seek(0)
    report = ImportReport(file_name=file_name, file=stored)
    findings = []
    for item in scan(stream, encoding=stored.encoding):
        if isinstance(item, X12Error):
            findings.append(finding(item))
            report.errors.append(str(item))
            continue
        report.interchanges.append(
            _import_interchange(
                item,
                source=source,
                stored=stored,
                partner_code=partner_code,
                progress=progress,
                report=report,
            )
        )
    if findings:
        EdiFile.objects.filter(pk=stored.pk).update(findings=findings)
    if not report.interchanges:
        report.interchanges.append(_unreadable(stored, findings, partner_code=partner_code))
    return report


def _unreadable(
    stored: EdiFile, findings: list[dict[str, Any]], *, partner_code: str
) -> EdiInterchange:
    reasons = "; ".join(f["message"] for f in findings) or "The file holds no interchange."
    now = timezone.now()
    return EdiInterchange.objects.create(
        direction=EdiInterchange.Direction.INBOUND,
        status=Status.UNREADABLE,
        partner_code=partner_code,
        file_name=stored.file_name,
        file=stored,
        file_offset=0,
        file_length=stored.size,
        errors=findings,
        summary=f"Not an X12 interchange, nothing processed or acknowledged: {reasons}"[:300],
        created_at=now,
        processed_at=now,
    )


# -- one interchange ---------------------------------------------------------------------


def _fields(
    scanned: ScannedInterchange, stored: EdiFile | None, partner_code: str
) -> dict[str, Any]:
    interchange = scanned.interchange
    return {
        "direction": EdiInterchange.Direction.INBOUND,
        "partner_code": partner_code,
        "sender_qualifier": interchange.sender_qualifier[:2],
        "sender_id": interchange.sender_id[:15],
        "receiver_qualifier": interchange.receiver_qualifier[:2],
        "receiver_id": interchange.receiver_id[:15],
        "control_number": interchange.control_number[:9],
        "usage": interchange.usage[:1],
        "file_name": stored.file_name if stored else "",
        "file": stored,
        "file_offset": scanned.start,
        "file_length": scanned.end - scanned.start,
        "sets_total": len(scanned.sets),
        "created_at": timezone.now(),
    }


def _import_interchange(
    scanned: ScannedInterchange,
    *,
    source: ByteSource,
    stored: EdiFile,
    partner_code: str,
    progress: Progress | None,
    report: ImportReport,
) -> EdiInterchange:
    interchange = scanned.interchange
    if partner_code:
        profile = registry.partner_by_code(partner_code)
    else:
        profile = registry.partner_for_sender(interchange.sender_qualifier, interchange.sender_id)
    fields = _fields(scanned, stored, profile.code if profile else partner_code)
    envelope = [finding(e) for e in interchange.errors]
    if profile is None:
        return _unknown_sender(scanned, fields, envelope, partner_code, report)
    envelope += partner_problems(interchange, profile)
    groups = [f for group in interchange.groups for f in group_findings(group, profile)]
    if envelope:
        return _envelope_rejected(scanned, fields, envelope + groups, profile, report)
    key = f"{interchange.sender_qualifier}:{interchange.sender_id}:{interchange.control_number}"
    with transaction.atomic():
        serialize_on(key)
        record = seen_interchange(key[:40])
        if record is not None and record.status != Status.PROCESSING:
            report.duplicates += len(scanned.sets)
            return duplicate_record(scanned, record, fields, profile)
        if record is None:
            record = EdiInterchange.objects.create(
                status=Status.PROCESSING, dedupe_key=key[:40], errors=groups, **fields
            )
        locked = claim(record.pk)
    if not locked:
        report.errors.append(
            f"ISA {record.control_number} is being processed by another import; "
            "this copy was not processed."
        )
        report.duplicates += len(scanned.sets)
        return busy_record(scanned, record, fields)
    try:
        _apply_sets(record, scanned, source, profile, progress)
        return _finish(record, scanned, profile, report)
    finally:
        release(record.pk)


def _unknown_sender(
    scanned: ScannedInterchange,
    fields: dict[str, Any],
    envelope: list[dict[str, Any]],
    partner_code: str,
    report: ImportReport,
) -> EdiInterchange:
    interchange = scanned.interchange
    envelope.append(
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
    with transaction.atomic():
        record = EdiInterchange.objects.create(
            status=Status.REJECTED,
            errors=envelope,
            summary="Unknown sender: not processed, no 997 could be addressed.",
            processed_at=timezone.now(),
            **fields,
        )
        record_all(record, scanned, status=SetStatus.REJECTED, reason="Unknown sender.")
    report.refused += len(scanned.sets)
    return record


def _envelope_rejected(
    scanned: ScannedInterchange,
    fields: dict[str, Any],
    errors: list[dict[str, Any]],
    profile: PartnerProfile,
    report: ImportReport,
) -> EdiInterchange:
    """An interchange whose envelope is in error: no set is applied; a TA1 and a 997
    rejecting every group say why."""
    with transaction.atomic():
        record = EdiInterchange.objects.create(
            status=Status.REJECTED,
            errors=errors,
            summary=f"{len(scanned.sets)} rejected: the interchange envelope is in error",
            processed_at=timezone.now(),
            **fields,
        )
        record_all(record, scanned, status=SetStatus.REJECTED, reason=ENVELOPE_REJECTION)
        groups = answered_groups(groups_from_rows(record, record.transaction_sets.all()))
        record.acknowledgment = send_997(record, groups, profile, header=scanned.interchange.header)
        record.save(update_fields=["acknowledgment"])
    report.refused += len(scanned.sets)
    return record


# -- applying the sets -------------------------------------------------------------------


def _batches(spans: Sequence[SetSpan]) -> Iterator[list[SetSpan]]:
    batch: list[SetSpan] = []
    segments = 0
    for span in spans:
        if batch and (len(batch) >= BATCH_SETS or segments + span.body_count > BATCH_SEGMENTS):
            yield batch
            batch, segments = [], 0
        batch.append(span)
        segments += span.body_count
    if batch:
        yield batch


def _rejected_groups(record: EdiInterchange) -> set[str]:
    return {
        str(error["group_control_number"])
        for error in record.errors
        if "group_control_number" in error
    }


def _apply_sets(
    record: EdiInterchange,
    scanned: ScannedInterchange,
    source: ByteSource,
    profile: PartnerProfile,
    progress: Progress | None,
) -> None:
    """Map every set without a record yet, a batch per transaction. The next batch is
    read back from the file (and split into segments) by a helper thread while this one
    waits on the database: Python and PostgreSQL work at the same time."""
    done = set(record.transaction_sets.values_list("sequence", flat=True))
    committed = len(done)
    rejected_groups = _rejected_groups(record)
    todo = [span for span in scanned.sets if span.sequence not in done]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="edi-read") as reader:
        for loaded in _read_ahead(reader, _batches(todo), source, scanned):
            committed += _apply_batch(record, loaded, scanned, profile, rejected_groups)
            if progress is not None:
                progress(record, committed, len(scanned.sets))


def _read_ahead(
    reader: ThreadPoolExecutor,
    batches: Iterator[list[SetSpan]],
    source: ByteSource,
    scanned: ScannedInterchange,
) -> Iterator[list[LoadedSet]]:
    """The batches' sets read back, the next one read by `reader` while the caller works
    on this one, and prepared for their batch handler when it asked (parsing only:
    nothing is written or committed ahead)."""
    zone = timezone.get_current_timezone()  # a preparer reads dates as the caller would

    def load(batch: list[SetSpan]) -> list[LoadedSet]:
        loaded = [load_set(source, span, scanned.delimiters, scanned.encoding) for span in batch]
        with timezone.override(zone):
            for item in loaded:
                prepare = registry.inbound_batch_preparer(item.set_id)
                if prepare is None or item.errors:
                    continue
                # On a DomainError the handler meets it again and refuses the set with it.
                with contextlib.suppress(DomainError):
                    item.prepared = prepare(item)
        return loaded

    ahead: Future[list[LoadedSet]] | None = None
    for batch in batches:
        following = reader.submit(load, batch)
        if ahead is not None:
            yield ahead.result()
        ahead = following
    if ahead is not None:
        yield ahead.result()


def _apply_batch(
    record: EdiInterchange,
    loaded: list[LoadedSet],
    scanned: ScannedInterchange,
    profile: PartnerProfile,
    rejected_groups: set[str],
) -> int:
    """One batch in one transaction: its sets mapped, their records, the progress counter.
    The sets run in a batch scope: what their services defer to it (the inbound figures'
    refreshes) runs once for the whole batch when the last set is mapped, in this
    transaction."""
    clean = [
        item
        for item in loaded
        if not item.errors and item.span.group.control_number[:9] not in rejected_groups
    ]
    with transaction.atomic():
        with batch_scope():
            mapped = map_sets(clean, scanned, profile)
        outcomes = dict(zip(map(id, clean), mapped, strict=True))
        rows = []
        for item in loaded:
            if item.span.group.control_number[:9] in rejected_groups:
                row = set_record(record, item.span, status=SetStatus.REJECTED, loaded=item)
                row.rejection = ENVELOPE_REJECTION
            elif item.errors:
                row = set_record(record, item.span, status=SetStatus.REJECTED, loaded=item)
                row.rejection = "; ".join(str(e) for e in item.errors)
            else:
                row = set_record(record, item.span, loaded=item, **outcomes[id(item)])
            rows.append(row)
        EdiTransactionSet.objects.bulk_create(rows)
        EdiInterchange.objects.filter(pk=record.pk).update(sets_done=F("sets_done") + len(rows))
    return len(rows)


def _status(groups: Sequence[Any], record: EdiInterchange) -> str:
    if any(e.get("level") == "interchange" for e in record.errors):
        return Status.REJECTED
    answers = {g.answer for g in groups}
    if answers == {"A"}:
        return Status.ACCEPTED
    if answers <= {"R"}:
        return Status.REJECTED
    return Status.PARTIALLY_ACCEPTED


def _summary(counts: Counter[str]) -> str:
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no sets"


def _finish(
    record: EdiInterchange,
    scanned: ScannedInterchange,
    profile: PartnerProfile,
    report: ImportReport,
) -> EdiInterchange:
    """Every set is recorded: the interchange's outcome and its 997, in one transaction."""
    with transaction.atomic():
        record = EdiInterchange.objects.select_for_update().get(pk=record.pk)
        rows = list(record.transaction_sets.all())
        groups = groups_from_rows(record, rows)
        counts = Counter(row.status for row in rows)
        metrics.edi_sets_counted((row.set_id, row.status) for row in rows)
        record.status = _status(groups, record)
        record.summary = _summary(counts)
        record.processed_at = timezone.now()
        record.sets_done = len(rows)
        answered = answered_groups(groups)
        if answered or interchange_note(record):
            record.acknowledgment = send_997(
                record, answered, profile, header=scanned.interchange.header
            )
        record.save()
    report.applied += counts[SetStatus.ACCEPTED]
    report.refused += counts[SetStatus.REJECTED]
    return record


# -- reprocessing ------------------------------------------------------------------------


@transaction.atomic
def edi_interchange_reprocess(*, actor: Any, interchange: EdiInterchange) -> EdiInterchange:
    """Run the mappers again for the rejected, syntactically clean sets of an inbound
    interchange (after an operator fixed the partner's mapping), then acknowledge it again."""
    interchange = EdiInterchange.objects.select_for_update().get(pk=interchange.pk)
    if not interchange.can_reprocess:
        raise DomainError(
            gettext(
                "Only a rejected or partly accepted inbound interchange can be reprocessed; "
                "this one is %(state)s."
            )
            % {"state": interchange.get_status_display().lower()},
            field="status",
        )
    profile = registry.partner_by_code(interchange.partner_code)
    if profile is None:
        raise DomainError(
            gettext("No trading partner %(code)s any more.")
            % {"code": repr(interchange.partner_code)}
        )
    data = interchange_text(interchange).encode("utf-8")
    scanned = next((i for i in scan(io.BytesIO(data)) if not isinstance(i, X12Error)), None)
    if scanned is None:
        raise DomainError(gettext("The stored interchange cannot be read any more."))
    envelope = [finding(e) for e in scanned.interchange.errors]
    if envelope + partner_problems(scanned.interchange, profile):
        raise DomainError(
            gettext("The interchange envelope is in error; ask the partner to resend it.")
        )
    before = interchange.status
    interchange.errors = [
        f for group in scanned.interchange.groups for f in group_findings(group, profile)
    ]
    rejected_groups = _rejected_groups(interchange)
    rows = {row.sequence: row for row in interchange.transaction_sets.all()}
    source = BytesSource(data)
    retry = []
    for span in scanned.sets:
        row = rows.get(span.sequence)
        if row is None or row.status != SetStatus.REJECTED:
            continue
        if span.group.control_number[:9] in rejected_groups:
            continue
        loaded = load_set(source, span, scanned.delimiters, "utf-8")
        if not loaded.errors:
            retry.append(loaded)
    # The mappers' errors become the stored rejections and the 997's notes to the partner:
    # English, like the worker's, whatever the operator's language.
    with translation.override("en"), batch_scope():
        outcomes = list(map_sets(retry, scanned, profile))
    for loaded, outcome in zip(retry, outcomes, strict=True):
        row = rows[loaded.span.sequence]
        row.status = outcome["status"]
        row.rejection = outcome.get("rejection", "")
        row.result = outcome.get("result", {})
        row.documents = outcome.get("documents", [])
        row.save(update_fields=["status", "rejection", "result", "documents"])
    ordered = [rows[n] for n in sorted(rows)]
    groups = groups_from_rows(interchange, ordered)
    interchange.status = _status(groups, interchange)
    audit_record(
        actor=actor,
        channel=Channel.PORTAL,
        obj=interchange,
        action="reprocessed",
        before={"status": before},
        after={"status": interchange.status},
    )
    interchange.reprocess_count += 1
    interchange.summary = _summary(Counter(row.status for row in ordered))
    interchange.processed_at = timezone.now()
    answered = answered_groups(groups)
    if answered:
        interchange.acknowledgment = send_997(interchange, answered, profile)
    interchange.save()
    return interchange
