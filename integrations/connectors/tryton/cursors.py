"""Incremental pulls: each stream (purchases, receipts, invoices, stock moves) of a
connector keeps the newest Tryton `write_date` it has read (`ErpPullCursor`). The next
pull asks for changes since that stamp less an overlap (a Tryton transaction that
started earlier may commit after our read; re-reading a minute or two is cheap, inbound
dedupe makes it a no-op). A full resync on demand (`full_resync_request`,
`manage.py configure_tryton_connector --full-resync`) reads everything once and starts
the cursor again.

Tryton's stamps are naive UTC datetimes; the cursor stores them as aware UTC.
"""

import datetime
from typing import Any

from django.utils import timezone

from integrations.models import Connector, ErpPullCursor

DEFAULT_OVERLAP_SECONDS = 120
STREAMS = ("purchases", "receipts", "invoices", "stock_moves")


def cursor_for(connector: Connector, stream: str) -> ErpPullCursor:
    cursor, _ = ErpPullCursor.objects.get_or_create(connector=connector, stream=stream)
    return cursor


def since_for(
    cursor: ErpPullCursor, *, overlap_seconds: float | None = None
) -> datetime.datetime | None:
    """The `since` to ask Tryton for (naive UTC), or None for a full read."""
    if cursor.full_resync_requested or cursor.position is None:
        return None
    if overlap_seconds is None:
        overlap_seconds = float(
            cursor.connector.config.get("pull_overlap_seconds", DEFAULT_OVERLAP_SECONDS)
        )
    since = cursor.position - datetime.timedelta(seconds=overlap_seconds)
    return since.astimezone(datetime.UTC).replace(tzinfo=None)


def cursor_advance(
    cursor: ErpPullCursor,
    *,
    stamp: datetime.datetime | None,
    read: int,
    retry_ids: list[str] | None = None,
) -> ErpPullCursor:
    """Move the cursor to the newest stamp seen (never back), after a pull succeeded;
    `retry_ids` are the documents refused this time, read again next time."""
    cursor.retry_ids = sorted(set(retry_ids or []))
    if stamp is not None:
        aware = stamp.replace(tzinfo=datetime.UTC) if timezone.is_naive(stamp) else stamp
        if cursor.position is None or aware > cursor.position:
            cursor.position = aware
    cursor.full_resync_requested = False
    cursor.last_pull_at = timezone.now()
    cursor.last_read = read
    cursor.save()
    return cursor


def full_resync_request(connector: Connector) -> int:
    """The next pull of every stream reads everything again."""
    for stream in STREAMS:
        cursor_for(connector, stream)
    return ErpPullCursor.objects.filter(connector=connector).update(full_resync_requested=True)


def changed_since(since: datetime.datetime, also_ids: list[int] | None) -> list[Any]:
    """The Tryton domain clause of a pull: records written or created since the stamp,
    and the ids a previous pull could not take yet (read again until they go in)."""
    return [
        "OR",
        ("write_date", ">=", since),
        ("create_date", ">=", since),
        ("id", "in", also_ids or []),
    ]
