"""Resends by the standard's keys: an inbound interchange is a duplicate when its sender
(ISA05/ISA06) sent the same ISA13 within settings.EDI_DUPLICATE_WINDOW_DAYS and that one
was processed. Also the claim that keeps two imports of one interchange from processing it
at once, which a crashed import gives up with its connection.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from integrations.edi.registry import PartnerProfile
from integrations.models import EdiInterchange, EdiTransactionSet
from integrations.services.edi_acks import answered_groups, groups_from_rows, send_997
from integrations.services.edi_sets import record_all
from integrations.x12.stream import ScannedInterchange

logger = logging.getLogger(__name__)
Status = EdiInterchange.Status
SetStatus = EdiTransactionSet.Status
# Where intake's advisory locks live in PostgreSQL's lock space.
_LOCK_SPACE = 1717


def seen_interchange(key: str) -> EdiInterchange | None:
    """The processed (or still processing) interchange with this key within the window."""
    since = timezone.now() - datetime.timedelta(days=settings.EDI_DUPLICATE_WINDOW_DAYS)
    return (
        EdiInterchange.objects.filter(
            direction=EdiInterchange.Direction.INBOUND, dedupe_key=key, created_at__gte=since
        )
        .order_by("created_at", "id")
        .first()
    )


def serialize_on(key: str) -> None:
    """Two imports of the same interchange at once: the second waits here until the
    first has recorded it, then sees it (PostgreSQL; SQLite writes one at a time)."""
    if connection.vendor == "postgresql":
        number = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number - (1 << 63)])


def claim(record_id: int) -> bool:
    """Claim an interchange for processing until `release` (or until this connection
    ends, so a crashed import leaves it to be resumed)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_SPACE, record_id % 2**31])
        return bool(cursor.fetchone()[0])


def release(record_id: int) -> None:
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_SPACE, record_id % 2**31])
    except DatabaseError:
        # The connection broke under the import that held the claim: the claim went
        # with it, and the error that broke it is the one worth reporting.
        logger.warning("Could not release the claim on interchange %s", record_id, exc_info=True)


def duplicate_record(
    scanned: ScannedInterchange,
    original: EdiInterchange,
    fields: dict[str, Any],
    profile: PartnerProfile,
) -> EdiInterchange:
    """A resend: recorded, applied to nothing, answered again with the original's
    outcome (in the caller's transaction)."""
    record = EdiInterchange.objects.create(
        status=Status.DUPLICATE,
        duplicate_of=original,
        summary=(
            f"Resend of ISA {original.control_number}: not processed again, acknowledged "
            "again with the original's outcome."
        ),
        processed_at=timezone.now(),
        **fields,
    )
    record_all(record, scanned, status=SetStatus.DUPLICATE, reason="")
    groups = answered_groups(groups_from_rows(original, original.transaction_sets.all()))
    if groups:
        record.acknowledgment = send_997(
            original, groups, profile, header=scanned.interchange.header, resend_of=original
        )
        record.save(update_fields=["acknowledgment"])
    return record


def busy_record(
    scanned: ScannedInterchange,
    original: EdiInterchange,
    fields: dict[str, Any],
) -> EdiInterchange:
    """The same interchange is being processed by another import right now: this copy
    is recorded as a resend; the other import answers the ISA13."""
    with transaction.atomic():
        record = EdiInterchange.objects.create(
            status=Status.DUPLICATE,
            duplicate_of=original,
            summary=(
                f"Resend of ISA {original.control_number} while another import was still "
                "processing it: not processed again; that import sends the 997."
            ),
            processed_at=timezone.now(),
            **fields,
        )
        record_all(record, scanned, status=SetStatus.DUPLICATE, reason="")
    return record
