"""Retention: every table that grows with traffic is purged on a schedule (issue 18).

One rule per table, each with its own setting (days; 0 keeps the rows forever):

- outbox (RETENTION_OUTBOX_DAYS): events whose deliveries are all done, with their
  deliveries and attempts, except each document's latest event;
- api_request_log (API_REQUEST_LOG_DAYS): the API request log;
- inbound_dedupe (RETENTION_INBOUND_DAYS): inbound dedupe keys (a repeat of a message
  after that is processed as new);
- idempotency (API_IDEMPOTENCY_HOURS, hours): API idempotency records;
- audit (RETENTION_AUDIT_DAYS): audit entries, kept longest.

Rows go in batches of RETENTION_BATCH_SIZE primary keys, each batch its own short
transaction: a purge never holds a lock on a table for long, and one interrupted half-way
keeps what it has done. The newest event of every document is kept whatever its age:
the next event's sequence number continues from it (services/events.py), so consumers
never see a document's sequence start again.

Each run is recorded as one audit entry (object type `PURGE_OBJECT_TYPE`, action
`purged`, `after` = the rows each rule deleted, when it started and how long it took), so
the operator page can show the last purge without a table of its own; it is written after
the deletes, so a purge never removes the record of itself.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from integrations.correlation import current_correlation_id
from integrations.models import (
    ApiRequestLog,
    AuditEntry,
    Channel,
    Delivery,
    DeliveryAttempt,
    EdiInterchange,
    Event,
    IdempotencyRecord,
    InboundMessage,
)
from integrations.models.edi import EdiFile, EdiFileChunk
from integrations.selectors.retention import PURGE_ACTION, PURGE_OBJECT_TYPE
from portal.access import Actor, actor_user

logger = logging.getLogger("integrations.retention")


@dataclass(frozen=True)
class Rule:
    name: str
    # The models whose tables the rule empties (what the operator page sizes).
    tables: tuple[type[models.Model], ...]
    # How long rows are kept (None: forever), read from settings when the purge runs.
    kept_for: Callable[[], datetime.timedelta | None]
    # The rows past `cutoff`, whose primary keys are purged batch by batch.
    expired: Callable[[datetime.datetime], models.QuerySet[Any]]
    # Deletes one batch of primary keys (and what depends on them).
    delete: Callable[[list[Any]], None]


def _days(setting: str) -> Callable[[], datetime.timedelta | None]:
    def kept_for() -> datetime.timedelta | None:
        days = getattr(settings, setting)
        return datetime.timedelta(days=days) if days > 0 else None

    return kept_for


def _hours(setting: str) -> Callable[[], datetime.timedelta | None]:
    def kept_for() -> datetime.timedelta | None:
        hours = getattr(settings, setting)
        return datetime.timedelta(hours=hours) if hours > 0 else None

    return kept_for


def _expired_events(cutoff: datetime.datetime) -> models.QuerySet[Event]:
    not_done = Delivery.objects.filter(event=OuterRef("pk")).exclude(
        status__in=Delivery.DONE_STATUSES
    )
    newer = Event.objects.filter(
        aggregate_type=OuterRef("aggregate_type"),
        aggregate_id=OuterRef("aggregate_id"),
        sequence__gt=OuterRef("sequence"),
    )
    return Event.objects.filter(occurred_at__lt=cutoff).filter(~Exists(not_done), Exists(newer))


def _delete_events(ids: list[Any]) -> None:
    # Children first, each by key: no cascade has to be collected row by row.
    DeliveryAttempt.objects.filter(delivery__event_id__in=ids).delete()
    Delivery.objects.filter(event_id__in=ids).delete()
    Event.objects.filter(pk__in=ids).delete()


def _delete(model: type[models.Model]) -> Callable[[list[Any]], None]:
    def delete(ids: list[Any]) -> None:
        model._default_manager.filter(pk__in=ids).delete()

    return delete


RULES = (
    Rule(
        "outbox",
        (Event, Delivery, DeliveryAttempt),
        _days("RETENTION_OUTBOX_DAYS"),
        _expired_events,
        _delete_events,
    ),
    Rule(
        "api_request_log",
        (ApiRequestLog,),
        _days("API_REQUEST_LOG_DAYS"),
        lambda cutoff: ApiRequestLog.objects.filter(at__lt=cutoff),
        _delete(ApiRequestLog),
    ),
    Rule(
        "inbound_dedupe",
        (InboundMessage,),
        _days("RETENTION_INBOUND_DAYS"),
        lambda cutoff: InboundMessage.objects.filter(received_at__lt=cutoff),
        _delete(InboundMessage),
    ),
    Rule(
        "idempotency",
        (IdempotencyRecord,),
        _hours("API_IDEMPOTENCY_HOURS"),
        lambda cutoff: IdempotencyRecord.objects.filter(created_at__lt=cutoff),
        _delete(IdempotencyRecord),
    ),
    # Past the duplicate window a resent ISA13 is no longer a duplicate, so the EDI
    # traffic has done its job: interchanges first, then the files they pointed into.
    Rule(
        "edi_interchanges",
        (EdiInterchange,),
        _days("EDI_DUPLICATE_WINDOW_DAYS"),
        lambda cutoff: EdiInterchange.objects.filter(created_at__lt=cutoff),
        _delete(EdiInterchange),
    ),
    Rule(
        "edi_files",
        (EdiFile, EdiFileChunk),
        _days("EDI_DUPLICATE_WINDOW_DAYS"),
        lambda cutoff: EdiFile.objects.filter(received_at__lt=cutoff),
        _delete(EdiFile),
    ),
    Rule(
        "audit",
        (AuditEntry,),
        _days("RETENTION_AUDIT_DAYS"),
        lambda cutoff: AuditEntry.objects.filter(occurred_at__lt=cutoff),
        _delete(AuditEntry),
    ),
)


def _purge_rule(rule: Rule, *, now: datetime.datetime, batch_size: int) -> int:
    kept_for = rule.kept_for()
    if kept_for is None:
        return 0
    expired = rule.expired(now - kept_for).order_by("pk").values_list("pk", flat=True)
    purged = 0
    while True:
        # Each batch re-reads the first keys left: what the last batch deleted is gone.
        with transaction.atomic():
            ids = list(expired[:batch_size])
            if not ids:
                return purged
            rule.delete(ids)
        purged += len(ids)


def retention_purge(
    *, actor: Actor, now: datetime.datetime | None = None, batch_size: int | None = None
) -> dict[str, int]:
    """Delete every table's rows past its retention, batch by batch; returns how many rows
    each rule deleted (an outbox count is of events; their deliveries and attempts go with
    them). Deliberately not one transaction: see the module docstring. `actor` is None for
    the scheduled task. The run is recorded as one audit entry (PURGE_OBJECT_TYPE)."""
    started = timezone.now()
    now = now or started
    size = batch_size or settings.RETENTION_BATCH_SIZE
    counts = {rule.name: _purge_rule(rule, now=now, batch_size=size) for rule in RULES}
    seconds = (timezone.now() - started).total_seconds()
    AuditEntry.objects.create(
        occurred_at=timezone.now(),
        actor=actor_user(actor),
        actor_label=str(actor) if actor is not None else "system",
        channel=Channel.SYSTEM,
        object_type=PURGE_OBJECT_TYPE,
        object_id=started.strftime("%Y-%m-%dT%H:%M:%S"),
        object_repr="Retention purge",
        action=PURGE_ACTION,
        after={
            "rows": counts,
            "as_of": now.isoformat(),
            "started_at": started.isoformat(),
            "seconds": round(seconds, 3),
        },
        correlation_id=current_correlation_id(),
    )
    logger.info(
        "retention purge%s: %s",
        f" by {actor}" if actor is not None else "",
        ", ".join(f"{name}={count}" for name, count in counts.items()),
    )
    return counts
