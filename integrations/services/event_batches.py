"""`publish()` for many events at once, for set-based writers (an 846 feed publishes one
event per set, thousands per file): the same outbox contract — every envelope validated,
stored with one delivery per subscribed connector in the caller's transaction, queued
after commit — in a constant number of statements: one read of the aggregates' last
sequences, one insert of the events, one read of held-back aggregates, one insert of the
deliveries.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone

from integrations.contracts import validate_envelope
from integrations.correlation import current_correlation_id
from integrations.models import Channel, Connector, Delivery, Event
from integrations.services.events import _enqueue_on_commit, new_correlation_id
from integrations.services.notices import announce


@dataclass(frozen=True)
class NewEvent:
    event_type: str
    aggregate_type: str
    aggregate_id: str
    data: dict[str, Any]
    version: int = 1


def publish_many(
    *,
    events: Sequence[NewEvent],
    actor: Any = None,
    channel: str = Channel.SYSTEM,
    correlation_id: str = "",
) -> list[Event]:
    """Store `events` in order (sequences continue each aggregate's), with their
    deliveries, in the caller's transaction. Callers hold a lock on the aggregates, as
    for `publish()`. Their data must be JSON-ready already (str, numbers, lists, dicts:
    no Decimal or date), as set-based writers build it: walking half a million values
    again to convert them would cost more than the write."""
    if not events:
        return []
    last: dict[tuple[str, str], int] = {}
    for aggregate_type in {e.aggregate_type for e in events}:
        ids = {e.aggregate_id for e in events if e.aggregate_type == aggregate_type}
        rows = (
            Event.objects.filter(aggregate_type=aggregate_type, aggregate_id__in=ids)
            .values_list("aggregate_id")
            .annotate(last=Max("sequence"))
        )
        last.update({(aggregate_type, aggregate_id): n for aggregate_id, n in rows})
    now = timezone.now()
    correlation = correlation_id or current_correlation_id() or new_correlation_id()
    rows_out = []
    for new in events:
        key = (new.aggregate_type, new.aggregate_id)
        last[key] = last.get(key, 0) + 1
        event = Event(
            id=uuid.uuid4(),
            type=new.event_type,
            version=new.version,
            occurred_at=now,
            aggregate_type=new.aggregate_type,
            aggregate_id=new.aggregate_id,
            sequence=last[key],
            correlation_id=correlation,
            source_channel=Channel(channel),
            source_actor=str(actor) if actor is not None else "system",
            data=new.data,
        )
        validate_envelope(event.envelope())
        rows_out.append(event)
    Event.objects.bulk_create(rows_out, batch_size=1000)
    for event in rows_out:
        announce(event.type, event.aggregate_type, event.aggregate_id, event.data)
    _deliver(rows_out, now)
    return rows_out


def _deliver(events: list[Event], now: Any) -> None:
    connectors = list(Connector.objects.filter(enabled=True).only("id", "event_types"))
    wanted = [
        (event, connector)
        for event in events
        for connector in connectors
        if connector.subscribes_to(event.type)
    ]
    if not wanted:
        return
    keys = {f"{event.aggregate_type}:{event.aggregate_id}" for event, _ in wanted}
    # An aggregate whose earlier delivery is dead stays held back (per-document order).
    held = set(
        Delivery.objects.filter(
            aggregate_key__in=keys,
            status__in=(Delivery.Status.DEAD, Delivery.Status.BLOCKED),
        ).values_list("connector_id", "aggregate_key")
    )
    deliveries = []
    for event, connector in wanted:
        key = f"{event.aggregate_type}:{event.aggregate_id}"
        deliveries.append(
            Delivery(
                event=event,
                connector=connector,
                aggregate_key=key,
                sequence=event.sequence,
                status=Delivery.Status.BLOCKED
                if (connector.pk, key) in held
                else Delivery.Status.PENDING,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    created = Delivery.objects.bulk_create(deliveries, batch_size=1000)
    pending = [d for d in created if d.status == Delivery.Status.PENDING]
    if pending:
        _enqueue_on_commit(pending)
